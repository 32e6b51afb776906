"""The streams a :class:`~binance.simulator.feed.MarketFeed` publishes, and what each venue builds.

One :class:`FeedStream` per subscribed stream name holds its listeners and,
for periodic streams, produces its payloads at each cadence tick. A
:class:`FeedKit` is a venue's recipe: the builders of its real-time payloads
(trades, aggregate trades, book tickers) and, per stream kind, a factory of
the stream object. :data:`SPOT_KIT` is spot's; the derivatives venues' kits are
in :mod:`binance.simulator.derivative_feeds`.

Payload builders take the :class:`~binance.simulator.market.SymbolMarket` and
the event time in ms; streams hold no clock of their own.
"""
import logging
from typing import (TYPE_CHECKING, Callable, Dict, Iterable, List, Mapping, NamedTuple, Optional,
                    Set, Tuple)

import orjson

from . import market_payloads as payloads
from .market import AggTrade, SymbolMarket
from .market_streams import (
    ALL_MINI_TICKERS, ALL_TICKERS, ALL_WINDOW_TICKERS, AVG_PRICE, DIFF_DEPTH, KLINE, MINI_TICKER,
    PARTIAL_DEPTH, TICKER, WINDOW_TICKER, WINDOWS, StreamSpec,
)
from .stats import Trade

if TYPE_CHECKING:  # pragma: no cover
    from .feed import MarketFeed

__all__ = [
    'Listener', 'FeedStream', 'PeriodicStream', 'KlineStream', 'DiffDepthStream',
    'ChangedSymbolsStream', 'FeedKit', 'StreamFactory', 'SPOT_KIT', 'periodic', 'changed_symbols',
]

logger = logging.getLogger(__name__)

#: ``listener(stream_name, payload_json_bytes)``.
Listener = Callable[[str, bytes], None]
#: ``levels`` of a diff event: ``(price_ticks, qty_lots)`` pairs.
Levels = List[Tuple[int, int]]
Top = Optional[Tuple[int, int]]


class FeedStream:
    """One subscribed stream: its listeners and, if it carries data, how to build it."""

    __slots__ = ('name', 'spec', 'listeners', '_failures')

    def __init__(self, name: str, spec: Optional[StreamSpec]) -> None:
        self.name = name
        self.spec = spec
        self.listeners: Dict[Listener, None] = {}
        self._failures: Dict[Listener, int] = {}

    def publish(self, payload: object) -> None:
        """Encode ``payload`` once and hand it to every listener."""
        self.send(orjson.dumps(payload))

    def send(self, data: bytes) -> None:
        """Hand encoded ``data`` to every listener; a failing listener is logged."""
        name = self.name
        for listener in list(self.listeners):
            try:
                listener(name, data)
            except Exception:
                self._failed(listener)

    def _failed(self, listener: Listener) -> None:
        # A listener failing on every event of a firehose must not flood the
        # log (and starve the reactor): the traceback once, then a count at
        # every power of ten.
        count = self._failures.get(listener, 0) + 1
        self._failures[listener] = count
        if count == 1:
            logger.exception('listener of %s failed', self.name)
        elif str(count).strip('0') == '1':
            logger.error('listener of %s failed %d times', self.name, count)

    def forget(self, listener: Listener) -> None:
        """Drop ``listener`` and its failure count."""
        self.listeners.pop(listener, None)
        self._failures.pop(listener, None)

    def poll(self, now: int) -> Iterable[object]:
        """Payloads due at a cadence tick (periodic streams only)."""
        return ()

    def close(self) -> None:
        """Release what the stream holds in the market."""


class PeriodicStream(FeedStream):
    """One payload per cadence tick from current state (tickers, partial depth, prices...).

    ``build(now)`` returns the payload, or None when there is nothing to send.
    """

    __slots__ = ('_build',)

    def __init__(self, name: str, spec: StreamSpec, build: Callable[[int], Optional[object]]) -> None:
        super().__init__(name, spec)
        self._build = build

    def poll(self, now: int) -> Iterable[object]:
        payload = self._build(now)
        return () if payload is None else (payload,)


#: ``build(market, interval, (open, next_open, candle), closed, now) -> payload``.
KlineBuilder = Callable[[SymbolMarket, str, tuple, bool, int], object]


