"""Binance's venues: where each one serves what, and by which rules.

One :class:`Venue` per venue (spot on binance.com, Binance US and the spot
test network; USD-M futures, COIN-M futures and European options, each with
its test network) holds everything the library needs to know about it: its
stream URL and routes, WebSocket API URL, REST base URLs, user-data model,
the stream names it serves (a :class:`~binance.streams.StreamGrammar`), the
all-market streams it retired, and its connection rules. Adding a venue means
adding one entry to :data:`VENUES`; nothing else compares host names.

Pure data and functions, no I/O:

* :func:`for_client` answers which venue a :class:`~binance.client.Client`
  talks to (``tld='us'``, ``testnet=True``); the socket manager asks it, and
  :func:`rest_url` (the client's base URLs) is built on it.
* :func:`rest_url` answers where a REST API (``'api'``, ``'fapi'``...) is
  served for a ``tld`` and ``testnet``; :func:`tld_template` writes a
  binance.com URL the way python-binance 0.7.11's class attributes did
  (``https://api.binance.{}/api``).
* :func:`venue_at` answers which venue a URL belongs to. A host it does not
  know (a simulator, a proxy, a local test server) is taken to behave like
  binance.com: that is what :mod:`binance.simulator` does by default, and it
  is the safe assumption (for example, retired streams are rebuilt rather than
  left silent).
* :func:`simulator` describes a running simulator's venues: binance.com's
  rules at the simulator's URLs.

The socket manager's class attributes (``STREAM_URL``, ``FSTREAM_URL``,
``DSTREAM_URL``, ``VSTREAM_URL``, ``WS_API_URL``) stay the drop-in way to point
sockets elsewhere; the manager turns them into venues with :func:`venue_at`.
"""
import dataclasses
from typing import Any, Dict, Mapping, Optional, Tuple
from urllib.parse import urlsplit, urlunsplit

from . import streams
from .streams import StreamGrammar

__all__ = ['ConnectionRules', 'Venue', 'VENUES', 'SPOT', 'USDM', 'COINM', 'OPTIONS',
           'WS_API', 'LISTEN_KEY', 'ROUTED_LISTEN_KEY', 'REST_APIS', 'for_client', 'venue_at',
           'rest_url', 'tld_template', 'simulator',
           'RETIRED_TICKERS_NOTICE', 'RETIRED_BOOK_TICKERS_NOTICE']

#: Markets: spot, USD-M futures, COIN-M futures, European options.
SPOT, USDM, COINM, OPTIONS = 'spot', 'usdm', 'coinm', 'options'

#: User data through the WebSocket API (``userDataStream.subscribe.signature``; margin
#: with a listen token).
WS_API = 'ws-api'
#: User data over a REST listen key kept alive with ``PUT``, at ``<stream URL>ws/<key>``.
LISTEN_KEY = 'listen-key'
#: As :data:`LISTEN_KEY`, on the ``private`` route: ``private/ws?listenKey=<key>``.
ROUTED_LISTEN_KEY = 'routed-listen-key'

_HOUR = 3600.0


@dataclasses.dataclass(frozen=True)
class ConnectionRules:
    """How a venue treats a stream connection.

    Args:
        ping_interval: seconds between the server's pings.
        pong_timeout: seconds the server waits for the pong before it drops
            the connection.
        max_incoming_per_second: messages a client may send per second
            (pings, pongs, ``SUBSCRIBE``); more get the connection dropped.
        max_streams: streams one connection may carry.
        lifetime: seconds after which the server closes any connection.
    """

    ping_interval: float
    pong_timeout: float
    max_incoming_per_second: int
    max_streams: int
    lifetime: float = 24 * _HOUR


#: binance.com spot and its test network since February 2025.
SPOT_RULES = ConnectionRules(ping_interval=20, pong_timeout=60, max_incoming_per_second=5,
                             max_streams=1024)
#: Binance US (still the pre-2025 ping rule).
US_RULES = ConnectionRules(ping_interval=180, pong_timeout=600, max_incoming_per_second=5,
                           max_streams=1024)
#: USD-M and COIN-M futures.
FUTURES_RULES = ConnectionRules(ping_interval=180, pong_timeout=600, max_incoming_per_second=10,
                                max_streams=1024)
#: European options.
OPTIONS_RULES = ConnectionRules(ping_interval=300, pong_timeout=900, max_incoming_per_second=10,
                                max_streams=200)

