"""How a connection's messages reach the callback: the paths built per socket, the switch, the queue.

:class:`MessagePaths` is the part of :class:`~binance.connection.StreamConnection`
that moves messages, kept apart from the attempt cycle:

* **The payload paths.** When a socket opens, :meth:`MessagePaths._delivery_path`
  builds the function its protocol calls with every complete message
  (:func:`binance._delivery.payload_path`): decoded, checked, then handed to
  the *sink*, the user's callback (inline delivery) or the socket's queue
  (``QueuedDelivery.put``). Sockets with a session take the general path to
  :meth:`MessagePaths._dispatch`, where the session sees each message first.
* **The switch** from a replaced socket (:mod:`binance._handoff`): while the
  old socket still delivers, the new one's messages are held; once the old
  one is gone they are delivered, without those the old one delivered.
* **Queued delivery** (:mod:`binance.delivery`): a worker thread per socket,
  which pauses the socket's reading (with its heartbeat and watchdog,
  :class:`_ReadingSwitch`) while the callback is too far behind.

Everything runs on the reactor thread except the queue's worker.
"""
import logging
from typing import Any, Callable, Optional

from ._delivery import PayloadHandler, describe_unexpected, payload_path
from ._handoff import Handoff
from .delivery import QueuedDelivery
from .protocol import StreamClientProtocol
from .protocol import _discard as _gone

__all__ = ['MessagePaths']

log = logging.getLogger('binance.connection')


