"""Exceptions raised by the REST client and the socket manager.

Messages name the endpoint and Binance's answer, never an API secret,
signature, listen key or token.
"""
from typing import Any, Optional


class BinanceAPIException(Exception):
    """Binance answered a request with an error.

    Attributes:
        status_code: the HTTP status.
        code: Binance's numeric error code (``0`` when the body had none).
        message: Binance's ``msg`` text.
        retry_after: seconds from the ``Retry-After`` header on 429/418, else ``None``.
        endpoint: the request's method and path, without query string.
    """

    def __init__(self, status_code: int, code: int, message: str,
                 retry_after: Optional[float] = None, endpoint: str = '',
                 response: Any = None) -> None:
        self.status_code = status_code
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.endpoint = endpoint
        self.response = response
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ' ({})'.format(self.endpoint) if self.endpoint else ''
        text = 'APIError(code={}): {}{}'.format(self.code, self.message, where)
        if self.retry_after is not None:
            text += '; retry after {:g} s'.format(self.retry_after)
        return text


class BinanceRequestException(Exception):
    """A request got an answer that is not Binance's JSON (or no answer at all)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class BinanceWebsocketError(Exception):
    """Base class for errors raised by the socket manager."""


class ReactorStoppedError(BinanceWebsocketError, RuntimeError):
    """The Twisted reactor was stopped; this process can no longer open sockets.

    Twisted's reactor runs once per process. Once the application called
    ``reactor.stop()``, managers cannot be created or started again; restart
    the Python process (or the notebook kernel) instead.
    """
