"""Stream names of the derivatives venues: USDⓈ-M and COIN-M futures, European options.

Pure code. One :class:`~binance.simulator.market_streams.StreamCatalogue` per
venue (:data:`USDM_STREAMS`, :data:`COINM_STREAMS`, :data:`OPTIONS_STREAMS`)
and :func:`stream_route`, the one place that decides whether a stream of the
``fstream`` host is served on its ``/public`` or its ``/market`` route.

Cadences follow Binance's documentation: futures depth every 250 ms (or the
``@500ms``/``@100ms`` variant), klines every 250 ms, per-symbol tickers every
500 ms, all-market arrays and liquidation snapshots every second, mark prices
every 3 s (or 1 s with ``@1s``); options depth needs its speed suffix, and
options tickers, klines, mark prices and index prices come every second.
"""
from typing import Dict, Optional, Tuple

from .market_streams import (
    AGG_TRADE, ALL_BOOK_TICKERS, ALL_MINI_TICKERS, ALL_TICKERS, BOOK_TICKER, DIFF_DEPTH, KLINE,
    MINI_TICKER, PARTIAL_DEPTH, TICKER, TRADE, StreamCatalogue,
)

__all__ = [
    'USDM_STREAMS', 'COINM_STREAMS', 'OPTIONS_STREAMS', 'stream_route', 'PUBLIC', 'MARKET',
    'MARK_PRICE', 'ALL_MARK_PRICES', 'FORCE_ORDER', 'ALL_FORCE_ORDERS', 'OPTION_MARK_PRICE',
    'INDEX_PRICES', 'FUTURES_KLINE_INTERVALS', 'OPTIONS_KLINE_INTERVALS',
]

#: Route of the high-frequency streams (book tickers, depth, trades).
PUBLIC = 'public'
#: Route of the regular market streams (aggregate trades, mark prices, klines, tickers...).
MARKET = 'market'

MARK_PRICE = 'markPrice'
ALL_MARK_PRICES = 'allMarkPrices'
FORCE_ORDER = 'forceOrder'
ALL_FORCE_ORDERS = 'allForceOrders'
#: ``<underlying>@optionMarkPrice``: every option of one underlying.
OPTION_MARK_PRICE = 'optionMarkPrice'
#: ``!index@arr``: the index price of every options underlying.
INDEX_PRICES = 'indexPrices'

FUTURES_KLINE_INTERVALS = ('1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h',
                           '1d', '3d', '1w', '1M')
OPTIONS_KLINE_INTERVALS = ('1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d',
                           '3d', '1w')
_LEVELS = (5, 10, 20)
_SPEEDS = {'100ms': 100, '500ms': 500}

Table = Dict[str, Tuple[str, object, Optional[int]]]


def _futures_symbol_types() -> Table:
    types: Table = {
        'trade': (TRADE, None, None),
        'aggTrade': (AGG_TRADE, None, None),
        'markPrice': (MARK_PRICE, None, 3000),
        'markPrice@1s': (MARK_PRICE, None, 1000),
        'miniTicker': (MINI_TICKER, None, 500),
        'ticker': (TICKER, None, 500),
        'bookTicker': (BOOK_TICKER, None, None),
        'forceOrder': (FORCE_ORDER, None, 1000),
        'depth': (DIFF_DEPTH, None, 250),
    }
    for speed, ms in _SPEEDS.items():
        types['depth@' + speed] = (DIFF_DEPTH, None, ms)
    for levels in _LEVELS:
        types['depth{}'.format(levels)] = (PARTIAL_DEPTH, levels, 250)
        for speed, ms in _SPEEDS.items():
            types['depth{}@{}'.format(levels, speed)] = (PARTIAL_DEPTH, levels, ms)
    for interval in FUTURES_KLINE_INTERVALS:
        types['kline_' + interval] = (KLINE, (interval, 0), 250)
    return types


_FUTURES_ALL_MARKET: Table = {
    '!markPrice@arr': (ALL_MARK_PRICES, None, 3000),
    '!markPrice@arr@1s': (ALL_MARK_PRICES, None, 1000),
    '!miniTicker@arr': (ALL_MINI_TICKERS, None, 1000),
    # futures still serve the 24-hour ticker array that spot retired in 2026
    '!ticker@arr': (ALL_TICKERS, None, 1000),
    '!bookTicker': (ALL_BOOK_TICKERS, None, None),
    '!forceOrder@arr': (ALL_FORCE_ORDERS, None, 1000),
}


def _options_symbol_types() -> Table:
    types: Table = {
        'optionTrade': (TRADE, None, None),
        'bookTicker': (BOOK_TICKER, None, None),
        'optionTicker': (TICKER, None, 1000),
    }
    # the update speed is part of every options depth name: a bare @depth10 carries nothing
    for speed, ms in _SPEEDS.items():
        types['depth@' + speed] = (DIFF_DEPTH, None, ms)
        for levels in _LEVELS:
            types['depth{}@{}'.format(levels, speed)] = (PARTIAL_DEPTH, levels, ms)
    for interval in OPTIONS_KLINE_INTERVALS:
        types['kline_' + interval] = (KLINE, (interval, 0), 1000)
    return types


#: USDⓈ-M futures (``fstream``).
USDM_STREAMS = StreamCatalogue(_futures_symbol_types(), _FUTURES_ALL_MARKET)
#: COIN-M futures (``dstream``): the same names as USDⓈ-M.
COINM_STREAMS = StreamCatalogue(_futures_symbol_types(), _FUTURES_ALL_MARKET)
#: European options, served on the ``fstream`` host since 2026 (lower-case symbols).
OPTIONS_STREAMS = StreamCatalogue(
    _options_symbol_types(), {'!index@arr': (INDEX_PRICES, None, 1000)},
    group_types={'optionMarkPrice': (OPTION_MARK_PRICE, None, 1000)})

#: Stream types (the part after the first ``@``) served on the public route.
_PUBLIC_TYPES = frozenset(('bookTicker', 'trade', 'optionTrade', 'optionTicker'))


def stream_route(name: str) -> str:
    """The ``fstream`` route that serves stream ``name``: :data:`PUBLIC` or :data:`MARKET`.

    Binance's rule since 2026-04-23: book tickers (``<s>@bookTicker``,
    ``!bookTicker``) and every depth stream (``@depth``, ``@depth<N>``,
    ``@rpiDepth``, with any speed) are public, the rest of the USDⓈ-M market
    data (aggregate trades, mark prices, klines, tickers, liquidations,
    indexes) is market. Options streams follow Binance's options pages:
    ``@optionTrade``, ``@optionTicker``, ``@bookTicker`` and depth are public;
    klines, ``@optionMarkPrice`` and ``!index@arr`` are market.

    ``<symbol>@trade`` is treated as public. Binance documents no USDⓈ-M trade
    stream; it was observed arriving on ``/public`` and on unrouted URLs and
    not on ``/market``, and CCXT routes it to public, while other libraries
    (node-binance-api, unicorn-binance-websocket-api) send it to market.

    Args:
        name: a stream name; only its form is looked at, not whether it exists.
    """
    body = name[1:] if name.startswith('!') else name
    parts = body.split('@')
    stream_type = parts[0] if name.startswith('!') else (parts[1] if len(parts) > 1 else '')
    if stream_type in _PUBLIC_TYPES or stream_type.startswith(('depth', 'rpiDepth')):
        return PUBLIC
    return MARKET
