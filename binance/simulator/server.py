"""The simulator's web server: one twisted.web Site for every path.

:class:`SimulatorWebSocketProtocol` is the base of every simulator WebSocket
(market streams in :mod:`binance.simulator.stream_endpoint`, the WebSocket
API in :mod:`binance.simulator.wsapi`). It enforces Binance's connection
rules with the simulator's clock and registers each live connection so faults
can reach it. :func:`websocket_resource` wraps a protocol class in the
handshake gate that limits connection attempts per IP and implements refused
connections.
"""
import itertools
import logging
import struct
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Type
from urllib.parse import unquote

from autobahn.twisted.resource import WebSocketResource
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from autobahn.websocket.compress import PerMessageDeflateOffer, PerMessageDeflateOfferAccept
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Site

from .connection_rules import ConnectionRules, PingTracker, SlidingWindow
from .frames import text_frame

if TYPE_CHECKING:  # pragma: no cover
    from . import Simulator

log = logging.getLogger(__name__)

#: Close code and reason when a client exceeds the incoming message rate (as Binance sends).
CLOSE_TOO_MANY_REQUESTS = (1008, 'Too many requests')
#: Close code and reason at the maximum connection age and after ``serverShutdown``.
CLOSE_GOING_AWAY = (1001, 'Server shutdown')

_ids = itertools.count(1)


