"""``BinanceSocketManager``: the drop-in socket manager of python-binance.

Scripts written for python-binance 0.6/0.7 keep working unchanged::

    from binance.websockets import BinanceSocketManager

    bm = BinanceSocketManager(client)
    conn_key = bm.start_trade_socket('BNBBTC', process_message)
    bm.start()
    ...
    bm.stop_socket(conn_key)
    bm.close()

What changed underneath:

* The Twisted reactor runs in one library thread (:mod:`binance._reactor`),
  started by :meth:`BinanceSocketManager.start`. The manager's own thread
  only keeps the process alive from ``start()`` until ``close()``. Closing a
  manager and creating a new one works any number of times (notebooks); after
  ``reactor.stop()`` the process cannot open sockets any more and creating or
  starting a manager raises :class:`~binance.exceptions.ReactorStoppedError`.
  Inside a Twisted program that already runs the reactor, the manager uses it
  and no reactor thread is started. A Twisted program that starts sockets
  before its own ``reactor.run()`` calls :func:`use_application_reactor`
  first, so that the library leaves running the reactor to it.
* ``close()`` stops every socket; the manager stays usable: sockets started
  afterwards connect, and ``start()`` after ``close()`` (as the seed
  describes) keeps the process alive again until the next ``close()``.
* Every method may be called from any thread, including from inside a
  callback: the work is handed to the reactor thread, and ``start_*`` returns
  its ``conn_key`` (the stream path, e.g. ``'ws/bnbbtc@trade'``) at once.
* Each socket is a :class:`~binance.connection.StreamConnection`: it
  reconnects with backoff, detects half-open connections (``heartbeat_timeout``),
  follows ``serverShutdown`` notices, and verifies TLS certificates
  (``ca_file`` for a private CA such as the simulator's).
* Bad arguments raise ``TypeError``/``ValueError`` at the call
  (:mod:`binance.streams`).
* ``!ticker@arr`` and ``!bookTicker`` are no longer served by binance.com:
  there :meth:`~BinanceSocketManager.start_ticker_socket` and
  :meth:`~BinanceSocketManager.start_book_ticker_socket` rebuild them from
  per-symbol streams (:mod:`binance._rebuild`), warning once (a
  :class:`RetiredStreamWarning` and a log record) what that costs; Binance US
  still serves them and gets the stream itself.
* The futures and options sockets of python-binance 0.7.8–0.7.11 dial where
  Binance serves those streams today, routed by stream category
  (:mod:`binance._derivative_sockets`, :mod:`binance.venues`).
"""
import functools
import logging
import threading
import warnings
from typing import Any, Dict, List, Optional, Sequence
from urllib.parse import quote

from . import _reactor, venues
from . import streams as stream_names
from ._derivative_sockets import DerivativeSockets
from ._manager import Callback, ConnKey, ManagerBase
from ._multiplex import RouteStreams, open_multiplex
from ._rebuild import RebuiltAllMarket, rebuild_notice
from ._reactor import use_application_reactor
from .enums import KLINE_INTERVAL_1MINUTE, WEBSOCKET_DEPTH_5, WEBSOCKET_DEPTH_10, WEBSOCKET_DEPTH_20
from .delivery import DeliveryOptions
from .options import ConnectionOptions

__all__ = ['BinanceSocketManager', 'ConnectionOptions', 'RetiredStreamWarning',
           'use_application_reactor', 'BinanceClientProtocol', 'BinanceClientFactory',
           'BinanceReconnectingClientFactory']

log = logging.getLogger(__name__)


class RetiredStreamWarning(UserWarning):
    """A stream was requested that binance.com no longer serves."""


#: Characters of a stream path sent as they are (everything a valid ASCII path holds).
_PATH_SAFE = "/?=@!:+_.-~"

_warned_streams: 'set[str]' = set()
_warned_lock = threading.Lock()


