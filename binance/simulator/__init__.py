"""A simulated Binance exchange on loopback: market streams, REST, WebSocket API, faults.

Spot plus the USDⓈ-M futures, COIN-M futures and options venues
(:mod:`binance.simulator.venues`), all on one port.

Usage from a thread that is not the reactor's::

    from binance.simulator import running
    with running(seed=1) as sim:
        print(sim.stream_url + 'ws/bnbbtc@trade')

On the reactor thread, ``Simulator(...).start()`` listens at once and
``stop()`` returns a Deferred. Every interval (pings, connection age, listen-key
validity, the connection-attempt window) scales with ``time_scale`` so tests
check hours-long rules in seconds.
"""
import contextlib
import dataclasses
import logging
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from twisted.internet import defer
from twisted.python import threadable
from twisted.web.resource import Resource

from .connection_rules import ConnectionAttempts

log = logging.getLogger(__name__)

#: The API key of the default account (Binance's documented HMAC example key).
DEFAULT_API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A'
#: The secret of the default account (Binance's documented HMAC example secret).
DEFAULT_API_SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j'

#: Unscaled defaults in seconds, as Binance documents them (``shutdown_notice``
#: is how long before the maximum connection age ``serverShutdown`` is sent).
#: Names with a ``futures_`` or ``options_`` prefix are the rules of the
#: USDⓈ-M and COIN-M futures or the options connections where they differ
#: from spot's (see :meth:`SimulatorConfig.interval`).
DEFAULT_INTERVALS: Dict[str, float] = {
    'ping': 20.0,
    'pong_timeout': 60.0,
    'futures_ping': 180.0,
    'futures_pong_timeout': 600.0,
    'options_ping': 300.0,
    'options_pong_timeout': 900.0,
    'max_connection_age': 86400.0,
    'connection_window': 300.0,
    'listen_key_validity': 3600.0,
    'listen_token_validity': 86400.0,
    'message_window': 1.0,
    'shutdown_notice': 5.0,
    'request_weight_window': 60.0,
}