class SimulatorWebSocketProtocol(WebSocketServerProtocol):
    """Base of every simulator WebSocket: Binance's connection rules plus fault hooks.

    What every connection gets, by its venue's
    :class:`~binance.simulator.connection_rules.ConnectionRules` (``rules``,
    the factory's unless ``on_handshake`` picks others): a ping every
    ``interval('ping')`` (payload echoed by a valid pong), a drop when a ping
    stays unanswered for ``interval('pong_timeout')``, a close at
    ``interval('max_connection_age')`` (announced by ``serverShutdown`` where
    the venue does), the limit of ``rules.max_incoming_messages`` incoming
    messages (pings, pongs, text and binary) per ``interval('message_window')``
    (close 1008 when exceeded), and registration in ``sim.connections`` while
    open.

    Hooks for subclasses:

    * ``on_handshake(path, params)``: called during the opening handshake
      with the URL-decoded path and the query (``dict[str, list[str]]``);
      raise ``autobahn.websocket.types.ConnectionDeny`` to refuse.
    * ``on_open()``: the connection is open and registered.
    * ``handle_text(payload: bytes)``: one complete incoming text message
      (after the rate-limit check).
    * ``on_close()``: the connection is gone (called once, only if it opened).
    * ``server_shutdown_event(event_ms) -> bytes``: the ``serverShutdown``
      message in this endpoint's form (default raw ``{"e":..,"E":..}``).
    * ``describe() -> dict``: what ``GET /control/connections`` lists.
    * class attribute ``rate_limited = True``: set False to disable the
      incoming message limit; ``kind``: a short name for listings; ``venue``:
      the venue the connection belongs to (``'spot'``, ``'usdm'``, ``'coinm'``,
      ``'options'``), which fault selection can match as well.

    Helpers:

    * ``send_text_bytes(b)``: one text message of pre-encoded JSON bytes;
      ``send_frame_bytes(frame, payload)``: a ready-made frame. Both queue;
      every frame of one reactor turn leaves in one write, in order, and
      ``flush()`` writes the queue now (a close frame always comes after it).
    * ``write_raw(b)``: bytes to the transport as they are, after the queue
      (fault injection).
    * ``close_with(code, reason)``, ``close_from_server()`` (1000),
      ``drop()`` (abort the TCP connection), ``freeze()``/``thaw()``,
      ``send_server_shutdown()``, ``announce_shutdown(lead)``.

    Attributes: ``sim``, ``conn_id``, ``path``, ``params``, ``peer_host``,
    ``opened_at``, ``frozen``, ``rules``, ``venue``.
    """

    rate_limited = True
    kind = 'ws'
    venue = 'spot'
    rules: ConnectionRules

    sim: 'Simulator'

    def __init__(self) -> None:
        super().__init__()
        self.conn_id = next(_ids)
        self.path = ''
        self.params: Dict[str, List[str]] = {}
        self.peer_host = ''
        self.opened_at: Optional[float] = None
        self.frozen = False
        self._fast = False
        self._is_open = False
        # True while events may go straight to the transport as pre-built frames:
        # open, not frozen, no per-message compression
        self._direct = False
        # frames of one reactor turn, written together: one transport write per
        # burst of events instead of one per event
        self._pending: List[bytes] = []
        self._ping_seq = 0
        self._pings = PingTracker()
        self._window: Optional[SlidingWindow] = None
        self._timers: Dict[str, Any] = {}

    # -- hooks ---------------------------------------------------------------

    def on_handshake(self, path: str, params: Dict[str, List[str]]) -> None:
        """Inspect the request; raise ``ConnectionDeny`` to refuse it."""

    def on_open(self) -> None:
        """The connection is open (hook)."""

    def handle_text(self, payload: bytes) -> None:
        """One complete incoming text message (hook)."""

    def on_close(self) -> None:
        """The connection closed (hook)."""

    def server_shutdown_event(self, event_ms: int) -> bytes:
        """The ``serverShutdown`` event as this endpoint sends it."""
        return b'{"e":"serverShutdown","E":%d}' % event_ms

    def describe(self) -> Dict[str, Any]:
        """A JSON-friendly summary of this connection."""
        now = self.sim.clock.seconds()
        return {'id': self.conn_id, 'kind': self.kind, 'venue': self.venue, 'path': self.path,
                'peer': self.peer_host,
                'age': round(now - self.opened_at, 3) if self.opened_at is not None else 0.0,
                'frozen': self.frozen}

    # -- autobahn callbacks --------------------------------------------------

    def onConnect(self, request: Any) -> None:
        self.sim = self.factory.sim
        self.rules = self.factory.rules
        self.path = unquote(request.path)
        self.params = request.params
        self.peer_host = _peer_host(request.peer)
        self.on_handshake(self.path, self.params)
        return None

    def onOpen(self) -> None:
        sim = self.sim
        rules = self.rules
        clock = sim.clock
        self._is_open = True
        self._fast = self._perMessageCompress is None
        self._direct = self._fast
        self.opened_at = clock.seconds()
        # a non-positive interval turns its rule off
        window = rules.interval('message_window')
        if window > 0:
            self._window = SlidingWindow(rules.max_incoming_messages, window)
        sim.register_connection(self)
        ping = rules.interval('ping')
        if ping > 0:
            self._schedule('ping', ping, self._ping_tick)
        age = rules.interval('max_connection_age')
        if age > 0:
            if rules.announces_shutdown:
                lead = min(rules.interval('shutdown_notice'), age / 2.0)
                self._schedule('age_notice', age - lead, self._age_notice)
            self._schedule('age', age, self.close_with, *CLOSE_GOING_AWAY)
        try:
            self.on_open()
        except Exception:
            log.exception('on_open failed for connection %d', self.conn_id)
            self.drop()

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        if not self._count_incoming():
            return
        if not isBinary:
            self.handle_text(payload)

    def onPing(self, payload: bytes) -> None:
        if self._count_incoming():
            super().onPing(payload)

    def onPong(self, payload: bytes) -> None:
        if self._count_incoming():
            self._pings.pong(payload)

    def sendCloseFrame(self, code: Optional[int] = None, reasonUtf8: Optional[bytes] = None,  # noqa: N802
                       isReply: bool = False) -> None:
        # queued frames go before the close frame, and nothing may follow it
        self.flush()
        self._direct = False
        super().sendCloseFrame(code=code, reasonUtf8=reasonUtf8, isReply=isReply)

    def onClose(self, wasClean: bool, code: Optional[int], reason: Optional[str]) -> None:
        for timer in self._timers.values():
            if timer.active():
                timer.cancel()
        self._timers.clear()
        if self._is_open:
            self._is_open = False
            self._direct = False
            self.sim.unregister_connection(self)
            try:
                self.on_close()
            except Exception:
                log.exception('on_close failed for connection %d', self.conn_id)

    # -- rules ---------------------------------------------------------------

    def _count_incoming(self) -> bool:
        if not self._is_open:
            return False
        if self.rate_limited and self._window is not None and \
                not self._window.allow(self.sim.clock.seconds()):
            log.info('connection %d exceeded %d incoming messages per %g s; disconnecting',
                     self.conn_id, self._window.limit, self._window.window)
            self.close_with(*CLOSE_TOO_MANY_REQUESTS)
            return False
        return True

    def _schedule(self, name: str, delay: float, fn: Callable[..., Any], *args: Any) -> None:
        old = self._timers.get(name)
        if old is not None and old.active():
            old.cancel()
        self._timers[name] = self.sim.clock.callLater(max(0.0, delay), fn, *args)

    def _ping_tick(self) -> None:
        rules = self.rules
        self._schedule('ping', rules.interval('ping'), self._ping_tick)
        if self.frozen or not self._is_open:
            return
        self._ping_seq += 1
        payload = struct.pack('!Q', self._ping_seq)
        self._pings.sent(payload, self.sim.clock.seconds())
        self.sendPing(payload)
        timeout = rules.interval('pong_timeout')
        pong_check = self._timers.get('pong')
        if timeout > 0 and (pong_check is None or not pong_check.active()):
            self._schedule('pong', timeout, self._check_pong)

    def _check_pong(self) -> None:
        if self.frozen or not self._is_open:
            return
        timeout = self.rules.interval('pong_timeout')
        now = self.sim.clock.seconds()
        if self._pings.overdue(now, timeout):
            log.info('connection %d did not answer a ping within %g s; dropping', self.conn_id, timeout)
            self.drop()
            return
        oldest = self._pings.oldest_unanswered()
        if oldest is not None:
            self._schedule('pong', oldest + timeout - now, self._check_pong)

    def _age_notice(self) -> None:
        self.send_server_shutdown()

    # -- helpers -------------------------------------------------------------

    def send_text_bytes(self, payload: bytes) -> None:
        """Send ``payload`` (UTF-8 JSON bytes) as one text message; dropped while frozen."""
        if self._direct:
            self._queue(text_frame(payload))
        elif self._is_open and not self.frozen:
            self.sendMessage(payload)

    def send_frame_bytes(self, frame: bytes, payload: bytes) -> None:
        """Send a pre-built text ``frame`` whose message is ``payload`` (fan-out fast path)."""
        if self._direct:
            self._queue(frame)
        elif self._is_open and not self.frozen:
            self.sendMessage(payload)

    def _queue(self, frame: bytes) -> None:
        pending = self._pending
        if not pending:
            self.sim.reactor.callLater(0, self.flush)
        pending.append(frame)

    def flush(self) -> None:
        """Write the frames queued in this reactor turn now (they go out in order)."""
        pending = self._pending
        if pending:
            self._pending = []
            if self._direct:
                self.transport.write(pending[0] if len(pending) == 1 else b''.join(pending))

    def write_raw(self, data: bytes) -> None:
        """Write bytes to the transport as they are (fault injection; ignores freeze)."""
        if self.transport is not None and self._is_open:
            self.flush()
            self.transport.write(data)

    def send_server_shutdown(self) -> None:
        """Send this endpoint's ``serverShutdown`` event now."""
        self.send_text_bytes(self.server_shutdown_event(self.sim.now_ms()))

    def announce_shutdown(self, lead: float) -> None:
        """Send ``serverShutdown``, then close the connection ``lead`` seconds later."""
        self.send_server_shutdown()
        self._schedule('age', lead, self.close_with, *CLOSE_GOING_AWAY)

    def close_with(self, code: int, reason: str) -> None:
        """Start a closing handshake from the server side (dropped after a timeout)."""
        if self.frozen:
            self.drop()
            return
        if self._is_open and self.state == self.STATE_OPEN:
            # sendClose only allows 1000 and 3000-4999; a server also sends 1001 and 1008
            self.sendCloseFrame(code=code, reasonUtf8=reason.encode('utf-8'), isReply=False)

    def close_from_server(self) -> None:
        """Close normally from the server side (code 1000)."""
        self.close_with(1000, '')

    def drop(self) -> None:
        """Abort the TCP connection at once (no close frame)."""
        if self.transport is not None:
            self.wasClean = False
            self.wasNotCleanReason = 'dropped by the simulator'
            self.transport.abortConnection()

    def freeze(self) -> None:
        """Half-open: stop reading and writing, send no pings and no pongs, never time out."""
        if self.frozen or not self._is_open:
            return
        self.frozen = True
        self._direct = False
        self.transport.pauseProducing()

    def thaw(self) -> None:
        """Undo :meth:`freeze`: read again and restart the ping schedule."""
        if not self.frozen:
            return
        self.frozen = False
        self._direct = self._fast and self._is_open
        self._pings.clear()
        if self.transport is not None:
            self.transport.resumeProducing()

    def sendPong(self, payload: bytes) -> None:  # noqa: N802 - autobahn's name
        if not self.frozen:
            super().sendPong(payload)

    def sendPing(self, payload: Optional[bytes] = None) -> None:  # noqa: N802 - autobahn's name
        if not self.frozen:
            super().sendPing(payload)