class KlineStream(FeedStream):
    """The open kline at every tick, and each kline that closes while subscribed (``x`` true)."""

    __slots__ = ('_market', '_interval', '_offset', '_last_closed', '_build')

    def __init__(self, name: str, spec: StreamSpec, market: SymbolMarket, now: int,
                 build: KlineBuilder) -> None:
        super().__init__(name, spec)
        self._market = market
        self._interval, self._offset = spec.arg  # type: ignore[misc]
        self._build = build
        closed = market.stats.closed_kline(self._interval, now, self._offset)
        # Only klines that close while subscribed are sent with x=true.
        self._last_closed = closed[0] if closed else -1

    def poll(self, now: int) -> Iterable[object]:
        stats = self._market.stats
        events = []
        closed = stats.closed_kline(self._interval, now, self._offset)
        if closed is not None and closed[0] > self._last_closed:
            self._last_closed = closed[0]
            events.append(self._build(self._market, self._interval, closed, True, now))
        current = stats.kline(self._interval, now, self._offset)
        events.append(self._build(self._market, self._interval, current, False, now))
        return events


#: ``build(market, U, u, pu, bids, asks, now) -> payload`` (``pu`` is the previous event's ``u``).
DepthBuilder = Callable[[SymbolMarket, int, int, int, Levels, Levels, int], object]


class DiffDepthStream(FeedStream):
    """The levels changed since the last tick, with the update ids ``[U; u]`` they span.

    ``pu`` handed to the builder is the ``u`` of the previous event of this
    stream (for the first one, the book's update id when the stream opened;
    after a lost one, see :meth:`~binance.simulator.market.SymbolMarket.lose_diffs`,
    the ``u`` of the lost event).
    """

    __slots__ = ('_market', '_recorder', '_build', '_last_u')

    def __init__(self, name: str, spec: StreamSpec, market: SymbolMarket, build: DepthBuilder) -> None:
        super().__init__(name, spec)
        self._market = market
        self._recorder = market.open_diff()
        self._build = build
        self._last_u = market.update_id

    def poll(self, now: int) -> Iterable[object]:
        recorder = self._recorder
        diff = recorder.flush()
        if recorder.lost_through is not None:   # an event went missing since the last one
            self._last_u, recorder.lost_through = recorder.lost_through, None
        if diff is None:
            return ()
        first, last, bids, asks = diff
        previous, self._last_u = self._last_u, last
        bids, asks = self._levels(bids, asks)
        return (self._build(self._market, first, last, previous, bids, asks, now),)

    def _levels(self, bids: Levels, asks: Levels) -> Tuple[Levels, Levels]:
        """The levels an event carries, from those changed since the last one."""
        return bids, asks

    def close(self) -> None:
        self._market.close_diff(self._recorder)


#: ``entry(market, now) -> payload`` of one symbol in an all-market array.
EntryBuilder = Callable[[SymbolMarket, int], object]


class ChangedSymbolsStream(FeedStream):
    """All-market arrays: one entry per symbol that traded since the last push."""

    __slots__ = ('_markets', 'changed', '_entry')

    def __init__(self, name: str, spec: StreamSpec, markets: Mapping[str, SymbolMarket],
                 entry: EntryBuilder) -> None:
        super().__init__(name, spec)
        self._markets = markets
        self._entry = entry
        self.changed: Set[str] = set()

    def poll(self, now: int) -> Iterable[object]:
        if not self.changed:
            return ()
        events = [self._entry(market, now) for symbol, market in self._markets.items()
                  if symbol in self.changed]
        self.changed = set()
        return (events,)


#: ``factory(feed, name, spec) -> stream`` for one stream kind.
StreamFactory = Callable[['MarketFeed', str, StreamSpec], FeedStream]


