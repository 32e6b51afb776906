"""What the derivatives venues publish: their :class:`~binance.simulator.feed_streams.FeedKit`.

:data:`USDM_KIT` and :data:`COINM_KIT` (futures) and :func:`options_kit`
(options, whose mark and index streams need the options market itself). The
engine is the same :class:`~binance.simulator.feed.MarketFeed` as spot's; the
streams specific to futures are here: partial depth with update ids, mark
prices of every symbol, and liquidation snapshots.
"""
import functools
from typing import TYPE_CHECKING, Callable, Dict, Iterable, List, Tuple

from . import derivative_payloads as payloads
from .derivative_market import DerivativeSymbolMarket, OptionsMarket
from .derivative_streams import ALL_FORCE_ORDERS, ALL_MARK_PRICES, FORCE_ORDER, INDEX_PRICES, MARK_PRICE, \
    OPTION_MARK_PRICE
from .feed_streams import (DepthBuilder, DiffDepthStream, FeedKit, FeedStream, Levels, PeriodicStream,
                           StreamFactory, changed_symbols, diff_depth, kline, periodic)
from .market import AggTrade
from .market_streams import ALL_MINI_TICKERS, ALL_TICKERS, DIFF_DEPTH, KLINE, MINI_TICKER, PARTIAL_DEPTH, \
    TICKER, StreamSpec

if TYPE_CHECKING:  # pragma: no cover
    from .feed import MarketFeed

__all__ = ['USDM_KIT', 'COINM_KIT', 'options_kit', 'PartialDepthStream', 'LiquidationStream']


class PartialDepthStream(DiffDepthStream):
    """The top ``levels`` of the book as a ``depthUpdate`` with ``U``, ``u`` and ``pu``.

    Sent at its cadence when the book changed since the last event: ``U`` is
    the first book update since then, ``u`` the book's update id, ``pu`` the
    previous event's ``u``.
    """

    __slots__ = ('_depth',)

    def __init__(self, name: str, spec: StreamSpec, market: DerivativeSymbolMarket, build: DepthBuilder) -> None:
        super().__init__(name, spec, market, build)
        self._depth = int(spec.arg)  # type: ignore[call-overload]

    def _levels(self, bids: Levels, asks: Levels) -> Tuple[Levels, Levels]:
        return self._market.book.top(self._depth)


#: ``build(market, liquidation, now) -> payload``.
LiquidationBuilder = Callable[[DerivativeSymbolMarket, AggTrade, int], object]


class LiquidationStream(FeedStream):
    """Liquidation snapshots: per symbol, the latest liquidation of the last cadence, if any."""

    __slots__ = ('_markets', '_seen', '_build')

    def __init__(self, name: str, spec: StreamSpec, markets: List[DerivativeSymbolMarket],
                 build: LiquidationBuilder) -> None:
        super().__init__(name, spec)
        self._markets = markets
        self._build = build
        self._seen: Dict[str, int] = {m.symbol: m.last_agg_id for m in markets}

    def poll(self, now: int) -> Iterable[object]:
        events = []
        for market in self._markets:
            new = market.liquidations_after(self._seen[market.symbol])
            if new:
                self._seen[market.symbol] = new[-1].id
                events.append(self._build(market, new[-1], now))
        return events


def _partial_depth(build: DepthBuilder) -> StreamFactory:
    def factory(feed: 'MarketFeed', name: str, spec: StreamSpec) -> FeedStream:
        return PartialDepthStream(name, spec, feed.symbol_market(spec.symbol), build)  # type: ignore[arg-type]
    return factory


def _liquidations(build: LiquidationBuilder, every_symbol: bool) -> StreamFactory:
    def factory(feed: 'MarketFeed', name: str, spec: StreamSpec) -> FeedStream:
        markets = list(feed.markets.values()) if every_symbol else [feed.symbol_market(spec.symbol)]
        return LiquidationStream(name, spec, markets, build)  # type: ignore[arg-type]
    return factory


def _every_symbol(entry: Callable[[DerivativeSymbolMarket, int], object]) -> StreamFactory:
    """A periodic array with one entry per listed symbol, changed or not (``!markPrice@arr``)."""
    def factory(feed: 'MarketFeed', name: str, spec: StreamSpec) -> FeedStream:
        markets = list(feed.markets.values())
        return PeriodicStream(name, spec, lambda now: [entry(m, now) for m in markets])  # type: ignore[arg-type]
    return factory


def _futures_kit(coin: bool) -> FeedKit:
    depth = functools.partial(payloads.futures_depth_event, coin=coin)
    ticker = functools.partial(payloads.futures_ticker_event, coin=coin)
    mini_ticker = functools.partial(payloads.futures_mini_ticker_event, coin=coin)
    mark_price = functools.partial(payloads.mark_price_event, coin=coin)
    force_order = functools.partial(payloads.force_order_event, coin=coin)
    return FeedKit(
        trade=payloads.futures_trade_event,  # type: ignore[arg-type]
        agg_trade=functools.partial(payloads.futures_agg_trade_event, coin=coin),
        book_ticker=functools.partial(payloads.futures_book_ticker_event, coin=coin),
        streams={
            KLINE: kline(functools.partial(payloads.futures_kline_event, coin=coin)),  # type: ignore[arg-type]
            DIFF_DEPTH: diff_depth(depth),
            PARTIAL_DEPTH: _partial_depth(depth),
            TICKER: periodic(lambda market, spec, now: ticker(market, now)),
            MINI_TICKER: periodic(lambda market, spec, now: mini_ticker(market, now)),
            MARK_PRICE: periodic(lambda market, spec, now: mark_price(market, now)),
            ALL_MARK_PRICES: _every_symbol(mark_price),
            ALL_MINI_TICKERS: changed_symbols(lambda market, spec, now: mini_ticker(market, now)),
            ALL_TICKERS: changed_symbols(lambda market, spec, now: ticker(market, now)),
            FORCE_ORDER: _liquidations(force_order, every_symbol=False),
            ALL_FORCE_ORDERS: _liquidations(force_order, every_symbol=True),
        },
    )


#: USDⓈ-M futures.
USDM_KIT = _futures_kit(coin=False)
#: COIN-M futures.
COINM_KIT = _futures_kit(coin=True)


def options_kit(options: OptionsMarket) -> FeedKit:
    """What the options venue of ``options`` publishes."""
    def mark_prices(feed: 'MarketFeed', name: str, spec: StreamSpec) -> FeedStream:
        symbols = options.options_of(spec.arg)  # type: ignore[arg-type]
        return PeriodicStream(name, spec, lambda now: [payloads.option_mark_price_entry(options, s, now)
                                                       for s in symbols])

    def index_prices(feed: 'MarketFeed', name: str, spec: StreamSpec) -> FeedStream:
        return PeriodicStream(name, spec, lambda now: [payloads.index_price_entry(options, u, now)
                                                       for u in options.underlyings])

    return FeedKit(
        trade=payloads.option_trade_event,  # type: ignore[arg-type]
        agg_trade=None,
        book_ticker=payloads.option_book_ticker_event,  # type: ignore[arg-type]
        streams={
            KLINE: kline(payloads.option_kline_event),  # type: ignore[arg-type]
            DIFF_DEPTH: diff_depth(payloads.futures_depth_event),  # type: ignore[arg-type]
            PARTIAL_DEPTH: _partial_depth(payloads.futures_depth_event),  # type: ignore[arg-type]
            TICKER: periodic(lambda market, spec, now: payloads.futures_ticker_event(market, now)),
            OPTION_MARK_PRICE: mark_prices,
            INDEX_PRICES: index_prices,
        },
    )
