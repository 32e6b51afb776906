"""Where a depth cache's data comes from: the stream to open and the snapshot to fetch.

Each :class:`Source` knows one kind of depth data (spot diff depth, USD-M or
COIN-M futures diff depth, options partial depth): the rules its messages
follow (:mod:`binance._booksync`), how to open its stream on a
:class:`~binance.websockets.BinanceSocketManager`, how to fetch its REST
snapshot with a :class:`~binance.client.Client` and what that request weighs.
"""
from typing import Any, Callable, Optional, Tuple

from . import streams as stream_names
from ._booksync import FUTURES_DIFF, PARTIAL, SPOT_DIFF, Rules
from ._weights import futures_depth_weight, spot_depth_weight

__all__ = ['Source', 'SpotDiff', 'FuturesDiff', 'OptionsPartial']


class Source:
    """One kind of depth data: how to open its stream and fetch its snapshot."""

    rules: Rules = SPOT_DIFF
    #: Key of the request-weight budget (one per venue and process).
    venue = 'spot'

    def open(self, bm: Any, symbol: str, callback: Callable[[Any], None]) -> Any:
        """Start the stream on ``bm``; returns its conn_key."""
        raise NotImplementedError

    def fetch(self, client: Any, symbol: str, limit: int) -> Any:
        """The REST snapshot (blocking; runs in a worker thread)."""
        raise NotImplementedError

    #: Snapshot sizes the venue accepts (``None``: any from 1 to 5000).
    limits: Optional[Tuple[int, ...]] = None

    def weight(self, limit: int) -> int:
        """Request weight of one snapshot."""
        return spot_depth_weight(limit)

    def check_symbol(self, symbol: Any) -> None:
        """Raise TypeError or ValueError now for a symbol the stream cannot carry."""
        stream_names.normalize_symbol(symbol)

    def check_limit(self, limit: Any) -> None:
        """Raise TypeError or ValueError now if the venue does not serve ``limit`` levels."""
        if type(limit) is not int:
            raise TypeError('limit must be an int, got {!r}'.format(limit))
        if self.limits is None:
            if not 1 <= limit <= 5000:
                raise ValueError('limit must be between 1 and 5000, got {}'.format(limit))
        elif limit not in self.limits:
            raise ValueError('limit must be one of {}, got {}'.format(
                ', '.join(map(str, self.limits)), limit))

    def check_client(self, client: Any) -> None:
        """Raise TypeError now if ``client`` cannot fetch snapshots."""
        name = self.snapshot_method
        if not callable(getattr(client, name, None)):
            raise TypeError('client must be a binance.client.Client (it needs {}()), got {!r}'
                            .format(name, type(client).__name__))

    snapshot_method = 'get_order_book'


def _open_once(bm: Any, symbol: str, first: Callable[[], Any], stream: str,
               callback: Callable[[Any], None]) -> Any:
    """Open the raw stream; if this manager already has it open, the combined form."""
    key = first()
    if key is False:
        key = bm.start_multiplex_socket([stream], callback)
    if key is False:
        raise ValueError('{!r}: this socket manager already has that depth stream open twice; '
                         'share one DepthCacheManager or use another manager'.format(symbol))
    return key


class SpotDiff(Source):
    rules = SPOT_DIFF
    venue = 'spot'

    def __init__(self, interval: Optional[int]) -> None:
        self.interval = interval

    def open(self, bm: Any, symbol: str, callback: Callable[[Any], None]) -> Any:
        stream = stream_names.depth_stream(symbol, None, self.interval)
        return _open_once(bm, symbol, lambda: bm.start_depth_socket(
            symbol, callback, interval=self.interval), stream, callback)

    def fetch(self, client: Any, symbol: str, limit: int) -> Any:
        return client.get_order_book(symbol=symbol, limit=limit)


def _check_futures_symbol(symbol: Any) -> None:
    """A futures symbol or pair holds ``_`` too (``BTCUSD_PERP``)."""
    stream_names.normalize_symbol(symbol, punctuation='_')


def _check_options_symbol(symbol: Any) -> None:
    """An options symbol holds ``-`` (``BTC-261225-90000-C``)."""
    stream_names.normalize_symbol(symbol, punctuation='-')


class FuturesDiff(Source):
    rules = FUTURES_DIFF
    limits = (5, 10, 20, 50, 100, 500, 1000)
    check_symbol = staticmethod(_check_futures_symbol)

    def __init__(self, interval: Optional[int], coin: bool) -> None:
        self.interval = interval
        self.venue = 'coin-m' if coin else 'usd-m'
        self.socket_method = 'start_coin_futures_depth_socket' if coin else 'start_futures_depth_socket'
        self.snapshot_method = 'futures_coin_order_book' if coin else 'futures_order_book'

    def open(self, bm: Any, symbol: str, callback: Callable[[Any], None]) -> Any:
        start = getattr(bm, self.socket_method, None)
        if start is None:
            raise TypeError('this socket manager has no {}(); futures depth caches need a '
                            'BinanceSocketManager with futures sockets'.format(self.socket_method))
        key = start(symbol, callback, interval=self.interval)
        if key is False:
            raise ValueError('{!r}: this socket manager already has that futures depth stream open'
                             .format(symbol))
        return key

    def fetch(self, client: Any, symbol: str, limit: int) -> Any:
        return getattr(client, self.snapshot_method)(symbol=symbol, limit=limit)

    def weight(self, limit: int) -> int:
        return futures_depth_weight(limit)


class OptionsPartial(Source):
    rules = PARTIAL
    venue = 'options'
    limits = (5, 10, 20)
    check_symbol = staticmethod(_check_options_symbol)

    def __init__(self, depth: int) -> None:
        self.depth = depth

    def open(self, bm: Any, symbol: str, callback: Callable[[Any], None]) -> Any:
        start = getattr(bm, 'start_options_depth_socket', None)
        if start is None:
            raise TypeError('this socket manager has no start_options_depth_socket()')
        key = start(symbol, callback, depth=str(self.depth))
        if key is False:
            raise ValueError('{!r}: this socket manager already has that options depth stream open'
                             .format(symbol))
        return key

    def check_client(self, client: Any) -> None:
        return None   # partial depth needs no snapshot
