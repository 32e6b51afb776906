"""Local order books kept in step with Binance: python-binance's ``DepthCacheManager``.

Scripts written for python-binance 0.7 keep working unchanged::

    from binance.depthcache import DepthCacheManager

    def process_depth(depth_cache):
        if depth_cache is not None:
            print(depth_cache.get_bids()[:5], depth_cache.get_asks()[:5])
        else:
            pass  # the socket gave up: start a new manager

    dcm = DepthCacheManager(client, 'BNBBTC', callback=process_depth)
    print(dcm.get_depth_cache().get_bids()[:5])
    dcm.close()

What is different underneath (see the documentation's depth cache page):

* The book follows Binance's procedure exactly (:mod:`binance._booksync`):
  events arriving before the snapshot are buffered and replayed, a missed
  event or a reconnect rebuilds that symbol's book only, and meanwhile the
  cache is empty rather than wrong; the callback never sees a book known to
  be stale. Quantities are compared as numbers.
* The REST snapshot is fetched in a worker thread, never on the reactor
  thread, paced within a request-weight budget shared by every manager of
  the process, with backoff (:mod:`binance._pacing`).
* The constructor waits for the first book at most ``init_timeout`` seconds
  (then raises :class:`DepthCacheTimeout`); created on the reactor thread
  (inside a socket callback) it returns at once and the book fills in.
* Reading from any thread is safe: each read sees one whole update, and
  :meth:`DepthCache.get_book` returns both sides of the same update.
* Reads do not sort the book: levels are kept in price order as they change
  (:mod:`binance._book`); ``get_bids(10)`` costs ten levels, not a sort.
* When the socket gives up, the callback gets ``None`` once and the manager
  stops (:attr:`DepthCacheState.STOPPED`); it never gets the error dict.

Additions to python-binance 0.7.11's module: :class:`FuturesDepthCacheManager`
(USD-M) and :class:`CoinFuturesDepthCacheManager` (COIN-M), named after
later python-binance versions; :meth:`DepthCache.get_book`, the ``limit``
argument of the readers, :attr:`DepthCache.update_id`,
:attr:`BaseDepthCacheManager.state` and ``init_timeout``.
"""
import logging
import numbers
import threading
from operator import itemgetter
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

from twisted.internet import threads

from . import _reactor
from . import streams as stream_names
from ._book import Book, parse_levels
from ._booksync import DepthSync, Outcome, SyncState, parse_snapshot
from ._depthsources import FuturesDiff, OptionsPartial, Source, SpotDiff
from ._pacing import ResyncBackoff, WeightBudget
from ._timers import cancel_call
from .connection import ConnectionState
from .exceptions import BinanceAPIException, BinanceWebsocketError

__all__ = ['DepthCache', 'BookView', 'DepthCacheState', 'BaseDepthCacheManager',
           'DepthCacheManager', 'FuturesDepthCacheManager', 'CoinFuturesDepthCacheManager',
           'OptionsDepthCacheManager', 'DepthCacheError', 'DepthCacheTimeout']

log = logging.getLogger(__name__)

# Looked up once: an Enum member looked up on its class costs a few hundred ns.
_APPLIED, _REFRESHED, _LIVE = Outcome.APPLIED, Outcome.REFRESHED, SyncState.LIVE

#: Where a manager's book is: ``SYNCING``, ``LIVE``, ``RESYNCING`` or ``STOPPED``.
DepthCacheState = SyncState

Levels = List[List[float]]


class DepthCacheError(BinanceWebsocketError):
    """A depth cache could not be built or kept (the socket gave up, the symbol is unknown...)."""


class DepthCacheTimeout(DepthCacheError, TimeoutError):
    """The first book was not ready within ``init_timeout`` seconds."""


class BookView(NamedTuple):
    """Both sides of a book at one update (:meth:`DepthCache.get_book`)."""

    bids: Levels
    asks: Levels
    update_id: Optional[int]
    update_time: Optional[int]


def _check_limit(limit: Any) -> Optional[int]:
    if limit is None:
        return None
    if type(limit) is not int:
        raise TypeError('limit must be an int or None, got {!r}'.format(limit))
    if limit < 0:
        raise ValueError('limit must not be negative, got {}'.format(limit))
    return limit