class FeedKit(NamedTuple):
    """What one venue publishes.

    Attributes:
        trade: ``(market, trade, now) -> payload`` of the trade stream.
        agg_trade: ``(market, agg_trade, now) -> payload`` of aggregate trades.
        book_ticker: ``(market, update_id, bid, ask, now) -> payload`` of the
            book ticker (``bid``/``ask`` as ``(ticks, lots)`` or None).
        streams: stream kind -> factory of the periodic streams of that kind
            (the real-time kinds trade, aggregate trade and book ticker need none).

    A builder may be None when the venue's catalogue has no stream of that kind.
    """

    trade: Optional[Callable[[SymbolMarket, Trade, int], object]]
    agg_trade: Optional[Callable[[SymbolMarket, AggTrade, int], object]]
    book_ticker: Optional[Callable[[SymbolMarket, int, Top, Top, int], object]]
    streams: Mapping[str, StreamFactory]


def periodic(build: Callable[[SymbolMarket, StreamSpec, int], Optional[object]]) -> StreamFactory:
    """A factory of per-symbol :class:`PeriodicStream`: ``build(market, spec, now)``."""
    def factory(feed: 'MarketFeed', name: str, spec: StreamSpec) -> FeedStream:
        market = feed.symbol_market(spec.symbol)
        return PeriodicStream(name, spec, lambda now: build(market, spec, now))
    return factory


def changed_symbols(entry: Callable[[SymbolMarket, StreamSpec, int], object]) -> StreamFactory:
    """A factory of :class:`ChangedSymbolsStream`: ``entry(market, spec, now)`` per symbol."""
    def factory(feed: 'MarketFeed', name: str, spec: StreamSpec) -> FeedStream:
        return ChangedSymbolsStream(name, spec, feed.markets, lambda market, now: entry(market, spec, now))
    return factory


def kline(build: KlineBuilder) -> StreamFactory:
    """A factory of :class:`KlineStream` with payloads from ``build``."""
    def factory(feed: 'MarketFeed', name: str, spec: StreamSpec) -> FeedStream:
        return KlineStream(name, spec, feed.symbol_market(spec.symbol), feed.now_ms(), build)
    return factory


def diff_depth(build: DepthBuilder) -> StreamFactory:
    """A factory of :class:`DiffDepthStream` with payloads from ``build``."""
    def factory(feed: 'MarketFeed', name: str, spec: StreamSpec) -> FeedStream:
        return DiffDepthStream(name, spec, feed.symbol_market(spec.symbol), build)
    return factory


def _spot_kline(market: SymbolMarket, interval: str, kline_: tuple, closed: bool, now: int) -> object:
    return payloads.kline_event(market.symbol, interval, kline_, closed, now)


def _spot_diff(market: SymbolMarket, first: int, last: int, _previous: int, bids: Levels,
               asks: Levels, now: int) -> object:
    return payloads.diff_depth_event(market, first, last, bids, asks, now)


def _window_ticker(market: SymbolMarket, spec: StreamSpec, now: int) -> object:
    return payloads.window_ticker_event(market, spec.arg, WINDOWS[spec.arg], now)  # type: ignore[index]


#: Spot (binance.com and Binance US).
SPOT_KIT = FeedKit(
    trade=lambda market, trade, now: payloads.trade_event(market.symbol, trade, now),
    agg_trade=lambda market, agg, now: payloads.agg_trade_event(market.symbol, agg, now),
    book_ticker=lambda market, update_id, bid, ask, now: payloads.book_ticker_event(
        market, update_id, bid, ask),
    streams={
        KLINE: kline(_spot_kline),
        DIFF_DEPTH: diff_depth(_spot_diff),
        PARTIAL_DEPTH: periodic(lambda market, spec, now: payloads.partial_depth_event(
            market, spec.arg)),  # type: ignore[arg-type]
        TICKER: periodic(lambda market, spec, now: payloads.ticker_event(market, now)),
        MINI_TICKER: periodic(lambda market, spec, now: payloads.mini_ticker_event(market, now)),
        WINDOW_TICKER: periodic(_window_ticker),
        AVG_PRICE: periodic(lambda market, spec, now: payloads.avg_price_event(market, now)),
        ALL_MINI_TICKERS: changed_symbols(lambda market, spec, now: payloads.mini_ticker_event(
            market, now)),
        ALL_TICKERS: changed_symbols(lambda market, spec, now: payloads.ticker_event(market, now)),
        ALL_WINDOW_TICKERS: changed_symbols(_window_ticker),
    },
)
