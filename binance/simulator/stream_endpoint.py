"""Market streams: ``/ws/<stream>[/<stream>...]``, ``/ws/<listenKey>`` and ``/stream?streams=a/b``.

Events reach a connection as the bytes the feed encoded once: raw streams
send them unchanged, combined streams wrap them as ``{"stream","data"}`` by
byte concatenation, and the frame around them is built once per event and
shared by every connection listening to the stream.
"""
import logging
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional
from urllib.parse import unquote

from twisted.web.resource import Resource

from . import stream_requests
from .frames import combined_message, text_frame
from .server import SimulatorWebSocketFactory, SimulatorWebSocketProtocol, websocket_resource
from .stream_requests import RequestError

if TYPE_CHECKING:  # pragma: no cover
    from . import Simulator

log = logging.getLogger(__name__)

#: Close code and reason when a connection would exceed the stream limit.
CLOSE_TOO_MANY_STREAMS = (1008, 'Too many streams')

_FROM_FEED = object()


class _FrameCache:
    """Frames built once per event and shared by every listener of the stream.

    The feed hands every listener the same bytes object, so the last frame per
    stream is reused while the payload object is the same (identity check).
    """

    __slots__ = ('_raw', '_combined')

    def __init__(self) -> None:
        self._raw: Dict[str, Any] = {}
        self._combined: Dict[str, Any] = {}

    def raw(self, stream: str, payload: bytes) -> bytes:
        """The frame of ``payload`` sent as it is."""
        hit = self._raw.get(stream)
        if hit is not None and hit[0] is payload:
            return hit[1]
        frame = text_frame(payload)
        self._raw[stream] = (payload, frame)
        return frame

    def combined(self, stream: str, payload: bytes) -> 'tuple[bytes, bytes]':
        """``(frame, message)`` of ``payload`` wrapped for combined streams."""
        hit = self._combined.get(stream)
        if hit is not None and hit[0] is payload:
            return hit[1], hit[2]
        wrapped = combined_message(stream, payload)
        frame = text_frame(wrapped)
        self._combined[stream] = (payload, frame, wrapped)
        return frame, wrapped


