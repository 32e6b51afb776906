"""From a message's bytes to the user's callback: the per-message path of an open socket.

:class:`~binance.connection.StreamConnection` builds one function per open
socket with :func:`payload_path` and the protocol calls it with every
complete message (from the fast path or from Autobahn). For a socket without
a session it does per message only what must be done:

1. decode with ``orjson.loads`` (a message that is not valid JSON is
   skipped; invalid UTF-8 fails the connection, see the protocol's ``reject``);
2. one check for the server's shutdown notice (a raw stream's
   ``{"e": "serverShutdown"}``, a combined stream's ``!serverShutdown``):
   never delivered, the connection switches to a new socket;
3. one type check: market streams send JSON objects, all-market ``@arr``
   streams arrays; anything else (``123``, ``"text"``, ``null``, ``[]`` on a
   stream of objects) is skipped, so it never reaches a callback as garbage;
4. the callback, whose exceptions are logged with their traceback.

Binary frames and messages of :data:`LARGE_MESSAGE_SIZE` and more go to the
protocol's general path instead (``general``), which decodes big messages with
the garbage collector paused (:func:`without_gc`) and hands them to the
connection's ``_dispatch``, where the same rules apply.

Skipped messages are reported by :class:`Skips`: a warning naming the stream
for the first one of each kind, DEBUG lines afterwards (a server sending
garbage at line rate must not flood the log).

Pure Python, no Twisted: tests drive it with plain values.
"""
import gc
import logging
from typing import Any, Callable, Dict, Optional

import orjson

__all__ = ['LARGE_MESSAGE_SIZE', 'PayloadHandler', 'Skips', 'payload_path', 'without_gc',
           'describe_unexpected']

log = logging.getLogger(__name__)

#: Messages at least this big are decoded with the cyclic garbage collector paused.
LARGE_MESSAGE_SIZE = 256 * 1024

#: ``handler(payload, is_binary)``: what the protocol calls with each complete message.
PayloadHandler = Callable[[bytes, bool], None]


def without_gc(fn: Callable[..., Any], *args: Any) -> Any:
    """Call ``fn(*args)`` with the cyclic garbage collector paused.

    Used to decode and deliver a big message (a deep book snapshot). Decoding
    1 MiB creates about 100,000 containers; with the collector on, those
    allocations trigger collections whose cost grows with the whole process's
    heap (in a process that imported Twisted, decoding takes twice as long as
    with the collector paused). The pause lasts until the callback has
    returned and the message is released, because a collection that starts
    while the new objects are still alive (the callback allocates too) scans
    them all. The new objects are acyclic, so nothing is lost by pausing; the
    collector runs as usual afterwards. An application that turned the
    collector off keeps it off.
    """
    if not gc.isenabled():
        return fn(*args)
    gc.disable()
    try:
        return fn(*args)
    finally:
        gc.enable()


def describe_unexpected(message: Any) -> str:
    """How a skip names a decoded message that is neither an object nor an allowed array."""
    if isinstance(message, list):
        return 'a JSON array ({} items) on a stream that sends objects'.format(len(message))
    text = orjson.dumps(message).decode('utf-8', 'replace')
    if len(text) > 40:
        text = text[:37] + '...'
    return 'a JSON {} ({}), which no stream sends'.format(
        {str: 'string', bool: 'boolean', type(None): 'null'}.get(type(message), 'number'), text)


class Skips:
    """Messages a socket dropped, by kind; the first of each kind is logged as a warning.

    Args:
        name: how log lines name the socket (its ``conn_key``); never a secret.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        #: Messages skipped so far, by kind.
        self.counts: Dict[str, int] = {}

    def skip(self, kind: str, detail: str) -> None:
        """Count one skipped message of ``kind`` (``detail`` says what it was)."""
        count = self.counts.get(kind, 0) + 1
        self.counts[kind] = count
        if count == 1:
            log.warning('%s: skipped %s; later ones of this kind are logged at DEBUG',
                        self.name, detail)
        else:
            log.debug('%s: skipped %s (%d so far)', self.name, detail, count)

    @property
    def total(self) -> int:
        """Messages skipped so far, of every kind."""
        return sum(self.counts.values())


def payload_path(callback: Callable[[Any], Any], *, name: str, general: PayloadHandler,
                 reject: Callable[[bytes, Exception], None], combined: bool,
                 on_shutdown: Callable[[], None], lists: bool,
                 skip: Callable[[str, str], None],
                 counts: Optional[Dict[Any, int]] = None) -> PayloadHandler:
    """Build the handler of one open socket without a session.

    Args:
        callback: the user's callback (or a wrapper of it).
        name: how log lines name the socket.
        general: the protocol's general path, for binary frames and big messages.
        reject: called with a payload orjson refused and the error.
        combined: the socket is a combined stream (``{"stream", "data"}``).
        on_shutdown: called when the server announces a shutdown.
        lists: the stream sends JSON arrays (``!miniTicker@arr``), which are
            delivered; otherwise only objects are.
        skip: ``skip(kind, detail)`` for a message that is not delivered.
        counts: for a combined stream, a dict counting the messages of each
            ``stream`` (telemetry); ``None`` counts nothing (one test per message).

    Returns:
        ``handler(payload, is_binary)``.
    """
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    if combined:
        key, shutdown = 'stream', '!serverShutdown'
    else:
        key, shutdown = 'e', 'serverShutdown'
    large = LARGE_MESSAGE_SIZE

    def on_payload(payload: bytes, is_binary: bool) -> None:
        if is_binary or len(payload) >= large:
            general(payload, is_binary)
            return
        try:
            message = loads(payload)
        except decode_error as exc:
            reject(payload, exc)
            return
        if type(message) is dict:
            value = message.get(key)
            if value == shutdown:
                on_shutdown()
                return
            if counts is not None:
                counts[value] = counts.get(value, 0) + 1
        elif not lists or type(message) is not list:
            skip('unexpected JSON', describe_unexpected(message))
            return
        try:
            callback(message)
        except Exception:
            log.exception('%s: the callback raised; the socket keeps running', name)

    return on_payload