def _peer_host(peer: str) -> str:
    # autobahn peers look like 'tcp:127.0.0.1:53211' or 'tcp6:[::1]:53211'
    parts = peer.split(':', 1)
    rest = parts[1] if len(parts) == 2 else peer
    return rest.rsplit(':', 1)[0].strip('[]')


class SimulatorWebSocketFactory(WebSocketServerFactory):
    """Builds one protocol class for one simulator.

    ``rules`` are the connection rules its connections start with (spot's by default).
    """

    def __init__(self, sim: 'Simulator', protocol: Type[SimulatorWebSocketProtocol],
                 rules: Optional[ConnectionRules] = None) -> None:
        super().__init__(server='binance-sockets-simulator')
        self.sim = sim
        self.protocol = protocol
        self.rules = rules if rules is not None else ConnectionRules(sim.config)
        # the simulator enforces the rules itself, with its clock; autobahn only frames
        self.setProtocolOptions(autoPingInterval=0, openHandshakeTimeout=10, closeHandshakeTimeout=1,
                                failByDrop=True, maxMessagePayloadSize=1 << 20,
                                maxFramePayloadSize=1 << 20)
        if sim.config.permessage_deflate:
            self.setProtocolOptions(perMessageCompressionAccept=_accept_deflate)


class _BinanceDeflateAccept(PerMessageDeflateOfferAccept):
    """Answers with Binance's extension header:
    ``permessage-deflate; server_no_context_takeover; client_max_window_bits=15``."""

    def get_extension_string(self) -> str:
        answer = self.EXTENSION_NAME + '; server_no_context_takeover'
        if self.offer.accept_max_window_bits:
            answer += '; client_max_window_bits=15'
        return answer


