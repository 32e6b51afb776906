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
  :meth:`~BinanceSocketManager.start_ticker_socket` and
  :meth:`~BinanceSocketManager.start_book_ticker_socket` warn once (a
  :class:`RetiredStreamWarning` and a log record) naming the replacement, and
  still open the stream for venues that serve it (Binance US, the simulator
  with ``retired_streams_live=True``).
"""
import logging
import threading
import warnings
from typing import Any, List, Optional, Sequence
from urllib.parse import quote, urlsplit

from . import _reactor
from . import streams as stream_names
from ._manager import Callback, ConnKey, ManagerBase
from ._reactor import use_application_reactor
from .enums import KLINE_INTERVAL_1MINUTE, WEBSOCKET_DEPTH_5, WEBSOCKET_DEPTH_10, WEBSOCKET_DEPTH_20
from .options import ConnectionOptions

__all__ = ['BinanceSocketManager', 'ConnectionOptions', 'RetiredStreamWarning',
           'use_application_reactor']

log = logging.getLogger(__name__)


class RetiredStreamWarning(UserWarning):
    """A stream was requested that binance.com no longer serves."""


#: What to use instead of each retired all-market stream.
RETIRED_STREAMS = {
    stream_names.ALL_TICKERS: (
        "binance.com retired the '!ticker@arr' stream (2026-03-26) and sends nothing on it; "
        "use start_symbol_ticker_socket(symbol, callback) for '<symbol>@ticker', or "
        "start_miniticker_socket(callback) for '!miniTicker@arr'"),
    stream_names.ALL_BOOK_TICKERS: (
        "binance.com removed the '!bookTicker' stream (December 2022) and sends nothing on it; "
        "use start_symbol_book_ticker_socket(symbol, callback) for '<symbol>@bookTicker' "
        "(or a multiplex socket of several '<symbol>@bookTicker' streams)"),
}

#: Characters of a stream path sent as they are (everything a valid ASCII path holds).
_PATH_SAFE = "/?=@!:+_.-~"

_warned_streams: 'set[str]' = set()
_warned_lock = threading.Lock()


def retired_stream_notice(stream_url: str, stream: str) -> Optional[str]:
    """The warning text when ``stream`` is retired on the venue at ``stream_url``, else ``None``.

    Only binance.com retired these streams; other venues (Binance US, a
    simulator) may still serve them.
    """
    host = (urlsplit(stream_url).hostname or '').lower()
    if host == 'binance.com' or host.endswith('.binance.com'):
        return RETIRED_STREAMS.get(stream)
    return None


class BinanceSocketManager(ManagerBase):
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

    Class attributes ``STREAM_URL`` and ``WS_API_URL`` may be overridden (on
    the class or a subclass) to point every socket at another server.
    """

    STREAM_URL = 'wss://stream.binance.com:9443/'
    WS_API_URL = 'wss://ws-api.binance.com:443/ws-api/v3'

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
                           interval: str = KLINE_INTERVAL_1MINUTE, *, delivery: Any = None) -> ConnKey:
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

    def start_trade_socket(self, symbol: str, callback: Callback, *, delivery: Any = None) -> ConnKey:
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
        """24 h tickers of every market (``!ticker@arr``).

        binance.com retired this stream: against it a :class:`RetiredStreamWarning`
        is issued once, recommending :meth:`start_symbol_ticker_socket` or
        :meth:`start_miniticker_socket`; the socket is opened anyway.

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

        binance.com removed this stream: against it a :class:`RetiredStreamWarning`
        is issued once, recommending :meth:`start_symbol_book_ticker_socket`;
        the socket is opened anyway.

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

        More than 1024 streams (Binance's limit per connection) are spread
        over several connections, delivered to the one callback; streams that
        would make the URL too long (``options.max_url_length``) are
        subscribed after connecting. See the "Staying up at scale" page.

        Raises:
            TypeError, ValueError: bad stream list or callback, or a name with
                a character no stream name has.
        """
        grammar = self._grammar()
        names = [name.name for name in grammar.parse_all(streams, per_connection=False)]
        stream_names.check_callback(callback)
        _reactor.raise_if_stopped()
        from ._multiplex import open_multiplex
        return open_multiplex(self, 'stream?streams=' + '/'.join(names), names, callback,
                              self._url_for, grammar.max_streams, delivery)

    # -- user data (implemented in binance.userstream) --------------------------------

    def start_user_socket(self, callback: Callback) -> ConnKey:
        """Account, order and trade updates of the client's account.

        Raises:
            TypeError: callback not callable.
        """
        stream_names.check_callback(callback)
        from . import userstream
        return userstream.open_user_socket(self, callback)

    def start_margin_socket(self, callback: Callback) -> ConnKey:
        """User data of the cross-margin account.

        Raises:
            TypeError: callback not callable.
        """
        stream_names.check_callback(callback)
        from . import userstream
        return userstream.open_margin_socket(self, callback)

    def start_isolated_margin_socket(self, symbol: str, callback: Callback) -> ConnKey:
        """User data of the isolated-margin account of ``symbol``.

        Raises:
            TypeError, ValueError: bad symbol or callback.
        """
        stream_names.normalize_symbol(symbol)
        stream_names.check_callback(callback)
        from . import userstream
        return userstream.open_isolated_margin_socket(self, symbol, callback)

    # -- where sockets connect -----------------------------------------------------------

    def stream_url(self) -> str:
        """The base URL market sockets dial (``STREAM_URL``, or the client's venue)."""
        return self._venue_url('STREAM_URL')

    def ws_api_url(self) -> str:
        """The WebSocket API URL user-data sockets dial (``WS_API_URL``, or the client's venue)."""
        return self._venue_url('WS_API_URL')

    # -- internals ---------------------------------------------------------------------

    def _start_raw(self, stream: str, callback: Callback, delivery: Any = None) -> ConnKey:
        parsed = self._grammar().parse(stream)
        return self._start_path(stream_names.raw_path(stream), callback, arrays=parsed.arrays,
                                delivery=delivery)

    def _grammar(self) -> stream_names.StreamGrammar:
        """The stream names the venue of ``STREAM_URL`` serves."""
        host = (urlsplit(self.stream_url()).hostname or '').lower()
        if host == 'binance.us' or host.endswith('.binance.us'):
            return stream_names.SPOT_US
        return stream_names.SPOT

    def _start_retired(self, stream: str, callback: Callback, delivery: Any = None) -> ConnKey:
        stream_names.check_callback(callback)
        notice = retired_stream_notice(self.stream_url(), stream)
        if notice is not None:
            with _warned_lock:
                first = stream not in _warned_streams
                _warned_streams.add(stream)
            if first:
                log.warning(notice)
                warnings.warn(notice, RetiredStreamWarning, stacklevel=3)
        return self._start_raw(stream, callback, delivery)

    def _venue_url(self, attribute: str) -> str:
        """The base URL sockets dial: the manager's, or the client's venue.

        ``STREAM_URL`` and ``WS_API_URL`` win when they were set to something
        else than binance.com's defaults (a simulator, a proxy). Otherwise a
        client for another venue (``tld='us'``, ``testnet=True``) supplies that
        venue's URL, so a Binance US key is never sent to binance.com.

        Args:
            attribute: ``'STREAM_URL'`` or ``'WS_API_URL'``.
        """
        url = getattr(self, attribute)
        client = self.client
        if client is None or not hasattr(client, 'VENUE_STREAM_URL'):
            return url
        if attribute == 'STREAM_URL':
            default, venue = client.VENUE_STREAM_URL.format('com'), client.stream_url
        else:
            default, venue = client.VENUE_WS_API_URL.format('com'), client.ws_api_url
        return venue if url == default else url

    def _start_path(self, path: str, callback: Callback, arrays: bool = False,
                    delivery: Any = None) -> ConnKey:
        stream_names.check_callback(callback)
        _reactor.raise_if_stopped()
        if self.connection(path) is not None:
            return False
        return self.open_connection(path, self._url_for(path), callback, list_messages=arrays,
                                    delivery=delivery)

    def _url_for(self, path: str) -> str:
        """The URL of a stream path on the manager's stream server."""
        base = self.stream_url()
        base = base if base.endswith('/') else base + '/'
        # Symbols of caseless scripts (e.g. Chinese) travel percent-encoded as UTF-8;
        # every ASCII character of a valid path is kept as it is.
        return base + quote(path, safe=_PATH_SAFE)

    def _trust_urls(self) -> List[str]:
        return [self.STREAM_URL, self.WS_API_URL]
