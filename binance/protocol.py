"""One WebSocket connection to a stream server: decoding and the heartbeat.

Autobahn does the opening handshake, control frames (it answers every server
ping with a pong carrying the same payload) and the closing handshake.
:class:`StreamClientProtocol` adds two things:

* **The data path.** Every complete data message, from the fast path
  (:mod:`binance._fastpath`) or from Autobahn's ``onMessage``, is handed to
  ``self._on_payload(payload, is_binary)``. When the socket opens that name
  is bound to the function its connection builds for it
  (:meth:`binance.connection.StreamConnection._delivery_path`, see
  :mod:`binance._delivery`): decode, one check for ``serverShutdown``, one
  type check, the callback. Sockets with a session, binary frames, messages
  of :data:`~binance._delivery.LARGE_MESSAGE_SIZE` and more take the general
  method :meth:`StreamClientProtocol._on_payload`, which ends in
  :meth:`binance.connection.StreamConnection._dispatch`. A message that is
  not valid JSON (or is a binary frame) is skipped; a text message
  that is not valid UTF-8 fails the connection with close code 1007
  (RFC 6455), after which it reconnects. There is no Deferred and no thread
  hop per message.
* **Half-open detection.** :class:`Heartbeat` watches whether anything at
  all (data, pings, pongs) arrives: ``dataReceived`` (the first receiver of
  every byte, before the fast path or Autobahn sees it), ``onPing`` and
  ``onPong`` set the flag ``_rx_seen``; the per-message path does not need
  to. After a quiet spell the heartbeat sends a ping; if
  still nothing arrives it drops the TCP connection, and the connection
  object reconnects. One timer per connection, re-armed at most three times
  per timeout, never a busy loop.

One protocol instance lives for one TCP connection; what survives reconnects
is the :class:`~binance.connection.StreamConnection` reachable as
``self.factory.connection``.
"""
import logging
from typing import Any, Callable, NamedTuple, Optional

import orjson
from autobahn.twisted.websocket import WebSocketClientFactory, WebSocketClientProtocol
from OpenSSL import SSL
from service_identity import VerificationError

from binance._delivery import LARGE_MESSAGE_SIZE, without_gc
from binance._fastpath import FastPathMixin
from binance._redact import redacting_txaio_logger
from binance._timers import cancel_call
from binance.options import MAX_MESSAGE_SIZE, ConnectionOptions

__all__ = ['AttemptOutcome', 'Heartbeat', 'StreamClientProtocol', 'StreamClientFactory',
           'MAX_MESSAGE_SIZE']

log = logging.getLogger(__name__)

class Heartbeat:
    """Notices when a connection has gone silent, using one timer.

    Every ``timeout / 3`` seconds the timer asks ``poll()`` whether anything
    arrived since the previous check: if so, it waits again; on the first
    quiet check it sends a ping; on the second quiet check in a row it
    declares the peer dead. So a connection that falls silent is dropped
    within ``timeout`` seconds.

    Args:
        clock: an ``IReactorTime`` (the reactor, or ``task.Clock`` in tests).
        timeout: seconds of silence after which the connection counts as dead.
        poll: returns True if anything arrived since its previous call (and
            resets that record).
        send_ping: called to provoke an answer from the peer.
        on_dead: called once when the peer stayed silent.

    Raises:
        ValueError: ``timeout`` is not positive.
    """

    def __init__(self, clock: Any, timeout: float, poll: Callable[[], bool],
                 send_ping: Callable[[], None], on_dead: Callable[[], None]) -> None:
        if not timeout > 0:
            raise ValueError('heartbeat timeout must be positive, got {!r}'.format(timeout))
        self.timeout = timeout
        self._clock = clock
        self._poll = poll
        self._send_ping = send_ping
        self._on_dead = on_dead
        self._quiet_checks = 0
        self._call: Optional[Any] = None

    @property
    def running(self) -> bool:
        """True while the timer is armed."""
        return self._call is not None

    def start(self) -> None:
        """Arm the timer (idempotent); the moment of starting counts as traffic."""
        if self._call is None:
            self._poll()
            self._quiet_checks = -1
            self._call = self._clock.callLater(self.timeout / 3.0, self._check)

    def stop(self) -> None:
        """Disarm the timer (idempotent)."""
        cancel_call(self._call)
        self._call = None

    def _check(self) -> None:
        self._call = None
        if self._poll():
            self._quiet_checks = 0
        else:
            self._quiet_checks += 1
        if self._quiet_checks == 1:
            self._send_ping()
        elif self._quiet_checks >= 2:
            self._on_dead()
            return
        self._call = self._clock.callLater(self.timeout / 3.0, self._check)