#: What binance.com says about ``!ticker@arr``.
RETIRED_TICKERS_NOTICE = ("binance.com retired the '!ticker@arr' stream (2026-03-26) and "
                          "sends nothing on it")
#: What binance.com says about ``!bookTicker``.
RETIRED_BOOK_TICKERS_NOTICE = ("binance.com removed the '!bookTicker' stream (December 2022) "
                               "and sends nothing on it")


@dataclasses.dataclass(frozen=True)
class Venue:
    """One Binance venue.

    Args:
        name: its key in :data:`VENUES` (``'spot'``, ``'usdm-testnet'``...).
        market: :data:`SPOT`, :data:`USDM`, :data:`COINM` or :data:`OPTIONS`.
        label: how messages name it (``'binance.com spot'``).
        stream_url: the base of its market streams, ending with ``/``.
        routes: the routes appended to ``stream_url`` (``('public', 'market',
            'private')``), or ``()`` for a venue without routes.
        ws_api_url: its WebSocket API, or ``None``.
        rest_urls: its REST bases by API name (``'api'``, ``'sapi'``,
            ``'fapi'``, ``'fdata'``, ``'dapi'``, ``'ddata'``, ``'eapi'``; and
            ``'www'``, the website that serves the product list).
        user_data: how it delivers user data: :data:`WS_API`,
            :data:`LISTEN_KEY` or :data:`ROUTED_LISTEN_KEY`.
        grammar: the stream names it serves.
        retired: all-market streams it no longer serves (it accepts them and
            sends nothing), with a sentence saying so.
        rules: its :class:`ConnectionRules`.
        hosts: the host names that identify it (see :func:`venue_at`).
    """

    name: str
    market: str
    label: str
    stream_url: str
    routes: Tuple[str, ...]
    ws_api_url: Optional[str]
    rest_urls: Mapping[str, str]
    user_data: str
    grammar: StreamGrammar
    retired: Mapping[str, str]
    rules: ConnectionRules
    hosts: Tuple[str, ...] = ()

    @property
    def routed(self) -> bool:
        """Whether its streams are served on routes."""
        return bool(self.routes)

    def route_of(self, stream: str) -> Optional[str]:
        """The route that serves ``stream`` here, or ``None`` on a venue without routes.

        Raises:
            TypeError, ValueError: the venue does not serve ``stream``.
        """
        route = self.grammar.route_of(stream)
        return route if self.routed else None

    def stream_base(self, route: Optional[str] = None) -> str:
        """The URL paths are appended to: ``stream_url``, plus ``route/`` on a routed venue."""
        base = self.stream_url if self.stream_url.endswith('/') else self.stream_url + '/'
        return base + route + '/' if route and self.routed else base

    def retired_notice(self, stream: str) -> Optional[str]:
        """The notice for ``stream`` if this venue retired it, else ``None``."""
        return self.retired.get(stream)

    def at(self, stream_url: Optional[str] = None,
           ws_api_url: Optional[str] = None) -> 'Venue':
        """This venue's rules at other URLs (a simulator, a proxy); ``None`` keeps a URL."""
        changes: Dict[str, Any] = {}
        if stream_url is not None:
            changes['stream_url'] = stream_url if stream_url.endswith('/') else stream_url + '/'
        if ws_api_url is not None:
            changes['ws_api_url'] = ws_api_url
        return dataclasses.replace(self, **changes) if changes else self


_SPOT_RETIRED = {streams.ALL_TICKERS: RETIRED_TICKERS_NOTICE,
                 streams.ALL_BOOK_TICKERS: RETIRED_BOOK_TICKERS_NOTICE}
_FUTURES_ROUTES = (streams.PUBLIC, streams.MARKET, 'private')


def _spot(name: str, label: str, host: str, stream_url: str, ws_api_url: str, rest: str,
          website: str, **fields: Any) -> Venue:
    defaults: Dict[str, Any] = dict(routes=(), user_data=WS_API, grammar=streams.SPOT,
                                    retired=_SPOT_RETIRED, rules=SPOT_RULES)
    defaults.update(fields)
    return Venue(name, SPOT, label, stream_url, ws_api_url=ws_api_url,
                 rest_urls={'api': rest + '/api', 'sapi': rest + '/sapi', 'www': website},
                 hosts=(host,), **defaults)


def _derivative(name: str, market: str, label: str, hosts: Tuple[str, ...], stream_url: str,
                rest: Mapping[str, str], **fields: Any) -> Venue:
    return Venue(name, market, label, stream_url, ws_api_url=None, rest_urls=dict(rest),
                 hosts=hosts, retired={}, **fields)