def retired_stream_notice(stream_url: str, stream: str) -> Optional[str]:
    """What to know when ``stream`` is retired on the spot venue at ``stream_url``, else ``None``.

    binance.com and its test network retired ``!ticker@arr`` and
    ``!bookTicker``; Binance US still serves them. A host that is not
    Binance's (a simulator, a proxy) is taken to behave like binance.com.
    """
    fact = venues.venue_at(venues.SPOT, stream_url).retired_notice(stream)
    if fact is None:
        return None
    replacement = ("start_symbol_book_ticker_socket(symbol, callback) for '<symbol>@bookTicker'"
                   if stream == stream_names.ALL_BOOK_TICKERS else
                   "start_symbol_ticker_socket(symbol, callback) for '<symbol>@ticker', or "
                   "start_miniticker_socket(callback) for '!miniTicker@arr'")
    return '{}; use {} ({}() rebuilds it from those)'.format(
        fact, replacement, 'start_book_ticker_socket' if stream == stream_names.ALL_BOOK_TICKERS
        else 'start_ticker_socket')


def _warn_once(stream: str, text: str) -> None:
    with _warned_lock:
        first = stream not in _warned_streams
        _warned_streams.add(stream)
    if first:
        log.warning(text)
        warnings.warn(text, RetiredStreamWarning, stacklevel=4)


class _Replaced:
    """A python-binance 0.7 class whose job another one does here; using it says which."""

    _replacement = ''

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError('{} was part of python-binance 0.7\'s Twisted plumbing and is not used by '
                        'binance-sockets: {}'.format(type(self).__name__, self._replacement))


class BinanceClientProtocol(_Replaced):
    """python-binance 0.7's Autobahn protocol. Creating one raises ``TypeError``.

    One socket's protocol is :class:`binance.protocol.StreamClientProtocol`;
    messages reach callbacks through the connection's delivery path, not
    ``onMessage``.
    """

    _replacement = ('one socket is a binance.connection.StreamConnection (open one with '
                    'BinanceSocketManager.open_connection()); its protocol is '
                    'binance.protocol.StreamClientProtocol')

    def onConnect(self, response: Any) -> None:  # pragma: no cover - never instantiated
        """0.7's hook (not called)."""

    def onMessage(self, payload: bytes, isBinary: bool) -> None:  # pragma: no cover  # noqa: N803
        """0.7's hook (not called)."""


class BinanceReconnectingClientFactory(_Replaced):
    """python-binance 0.7's retry settings. Creating one raises ``TypeError``.

    Retries are a :class:`binance.backoff.BackoffPolicy` (the same first delay,
    cap and number of retries), passed as ``ConnectionOptions(retry=...)``.
    """

    initialDelay = 0.1  # noqa: N815 (0.7's names)
    maxDelay = 10  # noqa: N815
    maxRetries = 5  # noqa: N815
    _replacement = ('retries follow a binance.backoff.BackoffPolicy; pass '
                    'BinanceSocketManager(client, options=ConnectionOptions(retry=BackoffPolicy(...)))')


class BinanceClientFactory(_Replaced):
    """python-binance 0.7's Autobahn factory. Creating one raises ``TypeError``.

    What survives reconnects is a :class:`binance.connection.StreamConnection`;
    each attempt has its own :class:`binance.protocol.StreamClientFactory`.
    """

    protocol = BinanceClientProtocol
    _replacement = ('what survives reconnects is a binance.connection.StreamConnection '
                    '(BinanceSocketManager.new_connection() builds one with the manager\'s options)')

    def clientConnectionFailed(self, connector: Any, reason: Any) -> None:  # pragma: no cover
        """0.7's hook (not called)."""

    def clientConnectionLost(self, connector: Any, reason: Any) -> None:  # pragma: no cover
        """0.7's hook (not called)."""


#: The base of each market's conn_keys (spot keys are the bare path, as in python-binance).
_KEY_PREFIX = {venues.SPOT: '', venues.USDM: 'fstream/', venues.COINM: 'dstream/',
               venues.OPTIONS: 'options/'}
#: The class attribute that points each market elsewhere, and its default.
_URL_ATTRIBUTES = {venues.SPOT: 'STREAM_URL', venues.USDM: 'FSTREAM_URL',
                   venues.COINM: 'DSTREAM_URL', venues.OPTIONS: 'VSTREAM_URL'}
_DEFAULT_URLS = {
    'STREAM_URL': venues.VENUES['spot'].stream_url,
    'FSTREAM_URL': venues.VENUES['usdm'].stream_url,
    'DSTREAM_URL': venues.VENUES['coinm'].stream_url,
    'VSTREAM_URL': venues.VENUES['options'].stream_url,
    'VSTREAM_TESTNET_URL': venues.VENUES['options-testnet'].stream_url,
    'WS_API_URL': venues.VENUES['spot'].ws_api_url,
}