class MessagePaths:
    """The message-moving methods of :class:`~binance.connection.StreamConnection` (a mixin).

    Relies on the connection's ``name``, ``stats``, ``delivery``,
    ``list_messages``, ``skips`` and its private state (``_callback``,
    ``_sink``, ``_queue``, ``_session``, ``_protocol``, ``_outgoing``,
    ``_handoff``, ``_proven``, ``_reactor``, ``_upkeep``).
    """

    _queue: Optional[QueuedDelivery] = None
    _handoff: Optional[Handoff] = None

    def deliver(self, message: Any) -> None:
        """Give the callback a message of the library's own (an error dict, a notice).

        Inline: the callback is called now, and an exception is logged,
        never raised. Queued: the message joins the queue and is never
        dropped nor conflated.
        """
        if self._queue is not None:
            self._queue.put_notice(message)
        else:
            self._call_back(message)

    def deliver_data(self, message: Any) -> None:
        """Give the callback one data message, inline or through the socket's queue."""
        if self._queue is not None:
            self._queue.put(message)
        else:
            self._call_back(message)

    def _call_back(self, message: Any) -> None:
        try:
            self._callback(message)
        except Exception:
            log.exception('%s: the callback raised; the socket keeps running', self.name)

    def _delivery_path(self, protocol: StreamClientProtocol) -> PayloadHandler:
        """The function that takes the messages of ``protocol``, built when it opens.

        Without a session: :func:`binance._delivery.payload_path` around the
        callback (or, for a queued socket, the queue's ``put``). Until the
        socket delivered its first message the callback is wrapped so that
        this delivery proves the connection a success (see
        :meth:`_proven_by`); then the socket switches to a handler around the
        bare callback, so later messages pay nothing for it. While a replaced
        socket still delivers (:meth:`reconnect_now`), the new socket's
        messages are held instead (:mod:`binance._handoff`). With a session
        every message takes the protocol's general path to :meth:`_dispatch`,
        since the session sees each one first.
        """
        if self._session is not None:
            return protocol._on_payload
        handoff = self._handoff
        if handoff is not None:
            return self._holding_path(protocol, handoff)
        return self._proving_path(protocol)

    def _proving_path(self, protocol: StreamClientProtocol) -> PayloadHandler:
        """The handler whose first message proves ``protocol`` a success, then steps aside."""
        steady = self._path(protocol, self._sink)
        if self._proven and protocol is self._protocol:
            return steady

        def first_delivery(message: Any) -> None:
            if protocol._on_payload is proving:
                protocol._on_payload = steady
            self._proven_by(protocol)
            self._sink(message)

        proving = self._path(protocol, first_delivery)
        return proving

    def _path(self, protocol: StreamClientProtocol, callback: Callable[[Any], Any]) -> PayloadHandler:
        """:func:`~binance._delivery.payload_path` of ``protocol`` around ``callback``."""
        def on_shutdown() -> None:
            if protocol is self._protocol:
                self.reconnect_now('the server announced a shutdown', label='server shutdown')

        combined = 'streams' in protocol.factory.params
        stats = self.stats
        counts = stats.stream_counts if stats is not None and combined and stats.counts_streams \
            else None
        return payload_path(callback, name=self.name, general=_general_path(protocol),
                            reject=protocol._reject, combined=combined, on_shutdown=on_shutdown,
                            lists=self.list_messages, skip=self._skipped, counts=counts)

    # -- the switch from a replaced socket ------------------------------------------------

    def _begin_handoff(self, old: StreamClientProtocol) -> None:
        """``old`` is being replaced: record what it delivers from now on."""
        self._handoff = handoff = Handoff('streams' in old.factory.params)
        if self._session is not None:
            return  # _dispatch records and holds
        sink = self._sink

        def recording(message: Any) -> None:
            handoff.record(message)
            sink(message)

        old._on_payload = self._path(old, recording)
        if old._fp_reader is not None:
            # The chunk being read holds on to the previous handler: stop the
            # fast path at this message; the rest takes the long way, which
            # looks the (now recording) handler up per message.
            old._fp_reader.halt()

    def _holding_path(self, protocol: StreamClientProtocol, handoff: Handoff) -> PayloadHandler:
        def hold(message: Any) -> None:
            self._proven_by(protocol)
            handoff.hold(message)
            if handoff.overflowing:
                log.warning('%s: the replaced socket is slow to finish; switching now', self.name)
                self._retire_outgoing()

        return self._path(protocol, hold)

    def _finish_handoff(self) -> None:
        """The replaced socket is gone: deliver what the new one held, without duplicates."""
        handoff, self._handoff = self._handoff, None
        if handoff is None:
            return
        protocol = self._protocol
        if protocol is not None and self._session is None and protocol._on_payload is not _gone:
            protocol._on_payload = self._proving_path(protocol)
            if protocol._fp_reader is not None:
                protocol._fp_reader.halt()
        released = handoff.release()
        if handoff.duplicates:
            log.debug('%s: %d messages received on both sockets delivered once', self.name,
                      handoff.duplicates)
        for message in released:
            self.deliver_data(message)

    def _dispatch(self, message: Any, protocol: Optional[StreamClientProtocol] = None) -> None:
        """Route one decoded message of the general path: shutdown notice, session, callback.

        Args:
            message: the decoded message.
            protocol: the socket it came on; its first delivered message
                proves it a success.
        """
        if type(message) is dict and (message.get('e') == 'serverShutdown'
                                      or message.get('stream') == '!serverShutdown'):
            if protocol is None or protocol is self._protocol:
                self.reconnect_now('the server announced a shutdown', label='server shutdown')
            return
        session = self._session
        if session is not None:
            try:
                message = session.on_message(message)
            except Exception:
                log.exception('%s: the session failed on a message; skipped', self.name)
                return
            if message is None:
                return
        if type(message) is not dict and not (self.list_messages and type(message) is list):
            self._skipped('unexpected JSON', describe_unexpected(message))
            return
        if not self._proven and protocol is not None:
            self._proven_by(protocol)
        handoff = self._handoff
        if handoff is not None and protocol is not None:
            if protocol is self._outgoing:
                handoff.record(message)
            else:
                handoff.hold(message)
                return
        stats = self.stats
        if stats is not None and type(message) is dict:
            stream = message.get('stream')
            if stream is not None:
                counts = stats.stream_counts
                counts[stream] = counts.get(stream, 0) + 1
        self.deliver_data(message)

    def _skipped(self, kind: str, detail: str) -> None:
        """A message was not delivered (see :class:`binance._delivery.Skips`)."""
        self.skips.skip(kind, detail)

    def _start_queue(self) -> None:
        options = self.delivery
        stats = self.stats
        call = getattr(self._reactor, 'callFromThread', None)
        if call is None:
            from twisted.internet import reactor
            call = reactor.callFromThread
        self._queue = QueuedDelivery(self._callback, policy=options.policy,
                                     maxsize=options.maxsize, name=self.name,
                                     call_from_thread=call,
                                     observe=stats.sample if stats is not None else None)
        if stats is not None:
            stats.queue = self._queue.counters
        self._sink = self._queue.put
        self._queue.start()

    def _remove_producer(self, protocol: Optional[StreamClientProtocol]) -> None:
        if self._queue is not None and protocol is not None:
            self._queue.remove_producer(_ReadingSwitch(self, protocol))

    def join_delivery(self, timeout: Optional[float] = None) -> bool:
        """Wait until the worker of a queued socket has ended (any thread but the reactor's).

        Returns:
            True when no worker is left (always for inline sockets).
        """
        queue = self._queue
        return True if queue is None else queue.join(timeout)


def _general_path(protocol: StreamClientProtocol) -> PayloadHandler:
    """The protocol's general ``_on_payload`` method, whatever handler its attribute holds now."""
    return type(protocol)._on_payload.__get__(protocol, type(protocol))


class _ReadingSwitch:
    """The producer a queued delivery pauses: one socket's reading, heartbeat and watchdog."""

    __slots__ = ('connection', 'protocol')

    def __init__(self, connection: Any, protocol: StreamClientProtocol) -> None:
        self.connection = connection
        self.protocol = protocol

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, _ReadingSwitch) and other.protocol is self.protocol

    def __hash__(self) -> int:
        return id(self.protocol)

    def pauseProducing(self) -> None:  # noqa: N802 - Twisted's producer interface
        """Stop reading the socket, its heartbeat and the silent-stream watchdog."""
        self.protocol.pause_reading()
        if self.protocol is self.connection.protocol:
            self.connection.upkeep.paused()

    def resumeProducing(self) -> None:  # noqa: N802
        """Read again."""
        self.protocol.resume_reading()
        if self.protocol is self.connection.protocol:
            self.connection.upkeep.resumed()