_FAPI, _TESTNET_FAPI = 'https://fapi.binance.com', 'https://testnet.binancefuture.com'
_DAPI = 'https://dapi.binance.com'
_WEBSITE = 'https://www.binance.com'

#: Every venue, by name.
VENUES: Dict[str, Venue] = {venue.name: venue for venue in (
    _spot('spot', 'binance.com spot', 'binance.com', 'wss://stream.binance.com:9443/',
          'wss://ws-api.binance.com:443/ws-api/v3', 'https://api.binance.com', _WEBSITE),
    _spot('spot-us', 'Binance US', 'binance.us', 'wss://stream.binance.us:9443/',
          'wss://ws-api.binance.us:443/ws-api/v3', 'https://api.binance.us', 'https://www.binance.us',
          user_data=LISTEN_KEY, grammar=streams.SPOT_US, retired={}, rules=US_RULES),
    _spot('spot-testnet', 'the spot test network', 'testnet.binance.vision',
          'wss://stream.testnet.binance.vision:9443/',
          'wss://ws-api.testnet.binance.vision/ws-api/v3', 'https://testnet.binance.vision',
          _WEBSITE),
    _derivative('usdm', USDM, 'USD-M futures', ('fstream.binance.com', 'fapi.binance.com'),
                'wss://fstream.binance.com/',
                {'fapi': _FAPI + '/fapi', 'fdata': _FAPI + '/futures/data'},
                routes=_FUTURES_ROUTES, user_data=ROUTED_LISTEN_KEY, grammar=streams.USDM,
                rules=FUTURES_RULES),
    _derivative('usdm-testnet', USDM, 'the USD-M futures test network',
                ('fstream.binancefuture.com', 'stream.binancefuture.com'),
                'wss://fstream.binancefuture.com/',
                {'fapi': _TESTNET_FAPI + '/fapi', 'fdata': _TESTNET_FAPI + '/futures/data'},
                routes=_FUTURES_ROUTES, user_data=ROUTED_LISTEN_KEY, grammar=streams.USDM,
                rules=FUTURES_RULES),
    _derivative('coinm', COINM, 'COIN-M futures', ('dstream.binance.com', 'dapi.binance.com'),
                'wss://dstream.binance.com/',
                {'dapi': _DAPI + '/dapi', 'ddata': _DAPI + '/futures/data'},
                routes=(), user_data=LISTEN_KEY, grammar=streams.COINM, rules=FUTURES_RULES),
    _derivative('coinm-testnet', COINM, 'the COIN-M futures test network',
                ('dstream.binancefuture.com',), 'wss://dstream.binancefuture.com/',
                {'dapi': _TESTNET_FAPI + '/dapi', 'ddata': _TESTNET_FAPI + '/futures/data'},
                routes=(), user_data=LISTEN_KEY, grammar=streams.COINM, rules=FUTURES_RULES),
    # Options streams moved onto the USD-M hosts and routes in 2026.
    _derivative('options', OPTIONS, 'options', ('eapi.binance.com',),
                'wss://fstream.binance.com/', {'eapi': 'https://eapi.binance.com/eapi'},
                routes=_FUTURES_ROUTES, user_data=ROUTED_LISTEN_KEY, grammar=streams.OPTIONS,
                rules=OPTIONS_RULES),
    _derivative('options-testnet', OPTIONS, 'the options test network', (),
                'wss://fstream.binancefuture.com/', {'eapi': _TESTNET_FAPI + '/eapi'},
                routes=_FUTURES_ROUTES, user_data=ROUTED_LISTEN_KEY, grammar=streams.OPTIONS,
                rules=OPTIONS_RULES),
)}

#: The production venue of each market (what a host :func:`venue_at` does not know behaves like).
_PRODUCTION = {SPOT: 'spot', USDM: 'usdm', COINM: 'coinm', OPTIONS: 'options'}

#: The market each REST API belongs to (``'api'``, ``'sapi'``, ``'www'``: spot;
#: ``'fapi'``, ``'fdata'``: USD-M; ``'dapi'``, ``'ddata'``: COIN-M; ``'eapi'``: options).
REST_APIS: Mapping[str, str] = {api: venue.market for venue in VENUES.values()
                                for api in venue.rest_urls}
#: binance.com's domain, which 0.7.11's URL templates replaced with the ``tld``.
_COM = 'binance.com'