def _accept_deflate(offers: List[Any]) -> Any:
    """Accept permessage-deflate as Binance does (no context takeover from the server)."""
    for offer in offers:
        if isinstance(offer, PerMessageDeflateOffer):
            return _BinanceDeflateAccept(offer, no_context_takeover=True)
    return None


class HandshakeGate(Resource):
    """In front of a WebSocket resource: refused connections and attempts per IP.

    Attempts beyond ``config.max_connection_attempts`` per
    ``interval('connection_window')`` from one IP get HTTP 429 with
    ``Retry-After`` (seconds); while :meth:`Faults.refuse_connections` is in
    force, a handshake is aborted (TCP reset) or answered with the chosen status.
    """

    isLeaf = True

    def __init__(self, sim: 'Simulator', inner: Resource) -> None:
        super().__init__()
        self._sim = sim
        self._inner = inner

    def render(self, request: Any) -> Any:
        sim = self._sim
        now = sim.clock.seconds()
        refusal = sim.refusal(now)
        if refusal is not None:
            status, retry_after = refusal
            if status is None:
                request.channel.transport.abortConnection()
                return NOT_DONE_YET
            return _http_error(request, status, retry_after, -1003,
                               'Service unavailable; connections are refused for a while.')
        ip = request.getClientAddress().host
        wait = sim.connection_attempts.attempt(ip, now)
        if wait is not None:
            log.info('connection attempts from %s over the limit; refusing for %d s', ip, wait)
            return _http_error(request, 429, wait, -1003,
                               'Too many connection attempts; current limit is {} per {:g} s.'.format(
                                   sim.config.max_connection_attempts,
                                   sim.config.interval('connection_window')))
        result = self._inner.render(request)
        # the WebSocket protocol owns the transport now; the HTTP channel is done
        sim.forget_channel(request.channel)
        return result