def retry_after_seconds(headers: Optional[dict]) -> Optional[float]:
    """Seconds from a refused handshake's ``Retry-After`` header (429, 418, 503), if any.

    Only the delay-seconds form is understood; Binance sends no HTTP dates.
    """
    if not headers:
        return None
    try:
        seconds = float(headers.get('retry-after', ''))
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


class AttemptOutcome(NamedTuple):
    """How one connection attempt ended, reported once to its connection.

    ``opened`` says whether the WebSocket handshake completed; ``reason`` is
    the text for the log (the close reason, or the error); ``tls_failure``
    is set when the server's certificate was not accepted; ``retry_after``
    holds a refused handshake's ``Retry-After`` seconds (HTTP 429, 418, 503)
    and ``status`` its HTTP status code.
    """

    opened: bool = False
    reason: str = ''
    tls_failure: Optional[str] = None
    retry_after: Optional[float] = None
    status: Optional[int] = None

    @classmethod
    def of_failure(cls, failure: Any, opened: bool = False,
                   close_reason: Optional[str] = None) -> 'AttemptOutcome':
        """The outcome an attempt ending with ``failure`` (a Twisted Failure or None) reports."""
        tls_failure = None
        if failure is not None and failure.check(SSL.Error, VerificationError):
            tls_failure = failure.getErrorMessage() or type(failure.value).__name__
        text = close_reason or (failure.getErrorMessage() if failure is not None else '')
        return cls(opened, text, tls_failure)


def http_status(status_line: Optional[str]) -> Optional[int]:
    """The status code of an HTTP status line (``'HTTP/1.1 429 Too Many Requests'``), if any."""
    parts = (status_line or '').split()
    if len(parts) >= 2 and parts[1].isdigit():
        return int(parts[1])
    return None


def _discard(payload: bytes, is_binary: bool) -> None:
    """Where messages of a socket that was detached or closed go."""