def for_client(client: Any, market: str = SPOT) -> Venue:
    """The venue of ``market`` that ``client`` talks to.

    Reads the client's ``tld`` (``'us'``: Binance US, spot only) and
    ``testnet``; ``None`` or an object without them means binance.com.

    Args:
        client: a :class:`~binance.client.Client`, or ``None``.
        market: :data:`SPOT`, :data:`USDM`, :data:`COINM` or :data:`OPTIONS`.

    Raises:
        ValueError: unknown ``market``.
    """
    return _venue_of(market, getattr(client, 'tld', 'com'), getattr(client, 'testnet', False))


def _venue_of(market: str, tld: Any, testnet: Any) -> Venue:
    if market not in _PRODUCTION:
        raise ValueError('market must be one of {}, got {!r}'.format(
            ', '.join(sorted(_PRODUCTION)), market))
    if testnet:
        return VENUES[_PRODUCTION[market] + '-testnet']
    if market == SPOT and tld == 'us':
        return VENUES['spot-us']
    return VENUES[_PRODUCTION[market]]


def rest_url(api: str, tld: str = 'com', testnet: bool = False) -> str:
    """The base URL of the REST API ``api`` for a client's ``tld`` and ``testnet``.

    The URL is the one of the venue :func:`for_client` gives such a client.
    A ``tld`` that has no venue of its own in that market keeps
    python-binance 0.7.11's rule, the tld in the host name (``tld='us'``
    futures: ``https://fapi.binance.us/fapi``); the test networks have one
    host whatever the ``tld``.

    Args:
        api: ``'api'``, ``'sapi'``, ``'fapi'``, ``'fdata'``, ``'dapi'``,
            ``'ddata'``, ``'eapi'`` or ``'www'`` (see :data:`REST_APIS`).
        tld: the client's top-level domain (``'com'``, ``'us'``).
        testnet: whether the client uses the test networks.

    Raises:
        TypeError: ``tld`` is not a string.
        ValueError: unknown ``api``.
    """
    market = REST_APIS.get(api) if isinstance(api, str) else None
    if market is None:
        raise ValueError('api must be one of {}, not {!r}'.format(
            ', '.join(repr(name) for name in REST_APIS), api))
    if not isinstance(tld, str):
        raise TypeError('tld must be a str, not {}'.format(type(tld).__name__))
    venue = _venue_of(market, tld, testnet)
    url = venue.rest_urls[api]
    if venue.name == _PRODUCTION[market] and tld != 'com':
        url = tld_template(url).format(tld)
    return url


def tld_template(url: str) -> str:
    """A binance.com URL as python-binance 0.7.11 wrote it, with ``{}`` for the tld.

    ``'https://api.binance.com/api'`` gives ``'https://api.binance.{}/api'``;
    a URL on another domain is returned unchanged.
    """
    parts = urlsplit(url)
    host = (parts.hostname or '').lower()
    if host != _COM and not host.endswith('.' + _COM):
        return url
    netloc = parts.netloc.lower().replace(host, host[:-len('com')] + '{}', 1)
    return urlunsplit(parts._replace(netloc=netloc))


def venue_at(market: str, stream_url: str) -> Venue:
    """The venue of ``market`` whose streams are served at ``stream_url``.

    A known Binance host gives its venue (with ``stream_url`` as its base, so
    a port or path the caller chose is kept); any other host (a simulator, a
    proxy) gives binance.com's venue of that market at ``stream_url``.

    Raises:
        ValueError: unknown ``market``.
    """
    production = for_client(None, market)
    host = (urlsplit(stream_url).hostname or '').lower()
    for venue in VENUES.values():
        if venue.market == market and any(host == h or host.endswith('.' + h)
                                          for h in venue.hosts):
            return venue.at(stream_url)
    return production.at(stream_url)


def simulator(sim: Any) -> Dict[str, Venue]:
    """The venues of a running :class:`~binance.simulator.Simulator`, by market.

    The simulator behaves like binance.com (its retired streams stay silent
    unless it was started with ``retired_streams_live``): binance.com's
    venues at its URLs.
    """
    return {
        SPOT: VENUES['spot'].at(sim.stream_url, sim.ws_api_url),
        USDM: VENUES['usdm'].at(sim.fstream_url),
        COINM: VENUES['coinm'].at(sim.dstream_url),
        OPTIONS: VENUES['options'].at(sim.options_stream_url),
    }
