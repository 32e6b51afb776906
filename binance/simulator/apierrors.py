"""Binance's error answers, shared by the simulator's REST endpoints and WebSocket API.

An :class:`ApiError` carries the HTTP status (also the ``status`` of a
WebSocket API response) and Binance's ``{"code", "msg"}`` pair. Messages are
Binance's own texts; none of them contains a key, signature or token.
"""
from typing import Any, Dict, Optional


class ApiError(Exception):
    """An error Binance would answer with.

    Attributes:
        status: HTTP status (and WebSocket API ``status``).
        code: Binance's negative error code.
        msg: Binance's message.
        retry_after: seconds for the ``Retry-After`` header (429/418), else ``None``.
    """

    def __init__(self, status: int, code: int, msg: str, retry_after: Optional[int] = None) -> None:
        super().__init__('{} {}: {}'.format(status, code, msg))
        self.status = status
        self.code = code
        self.msg = msg
        self.retry_after = retry_after

    def body(self) -> Dict[str, Any]:
        """The JSON error object ``{"code": ..., "msg": ...}``."""
        return {'code': self.code, 'msg': self.msg}


def internal() -> ApiError:
    """-1000 with HTTP 500: the simulator itself failed (a bug, logged)."""
    return ApiError(500, -1000, 'An unknown error occurred while processing the request.')


def mandatory(name: str) -> ApiError:
    """-1102: a mandatory parameter is missing or malformed."""
    return ApiError(400, -1102, "Mandatory parameter '{}' was not sent, was empty/null, "
                                "or malformed.".format(name))


def illegal_chars(name: str, legal: str = '^[0-9]{1,20}$') -> ApiError:
    """-1100: a parameter has characters outside its legal range."""
    return ApiError(400, -1100, "Illegal characters found in parameter '{}'; legal range is "
                                "'{}'.".format(name, legal))


def invalid_value(name: str) -> ApiError:
    """-1130: a parameter's value is not valid."""
    return ApiError(400, -1130, "Data sent for parameter '{}' is not valid.".format(name))


def bad_symbol() -> ApiError:
    """-1121: unknown symbol."""
    return ApiError(400, -1121, 'Invalid symbol.')


def bad_api_key_format() -> ApiError:
    """-2014: the API key is missing or malformed."""
    return ApiError(401, -2014, 'API-key format invalid.')


def rejected_api_key() -> ApiError:
    """-2015: the API key is not known (or lacks the permission)."""
    return ApiError(401, -2015, 'Invalid API-key, IP, or permissions for action.')


def invalid_signature() -> ApiError:
    """-1022: the signature does not match."""
    return ApiError(400, -1022, 'Signature for this request is not valid.')


def outside_recv_window() -> ApiError:
    """-1021: the timestamp is older than ``recvWindow``."""
    return ApiError(400, -1021, 'Timestamp for this request is outside of the recvWindow.')


def ahead_of_server() -> ApiError:
    """-1021: the timestamp is more than one second in the future."""
    return ApiError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.")


def bad_recv_window() -> ApiError:
    """-1131: ``recvWindow`` above the 60000 ms maximum."""
    return ApiError(400, -1131, 'recvWindow must be less than 60000')


def invalid_listen_key() -> ApiError:
    """-1125: unknown or expired listen key."""
    return ApiError(400, -1125, 'This listenKey does not exist.')


def invalid_listen_token() -> ApiError:
    """-1209: unknown or expired listen token."""
    return ApiError(400, -1209, 'Invalid listenToken.')


def invalid_side() -> ApiError:
    """-1117: side is not BUY or SELL."""
    return ApiError(400, -1117, 'Invalid side.')


def invalid_type() -> ApiError:
    """-1116: unsupported order type."""
    return ApiError(400, -1116, 'Invalid orderType.')


def filter_failure(name: str) -> ApiError:
    """-1013: an order fails one of the symbol's filters."""
    return ApiError(400, -1013, 'Filter failure: {}'.format(name))


def order_rejected(msg: str) -> ApiError:
    """-2010: a new order was rejected."""
    return ApiError(400, -2010, msg)


def insufficient_balance() -> ApiError:
    """-2010: not enough free balance for the order."""
    return order_rejected('Account has insufficient balance for requested action.')


def cancel_rejected() -> ApiError:
    """-2011: cancel of an unknown or finished order."""
    return ApiError(400, -2011, 'Unknown order sent.')


def no_such_order() -> ApiError:
    """-2013: the order does not exist."""
    return ApiError(400, -2013, 'Order does not exist.')


def too_much_weight(limit: int, retry_after: int) -> ApiError:
    """429 / -1003: request weight over the per-minute limit."""
    return ApiError(429, -1003, 'Too much request weight used; current limit is {} request weight '
                                'per 1 MINUTE. Please use WebSocket Streams for live updates to '
                                'avoid polling the API.'.format(limit), retry_after)


def ip_banned(until_ms: int, retry_after: int) -> ApiError:
    """418 / -1003: the IP is banned for ignoring 429 answers."""
    return ApiError(418, -1003, 'Way too much request weight used; IP banned until {}. Please use '
                                'WebSocket Streams for live updates to avoid bans.'.format(until_ms),
                    retry_after)


def unsupported_operation() -> ApiError:
    """-1020: unknown method or path."""
    return ApiError(400, -1020, 'This operation is not supported.')


def subscription_active() -> ApiError:
    """-2035: the connection already has a subscription for this account."""
    return ApiError(400, -2035, 'User Data Stream subscription already active.')


def subscription_inactive() -> ApiError:
    """-2036: no such user data stream subscription on this connection."""
    return ApiError(400, -2036, 'User Data Stream subscription not active.')


def too_many_orders(limit: int, interval: str, retry_after: int) -> ApiError:
    """429 / -1015: too many new orders in a window."""
    return ApiError(429, -1015, 'Too many new orders; current limit is {} orders per {}.'.format(
        limit, interval), retry_after)


def not_supported(what: str) -> ApiError:
    """-1013-like refusal of something the simulator does not model, naming it."""
    return ApiError(400, -1100, 'The simulator does not support {}.'.format(what))