class DepthCache:
    """The order book of one symbol: bids high to low, asks low to high.

    Every method may be called from any thread; a read sees the book
    between two updates, never during one.

    Args:
        symbol: the symbol, as given to the manager.
    """

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self._book = Book()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        with self._lock:
            return '<DepthCache {} id={} levels={}/{}>'.format(
                self.symbol, self._book.update_id, len(self._book.bids), len(self._book.asks))

    @property
    def update_time(self) -> Optional[int]:
        """Event time (ms) of the last update applied, ``None`` before the first."""
        return self._book.update_time

    @update_time.setter
    def update_time(self, value: Optional[int]) -> None:
        self._book.update_time = value

    @property
    def update_id(self) -> Optional[int]:
        """Binance's update id the book is at (``u`` of the last event), ``None`` while empty."""
        return self._book.update_id

    def add_bid(self, bid: Any) -> None:
        """Set one bid level, ``[price, quantity]``; a zero quantity removes it.

        Raises:
            ValueError: not a ``[price, quantity]`` pair of numbers.
        """
        levels = parse_levels([bid], 'bid')
        with self._lock:
            self._book.bids.update(levels)

    def add_ask(self, ask: Any) -> None:
        """Set one ask level, ``[price, quantity]``; a zero quantity removes it.

        Raises:
            ValueError: not a ``[price, quantity]`` pair of numbers.
        """
        levels = parse_levels([ask], 'ask')
        with self._lock:
            self._book.asks.update(levels)

    def get_bids(self, limit: Optional[int] = None) -> Levels:
        """The bids, highest price first: ``[[price, quantity], ...]`` as floats.

        Args:
            limit: only the best ``limit`` levels (an addition to python-binance).

        Raises:
            TypeError, ValueError: ``limit`` is not a non-negative int.
        """
        return self._top(self._book.bids, limit)

    def get_asks(self, limit: Optional[int] = None) -> Levels:
        """The asks, lowest price first: ``[[price, quantity], ...]`` as floats.

        Args:
            limit: only the best ``limit`` levels (an addition to python-binance).

        Raises:
            TypeError, ValueError: ``limit`` is not a non-negative int.
        """
        return self._top(self._book.asks, limit)

    def _top(self, side: Any, limit: Optional[int]) -> Levels:
        limit = _check_limit(limit)
        with self._lock:
            return side.top(limit)

    def get_book(self, limit: Optional[int] = None) -> BookView:
        """Both sides at the same update, with its id and time.

        Two separate calls to :meth:`get_bids` and :meth:`get_asks` may see
        two different updates, and so a crossed book; this one never does.

        Raises:
            TypeError, ValueError: ``limit`` is not a non-negative int.
        """
        limit = _check_limit(limit)
        with self._lock:
            book = self._book
            return BookView(book.bids.top(limit), book.asks.top(limit), book.update_id,
                            book.update_time)

    @staticmethod
    def sort_depth(vals: Dict[Any, Any], reverse: bool = False) -> Levels:
        """``{price: quantity}`` as ``[[price, quantity], ...]`` floats sorted by price."""
        return sorted(([float(price), float(qty)] for price, qty in vals.items()),
                      key=itemgetter(0), reverse=reverse)


#: One request-weight budget per venue and process (Binance limits weight per IP).
#: Spot allows 6000 per minute, futures 2400: snapshots never take more than half
#: of it in any minute (a burst of half a minute's allowance, then the rate).
_BUDGETS: Dict[str, WeightBudget] = {
    'spot': WeightBudget(2000.0, burst=1000.0),
    'usd-m': WeightBudget(800.0, burst=400.0),
    'coin-m': WeightBudget(800.0, burst=400.0),
    'options': WeightBudget(800.0, burst=400.0),
}

#: Seconds without any event after the socket opened before a snapshot is taken anyway
#: (a quiet market sends nothing, and a book with no changes needs only the snapshot).
QUIET_SNAPSHOT_AFTER = 2.0


def _is_permanent(exc: BaseException) -> bool:
    """A snapshot error that retrying cannot fix (unknown symbol, bad parameter)."""
    return isinstance(exc, BinanceAPIException) and exc.status_code in (400, 401, 404)