class BinanceSocketManager(DerivativeSockets, ManagerBase):
    """Opens Binance WebSocket streams and delivers their messages to callbacks.

    Args:
        client: a :class:`binance.client.Client`; user-data sockets use its API key.
        user_timeout: seconds between listen-key keepalives, where a venue still
            uses listen keys.
        options: the connection settings of every socket (retry policy and
            ``max_retries``, heartbeat, handshake timeout, ``stable_after``,
            largest message) as one :class:`~binance.options.ConnectionOptions`.
            Keyword only.
        heartbeat_timeout: seconds without any data (nor pong to our ping) after
            which a socket is considered half-open and replaced; ``None`` turns
            the check off. Keyword only.
        ca_file: PEM file of the CA certificates to trust for ``wss://``
            (for example the simulator's ``ca_cert``); certifi's roots when
            ``None``. Read when the manager is created and started, not on
            the reactor thread. Keyword only.
        max_message_size: largest message accepted, in bytes; a bigger one
            fails its connection (which then reconnects) and is never
            delivered. Keyword only.
        stable_after: seconds a socket must stay open, if it delivers no
            message, to count as a successful connection; until then a drop
            counts as a failed retry, so a server that accepts and closes at
            once is retried with growing delays, then given up on. Keyword only.

    ``heartbeat_timeout``, ``max_message_size`` and ``stable_after`` are
    fields of ``options`` too; a keyword that differs from its default
    overrides the field.

    Raises:
        ReactorStoppedError: the reactor was stopped earlier in this process.
        TypeError: an argument has the wrong type (``user_timeout='x'``,
            ``heartbeat_timeout='30'``, ``max_message_size=1.5``, ``ca_file=3``).
        ValueError: ``user_timeout``, ``heartbeat_timeout``, ``max_message_size``
            or ``stable_after`` is not positive (or not finite).
        OSError: ``ca_file`` cannot be read.

    Class attributes ``STREAM_URL`` (spot), ``FSTREAM_URL`` (USD-M futures),
    ``DSTREAM_URL`` (COIN-M futures), ``VSTREAM_URL`` (options) and
    ``WS_API_URL`` may be overridden (on the class or a subclass) to point
    sockets at another server; left at their defaults, a client for another
    venue (``tld='us'``, ``testnet=True``) supplies that venue's URLs
    (:mod:`binance.venues`).
    """

    STREAM_URL = _DEFAULT_URLS['STREAM_URL']
    #: USD-M futures root; the library appends the routes (``public/``, ``market/``).
    FSTREAM_URL = _DEFAULT_URLS['FSTREAM_URL']
    #: COIN-M futures (no routes).
    DSTREAM_URL = _DEFAULT_URLS['DSTREAM_URL']
    #: Options root: on the USD-M host and routes since 2026 (``vstream`` is gone).
    VSTREAM_URL = _DEFAULT_URLS['VSTREAM_URL']
    #: Options root for a client with ``testnet=True``.
    VSTREAM_TESTNET_URL = _DEFAULT_URLS['VSTREAM_TESTNET_URL']
    WS_API_URL = _DEFAULT_URLS['WS_API_URL']

    WEBSOCKET_DEPTH_5 = WEBSOCKET_DEPTH_5
    WEBSOCKET_DEPTH_10 = WEBSOCKET_DEPTH_10
    WEBSOCKET_DEPTH_20 = WEBSOCKET_DEPTH_20

    # The constructor is ManagerBase's: (client, user_timeout=DEFAULT_USER_TIMEOUT, *,
    # heartbeat_timeout, ca_file, max_message_size, stable_after, options).

    # -- market streams ----------------------------------------------------------------

    def start_depth_socket(self, symbol: str, callback: Callback, depth: Optional[Any] = None,
                           interval: Optional[int] = None, *, delivery: Any = None) -> ConnKey:
        """Diff depth (``depth=None``) or partial book (5, 10, 20) of ``symbol``.

        ``interval=100`` selects the 100 ms stream. Returns the ``conn_key``, or
        False if that stream is already open on this manager.

        Raises:
            TypeError, ValueError: bad symbol, depth, interval or callback.
        """
        return self._start_raw(stream_names.depth_stream(symbol, depth, interval), callback,
                               delivery)

    def start_kline_socket(self, symbol: str, callback: Callback,
                           interval: str = KLINE_INTERVAL_1MINUTE, *,
                           delivery: Any = None) -> ConnKey:
        """Klines (candles) of ``symbol`` for ``interval`` (a ``KLINE_INTERVAL_*``).

        Raises:
            TypeError, ValueError: bad symbol, interval or callback.
        """
        return self._start_raw(stream_names.kline_stream(symbol, interval), callback, delivery)

    def start_miniticker_socket(self, callback: Callback, update_time: int = 1000, *,
                                delivery: Any = None) -> ConnKey:
        """Mini tickers of every market (``!miniTicker@arr@<update_time>ms``).

        Raises:
            TypeError, ValueError: bad update_time or callback.
        """
        return self._start_raw(stream_names.miniticker_stream(update_time), callback, delivery)

    def start_trade_socket(self, symbol: str, callback: Callback, *,
                           delivery: Any = None) -> ConnKey:
        """Every trade of ``symbol`` (``<symbol>@trade``).

        Raises:
            TypeError, ValueError: bad symbol or callback.
        """
        return self._start_raw(stream_names.trade_stream(symbol), callback, delivery)

    def start_aggtrade_socket(self, symbol: str, callback: Callback, *,
                              delivery: Any = None) -> ConnKey:
        """Aggregated trades of ``symbol`` (``<symbol>@aggTrade``).

        Raises:
            TypeError, ValueError: bad symbol or callback.
        """
        return self._start_raw(stream_names.aggtrade_stream(symbol), callback, delivery)

    def start_symbol_ticker_socket(self, symbol: str, callback: Callback, *,
                                   delivery: Any = None) -> ConnKey:
        """24 h rolling ticker of ``symbol`` (``<symbol>@ticker``).

        Raises:
            TypeError, ValueError: bad symbol or callback.
        """
        return self._start_raw(stream_names.symbol_ticker_stream(symbol), callback, delivery)

    def start_ticker_socket(self, callback: Callback, *, delivery: Any = None) -> ConnKey:
        """24 h tickers of every market (``!ticker@arr``): a list, about once a second.

        binance.com retired this stream; there the socket rebuilds it from
        ``!miniTicker@arr`` and every symbol's ``<symbol>@ticker`` (two
        connections, about 2,000 streams) and delivers the same lists, and a
        :class:`RetiredStreamWarning` says so once. Venues that still serve it
        (Binance US) get the stream itself.

        Raises:
            TypeError: callback not callable.
        """
        return self._start_retired(stream_names.ALL_TICKERS, callback, delivery)

    def start_symbol_book_ticker_socket(self, symbol: str, callback: Callback, *,
                                        delivery: Any = None) -> ConnKey:
        """Best bid and ask of ``symbol`` (``<symbol>@bookTicker``).

        Raises:
            TypeError, ValueError: bad symbol or callback.
        """
        return self._start_raw(stream_names.symbol_book_ticker_stream(symbol), callback,
                               delivery)

    def start_book_ticker_socket(self, callback: Callback, *, delivery: Any = None) -> ConnKey:
        """Best bid and ask of every market (``!bookTicker``).

        binance.com removed this stream; there the socket rebuilds it from
        ``!miniTicker@arr`` and every symbol's ``<symbol>@bookTicker`` (two
        connections, thousands of messages a second), and a
        :class:`RetiredStreamWarning` says so once. Venues that still serve it
        (Binance US) get the stream itself.

        Raises:
            TypeError: callback not callable.
        """
        return self._start_retired(stream_names.ALL_BOOK_TICKERS, callback, delivery)

    def start_multiplex_socket(self, streams: Sequence[str], callback: Callback, *,
                               delivery: Any = None) -> ConnKey:
        """One socket for several streams; messages arrive as ``{'stream': ..., 'data': ...}``.

        Args:
            streams: stream names with lower-case symbols, e.g.
                ``['bnbbtc@aggTrade', 'neobtc@ticker']``.
            callback: called with each wrapped message.
            delivery: how messages reach the callback (see below); ``None``
                for the manager's ``options.delivery``.

        More than 1024 streams (Binance's limit per connection) are spread
        over several connections, delivered to the one callback; streams that
        would make the URL too long (``options.max_url_length``) are
        subscribed after connecting.

        Every market ``start_*`` method takes ``delivery=`` (keyword only):
        ``'inline'`` (the callback runs on the reactor thread, the default),
        ``'block'``, ``'drop_oldest'`` or ``'keep_latest'`` (a queue and a
        worker thread per socket, full queues handled by that policy), or a
        :class:`~binance.delivery.DeliveryOptions`. See the "Staying up at
        scale" page.

        Raises:
            TypeError, ValueError: bad stream list, callback or delivery, or a
                name with a character no stream name has.
        """
        return self._open_streams(venues.SPOT, streams, callback, combined=True,
                                  delivery=delivery)

    # -- user data (implemented in binance.userstream) --------------------------------

    def start_user_socket(self, callback: Callback, *, reconcile: Any = None) -> ConnKey:
        """Account, order and trade updates of the client's account.

        Args:
            callback: called with each event.
            reconcile: after a reconnect, fetch what changed meanwhile over
                REST and deliver it as events (``True``), or only tell the
                callback (``False``); a list of symbols also reconciles those
                even if the socket has not seen them yet. ``None``: the
                manager's ``options.reconcile_user_data``. Keyword only.

        Raises:
            TypeError, ValueError: callback not callable, bad ``reconcile``.
        """
        stream_names.check_callback(callback)
        from . import userstream
        return userstream.open_user_socket(self, callback, reconcile=reconcile)

    def start_margin_socket(self, callback: Callback, *, reconcile: Any = None) -> ConnKey:
        """User data of the cross-margin account.

        Args:
            callback: called with each event.
            reconcile: see :meth:`start_user_socket`. Keyword only.

        Raises:
            TypeError, ValueError: callback not callable, bad ``reconcile``.
        """
        stream_names.check_callback(callback)
        from . import userstream
        return userstream.open_margin_socket(self, callback, reconcile=reconcile)

    def start_isolated_margin_socket(self, symbol: str, callback: Callback, *,
                                     reconcile: Any = None) -> ConnKey:
        """User data of the isolated-margin account of ``symbol``.

        Args:
            symbol: the isolated-margin pair.
            callback: called with each event.
            reconcile: see :meth:`start_user_socket`. Keyword only.

        Raises:
            TypeError, ValueError: bad symbol, callback or ``reconcile``.
        """
        stream_names.normalize_symbol(symbol)
        stream_names.check_callback(callback)
        from . import userstream
        return userstream.open_isolated_margin_socket(self, symbol, callback,
                                                      reconcile=reconcile)

    # -- where sockets connect -----------------------------------------------------------

    def venue(self, market: str = venues.SPOT) -> venues.Venue:
        """The :class:`~binance.venues.Venue` whose streams sockets of ``market`` dial.

        Its class attribute (``STREAM_URL``, ``FSTREAM_URL``, ``DSTREAM_URL``,
        ``VSTREAM_URL``) wins when it was set to something else than Binance's
        default (a simulator, a proxy: binance.com's rules at that URL, see
        :func:`binance.venues.venue_at`); otherwise the client's venue applies,
        so a Binance US or test-network key is never sent to binance.com.

        Args:
            market: ``'spot'``, ``'usdm'``, ``'coinm'`` or ``'options'``.

        Raises:
            ValueError: unknown ``market``.
        """
        own = venues.for_client(self.client, market)
        attribute = _URL_ATTRIBUTES[market]
        if market == venues.OPTIONS and own.name.endswith('-testnet'):
            attribute = 'VSTREAM_TESTNET_URL'
        url = getattr(self, attribute)
        if url == _DEFAULT_URLS[attribute]:
            return own
        return venues.venue_at(market, url)

    def stream_url(self) -> str:
        """The base URL spot market sockets dial (``STREAM_URL``, or the client's venue)."""
        return self.venue(venues.SPOT).stream_url

    def ws_api_url(self) -> str:
        """The WebSocket API URL user-data sockets dial (``WS_API_URL``, or the client's venue)."""
        if self.WS_API_URL != _DEFAULT_URLS['WS_API_URL']:
            return self.WS_API_URL
        return venues.for_client(self.client, venues.SPOT).ws_api_url or self.WS_API_URL

    # -- internals ---------------------------------------------------------------------

    def _start_raw(self, stream: str, callback: Callback, delivery: Any = None) -> ConnKey:
        return self._open_streams(venues.SPOT, [stream], callback, combined=False,
                                  delivery=delivery)

    def _start_retired(self, stream: str, callback: Callback, delivery: Any = None) -> ConnKey:
        stream_names.check_callback(callback)
        venue = self.venue(venues.SPOT)
        fact = venue.retired_notice(stream)
        if fact is None:
            return self._start_raw(stream, callback, delivery)
        chosen = self._delivery(delivery)
        _reactor.raise_if_stopped()
        key = stream_names.raw_path(stream)
        if self.connection(key) is not None:
            return False
        _warn_once(stream, rebuild_notice(stream, fact))
        socket = RebuiltAllMarket(key, callback, stream=stream, new_connection=self.new_connection,
                                  base_url=venue.stream_base(), max_streams=venue.rules.max_streams,
                                  per_second=self._subscribe_rate(venue), delivery=chosen)
        return self.open_socket(key, socket)

    def _open_streams(self, market: str, names: Sequence[str], callback: Callback, *,
                      combined: bool, delivery: Any = None) -> ConnKey:
        """Open ``names`` on ``market``'s venue under one conn_key; one connection per route
        (and per ``max_streams`` streams of a route, see :mod:`binance._multiplex`).

        Raises:
            TypeError, ValueError: a bad callback or delivery, or names the venue does not serve.
        """
        stream_names.check_callback(callback)
        self._delivery(delivery)
        venue = self.venue(market)
        if combined:
            parsed = venue.grammar.parse_all(names, per_connection=False)
            for name in parsed:
                fact = venue.retired_notice(name.name)
                if fact is not None:
                    _warn_once(name.name, '{}; a multiplex socket receives nothing for it'
                               .format(fact))
        else:
            parsed = [venue.grammar.parse(names[0])]
        path = _path(parsed, combined)
        key = _KEY_PREFIX[market] + path
        _reactor.raise_if_stopped()
        if self.connection(key) is not None:
            return False
        if not combined:
            return self.open_connection(key, _url(venue.stream_base(venue.route_of(path[3:])), path),
                                        callback, list_messages=parsed[0].arrays,
                                        delivery=delivery)
        routes: Dict[Optional[str], List[str]] = {}
        for name in parsed:
            routes.setdefault(venue.route_of(name.name), []).append(name.name)
        groups = [RouteStreams(route, functools.partial(_url, venue.stream_base(route)), members)
                  for route, members in routes.items()]
        return open_multiplex(self, key, groups, callback, max_streams=venue.rules.max_streams,
                              per_second=self._subscribe_rate(venue), delivery=delivery)

    def _delivery(self, delivery: Any) -> DeliveryOptions:
        """The delivery a socket gets: ``delivery``, or the manager's when ``None``.

        Raises:
            TypeError, ValueError: ``delivery`` is not a delivery option.
        """
        return self.options.delivery if delivery is None else DeliveryOptions.coerce(delivery)

    def _subscribe_rate(self, venue: venues.Venue) -> float:
        """``SUBSCRIBE`` requests per second per connection: the options' rate, at most half
        the venue's limit of incoming messages (pings and pongs count too)."""
        return min(self.options.subscribe_rate, venue.rules.max_incoming_per_second / 2.0)

    def _trust_urls(self) -> List[str]:
        return [getattr(self, attribute) for attribute in _DEFAULT_URLS]


def _path(names: Sequence[stream_names.StreamName], combined: bool) -> str:
    if combined:
        return 'stream?streams=' + '/'.join(name.name for name in names)
    return stream_names.raw_path(names[0].name)


def _url(base: str, path: str) -> str:
    # Symbols of caseless scripts (e.g. Chinese) travel percent-encoded as UTF-8;
    # every ASCII character of a valid path is kept as it is.
    return base + quote(path, safe=_PATH_SAFE)