@dataclasses.dataclass
class SimulatorConfig:
    """Every setting of a :class:`Simulator`.

    Attributes:
        seed: seed of the deterministic market.
        symbols: symbols to trade (None: the default set).
        host: interface to listen on (loopback by default).
        port: TCP port (0: an ephemeral port).
        tls: serve ``wss://`` and ``https://`` with a generated certificate.
        time_scale: factor applied to every default interval.
        trade_rate: trades per second per symbol.
        retired_streams_live: retired streams (``!ticker@arr``, ``!bookTicker``)
            publish data, as on Binance US; by default they stay silent.
        legacy_listen_keys: the spot listen-key endpoints work (Binance US);
            by default they answer HTTP 410 as binance.com does.
        api_keys: API key -> secret (None: the default account only).
        intervals: name -> seconds, overriding the scaled defaults; 0 turns
            the rule off (``ping``, ``pong_timeout``, ``max_connection_age``,
            ``message_window``), e.g. for benchmarks. A plain name sets every
            venue; ``futures_<name>`` or ``options_<name>`` one venue only.
        max_incoming_messages: incoming messages allowed per ``message_window``
            on spot connections (and the WebSocket API).
        max_streams_per_connection: streams one spot connection may listen to.
        futures_max_incoming_messages: the same for USDⓈ-M and COIN-M futures
            connections (10 on Binance).
        futures_max_streams_per_connection: streams per futures connection (1024).
        options_max_incoming_messages: the same for options connections (10).
        options_max_streams_per_connection: streams per options connection (200).
        max_connection_attempts: WebSocket connection attempts per IP per
            ``connection_window``.
        request_weight_limit: REST request weight per ``request_weight_window``.
        permessage_deflate: accept the permessage-deflate extension when a
            client offers it, as Binance does (off by default: uncompressed
            frames are cheaper on loopback).
        options: free-form settings for the other simulator modules.
    """

    seed: int = 0
    symbols: Optional[Sequence[str]] = None
    host: str = '127.0.0.1'
    port: int = 0
    tls: bool = False
    time_scale: float = 1.0
    trade_rate: float = 10.0
    retired_streams_live: bool = False
    legacy_listen_keys: bool = False
    api_keys: Optional[Dict[str, str]] = None
    intervals: Optional[Dict[str, float]] = None
    max_incoming_messages: int = 5
    max_streams_per_connection: int = 1024
    futures_max_incoming_messages: int = 10
    futures_max_streams_per_connection: int = 1024
    options_max_incoming_messages: int = 10
    options_max_streams_per_connection: int = 200
    max_connection_attempts: int = 300
    request_weight_limit: int = 6000
    permessage_deflate: bool = False
    options: Dict[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.api_keys is None:
            self.api_keys = {DEFAULT_API_KEY: DEFAULT_API_SECRET}
        self.intervals = dict(self.intervals or {})
        unknown = set(self.intervals) - set(DEFAULT_INTERVALS)
        if unknown:
            log.debug('custom intervals without a default: %s', sorted(unknown))
        if self.time_scale <= 0:
            raise ValueError('time_scale must be positive')

    def __repr__(self) -> str:
        # API secrets never appear in a repr
        fields = ', '.join('{}={!r}'.format(f.name, getattr(self, f.name))
                           for f in dataclasses.fields(self) if f.name != 'api_keys')
        return 'SimulatorConfig({}, api_keys=<{} keys>)'.format(fields, len(self.api_keys or {}))

    def interval(self, name: str, venue: Optional[str] = None) -> float:
        """Seconds for ``name``: the override if given, else the default times ``time_scale``.

        Args:
            name: an interval name, e.g. ``'ping'``.
            venue: ``'futures'`` or ``'options'`` for those connections' rule:
                an override of ``<venue>_<name>`` comes first, then one of
                ``name``, then the venue's default, then spot's.

        Raises:
            KeyError: ``name`` has neither an override nor a default.
        """
        assert self.intervals is not None
        names = (venue + '_' + name, name) if venue else (name,)
        for key in names:
            if key in self.intervals:
                return float(self.intervals[key])
        for key in names:
            if key in DEFAULT_INTERVALS:
                return DEFAULT_INTERVALS[key] * self.time_scale
        raise KeyError(name)


class Simulator:
    """A simulated Binance exchange served by one twisted.web Site on one port.

    Keyword arguments are the fields of :class:`SimulatorConfig`; ``clock``
    is the ``IReactorTime`` for every timer (the reactor by default) and
    ``reactor`` the one to listen with. ``market_factory(seed=, symbols=,
    now_ms=)`` and ``feed_factory(market, clock, trade_rate=,
    retired_streams_live=)`` replace spot's market and feed classes (tests use
    them to inject small fakes); the derivatives venues in :attr:`venues`
    always run their own markets and feeds.
    """

    def __init__(self, clock: Any = None, reactor: Any = None, config: Optional[SimulatorConfig] = None,
                 market_factory: Any = None, feed_factory: Any = None, **settings: Any) -> None:
        if reactor is None:
            from twisted.internet import reactor as default_reactor
            reactor = default_reactor
        if config is not None and settings:
            raise TypeError('give either config or settings, not both: {}'.format(', '.join(sorted(settings))))
        self.config = config if config is not None else SimulatorConfig(**settings)
        self.reactor = reactor
        self.clock = clock if clock is not None else reactor
        self.connections: Dict[int, Any] = {}
        self.connection_attempts = ConnectionAttempts(self.config.max_connection_attempts,
                                                      self.config.interval('connection_window'))
        self.stream_url = ''
        self.ws_api_url = ''
        self.api_url = ''
        self.margin_api_url = ''
        self.fstream_url = ''
        self.options_stream_url = ''
        self.dstream_url = ''
        self.futures_api_url = ''
        self.futures_data_url = ''
        self.futures_coin_api_url = ''
        self.options_api_url = ''
        self.control_url = ''
        self.base_url = ''
        self.port = 0
        self.ca_cert: Optional[str] = None
        self.market: Any = None
        self.feed: Any = None
        #: Venue name (``'spot'``, ``'usdm'``, ``'coinm'``, ``'options'``) -> :class:`~.venues.Venue`.
        self.venues: Dict[str, Any] = {}
        self.accounts: Any = None
        self.faults: Any = None
        self.site: Any = None
        self._listening: Any = None
        self._tls: Any = None
        self._refuse_until = 0.0
        self._refuse_status: Optional[int] = None
        self.started = False
        self._market_factory = market_factory
        self._feed_factory = feed_factory

    def __repr__(self) -> str:
        return '<Simulator {} seed={}>'.format(self.base_url or 'not started', self.config.seed)

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> 'Simulator':
        """Build the exchange and listen; call on the reactor thread. Returns ``self``.

        Raises:
            RuntimeError: called from another thread while the reactor runs
                (use :func:`running`, or ``blocking_call(sim.start)``).
            twisted.internet.error.CannotListenError: the port is taken.
        """
        if getattr(self.reactor, 'running', False) and not threadable.isInIOThread():
            raise RuntimeError('Simulator.start() must run on the reactor thread: use '
                               'binance.simulator.running() or binance._reactor.blocking_call(sim.start)')
        from . import accounts, control, faults, rest, server, stream_endpoint, venues, wsapi
        from .feed import MarketFeed
        from .market import Market

        config = self.config
        market_factory = self._market_factory or Market
        feed_factory = self._feed_factory or MarketFeed
        self.market = market_factory(seed=config.seed, symbols=config.symbols, now_ms=self.now_ms)
        self.feed = feed_factory(self.market, self.clock, trade_rate=config.trade_rate,
                                 retired_streams_live=config.retired_streams_live)
        self.venues = {venues.SPOT: venues.SpotVenue(self)}
        self.venues.update(venues.build_derivative_venues(self))
        self.accounts = accounts.Accounts(self)
        self.faults = faults.Faults(self)
        root = Resource()
        rest.install(root, self)
        stream_endpoint.install(root, self)
        wsapi.install(root, self)
        control.install(root, self)
        self.site = server.build_site(root)
        if config.tls:
            from . import tls
            self._tls = tls.ServerCertificates.generate([config.host])
            self.ca_cert = self._tls.ca_path
            try:
                self._listening = self.reactor.listenSSL(config.port, self.site, self._tls.context_factory(),
                                                         interface=config.host)
            except Exception:
                self._tls.cleanup()
                raise
        else:
            self._listening = self.reactor.listenTCP(config.port, self.site, interface=config.host)
        self.port = self._listening.getHost().port
        self._set_urls()
        for feed in self._feeds():
            feed.start()
        self.started = True
        log.info('simulated exchange listening on %s', self.base_url)
        return self

    def _set_urls(self) -> None:
        host = self.config.host
        if ':' in host:
            host = '[{}]'.format(host)
        secure = 's' if self.config.tls else ''
        self.base_url = 'http{}://{}:{}'.format(secure, host, self.port)
        ws_base = 'ws{}://{}:{}'.format(secure, host, self.port)
        self.stream_url = ws_base + '/'
        self.ws_api_url = ws_base + '/ws-api/v3'
        self.api_url = self.base_url + '/api'
        self.margin_api_url = self.base_url + '/sapi'
        self.fstream_url = ws_base + '/fstream/'
        self.options_stream_url = self.fstream_url
        self.dstream_url = ws_base + '/dstream/'
        self.futures_api_url = self.base_url + '/fapi'
        self.futures_data_url = self.base_url + '/futures/data'
        self.futures_coin_api_url = self.base_url + '/dapi'
        self.options_api_url = self.base_url + '/eapi'
        self.control_url = self.base_url + '/control'

    def urls(self) -> List[Tuple[str, str]]:
        """``(name, url)`` pairs of every endpoint (the CLI prints them)."""
        names = ('stream_url', 'ws_api_url', 'api_url', 'margin_api_url', 'fstream_url',
                 'options_stream_url', 'dstream_url', 'futures_api_url', 'futures_data_url',
                 'futures_coin_api_url', 'options_api_url', 'control_url')
        pairs = [(name, getattr(self, name)) for name in names]
        if self.ca_cert:
            pairs.append(('ca_cert', self.ca_cert))
        return pairs

    def venue(self, name: str) -> Any:
        """The :class:`~binance.simulator.venues.Venue` called ``name``.

        Args:
            name: ``'spot'``, ``'usdm'``, ``'coinm'`` or ``'options'``.

        Raises:
            KeyError: no such venue (or the simulator has not started).
        """
        try:
            return self.venues[name]
        except KeyError:
            raise KeyError('no venue {!r}; the simulator has: {}'.format(
                name, ', '.join(self.venues) or 'none before start()')) from None

    def _feeds(self) -> List[Any]:
        return [venue.feed for venue in self.venues.values() if venue.feed is not None]

    def stop(self) -> defer.Deferred:
        """Stop listening and close every connection; call on the reactor thread."""
        if not self.started:
            return defer.succeed(None)
        self.started = False
        for feed in self._feeds():
            feed.stop()
        if self.accounts is not None:
            self.accounts.stop()
        waits = [defer.maybeDeferred(self._listening.stopListening)]
        for conn in list(self.connections.values()):
            waits.append(_closed(conn))
            conn.drop()
        for channel in list(self.site.channels):
            transport = getattr(channel, 'transport', None)
            if transport is not None:
                transport.abortConnection()
        if self._tls is not None:
            self._tls.cleanup()
        done = defer.DeferredList(waits, consumeErrors=True)
        # an aborted connection is gone on the next reactor turn; never hang a stop on one
        done.addTimeout(5.0, self.reactor, onTimeoutCancel=lambda result, timeout: None)
        done.addCallback(lambda _: None)
        return done

    # -- time ----------------------------------------------------------------

    def now_ms(self) -> int:
        """The simulator's current time in milliseconds since the epoch."""
        return int(self.clock.seconds() * 1000)

    # -- connections ---------------------------------------------------------

    def register_connection(self, conn: Any) -> None:
        """Called by every WebSocket when it opens."""
        self.connections[conn.conn_id] = conn

    def unregister_connection(self, conn: Any) -> None:
        """Called by every WebSocket when it closes."""
        self.connections.pop(conn.conn_id, None)

    def forget_channel(self, channel: Any) -> None:
        """An HTTP channel whose transport a WebSocket took over."""
        if self.site is not None:
            self.site.channels.discard(channel)

    def refuse_connections(self, seconds: float, status: Optional[int] = None) -> None:
        """Refuse WebSocket handshakes for ``seconds`` (reactor thread; see Faults)."""
        self._refuse_until = self.clock.seconds() + seconds
        self._refuse_status = status

    def refusal(self, now: float) -> Optional[Tuple[Optional[int], Optional[int]]]:
        """``(status or None for a reset, retry_after)`` while refusing, else None."""
        if now >= self._refuse_until:
            return None
        import math
        return self._refuse_status, max(1, math.ceil(self._refuse_until - now))


def _closed(conn: Any) -> defer.Deferred:
    """A Deferred firing when ``conn`` (an autobahn protocol) has closed, without
    disturbing the result chain of its own ``is_closed`` Deferred."""
    d: defer.Deferred = defer.Deferred()

    def fire(result: Any) -> Any:
        if not d.called:
            d.callback(None)
        return result
    conn.is_closed.addBoth(fire)
    return d


@contextlib.contextmanager
def running(**kwargs: Any) -> Iterator[Simulator]:
    """Start a :class:`Simulator` on the library's reactor thread; stop it on exit.

    Call from any thread except the reactor's. Keyword arguments go to
    :class:`Simulator`.
    """
    from .. import _reactor
    _reactor.ensure_running()
    sim = Simulator(**kwargs)
    _reactor.blocking_call(sim.start)
    try:
        yield sim
    finally:
        _reactor.blocking_call(sim.stop)


__all__ = ['Simulator', 'SimulatorConfig', 'running', 'DEFAULT_API_KEY', 'DEFAULT_API_SECRET',
           'DEFAULT_INTERVALS']
