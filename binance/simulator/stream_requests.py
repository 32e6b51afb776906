"""Requests a client sends on a market-stream connection, and Binance's answers.

Parsing and answer building only, free of I/O: ``SUBSCRIBE``, ``UNSUBSCRIBE``,
``LIST_SUBSCRIPTIONS``, ``SET_PROPERTY`` and ``GET_PROPERTY`` with the error
codes and messages Binance uses. Errors go out as
``{"error":{"code":N,"msg":"..."},"id":<id or null>}``.
"""
from typing import Any, List, NamedTuple, Optional, Union

import orjson

METHODS = ('SUBSCRIBE', 'UNSUBSCRIBE', 'LIST_SUBSCRIPTIONS', 'SET_PROPERTY', 'GET_PROPERTY')
PROPERTIES = ('combined',)

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1

RequestId = Union[int, str, None]


class StreamRequest(NamedTuple):
    """One well-formed request: ``method`` is one of :data:`METHODS`."""

    method: str
    params: Optional[List[Any]]
    id: RequestId


class RequestError(Exception):
    """A request Binance would answer with an error frame.

    Args:
        code: Binance's error code (0 unknown property, 1 bad value type,
            2 invalid request, 3 invalid JSON).
        msg: the message text.
        request_id: the id to echo (None when it could not be read).
    """

    def __init__(self, code: int, msg: str, request_id: RequestId = None) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.request_id = request_id

    def to_bytes(self) -> bytes:
        """The error frame's JSON."""
        return error_bytes(self.code, self.msg, self.request_id)


def result_bytes(request_id: RequestId, result: Any = None) -> bytes:
    """A success answer, e.g. ``{"result":null,"id":1}``."""
    return orjson.dumps({'result': result, 'id': request_id})


def error_bytes(code: int, msg: str, request_id: RequestId = None) -> bytes:
    """An error answer, e.g. ``{"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":1}``."""
    return orjson.dumps({'error': {'code': code, 'msg': msg}, 'id': request_id})


def valid_request_id(value: Any) -> bool:
    """Binance accepts a 64-bit signed integer, an alphanumeric string of at most 36, or null."""
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return _INT64_MIN <= value <= _INT64_MAX
    if isinstance(value, str):
        return 0 < len(value) <= 36 and value.isascii() and value.isalnum()
    return False


def _position_after(text: str, needle: str, start: int = 0) -> int:
    """1-based column just past ``needle`` in the last line, as serde reports positions."""
    index = text.find(needle, start)
    end = len(text) if index < 0 else index + len(needle)
    line_start = text.rfind('\n', 0, end) + 1
    return end - line_start


def _line_of(text: str, end: int) -> int:
    return text.count('\n', 0, end) + 1


def parse_request(payload: bytes) -> StreamRequest:
    """Parse one incoming text message.

    Raises:
        RequestError: the answer Binance gives to a malformed request.
    """
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise RequestError(3, 'Invalid JSON: expected value at line {} column {}'.format(
            exc.lineno, exc.colno)) from None
    text = payload.decode('utf-8', 'replace')
    if not isinstance(data, dict):
        raise RequestError(2, 'Invalid request: invalid type: {}, expected struct Request at line 1 '
                              'column {}'.format(_json_type(data), len(text)))
    request_id = data.get('id') if valid_request_id(data.get('id')) else None
    if 'method' not in data:
        raise RequestError(2, 'Invalid request: missing field `method` at line {} column {}'.format(
            _line_of(text, len(text)), len(text.rstrip().rsplit('\n', 1)[-1])), request_id)
    method = data['method']
    if method not in METHODS:
        shown = method if isinstance(method, str) else orjson.dumps(method).decode()
        key = text.find('"method"')
        column = _position_after(text, orjson.dumps(method).decode(), max(key, 0))
        raise RequestError(2, 'Invalid request: unknown variant `{}`, expected one of {} at line 1 '
                              'column {}'.format(shown, ', '.join('`{}`'.format(m) for m in METHODS),
                                                 column), request_id)
    if 'id' not in data or not valid_request_id(data['id']):
        raise RequestError(2, 'Invalid request: request ID must be an unsigned integer', None)
    params = data.get('params')
    if params is not None and not isinstance(params, list):
        raise RequestError(2, 'Invalid request: invalid type: {}, expected a sequence'.format(
            _json_type(params)), request_id)
    return StreamRequest(method, params, data['id'])


def check_property_params(request: StreamRequest) -> str:
    """Validate ``GET_PROPERTY``/``SET_PROPERTY`` params; returns the property name.

    Raises:
        RequestError: a missing or non-string name, a wrong value type, extra
            parameters, or an unknown property.
    """
    params = request.params or []
    wanted = 2 if request.method == 'SET_PROPERTY' else 1
    if not params or not isinstance(params[0], str):
        raise RequestError(2, 'Invalid request: property name must be a string', request.id)
    if len(params) > wanted:
        raise RequestError(2, 'Invalid request: too many parameters', request.id)
    if params[0] not in PROPERTIES:
        raise RequestError(0, 'Unknown property', request.id)
    if wanted == 2 and (len(params) < 2 or not isinstance(params[1], bool)):
        raise RequestError(1, 'Invalid value type: expected Boolean', request.id)
    return params[0]


def check_stream_params(request: StreamRequest) -> List[str]:
    """The stream names of a ``SUBSCRIBE``/``UNSUBSCRIBE`` (each must be a string).

    Raises:
        RequestError: params missing or holding something that is not a string.
    """
    params = request.params
    if params is None:
        raise RequestError(2, 'Invalid request: missing field `params`', request.id)
    if not all(isinstance(p, str) for p in params):
        raise RequestError(2, 'Invalid request: invalid stream', request.id)
    return list(params)


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return 'sequence'
    if isinstance(value, str):
        return 'string {}'.format(orjson.dumps(value).decode())
    if isinstance(value, bool):
        return 'boolean `{}`'.format('true' if value else 'false')
    if isinstance(value, (int, float)):
        return '{} `{}`'.format('integer' if isinstance(value, int) else 'floating point', value)
    if value is None:
        return 'null'
    return 'map'