def _http_error(request: Any, status: int, retry_after: Optional[int], code: int, msg: str) -> bytes:
    import orjson
    request.setResponseCode(status)
    request.setHeader(b'Content-Type', b'application/json;charset=UTF-8')
    if retry_after is not None:
        request.setHeader(b'Retry-After', str(int(retry_after)).encode())
    return orjson.dumps({'code': code, 'msg': msg})


def websocket_resource(sim: 'Simulator', protocol: Type[SimulatorWebSocketProtocol],
                       factory_class: Type[SimulatorWebSocketFactory] = SimulatorWebSocketFactory,
                       **factory_kwargs: Any) -> Resource:
    """A Resource serving ``protocol`` WebSockets behind the connection-attempt gate.

    Use it to mount any simulator WebSocket endpoint (the WebSocket API does);
    ``factory_kwargs`` go to ``factory_class(sim, protocol, ...)``.
    """
    return HandshakeGate(sim, WebSocketResource(factory_class(sim, protocol, **factory_kwargs)))


class SimulatorSite(Site):
    """The Site of one simulator; remembers its HTTP channels so stop() can close them."""

    def __init__(self, resource: Resource, **kwargs: Any) -> None:
        super().__init__(resource, **kwargs)
        self.channels: 'set[Any]' = set()
        self.noisy = False

    def buildProtocol(self, addr: Any) -> Any:  # noqa: N802 - twisted's name
        protocol = super().buildProtocol(addr)
        if protocol is not None:
            # twisted.web wraps the HTTPChannel (request.channel) in a protocol
            # that can switch to HTTP/2; remember the inner channel
            channel = getattr(protocol, '_channel', protocol)
            channels = self.channels
            channels.add(channel)
            lost = protocol.connectionLost

            def connection_lost(reason: Any) -> None:
                channels.discard(channel)
                lost(reason)

            protocol.connectionLost = connection_lost
        return protocol

    def log(self, request: Any) -> None:
        """Access log without secrets: method, path without query string, status.

        Twisted's default access log records the whole request line, which
        carries signatures and listen keys in query strings, and listen keys
        in ``/ws/<listenKey>`` paths; neither may reach a log.
        """
        log.debug('%s %s %s', request.method.decode('ascii', 'replace'),
                  _loggable_path(request.path), request.code)


def _loggable_path(path: bytes) -> str:
    """``path`` for a log line: stream paths (which may be listen keys) are cut after ``ws``/``stream``."""
    text = path.decode('ascii', 'replace')
    parts = text.split('/')
    for index, part in enumerate(parts):
        if part in ('ws', 'stream') and index + 1 < len(parts):
            return '/'.join(parts[:index + 1]) + '/...'
    return text


def build_site(root: Resource) -> SimulatorSite:
    """The Site serving ``root`` (every endpoint module has mounted itself on it)."""
    return SimulatorSite(root)