def _number(value: Any, name: str, allow_zero: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError('{} must be a number, got {!r}'.format(name, value))
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError('{} must be {}, got {!r}'.format(
            name, 'zero or positive' if allow_zero else 'positive', value))
    return float(value)


# -- the managers ---------------------------------------------------------------------------

class BaseDepthCacheManager:
    """Keeps a :class:`DepthCache` of one symbol in step with a Binance depth stream.

    Args:
        client: a :class:`binance.client.Client` (it fetches the snapshots).
        symbol: e.g. ``'BNBBTC'``.
        callback: called with the :class:`DepthCache` after every update
            applied (on the reactor thread), and with ``None`` once if the
            socket gives up. An exception it raises is logged.
        refresh_interval: seconds between rebuilds from a new snapshot (done
            beside the live book, which keeps serving); ``None`` for
            :attr:`DEFAULT_REFRESH`, ``0`` for never.
        bm: a :class:`~binance.websockets.BinanceSocketManager` to share;
            one is created (and closed by :meth:`close`) if ``None``.
        limit: levels per side of the REST snapshot (1 to 5000).
        init_timeout: seconds the constructor waits for the first book
            (``0``: do not wait). Keyword only. Called on the reactor thread
            (from a socket callback), the constructor never waits.

    Raises:
        TypeError, ValueError: a bad argument (named in the message).
        DepthCacheTimeout: no book within ``init_timeout`` seconds (the
            manager is closed).
        DepthCacheError: the socket gave up or the snapshot cannot be had
            (an unknown symbol) before the first book.
    """

    #: Default seconds between refreshes (python-binance's 30 minutes).
    DEFAULT_REFRESH = 60 * 30
    #: Default seconds the constructor waits for the first book.
    DEFAULT_INIT_TIMEOUT = 30.0

    def __init__(self, client: Any, symbol: str, callback: Optional[Callable[[Any], Any]] = None,
                 refresh_interval: Optional[float] = None, bm: Any = None, limit: int = 10, *,
                 init_timeout: float = DEFAULT_INIT_TIMEOUT) -> None:
        self._init(client, symbol, callback, refresh_interval, bm, limit, init_timeout,
                   self._make_source())

    def _make_source(self) -> Source:
        raise NotImplementedError

    def _init(self, client: Any, symbol: str, callback: Optional[Callable[[Any], Any]],
              refresh_interval: Optional[float], bm: Any, limit: int, init_timeout: float,
              source: Source) -> None:
        source.check_symbol(symbol)
        if callback is not None:
            stream_names.check_callback(callback)
        source.check_limit(limit)
        refresh = self.DEFAULT_REFRESH if refresh_interval is None else \
            _number(refresh_interval, 'refresh_interval')
        timeout = _number(init_timeout, 'init_timeout')
        source.check_client(client)
        _reactor.raise_if_stopped()
        self._client = client
        self._symbol = symbol
        self._rest_symbol = symbol.upper()
        self._callback = callback
        self._limit = limit
        self._refresh_interval = refresh
        self._source = source
        self._cache = DepthCache(symbol)
        self._depth_cache: Optional[DepthCache] = self._cache
        self._sync = DepthSync(self._cache._book, source.rules)
        self._backoff = ResyncBackoff()
        self._budget = _BUDGETS[source.venue]
        self._ready = threading.Event()
        self._failure: Optional[BaseException] = None
        self._closed = False
        self._snapshot_due = False
        self._timer: Optional[Any] = None
        self._refresh_timer: Optional[Any] = None
        self._quiet_timer: Optional[Any] = None
        self._connection: Optional[Any] = None
        self._opened_seen: Optional[int] = None
        self._told_none = False
        self._own_bm = bm is None
        if bm is None:
            from .websockets import BinanceSocketManager
            bm = BinanceSocketManager(client)
        self._bm = bm
        self._conn_key = source.open(bm, symbol, self._on_message)
        _start_manager(bm)
        _reactor.call_soon(self._begin)
        self._wait_for_book(timeout)

    def __repr__(self) -> str:
        return '<{} {} {}>'.format(type(self).__name__, self._symbol, self.state.value)

    # -- what callers see -----------------------------------------------------------------

    @property
    def state(self) -> SyncState:
        """The :class:`DepthCacheState` of the book (an addition to python-binance)."""
        return self._sync.state

    def get_depth_cache(self) -> Optional[DepthCache]:
        """The :class:`DepthCache` (``None`` after :meth:`close`)."""
        return self._depth_cache

    def get_symbol(self) -> str:
        """The symbol, as given."""
        return self._symbol

    def close(self, close_socket: bool = False) -> None:
        """Stop following the stream; the cache is emptied and :meth:`get_depth_cache` returns None.

        Args:
            close_socket: also close the socket manager, if it was passed in
                as ``bm`` (a manager this object created is always closed).
        """
        self._closed = True
        self._bm.stop_socket(self._conn_key)
        if close_socket or self._own_bm:
            self._bm.close()
        self._depth_cache = None
        if not _reactor.has_stopped():
            _reactor.call_soon(self._stop)
        self._ready.set()

    # -- start and stop (reactor thread) ----------------------------------------------------

    def _wait_for_book(self, timeout: float) -> None:
        from twisted.internet import reactor
        if timeout <= 0 or _reactor.in_reactor_thread() or (
                _reactor.uses_application_reactor() and not reactor.running):
            return
        if not self._ready.wait(timeout):
            self.close()
            raise DepthCacheTimeout('{}: no order book within {:g} s (state {}); is the exchange '
                                    'reachable?'.format(self._symbol, timeout, self.state.value))
        if self._failure is not None:
            raise DepthCacheError('{}: {}'.format(self._symbol, self._failure)) from self._failure

    def _begin(self) -> None:
        if self._closed:
            return
        if not self._source.rules.partial:
            self._quiet_timer = _clock().callLater(QUIET_SNAPSHOT_AFTER, self._quiet_check)
        if self._refresh_interval and not self._source.rules.partial:
            self._refresh_timer = _clock().callLater(self._refresh_interval, self._refresh)

    def _stop(self) -> None:
        for timer in (self._timer, self._refresh_timer, self._quiet_timer):
            cancel_call(timer)
        self._timer = self._refresh_timer = self._quiet_timer = None
        with self._lock():
            self._sync.stop()

    def _fail(self, error: BaseException) -> None:
        """Stop for good and tell the callback (``None``) once."""
        if self._closed:
            return
        self._failure = error
        log.error('%s depth cache stopped: %s', self._symbol, error)
        self.close()
        self._stop()
        if self._callback is not None and not self._told_none:
            self._told_none = True
            self._call_back(None)

    def _lock(self) -> threading.Lock:
        return self._cache._lock

    # -- the stream (reactor thread) ------------------------------------------------------

    def _on_message(self, msg: Any) -> None:
        if type(msg) is dict:
            if 'data' in msg and 'stream' in msg:
                msg = msg['data']
                if type(msg) is not dict:
                    msg = None
            elif msg.get('e') == 'error':
                self._fail(DepthCacheError('the depth socket gave up ({})'.format(msg.get('m'))))
                return
        if self._closed:
            return
        self._check_reconnect()
        sync = self._sync
        was_live = sync.state is _LIVE
        try:
            with self._lock():      # validated and applied in one step: readers wait ~10 us
                outcome = sync.on_message(msg)
        except ValueError as exc:
            self._lose('a malformed depth message ({})'.format(exc), was_live)
            return
        if outcome is _APPLIED or outcome is _REFRESHED:
            if not self._ready.is_set():   # partial depth: the first message is the book
                self._ready.set()
            self._call_back(self._cache)
        elif outcome is Outcome.BUFFERED:
            self._want_snapshot()
        elif outcome is Outcome.GAP:
            log.info('%s: depth events were missed (gap before u=%s); rebuilding the book',
                     self._symbol, msg.get('u'))
            self._backoff.lost(_clock().seconds())
            self._want_snapshot()

    def _check_reconnect(self) -> None:
        connection = self._connection
        if connection is None:
            connection = self._connection = self._find_connection()
            if connection is None:
                return
        opened = connection.reconnect_count      # a composite socket sums its parts
        if self._opened_seen is None:
            self._opened_seen = opened
        elif opened != self._opened_seen:
            self._opened_seen = opened
            self._lose('the depth socket reconnected')

    def _find_connection(self) -> Optional[Any]:
        return self._bm.connection(self._conn_key)

    def _lose(self, reason: str, was_live: Optional[bool] = None) -> None:
        """The book can no longer be trusted: clear it and rebuild.

        Args:
            was_live: whether the book was live before (the sync may have
                begun the rebuild itself); ``None``: look now.
        """
        with self._lock():
            if was_live is None:
                was_live = self._sync.state is _LIVE
            self._sync.resync()
        if was_live:
            log.warning('%s: %s; rebuilding the book', self._symbol, reason)
            self._backoff.lost(_clock().seconds())
        else:
            log.debug('%s: %s', self._symbol, reason)
        self._want_snapshot()

    def _call_back(self, cache: Optional[DepthCache]) -> None:
        if self._callback is None:
            return
        try:
            self._callback(cache)
        except Exception:
            log.exception('%s: the depth cache callback raised; the cache keeps running',
                          self._symbol)

    # -- snapshots (reactor thread; the request itself in a worker thread) -------------

    def _quiet_check(self) -> None:
        self._quiet_timer = None
        if self._closed or not self._sync.needs_snapshot or self._snapshot_due:
            return
        connection = self._connection or self._find_connection()
        if connection is not None and connection.state is ConnectionState.OPEN:
            self._want_snapshot()
        else:
            self._quiet_timer = _clock().callLater(QUIET_SNAPSHOT_AFTER, self._quiet_check)

    def _refresh(self) -> None:
        self._refresh_timer = _clock().callLater(self._refresh_interval, self._refresh)
        with self._lock():
            started = self._sync.begin_refresh()
        if started:
            self._want_snapshot()

    def _want_snapshot(self) -> None:
        if self._snapshot_due or self._closed or self._source.rules.partial:
            return
        if not self._sync.wants_snapshot:
            return
        self._snapshot_due = True
        self._timer = _clock().callLater(self._backoff.delay(), self._reserve)

    def _reserve(self) -> None:
        wait = self._budget.reserve(self._source.weight(self._limit), _clock().seconds())
        if wait > 0:
            log.debug('%s: snapshot in %.2f s (request-weight budget)', self._symbol, wait)
        self._timer = _clock().callLater(wait, self._fetch)

    def _fetch(self) -> None:
        self._timer = None
        if self._closed:
            return
        paused = self._budget.paused_for(_clock().seconds())
        if paused > 0:
            self._timer = _clock().callLater(paused, self._fetch)
            return
        d = threads.deferToThread(self._download)
        d.addCallbacks(self._snapshot_arrived, self._snapshot_failed)

    def _download(self) -> Any:
        # Worker thread: the request and the parsing of up to 10,000 levels.
        return parse_snapshot(self._source.fetch(self._client, self._rest_symbol, self._limit))

    def _snapshot_arrived(self, snapshot: Any) -> None:
        self._snapshot_due = False
        if self._closed:
            return
        with self._lock():
            outcome = self._sync.on_snapshot(snapshot)
        if outcome is Outcome.LIVE:
            self._backoff.went_live(_clock().seconds())
            log.debug('%s: book live at update id %d', self._symbol, self._sync.book.update_id)
            self._ready.set()
            self._call_back(self._cache)
        elif outcome is Outcome.REFRESHED:
            self._call_back(self._cache)
        elif outcome is Outcome.TOO_OLD and self._sync.needs_snapshot:
            log.info('%s: the snapshot (lastUpdateId %d) is older than the stream; fetching another',
                     self._symbol, snapshot.update_id)
            self._backoff.failed()
        self._want_snapshot()

    def _snapshot_failed(self, failure: Any) -> None:
        self._snapshot_due = False
        if self._closed:
            return
        error = failure.value
        if _is_permanent(error):
            self._fail(DepthCacheError('the order book snapshot was refused: {}'.format(error)))
            return
        retry_after = getattr(error, 'retry_after', None)
        if retry_after:
            self._budget.pause(float(retry_after), _clock().seconds())
        self._backoff.failed()
        log.warning('%s: order book snapshot failed (%s); retrying in %.1f s or more',
                    self._symbol, error, max(self._backoff.delay(), retry_after or 0))
        if self._sync.refreshing and not self._sync.needs_snapshot:
            with self._lock():
                self._sync.cancel_refresh()
        self._want_snapshot()


def _clock() -> Any:
    """The IReactorTime of every timer here (the global reactor)."""
    from twisted.internet import reactor
    return reactor


def _start_manager(bm: Any) -> None:
    """python-binance started the socket manager for the cache if it was not running."""
    if bm.is_alive():
        return
    try:
        bm.start()
    except RuntimeError as exc:
        if isinstance(exc, BinanceWebsocketError):
            raise
        # Already started (restarted after a close()): its keeper thread runs.


class DepthCacheManager(BaseDepthCacheManager):
    """Spot order book from ``<symbol>@depth`` (or ``@depth@100ms``) and ``GET /api/v3/depth``.

    Args:
        ws_interval: ``None`` or ``0`` for the 1000 ms stream, ``100`` for the 100 ms one.

    The other arguments are :class:`BaseDepthCacheManager`'s (``limit``
    defaults to 500 here).

    Raises:
        ValueError: ``ws_interval`` is not None, 0 or 100 (and see the base class).
    """

    #: ``ws_interval`` values besides ``None`` and ``0`` (the stream's default speed).
    WS_INTERVALS: Tuple[int, ...] = (100,)

    def __init__(self, client: Any, symbol: str, callback: Optional[Callable[[Any], Any]] = None,
                 refresh_interval: Optional[float] = None, bm: Any = None, limit: int = 500,
                 ws_interval: Optional[int] = None, *,
                 init_timeout: float = BaseDepthCacheManager.DEFAULT_INIT_TIMEOUT) -> None:
        self._ws_interval = _ws_interval(ws_interval, self.WS_INTERVALS)
        self._init(client, symbol, callback, refresh_interval, bm, limit, init_timeout,
                   self._make_source())

    def _make_source(self) -> Source:
        return SpotDiff(self._ws_interval)


def _ws_interval(value: Any, allowed: Tuple[int, ...]) -> Optional[int]:
    if isinstance(value, bool) or not (value is None or isinstance(value, int)):
        raise TypeError('ws_interval must be None or an int, got {!r}'.format(value))
    if not value:
        return None
    if value in allowed:
        return value
    raise ValueError('ws_interval must be None, 0 (the default speed) or one of {} (ms), got {!r}'
                     .format(', '.join(map(str, allowed)), value))


class FuturesDepthCacheManager(DepthCacheManager):
    """USD-M futures order book from ``<symbol>@depth`` and ``GET /fapi/v1/depth`` (``pu`` rule).

    An addition to python-binance 0.7.11 (named as in later versions). The
    arguments are :class:`DepthCacheManager`'s, but ``ws_interval`` is
    ``None`` (250 ms), 100 or 500, and ``limit`` one of 5, 10, 20, 50, 100,
    500 and 1000 (what ``GET /fapi/v1/depth`` serves). The stream is opened
    with :meth:`~binance.websockets.BinanceSocketManager.start_futures_depth_socket`.
    """

    WS_INTERVALS = (100, 500)
    _coin = False

    def _make_source(self) -> Source:
        return FuturesDiff(self._ws_interval, coin=self._coin)


class CoinFuturesDepthCacheManager(FuturesDepthCacheManager):
    """COIN-M futures order book from ``<symbol>@depth`` and ``GET /dapi/v1/depth`` (``pu`` rule).

    An addition to python-binance 0.7.11; arguments as :class:`FuturesDepthCacheManager`
    (symbols such as ``'BTCUSD_PERP'``; the stream is opened with
    :meth:`~binance.websockets.BinanceSocketManager.start_coin_futures_depth_socket`).
    """

    _coin = True


class OptionsDepthCacheManager(BaseDepthCacheManager):
    """Options order book from the partial-depth stream (``start_options_depth_socket``).

    Every message carries the top ``limit`` levels (10 by default; Binance
    serves 5, 10 and 20, every 500 ms), so no snapshot is fetched and
    ``refresh_interval`` does nothing. Each message replaces the book
    (python-binance 0.7.11 merged them into it, which kept levels that had
    left the top).
    """

    def _make_source(self) -> Source:
        return OptionsPartial(self._options_depth)

    def __init__(self, client: Any, symbol: str, callback: Optional[Callable[[Any], Any]] = None,
                 refresh_interval: Optional[float] = None, bm: Any = None, limit: int = 10, *,
                 init_timeout: float = BaseDepthCacheManager.DEFAULT_INIT_TIMEOUT) -> None:
        self._options_depth = limit
        super().__init__(client, symbol, callback, refresh_interval, bm, limit,
                         init_timeout=init_timeout)

