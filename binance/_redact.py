"""Keeping secrets out of the log lines of the libraries we build on.

Our own modules never log a secret. urllib3 and Autobahn, though, print
request lines at DEBUG: urllib3 the URL of a signed ``GET`` (with its
``signature``), Autobahn the opening handshake of ``/ws/<listenKey>``. The
helpers here rewrite such text before it is emitted:

* :func:`redact` replaces ``signature=``, ``listenKey=``, ``listenToken=`` and
  ``token=`` values, the same names (and the API secret) as JSON or Python
  dict members (``"signature": "..."``, ``'apiSecret': '...'``) and listen
  keys in ``/ws/<key>`` paths with ``***``;
* :class:`RedactingLogFilter` applies it to :mod:`logging` records;
* :func:`redacting_txaio_logger` builds a txaio logger (what Autobahn uses)
  that applies it to every event it emits. Disabled levels stay no-ops, so
  the hot path pays nothing.
"""
import logging
import re
from typing import Any

__all__ = ['redact', 'RedactingLogFilter', 'redacting_txaio_logger']

_QUERY_SECRET = re.compile(r'((?:signature|listenKey|listenToken|token)=)[^&\s"\']+', re.IGNORECASE)
# Listen keys are 60 letters and digits; market stream names always hold '@' or '!'.
_PATH_KEY = re.compile(r'(/ws/)[A-Za-z0-9]{30,}')
# A WebSocket API request or a dict in a message: "name": "value" or 'name': 'value'.
# ``apiKey`` is not a secret (it travels in headers and requests); the secret is.
_MEMBER_SECRET = re.compile(
    r'''(?P<head>(?P<q>["'])(?:signature|listenKey|listenToken|token|secret|apiSecret|api_secret)'''
    r'''(?P=q)\s*:\s*(?P<v>["']))(?:\\.|(?!(?P=v)).)*(?P=v)''',
    re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with signature, key and token values replaced by ``***``."""
    text = _QUERY_SECRET.sub(r'\1***', text)
    if ':' in text:
        text = _MEMBER_SECRET.sub(r'\g<head>***\g<v>', text)
    return _PATH_KEY.sub(r'\1***', text)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes):
        return redact(value.decode('utf-8', 'replace')).encode('utf-8')
    return value


class RedactingLogFilter(logging.Filter):
    """A :mod:`logging` filter that redacts a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            # Format first: an argument may be a dict or any object whose
            # text holds a secret, not only a string.
            try:
                message = record.getMessage()
            except Exception:
                return True  # a broken record: logging reports it as usual
            record.msg, record.args = redact(message), ()
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def redacting_txaio_logger(namespace: str) -> Any:
    """A txaio logger for Twisted whose emitted events are redacted.

    Args:
        namespace: the log namespace (shown by Twisted's observers).
    """
    import txaio.tx
    from twisted.logger import Logger

    class RedactingLogger(txaio.tx.Logger):
        def _log(self, level: Any, *args: Any, **kwargs: Any) -> None:
            super()._log(level, *(_clean(a) for a in args),
                         **{k: _clean(v) for k, v in kwargs.items()})

    return RedactingLogger(logger=Logger, namespace=namespace)