class StreamClientProtocol(FastPathMixin, WebSocketClientProtocol):
    """Autobahn client protocol for Binance market and user-data streams."""

    # Autobahn's DEBUG trace prints the opening handshake, whose request line
    # holds the listen key of a /ws/<listenKey> user socket.
    log = redacting_txaio_logger('binance.protocol.StreamClientProtocol')

    heartbeat: Optional[Heartbeat] = None
    #: Set whenever anything arrives; read and cleared by the heartbeat.
    _rx_seen = False
    _opened = False
    #: When the socket opened (the clock's seconds), or None.
    opened_at: Optional[float] = None
    _reading_paused = False
    _close_reason: Optional[str] = None

    @property
    def connection(self) -> Any:
        """The :class:`~binance.connection.StreamConnection` this socket belongs to."""
        return self.factory.connection

    def onOpen(self) -> None:
        """The handshake succeeded: start delivering and watching the connection."""
        self._opened = True
        self.opened_at = self.factory.reactor.seconds()
        connection = self.connection
        self._fp_stats = connection.stats
        self._fp_sampling = connection.samples_on_receive
        # An instance attribute in front of the method: both the fast path
        # and onMessage look the name up per chunk or message.
        self._on_payload = connection._delivery_path(self)
        timeout = self.factory.heartbeat_timeout
        if timeout:
            self.heartbeat = Heartbeat(self.factory.reactor, timeout, self._poll_activity,
                                       self._heartbeat_ping, self._heartbeat_dead)
            self.heartbeat.start()
        self.connection._protocol_opened(self)

    def dataReceived(self, data: bytes) -> None:
        """Note that the peer is alive, then let Autobahn parse the bytes."""
        self._rx_seen = True
        super().dataReceived(data)

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        """A complete message from Autobahn; see :meth:`_on_payload`."""
        self._data_seen = True
        stats = self._fp_stats
        if stats is not None:
            stats.on_chunk(len(payload), 1)
            if self._fp_sampling and stats.sampling_due():
                stats.sample_payload(payload)
        self._on_payload(payload, isBinary)

    def _on_payload(self, payload: bytes, is_binary: bool) -> None:
        """Decode one message and hand it to the connection (the general path).

        Until the socket opens, and for sockets with a session, this is what
        every message goes through; afterwards the instance attribute set in
        :meth:`onOpen` takes its place and sends only the unusual cases here.

        Args:
            payload: the complete message as bytes (UTF-8 JSON from Binance).
            is_binary: True for a binary frame, which Binance never sends on
                these streams; it is logged and skipped.
        """
        if is_binary:
            self.connection._skipped('binary', 'a binary message of {} bytes'.format(len(payload)))
        elif len(payload) < LARGE_MESSAGE_SIZE:
            self._decode_and_dispatch(payload)
        else:
            without_gc(self._decode_and_dispatch, payload)

    def _decode_and_dispatch(self, payload: bytes) -> None:
        # The decoded message lives in this frame only: once it returns (and
        # the callback kept no reference), the message is freed.
        try:
            message = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            self._reject(payload, exc)
            return
        self.connection._dispatch(message, self)

    def _reject(self, payload: bytes, exc: Exception) -> None:
        """A text message orjson refused: bad UTF-8 fails the connection, bad JSON is skipped.

        UTF-8 is checked here, on the error path only, rather than on every
        frame: orjson already refuses invalid UTF-8, so a valid message pays
        nothing. RFC 6455 (section 8.1) requires failing the connection, with
        close code 1007, when a text message is not UTF-8; the connection then
        reconnects like after any other failure.
        """
        try:
            bytes(payload).decode('utf-8')
        except UnicodeDecodeError:
            log.warning('%s: a text message is not valid UTF-8; failing the connection (1007)',
                        self.connection.name)
            self._fail_connection(1007, 'invalid UTF-8 in text message')
            return
        self.connection._skipped('invalid JSON', 'a message that is not valid JSON ({})'.format(exc))

    def onPing(self, payload: bytes) -> None:
        """A ping is traffic too; Autobahn answers it with the same payload."""
        self._rx_seen = True
        super().onPing(payload)

    def onPong(self, payload: bytes) -> None:
        """The answer to our heartbeat ping (or an unsolicited pong)."""
        self._rx_seen = True

    def _poll_activity(self) -> bool:
        seen = self._rx_seen
        self._rx_seen = False
        return seen

    def poll_data(self) -> bool:
        """True if a complete data message arrived since the previous call (pings do not count)."""
        seen = self._data_seen
        self._data_seen = False
        return seen

    @property
    def reading_paused(self) -> bool:
        """True while :meth:`pause_reading` holds the socket's reading."""
        return self._reading_paused

    def pause_reading(self) -> None:
        """Stop reading from the socket (TCP pushes back on the server) and the heartbeat with it.

        While nothing is read nothing arrives, not even pings, so the
        heartbeat must not take the quiet for a dead peer.
        """
        if self._reading_paused or self.transport is None:
            return
        self._reading_paused = True
        if self.heartbeat is not None:
            self.heartbeat.stop()
        self.transport.pauseProducing()

    def resume_reading(self) -> None:
        """Read again; the heartbeat counts the moment as traffic."""
        if not self._reading_paused:
            return
        self._reading_paused = False
        if self.transport is not None:
            self.transport.resumeProducing()
        if self.heartbeat is not None and self.state == self.STATE_OPEN:
            self.heartbeat.start()

    def detach(self) -> None:
        """Stop delivering messages; used when a new socket replaces this one."""
        self._on_payload = _discard
        if self._fp_reader is not None:
            # The chunk being read holds on to the old handler; stop it at
            # this message and let the rest take the (now discarding) long way.
            self._fp_reader.halt()

    def onClose(self, wasClean: bool, code: Optional[int], reason: Optional[str]) -> None:
        """Note why the socket closed; :meth:`connectionLost` reports the attempt's outcome."""
        if self.heartbeat is not None:
            self.heartbeat.stop()
        self._on_payload = _discard
        log.debug('%s: socket closed (clean=%s, code=%s, reason=%s)', self.connection.name,
                  wasClean, code, reason)
        self._close_reason = reason

    def connectionLost(self, reason: Any = None) -> None:
        """Report how the attempt ended, once; make sure no timer outlives the connection."""
        if self.heartbeat is not None:
            self.heartbeat.stop()
        super().connectionLost(reason)
        # Autobahn leaves its close-handshake timer armed after the TCP connection ended.
        pending = getattr(self, 'closeHandshakeTimeoutCall', None)
        if pending is not None:
            pending.cancel()
            self.closeHandshakeTimeoutCall = None
        self._release_buffers()
        outcome = AttemptOutcome.of_failure(reason, opened=self._opened,
                                            close_reason=self._close_reason)
        if not self._opened:  # a refused handshake may say when to come back
            outcome = outcome._replace(
                retry_after=retry_after_seconds(getattr(self, 'http_headers', None)),
                status=http_status(getattr(self, 'http_status_line', None)))
        self.factory.report(outcome)

    def _release_buffers(self) -> None:
        """Drop what a dead socket still buffers (a partial message may be megabytes)."""
        self._on_payload = _discard
        self.data = b''
        self.message_data = None
        self.current_frame = None
        if self._fp_reader is not None:
            self._fp_reader.take_pending()

    def _heartbeat_ping(self) -> None:
        log.debug('%s: quiet for a while; sending a ping', self.connection.name)
        self.sendPing()

    def _heartbeat_dead(self) -> None:
        log.warning('%s: nothing received for %g s (half-open connection?); dropping it',
                    self.connection.name, self.heartbeat.timeout if self.heartbeat else 0)
        self.wasClean = False
        self.wasNotCleanReason = 'no data and no pong within the heartbeat timeout'
        self.dropConnection(abort=True)


