"""Market-stream endpoints of every venue: raw ``/ws/...``, combined ``/stream?streams=``, listen keys.

One :class:`StreamEndpoint` describes where a connection is: the venues whose
streams it may name, its route on the ``fstream`` host, and which listen keys
it serves in which form. :func:`install` mounts them all:

* spot: ``/ws/<stream>[/<stream>...]``, ``/ws/<listenKey>``, ``/stream?streams=a/b``;
* USDⓈ-M futures and options: ``/fstream/public/...`` and ``/fstream/market/...``
  (``ws/...`` or ``stream?streams=``), each delivering only the streams of
  its route (the venue's grammar in :mod:`binance.streams` says which); a
  stream of the other route is accepted and stays silent, as on Binance since
  2026-04-23. The unrouted ``/fstream/ws/...`` and ``/fstream/stream?...`` are
  accepted and deliver public-route streams only. ``/fstream/private/ws?listenKey=<k>``
  (and ``/fstream/private/stream?listenKey=<k1>&listenKey=<k2>``, with optional
  ``events=A/B`` per key) serve USDⓈ-M user data; options listen keys are
  served in the path form ``/fstream/private/ws/<k>``;
* COIN-M futures: ``/dstream/ws/...``, ``/dstream/stream?streams=`` and
  ``/dstream/ws/<listenKey>`` (not routed).

Events reach a connection as the bytes the feed encoded once: raw streams
send them unchanged, combined streams wrap them as ``{"stream","data"}`` by
byte concatenation, and the frame around them is built once per event and
shared by every connection of the endpoint listening to the stream.
"""
import logging
from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple
from urllib.parse import unquote

from twisted.web.resource import Resource

from ..streams import MARKET, PUBLIC
from . import stream_requests
from .frames import combined_message, text_frame
from .market_streams import is_valid_stream_name
from .server import SimulatorWebSocketFactory, SimulatorWebSocketProtocol, websocket_resource
from .stream_requests import RequestError
from .venues import COINM, OPTIONS, USDM, SpotVenue, Venue

if TYPE_CHECKING:  # pragma: no cover
    from . import Simulator

log = logging.getLogger(__name__)

#: Close code and reason when a connection would exceed the stream limit.
CLOSE_TOO_MANY_STREAMS = (1008, 'Too many streams')

#: The ``fstream`` route of user data.
PRIVATE = 'private'
#: The unrouted ``fstream`` paths, which deliver public-route streams only.
UNROUTED = 'unrouted'

#: Forms in which a connection names a listen key.
PATH_FORM = 'path'          # /ws/<key>, /stream?streams=<key>
QUERY_FORM = 'query'        # ?listenKey=<key>
SUBSCRIBE_FORM = 'subscribe'

_DERIVATIVE_ACCOUNTS = frozenset((USDM, COINM, OPTIONS))


