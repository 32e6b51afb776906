"""Checks of signed requests, shared by the REST endpoints and the WebSocket API.

Pure functions of the request and the server time; they raise
:class:`~binance.simulator.apierrors.ApiError` with Binance's codes. The order
of the checks follows what a client sees from Binance: API key first, then the
mandatory ``timestamp``, ``recvWindow``'s range, the time window, and last the
signature.
"""
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping, Optional, Union

from .. import signing
from . import apierrors

DEFAULT_RECV_WINDOW_MS = 5000
MAX_RECV_WINDOW_MS = 60000
#: A timestamp may be at most this far ahead of the server's clock.
MAX_AHEAD_MS = 1000
# Timestamps above this are microseconds (13 digits of ms last until year 2286).
_MICROSECONDS_ABOVE = 10 ** 14
_API_KEY_CHARS = re.compile(r'^[\x21-\x7e]{1,256}$')


def check_api_key(api_keys: Mapping[str, str], api_key: Optional[str]) -> str:
    """Return the secret of ``api_key``.

    Raises:
        ApiError: -2014 for a missing or malformed key, -2015 for an unknown one.
    """
    if not api_key or not _API_KEY_CHARS.match(api_key):
        raise apierrors.bad_api_key_format()
    secret = api_keys.get(api_key)
    if secret is None:
        raise apierrors.rejected_api_key()
    return secret


def _text(value: Any) -> str:
    return value.decode('utf-8', 'replace') if isinstance(value, bytes) else str(value)


def timestamp_ms(params: Mapping[str, Any]) -> float:
    """The request's ``timestamp`` in milliseconds (microseconds accepted).

    Raises:
        ApiError: -1102 when missing or not an integer.
    """
    raw = params.get('timestamp')
    text = _text(raw) if raw is not None else ''
    if not text.isdigit():
        raise apierrors.mandatory('timestamp')
    value = int(text)
    return value / 1000.0 if value > _MICROSECONDS_ABOVE else float(value)


def recv_window_ms(params: Mapping[str, Any]) -> float:
    """The request's ``recvWindow`` (default 5000, up to three decimals).

    Raises:
        ApiError: -1100 when not a number, -1131 when above 60000 or not positive.
    """
    raw = params.get('recvWindow')
    if raw is None or raw == '':
        return float(DEFAULT_RECV_WINDOW_MS)
    try:
        value = Decimal(_text(raw))
    except InvalidOperation:
        raise apierrors.illegal_chars('recvWindow', '^[0-9]{1,20}(\\.[0-9]{1,3})?$') from None
    if not value.is_finite() or value.as_tuple().exponent < -3:  # type: ignore[operator]
        raise apierrors.illegal_chars('recvWindow', '^[0-9]{1,20}(\\.[0-9]{1,3})?$')
    if value <= 0 or value > MAX_RECV_WINDOW_MS:
        raise apierrors.bad_recv_window()
    return float(value)


def check_timing(params: Mapping[str, Any], now_ms: float) -> None:
    """Binance's timing security: reject stale or future requests.

    Raises:
        ApiError: -1102, -1100, -1131 or -1021.
    """
    timestamp = timestamp_ms(params)
    window = recv_window_ms(params)
    if timestamp >= now_ms + MAX_AHEAD_MS:
        raise apierrors.ahead_of_server()
    if now_ms - timestamp > window:
        raise apierrors.outside_recv_window()


def check_signed(api_keys: Mapping[str, str], api_key: Optional[str], params: Mapping[str, Any],
                 payload: Union[str, bytes], signature: Optional[str], now_ms: float) -> str:
    """All checks of a signed request; returns the API key's secret.

    Args:
        api_keys: configured ``{api_key: secret}``.
        api_key: the key the request names (header or ``apiKey`` param).
        params: decoded parameters (for ``timestamp`` and ``recvWindow``).
        payload: the exact bytes that were signed.
        signature: the ``signature`` parameter.
        now_ms: server time in milliseconds.

    Raises:
        ApiError: the first failing check, with Binance's code.
    """
    secret = check_api_key(api_keys, api_key)
    check_timing(params, now_ms)
    if signature is None or signature == '':
        raise apierrors.mandatory('signature')
    if not signing.verify_signature(secret, payload, signature):
        raise apierrors.invalid_signature()
    return secret
