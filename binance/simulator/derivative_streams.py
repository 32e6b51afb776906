"""What the simulator feeds on the derivatives venues: USDⓈ-M and COIN-M futures, European options.

Pure code. One :class:`~binance.simulator.market_streams.StreamCatalogue` per
venue (:data:`USDM_STREAMS`, :data:`COINM_STREAMS`, :data:`OPTIONS_STREAMS`),
made of the venue's grammar in :mod:`binance.streams`, which also decides
the cadence of each name and whether a stream of the ``fstream`` host is
served on its ``/public`` or its ``/market`` route
(:meth:`~binance.simulator.market_streams.StreamCatalogue.route_of`).

The grammars list more than the simulator feeds (continuous klines, index
and asset-index streams, options open interest...): those names are
accepted and stay silent.
"""
from .. import streams
from ..streams import MARKET, PUBLIC
from .market_streams import (
    AGG_TRADE, ALL_BOOK_TICKERS, ALL_MINI_TICKERS, ALL_TICKERS, BOOK_TICKER, DIFF_DEPTH, KLINE,
    MINI_TICKER, PARTIAL_DEPTH, TICKER, TRADE, StreamCatalogue,
)

__all__ = [
    'USDM_STREAMS', 'COINM_STREAMS', 'OPTIONS_STREAMS', 'PUBLIC', 'MARKET',
    'MARK_PRICE', 'ALL_MARK_PRICES', 'FORCE_ORDER', 'ALL_FORCE_ORDERS', 'OPTION_MARK_PRICE',
    'INDEX_PRICES',
]

MARK_PRICE = 'markPrice'
ALL_MARK_PRICES = 'allMarkPrices'
FORCE_ORDER = 'forceOrder'
ALL_FORCE_ORDERS = 'allForceOrders'
#: ``<underlying>@optionMarkPrice``: every option of one underlying.
OPTION_MARK_PRICE = 'optionMarkPrice'
#: ``!index@arr``: the index price of every options underlying.
INDEX_PRICES = 'indexPrices'

_FUTURES_KINDS = {kind: kind for kind in (
    TRADE, AGG_TRADE, MARK_PRICE, MINI_TICKER, TICKER, BOOK_TICKER, FORCE_ORDER, DIFF_DEPTH,
    PARTIAL_DEPTH, KLINE, ALL_MARK_PRICES, ALL_MINI_TICKERS, ALL_TICKERS, ALL_BOOK_TICKERS,
    ALL_FORCE_ORDERS)}

#: USDⓈ-M futures (``fstream``); they still serve the 24-hour ticker array spot retired.
USDM_STREAMS = StreamCatalogue(streams.USDM, _FUTURES_KINDS)
#: COIN-M futures (``dstream``): the same kinds as USDⓈ-M.
COINM_STREAMS = StreamCatalogue(streams.COINM, _FUTURES_KINDS)
#: European options, served on the ``fstream`` host since 2026 (lower-case symbols).
OPTIONS_STREAMS = StreamCatalogue(streams.OPTIONS, {
    'optionTrade': TRADE, BOOK_TICKER: BOOK_TICKER, 'optionTicker': TICKER,
    DIFF_DEPTH: DIFF_DEPTH, PARTIAL_DEPTH: PARTIAL_DEPTH, KLINE: KLINE,
    OPTION_MARK_PRICE: OPTION_MARK_PRICE, INDEX_PRICES: INDEX_PRICES,
}, group_kinds={OPTION_MARK_PRICE})