class StreamEndpoint:
    """Where a market-stream connection is, and what it may receive there.

    Args:
        kind: the connections' ``kind`` in listings and fault selection
            (``'stream'``, ``'fstream'``, ``'dstream'``).
        prefix: the path segments before ``ws``/``stream`` (``('fstream', 'public')``).
        venue: the venue of the endpoint (whose rules connections follow).
        also: other venues whose streams may be named here (options on
            ``fstream``); a connection naming only their streams in its URL
            follows the first one's rules.
        route: None (no routes: every stream delivers), ``'public'``,
            ``'market'``, ``'private'`` (no market stream delivers) or
            ``'unrouted'`` (public-route streams only).
        listen_keys: form -> the listen-key account scopes served in that
            form; keys of other accounts are accepted and stay silent.
    """

    def __init__(self, kind: str, prefix: Tuple[str, ...], venue: Venue, also: Sequence[Venue] = (),
                 route: Optional[str] = None,
                 listen_keys: Optional[Dict[str, Callable[[str], bool]]] = None) -> None:
        self.kind = kind
        self.prefix = prefix
        self.venue = venue
        self.also = tuple(also)
        self.route = route
        self._listen_keys = dict(listen_keys or {})

    def __repr__(self) -> str:
        return '<StreamEndpoint /{} {}>'.format('/'.join(self.prefix), self.route or self.venue.name)

    def venue_for(self, stream: str) -> Venue:
        """The venue whose stream ``stream`` is (the endpoint's own when no venue lists it)."""
        for venue in self.also:
            if venue.serves(stream):
                return venue
        return self.venue

    def connection_venue(self, streams: Sequence[str], key_accounts: Sequence[str] = ()) -> Venue:
        """The venue whose rules a connection follows, from what its URL names.

        Args:
            streams: the stream names in the URL.
            key_accounts: the account scopes of the listen keys in the URL.

        One of :attr:`also` when the URL names its streams or keys only, else :attr:`venue`.
        """
        for venue in self.also:
            if (streams or key_accounts) and all(venue.serves(name) for name in streams) \
                    and all(account == venue.name for account in key_accounts):
                return venue
        return self.venue

    def delivers(self, stream: str) -> bool:
        """Whether a stream named here is delivered (else it is accepted and stays silent)."""
        route = self.route
        if route is None:
            return True
        if route == PRIVATE:
            return False
        wanted = PUBLIC if route == UNROUTED else route
        return self.venue_for(stream).market.streams.route_of(stream) == wanted

    def serves_key(self, account: Optional[str], form: str) -> bool:
        """Whether a listen key of ``account`` named in ``form`` delivers here."""
        accepts = self._listen_keys.get(form)
        return account is not None and accepts is not None and accepts(account)

    def split_path(self, path: str) -> List[str]:
        """The segments of ``path`` after :attr:`prefix` (starting with ``ws`` or ``stream``)."""
        parts = [p for p in path.split('/') if p]
        return parts[len(self.prefix):]


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
    """One market-stream connection of any venue (see the module docstring for the paths).

    Raw streams send the event as is; combined streams (``/stream`` or the
    ``combined`` property) wrap it as ``{"stream","data"}``. Live requests:
    SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY, GET_PROPERTY.
    SUBSCRIBE accepts any well-formed name on any route (and answers
    ``null``), but only the endpoint's own route delivers.
    """

    kind = 'stream'

    def __init__(self) -> None:
        super().__init__()
        self.combined = False
        # name -> the detach callable of a live stream or listen key, or None (accepted, silent)
        self.subscriptions: Dict[str, Optional[Callable[[], None]]] = {}
        self._url_streams: List[str] = []
        self._url_keys: List[Tuple[str, Optional[FrozenSet[str]]]] = []

    @property
    def endpoint(self) -> StreamEndpoint:
        """Where this connection is."""
        return self.factory.endpoint

    def on_handshake(self, path: str, params: Dict[str, List[str]]) -> None:
        endpoint = self.endpoint
        self.kind = endpoint.kind
        parts = endpoint.split_path(path)
        if parts and parts[0] == 'stream':
            self.combined = True
            names: List[str] = []
            for value in params.get('streams', []):
                names.extend(unquote(value).split('/'))
        else:
            names = parts[1:]
        self._url_streams = [n for n in names if n]
        keys = [unquote(k) for k in params.get('listenKey', []) if k]
        events = [unquote(e) for e in params.get('events', [])]
        self._url_keys = [(key, frozenset(filter(None, events[i].split('/'))) if i < len(events) else None)
                          for i, key in enumerate(keys)]
        streams = [n for n in self._url_streams if is_valid_stream_name(n)]
        accounts = [self._listen_key_account(n) for n in self._url_streams if not is_valid_stream_name(n)]
        accounts += [self._listen_key_account(key) for key, _events in self._url_keys]
        venue = endpoint.connection_venue(streams, [a for a in accounts if a is not None])
        self.venue = venue.name
        self.rules = venue.rules

    def on_open(self) -> None:
        if len(dict.fromkeys(self._url_streams)) + len(self._url_keys) > self.rules.max_streams:
            self.close_with(*CLOSE_TOO_MANY_STREAMS)
            return
        for name in self._url_streams:
            self._add(name, PATH_FORM, from_url=True)
        for key, events in self._url_keys:
            self._add(key, QUERY_FORM, from_url=True, events=events)

    def on_close(self) -> None:
        for name in list(self.subscriptions):
            self._remove(name)

    def server_shutdown_event(self, event_ms: int) -> bytes:
        event = super().server_shutdown_event(event_ms)
        return combined_message('!serverShutdown', event) if self.combined else event

    def describe(self) -> Dict[str, Any]:
        info = super().describe()
        # a path part that is no stream name may be a listen key: never list it
        info['path'] = '/'.join(part if not part or part in ('ws', 'stream') + self.endpoint.prefix
                                or is_valid_stream_name(part) else '<hidden>' for part in self.path.split('/'))
        info['route'] = self.endpoint.route
        info['streams'] = len(self.subscriptions)
        info['combined'] = self.combined
        return info

    # -- subscriptions -------------------------------------------------------

    def _add(self, name: str, form: str, from_url: bool = False,
             events: Optional[FrozenSet[str]] = None) -> bool:
        """Subscribe to ``name``; False if it is neither a stream name nor a usable listen key."""
        if name in self.subscriptions:
            return True
        endpoint = self.endpoint
        if form != QUERY_FORM and is_valid_stream_name(name):
            # unknown symbols, upper-case names, retired streams and streams of
            # another route are accepted and stay silent
            venue = endpoint.venue_for(name)
            detach = None
            if endpoint.delivers(name) and venue.carries_data(name):
                feed = venue.feed
                feed.subscribe(name, self.on_event)
                detach = _unsubscriber(feed, name, self.on_event)
            self.subscriptions[name] = detach
            return True
        account = self._listen_key_account(name)
        if account is not None:
            self.subscriptions[name] = (self._attach_listen_key(name, events)
                                        if endpoint.serves_key(account, form) else None)
            return True
        if from_url:
            # the name itself is not logged: it may be an expired listen key
            log.debug('connection %d: a %d-character name in the URL is neither a stream nor a live '
                      'listen key; it stays silent', self.conn_id, len(name))
        return False

    def _remove(self, name: str) -> None:
        if name not in self.subscriptions:
            return
        detach = self.subscriptions.pop(name)
        if detach is not None:
            detach()

    def _listen_key_account(self, key: str) -> Optional[str]:
        account_of = getattr(self.sim.accounts, 'listen_key_account', None)
        return account_of(key) if account_of is not None else None

    def _attach_listen_key(self, key: str, events: Optional[FrozenSet[str]]) -> Optional[Callable[[], None]]:
        def send(payload: bytes) -> None:
            if self.combined:
                self.send_text_bytes(combined_message(key, payload))
            else:
                self.send_text_bytes(payload)

        accept = None if not events else (lambda event: event.get('e') in events)
        return self.sim.accounts.attach_listen_key(key, send=send, close=self.close_from_server, accept=accept)

    def on_event(self, stream: str, payload: bytes) -> None:
        """Feed listener: one event (JSON bytes) published on ``stream``."""
        # the fan-out hot path: the queueing of _queue() inlined, the frame shared by every listener
        if self._direct:
            cache = self.factory.frame_cache
            pending = self._pending
            if not pending:
                self.sim.reactor.callLater(0, self.flush)
            pending.append(cache.combined(stream, payload)[0] if self.combined else cache.raw(stream, payload))
        elif self._is_open and not self.frozen:
            self.sendMessage(combined_message(stream, payload) if self.combined else payload)

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
            for name in new:
                if not is_valid_stream_name(name) and self._listen_key_account(name) is None:
                    raise RequestError(2, 'Invalid request: invalid stream', request.id)
            if len(self.subscriptions) + len(new) > self.rules.max_streams:
                self.close_with(*CLOSE_TOO_MANY_STREAMS)
                return None
            for name in new:
                self._add(name, SUBSCRIBE_FORM)
            return stream_requests.result_bytes(request.id)
        if method == 'UNSUBSCRIBE':
            names = stream_requests.check_stream_params(request)
            for name in names:
                if name not in self.subscriptions and not is_valid_stream_name(name):
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