class _ClockTimers:
    """Autobahn's timer interface (``call_later``) on the connection's clock.

    Autobahn batches its timers on the global reactor; routing them through
    the injected clock keeps every timer of a connection testable and on one
    thread. Cancelling a call that already ran is harmless, as Autobahn expects.
    """

    def __init__(self, clock: Any) -> None:
        self._clock = clock

    def call_later(self, delay: float, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> '_Call':
        return _Call(self._clock.callLater(delay, fn, *args, **kwargs))


class _Call:
    __slots__ = ('_call',)

    def __init__(self, call: Any) -> None:
        self._call = call

    def cancel(self) -> None:
        cancel_call(self._call)


class StreamClientFactory(WebSocketClientFactory):
    """Builds the protocol for one connection attempt and reports how it ended.

    One factory per attempt, so that late events of a replaced attempt can
    be told apart from the current one.

    Args:
        connection: the owning :class:`~binance.connection.StreamConnection`.
        url: the ``ws://`` or ``wss://`` URL of this attempt.
        reactor: the reactor (``IReactorTCP``, ``IReactorSSL``, ``IReactorTime``).
        options: the heartbeat, handshake timeout and message size limit.
    """

    protocol = StreamClientProtocol
    # Twisted logs "Starting factory"/"Stopping factory" events holding the
    # factory; kept in its start-up buffer (an application that never began
    # logging keeps the last 65,536 events), they would keep the factory's
    # last protocol, and the message it was buffering, alive.
    noisy = False

    def __init__(self, connection: Any, url: str, reactor: Any,
                 options: ConnectionOptions) -> None:
        super().__init__(url, reactor=reactor)
        self.connection = connection
        self.heartbeat_timeout = getattr(connection, 'heartbeat_timeout', options.heartbeat_timeout)
        #: The protocol of this attempt, while it lives (a stop aborts it).
        self.last_protocol: Optional[StreamClientProtocol] = None
        self._reported = False
        self._batched_timer = _ClockTimers(reactor)
        # UTF-8 is checked by orjson while decoding (see _reject), not twice per frame.
        self.setProtocolOptions(utf8validateIncoming=False,
                                maxMessagePayloadSize=options.max_message_size,
                                maxFramePayloadSize=options.max_message_size,
                                openHandshakeTimeout=options.handshake_timeout,
                                closeHandshakeTimeout=1)

    def buildProtocol(self, addr: Any) -> StreamClientProtocol:
        """Build the protocol and remember it, so a stop can abort it."""
        proto = super().buildProtocol(addr)
        self.last_protocol = proto
        return proto

    def report(self, outcome: AttemptOutcome) -> None:
        """Tell the connection how this attempt ended (the first report counts)."""
        self.last_protocol = None
        if not self._reported:
            self._reported = True
            self.connection._attempt_ended(self, outcome)

    def clientConnectionFailed(self, connector: Any, reason: Any) -> None:
        """TCP (or TLS) connection could not be made."""
        self.report(AttemptOutcome.of_failure(reason))

    def clientConnectionLost(self, connector: Any, reason: Any) -> None:
        """An established TCP connection ended; its protocol has reported the outcome."""
        self.report(AttemptOutcome.of_failure(reason))
