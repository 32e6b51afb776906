"""Exceptions raised by the REST client and the socket manager.

Every exception class of python-binance 0.7.11 exists here with a compatible
constructor; :class:`BinanceAPIException` accepts both 0.7.11's single
``requests`` response and this library's ``(status_code, code, message)``.

Messages name the endpoint and Binance's answer, never an API secret,
signature, listen key or token.
"""
from typing import Any, Optional

__all__ = [
    'BinanceAPIException', 'BinanceRateLimitError', 'BinanceRequestException',
    'BinanceEndpointRemovedError', 'BinanceOrderException', 'BinanceOrderMinAmountException',
    'BinanceOrderMinPriceException', 'BinanceOrderMinTotalException',
    'BinanceOrderUnknownSymbolException', 'BinanceOrderInactiveSymbolException',
    'BinanceWithdrawException', 'BinanceWebsocketError', 'ReactorStoppedError',
]


def _looks_like_response(value: Any) -> bool:
    return hasattr(value, 'status_code') and callable(getattr(value, 'json', None))


class BinanceAPIException(Exception):
    """Binance answered a request with an error.

    Two ways to build one:

    * ``BinanceAPIException(response)``, as in python-binance 0.7.11: the
      status, code and message are read from a ``requests`` response;
    * ``BinanceAPIException(status_code, code, message, retry_after=None,
      endpoint='', response=None)``.

    Attributes:
        status_code: the HTTP status.
        code: Binance's numeric error code (``0`` when the body had none).
        message: Binance's ``msg`` text.
        retry_after: seconds from the ``Retry-After`` header on 429/418, else ``None``.
        endpoint: the request's method and path, without query string.
        response: the ``requests`` response, if there was one.
        request: the request of that response (0.7.11's attribute), or ``None``.
    """

    def __init__(self, status_code: Any, code: Optional[int] = None, message: Optional[str] = None,
                 retry_after: Optional[float] = None, endpoint: str = '',
                 response: Any = None) -> None:
        if code is None and message is None and _looks_like_response(status_code):
            response = status_code
            status_code, code, message = _read_response(response)
            if retry_after is None:
                retry_after = _retry_after_header(response)
        self.status_code = status_code
        self.code = 0 if code is None else code
        self.message = '' if message is None else message
        self.retry_after = retry_after
        self.endpoint = endpoint
        self.response = response
        self.request = getattr(response, 'request', None)
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ' ({})'.format(self.endpoint) if self.endpoint else ''
        text = 'APIError(code={}): {}{}'.format(self.code, self.message, where)
        if self.retry_after is not None:
            text += '; retry after {:g} s'.format(self.retry_after)
        return text


def _read_response(response: Any) -> 'tuple[int, int, str]':
    """``(status, code, message)`` of an error response, as python-binance 0.7.11 read it."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        return status, 0, 'Invalid JSON error message from Binance: {}'.format(
            getattr(response, 'text', ''))
    if isinstance(body, dict) and 'code' in body:
        try:
            code = int(body['code'])
        except (TypeError, ValueError):
            code = 0
        return status, code, str(body.get('msg', ''))
    return status, 0, 'HTTP {}'.format(status)


def _retry_after_header(response: Any) -> Optional[float]:
    headers = getattr(response, 'headers', None) or {}
    value = headers.get('Retry-After') if hasattr(headers, 'get') else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class BinanceRateLimitError(BinanceAPIException):
    """A request was not sent: the API base is still paused after a 429 or 418.

    Binance asks clients to wait ``Retry-After`` seconds after HTTP 429 (too
    much weight) and bans IPs that keep going (HTTP 418). Until that time
    has passed, the client refuses further requests to the same API base
    without sending them. ``retry_after`` is the time still to wait;
    ``status_code`` is the status that started the pause.
    """


class BinanceRequestException(Exception):
    """A request got an answer that is not Binance's JSON (or no answer at all).

    Args:
        message: what went wrong, naming the endpoint.
    """

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return 'BinanceRequestException: {}'.format(self.message)


class BinanceEndpointRemovedError(NotImplementedError):
    """The method calls an endpoint Binance removed, and nothing today returns its answer.

    Raised at the call, before anything is sent.

    Attributes:
        method: the Client method called.
        endpoint: the endpoint python-binance 0.7.11 called (``'GET /sapi/v1/lending/daily/product/list'``).
        replacement: what to use today, in words, naming today's endpoint.
    """

    def __init__(self, method: str, endpoint: str, replacement: str) -> None:
        self.method = method
        self.endpoint = endpoint
        self.replacement = replacement
        super().__init__('Client.{}(): Binance removed {}. {}'.format(method, endpoint, replacement))


class BinanceOrderException(Exception):
    """An order was refused before it was sent (python-binance 0.7.11's order checks).

    Args:
        code: Binance's error code for the failure (``-1013`` for filters).
        message: the reason.
    """

    def __init__(self, code: int, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(code, message)

    def __str__(self) -> str:
        return 'BinanceOrderException(code={}): {}'.format(self.code, self.message)


class BinanceOrderMinAmountException(BinanceOrderException):
    """The quantity is not a multiple of the symbol's step size.

    Args:
        value: the step size.
    """

    def __init__(self, value: Any) -> None:
        super().__init__(-1013, 'Amount must be a multiple of {}'.format(value))


class BinanceOrderMinPriceException(BinanceOrderException):
    """The price is below the symbol's minimum.

    Args:
        value: the minimum price.
    """

    def __init__(self, value: Any) -> None:
        super().__init__(-1013, 'Price must be at least {}'.format(value))


class BinanceOrderMinTotalException(BinanceOrderException):
    """Price times quantity is below the symbol's minimum notional.

    Args:
        value: the minimum notional.
    """

    def __init__(self, value: Any) -> None:
        super().__init__(-1013, 'Total must be at least {}'.format(value))


class BinanceOrderUnknownSymbolException(BinanceOrderException):
    """The symbol is not listed.

    Args:
        value: the symbol.
    """

    def __init__(self, value: Any) -> None:
        super().__init__(-1013, 'Unknown symbol {}'.format(value))


class BinanceOrderInactiveSymbolException(BinanceOrderException):
    """The symbol is listed but not trading.

    Args:
        value: the symbol.
    """

    def __init__(self, value: Any) -> None:
        super().__init__(-1013, 'Attempting to trade an inactive symbol {}'.format(value))


class BinanceWithdrawException(Exception):
    """A wallet call (withdraw, account status...) answered ``success: false``.

    Args:
        message: Binance's message; its generic Chinese "parameter error"
            (``参数异常``) is replaced by the advice python-binance gave.
    """

    def __init__(self, message: str) -> None:
        if message == u'参数异常':
            message = 'Withdraw to this address through the website first'
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return 'BinanceWithdrawException: {}'.format(self.message)


class BinanceWebsocketError(Exception):
    """Base class for errors raised by the socket manager."""


class ReactorStoppedError(BinanceWebsocketError, RuntimeError):
    """The Twisted reactor was stopped; this process can no longer open sockets.

    Twisted's reactor runs once per process. Once the application called
    ``reactor.stop()``, managers cannot be created or started again; restart
    the Python process (or the notebook kernel) instead.
    """