class MarketStreamProtocol(SimulatorWebSocketProtocol):
    """``/ws/<stream>[/<stream>...]``, ``/ws/<listenKey>`` and ``/stream?streams=a/b``.

    Raw streams send the event as is; combined streams (``/stream`` or the
    ``combined`` property) wrap it as ``{"stream","data"}``. Live requests:
    SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY, GET_PROPERTY.
    """

    kind = 'stream'

    def __init__(self) -> None:
        super().__init__()
        self.combined = False
        # name -> _FROM_FEED (a live market stream), None (accepted, silent), or
        # the detach callable of a legacy listen key
        self.subscriptions: Dict[str, Any] = {}
        self._url_streams: List[str] = []

    def on_handshake(self, path: str, params: Dict[str, List[str]]) -> None:
        parts = [p for p in path.split('/') if p]
        if parts and parts[0] == 'stream':
            self.combined = True
            names: List[str] = []
            for value in params.get('streams', []):
                names.extend(unquote(value).split('/'))
        else:
            names = parts[1:]
        self._url_streams = [n for n in names if n]

    def on_open(self) -> None:
        limit = self.sim.config.max_streams_per_connection
        if len(dict.fromkeys(self._url_streams)) > limit:
            self.close_with(*CLOSE_TOO_MANY_STREAMS)
            return
        for name in self._url_streams:
            self._add(name, from_url=True)

    def on_close(self) -> None:
        for name in list(self.subscriptions):
            self._remove(name)

    def server_shutdown_event(self, event_ms: int) -> bytes:
        event = super().server_shutdown_event(event_ms)
        return combined_message('!serverShutdown', event) if self.combined else event

    def describe(self) -> Dict[str, Any]:
        info = super().describe()
        # a path part that is no stream name may be a listen key: never list it
        market = self.sim.market
        info['path'] = '/'.join(part if not part or part in ('ws', 'stream') or market.is_valid_stream_name(part)
                                else '<hidden>' for part in self.path.split('/'))
        info['streams'] = len(self.subscriptions)
        info['combined'] = self.combined
        return info

    # -- subscriptions -------------------------------------------------------

    def _add(self, name: str, from_url: bool = False) -> bool:
        """Subscribe to ``name``; False if it is neither a stream name nor a usable listen key."""
        if name in self.subscriptions:
            return True
        sim = self.sim
        market = sim.market
        if market.is_valid_stream_name(name):
            # unknown symbols, upper-case names and retired streams are accepted and stay silent
            if market.is_known_stream(name, retired_live=sim.config.retired_streams_live):
                sim.feed.subscribe(name, self.on_event)
                self.subscriptions[name] = _FROM_FEED
            else:
                self.subscriptions[name] = None
            return True
        detach = self._attach_listen_key(name)
        if detach is not None:
            self.subscriptions[name] = detach
            return True
        if from_url:
            # the name itself is not logged: it may be an expired listen key
            log.debug('connection %d: a %d-character name in the URL is neither a stream nor a live '
                      'listen key; it stays silent', self.conn_id, len(name))
        return False

    def _remove(self, name: str) -> None:
        if name not in self.subscriptions:
            return
        source = self.subscriptions.pop(name)
        if source is _FROM_FEED:
            self.sim.feed.unsubscribe(name, self.on_event)
        elif source is not None:
            source()

    def _attach_listen_key(self, key: str) -> Optional[Callable[[], None]]:
        attach = getattr(self.sim.accounts, 'attach_listen_key', None)
        if attach is None:
            return None

        def send(payload: bytes) -> None:
            if self.combined:
                self.send_text_bytes(combined_message(key, payload))
            else:
                self.send_text_bytes(payload)

        return attach(key, send=send, close=self.close_from_server)

    def on_event(self, stream: str, payload: bytes) -> None:
        """Feed listener: one event (JSON bytes) published on ``stream``."""
        cache = self.factory.frame_cache
        if self.combined:
            self.send_frame_bytes(*cache.combined(stream, payload))
        else:
            self.send_frame_bytes(cache.raw(stream, payload), payload)

    # -- requests ------------------------------------------------------------

    def handle_text(self, payload: bytes) -> None:
        try:
            request = stream_requests.parse_request(payload)
            answer = self._answer(request)
        except RequestError as exc:
            answer = exc.to_bytes()
        if answer is not None:
            self.send_text_bytes(answer)

    def _answer(self, request: stream_requests.StreamRequest) -> Optional[bytes]:
        method = request.method
        if method == 'SUBSCRIBE':
            names = stream_requests.check_stream_params(request)
            new = [n for n in dict.fromkeys(names) if n not in self.subscriptions]
            market = self.sim.market
            for name in new:
                if not market.is_valid_stream_name(name) and not self._could_be_listen_key(name):
                    raise RequestError(2, 'Invalid request: invalid stream', request.id)
            if len(self.subscriptions) + len(new) > self.sim.config.max_streams_per_connection:
                self.close_with(*CLOSE_TOO_MANY_STREAMS)
                return None
            for name in new:
                self._add(name)
            return stream_requests.result_bytes(request.id)
        if method == 'UNSUBSCRIBE':
            names = stream_requests.check_stream_params(request)
            market = self.sim.market
            for name in names:
                if name not in self.subscriptions and not market.is_valid_stream_name(name):
                    raise RequestError(2, 'Invalid request: invalid stream', request.id)
            for name in names:
                self._remove(name)
            return stream_requests.result_bytes(request.id)
        if method == 'LIST_SUBSCRIPTIONS':
            if request.params:
                raise RequestError(2, 'Invalid request: too many parameters', request.id)
            return stream_requests.result_bytes(request.id, list(self.subscriptions))
        stream_requests.check_property_params(request)
        if method == 'SET_PROPERTY':
            self.combined = bool(request.params[1])  # type: ignore[index]
            return stream_requests.result_bytes(request.id)
        return stream_requests.result_bytes(request.id, self.combined)

    def _could_be_listen_key(self, name: str) -> bool:
        attach = getattr(self.sim.accounts, 'attach_listen_key', None)
        if attach is None:
            return False
        is_key = getattr(self.sim.accounts, 'is_listen_key', None)
        return bool(is_key(name)) if is_key is not None else True


class MarketStreamFactory(SimulatorWebSocketFactory):
    """The factory of market-stream connections; holds their shared frame cache."""

    def __init__(self, sim: 'Simulator', protocol: Any = MarketStreamProtocol) -> None:
        super().__init__(sim, protocol)
        self.frame_cache = _FrameCache()


def install(root: Resource, sim: 'Simulator') -> Resource:
    """Mount ``/ws`` and ``/stream`` on the simulator's root resource; returns the resource."""
    streams = websocket_resource(sim, MarketStreamProtocol, MarketStreamFactory)
    root.putChild(b'ws', streams)
    root.putChild(b'stream', streams)
    return streams