def _unsubscriber(feed: Any, name: str, listener: Callable[[str, bytes], None]) -> Callable[[], None]:
    def detach() -> None:
        feed.unsubscribe(name, listener)
    return detach


class MarketStreamFactory(SimulatorWebSocketFactory):
    """The factory of one endpoint's connections; holds their shared frame cache."""

    def __init__(self, sim: 'Simulator', protocol: Any = MarketStreamProtocol,
                 endpoint: Optional[StreamEndpoint] = None) -> None:
        if endpoint is None:
            endpoint = spot_endpoint(SpotVenue(sim))
        super().__init__(sim, protocol, endpoint.venue.rules)
        self.endpoint = endpoint
        self.frame_cache = _FrameCache()


def spot_endpoint(spot: Venue) -> StreamEndpoint:
    """Spot's ``/ws`` and ``/stream``: listen keys of the spot and margin accounts in the path."""
    def spot_keys(account: str) -> bool:
        return account not in _DERIVATIVE_ACCOUNTS
    return StreamEndpoint('stream', (), spot, listen_keys={PATH_FORM: spot_keys, SUBSCRIBE_FORM: spot_keys})


def _accounts(*names: str) -> Callable[[str], bool]:
    wanted = frozenset(names)
    return wanted.__contains__


def derivative_endpoints(usdm: Venue, coinm: Venue, options: Venue) -> List[StreamEndpoint]:
    """Every ``/fstream`` and ``/dstream`` endpoint."""
    fstream = [StreamEndpoint('fstream', ('fstream', route), usdm, (options,), route)
               for route in (PUBLIC, MARKET)]
    fstream.append(StreamEndpoint('fstream', ('fstream', PRIVATE), usdm, (options,), PRIVATE, listen_keys={
        QUERY_FORM: _accounts(USDM, OPTIONS), SUBSCRIBE_FORM: _accounts(USDM, OPTIONS),
        PATH_FORM: _accounts(OPTIONS)}))
    fstream.append(StreamEndpoint('fstream', ('fstream',), usdm, (options,), UNROUTED))
    coin_keys = _accounts(COINM)
    dstream = StreamEndpoint('dstream', ('dstream',), coinm,
                             listen_keys={PATH_FORM: coin_keys, SUBSCRIBE_FORM: coin_keys})
    return fstream + [dstream]


def install(root: Resource, sim: 'Simulator') -> Dict[Tuple[str, ...], StreamEndpoint]:
    """Mount every venue's stream endpoints on the simulator's root resource.

    Spot needs ``sim.market`` and ``sim.feed``; the derivatives endpoints are
    mounted when ``sim.venues`` has the USDⓈ-M, COIN-M and options venues.

    Returns:
        path prefix -> endpoint.
    """
    venues = getattr(sim, 'venues', None) or {}
    endpoints = [spot_endpoint(venues.get('spot') or SpotVenue(sim))]
    if all(name in venues for name in (USDM, COINM, OPTIONS)):
        endpoints += derivative_endpoints(venues[USDM], venues[COINM], venues[OPTIONS])
    for endpoint in endpoints:
        parent = root
        for segment in endpoint.prefix:
            child = parent.children.get(segment.encode())
            if child is None:
                child = Resource()
                parent.putChild(segment.encode(), child)
            parent = child
        streams = websocket_resource(sim, MarketStreamProtocol, MarketStreamFactory, endpoint=endpoint)
        parent.putChild(b'ws', streams)
        parent.putChild(b'stream', streams)
    return {endpoint.prefix: endpoint for endpoint in endpoints}
