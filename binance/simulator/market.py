"""The simulated market: per symbol, an order book driven by seeded random orders.

Pure code, no Twisted (:mod:`binance.simulator.feed` drives it on a clock).

Each symbol has its own random generator seeded from ``(seed, symbol)``, so a
symbol's order flow depends only on the seed and on how far it was advanced.
Random orders are limit adds, cancels and marketable (taker) orders. A taker
order fills against the book level by level; each level fill is cut into a
few trades (up to ``burst``), as if several resting orders sat at that price,
and the trades of one taker order at one price form one aggregate trade.

Everything published comes from the same state:

* trades feed :class:`binance.simulator.stats.SymbolStats` (klines, tickers,
  average price);
* every operation that changes the book increments the symbol's book update
  id and hands the changed levels to each open :class:`DiffRecorder`, so
  diff-depth events ``[U; u]`` are contiguous and a REST snapshot's
  ``lastUpdateId`` is the id of the book it shows. The official local order
  book procedure therefore rebuilds the true book exactly.
"""
import logging
import random
import time
from typing import Callable, Dict, Iterable, List, NamedTuple, Optional, Tuple, Union

from .fixedpoint import E8, format_e8, parse_e8
from .market_symbols import (
    DEFAULT_SYMBOLS, RATE_LIMITS, SymbolSpec, check_precision, exchange_info, symbol_spec,
)
from .market_streams import SPOT_STREAMS, StreamCatalogue, StreamSpec, is_valid_stream_name
from .orderbook import ASK, BID, LevelChange, OrderBook
from .stats import SymbolStats, Trade
from .tape import SyntheticHistory, TradeTape

__all__ = [
    'Market', 'SymbolMarket', 'SymbolSpec', 'DiffRecorder', 'AggTrade', 'MarketEvents',
    'UnknownSymbolError', 'DEFAULT_SYMBOLS', 'DEFAULT_BURST', 'RATE_LIMITS', 'MAX_DEPTH_LIMIT',
    'is_valid_stream_name',
]

logger = logging.getLogger(__name__)

#: Largest ``limit`` of a depth snapshot, as on Binance.
MAX_DEPTH_LIMIT = 5000

# Shape of the random order flow.
_MIN_LEVELS = 20          # below this a side is refilled first
_MAX_LEVELS = 250         # above this the farthest level is cancelled first
_INITIAL_LEVELS = 80
_TAKER_SHARE = 0.3        # share of operations that are marketable orders
_ADD_SHARE = 0.4          # share that add liquidity; the rest cancel
_MEAN_DISTANCE = 20.0     # mean distance in ticks of a new order from the touch
_REVERSION = 5.0          # how hard takers lean back towards the reference price
_WARM_UP_TRADES = 30
#: Default most trades cut from one level fill (see :meth:`SymbolMarket.advance`).
DEFAULT_BURST = 3


class UnknownSymbolError(KeyError):
    """The symbol is not listed by this market (REST answers ``-1121 Invalid symbol.``)."""


class AggTrade(NamedTuple):
    """Trades of one taker order at one price (ids ``first_id``..``last_id``)."""

    id: int
    price: int
    qty: int
    first_id: int
    last_id: int
    time: int
    buyer_maker: bool


class MarketEvents(NamedTuple):
    """What a symbol produced since the last :meth:`SymbolMarket.drain`.

    ``tops`` holds one ``(update_id, (bid_price, bid_qty), (ask_price, ask_qty))``
    per change of the best bid or ask (ticks and lots; None for an empty
    side), recorded only while :attr:`SymbolMarket.track_tops` is set.
    """

    trades: List[Trade]
    agg_trades: List[AggTrade]
    tops: List[Tuple[int, Optional[Tuple[int, int]], Optional[Tuple[int, int]]]]


class DiffRecorder:
    """Collects the book changes of consecutive update ids for one diff-depth stream.

    Levels hold absolute quantities in ticks and lots; 0 means removed.
    """

    __slots__ = ('first_id', 'last_id', 'bids', 'asks', 'lost_through')

    def __init__(self) -> None:
        self.first_id: Optional[int] = None
        self.last_id: Optional[int] = None
        self.bids: Dict[int, int] = {}
        self.asks: Dict[int, int] = {}
        #: Set by :meth:`lose`: the ``u`` of an event that was lost, not yet
        #: taken by the stream (its next event's ``pu``).
        self.lost_through: Optional[int] = None

    def record(self, update_id: int, changes: Iterable[LevelChange]) -> None:
        """Account for one book update."""
        if self.first_id is None:
            self.first_id = update_id
        self.last_id = update_id
        bids, asks = self.bids, self.asks
        for side, price, qty in changes:
            if side == BID:
                bids[price] = qty
            else:
                asks[price] = qty

    def flush(self) -> Optional[Tuple[int, int, List[Tuple[int, int]], List[Tuple[int, int]]]]:
        """``(U, u, bids, asks)`` since the last flush (bids high to low), or None."""
        if self.first_id is None:
            return None
        result = (self.first_id, self.last_id,
                  sorted(self.bids.items(), reverse=True), sorted(self.asks.items()))
        self.first_id = self.last_id = None
        self.bids = {}
        self.asks = {}
        return result

    def lose(self, through_id: int) -> None:
        """The event gathering these changes, up to ``through_id``, is lost on its way."""
        self.flush()
        self.lost_through = through_id


class SymbolMarket:
    """The book, order flow, ids and statistics of one symbol.

    Args:
        spec: the symbol's description.
        seed: the market seed.
        now: time of creation in ms (warm-up trades carry it).
    """

    def __init__(self, spec: SymbolSpec, seed: object, now: int) -> None:
        check_precision(spec)
        self.spec = spec
        self.symbol = spec.symbol
        self.tick_e8 = parse_e8(spec.tick_size)
        self.step_e8 = parse_e8(spec.step_size)
        self.book = OrderBook()
        self.stats = SymbolStats(now)
        #: Trades and kline history for the REST endpoints.
        self.tape = TradeTape(self.stats, now)
        self.stats.on_minute_closed = self.tape.minute_closed
        #: Record best bid/ask changes in :meth:`drain` (set while someone listens).
        self.track_tops = False
        self._rng = random.Random('{!r}:{}'.format(seed, spec.symbol))
        self.update_id = self._rng.randrange(10 ** 6, 10 ** 7)
        self._next_trade_id = self._rng.randrange(10 ** 5, 10 ** 6)
        self._next_agg_id = self._rng.randrange(10 ** 4, 10 ** 5)
        self._ref_price = parse_e8(spec.price) // self.tick_e8
        self._typical_lots = max(1, parse_e8(spec.typical_qty) // self.step_e8)
        self._recorders: List[DiffRecorder] = []
        self._burst = DEFAULT_BURST
        self._last_time = now
        self._trades: List[Trade] = []
        self._aggs: List[AggTrade] = []
        self._tops: list = []
        self._last_top = (None, None)
        #: Time in ms of the last book change (the ``T`` of futures events).
        self.changed_ms = now
        self._build_book()
        made = 0
        while made < _WARM_UP_TRADES:
            made += self._random_taker(now)
        first = self.tape.trades[0].price // self.tick_e8 if self.tape.trades else self._ref_price
        self.tape.history = SyntheticHistory('{!r}:{}'.format(seed, spec.symbol), now, first,
                                             self.tick_e8, self.step_e8, self._typical_lots)
        # The warm-up is history (it shows in the statistics), not news.
        self.drain()

    def __repr__(self) -> str:
        return '<SymbolMarket {} update_id={} {!r}>'.format(self.symbol, self.update_id, self.book)

    # -- formatting ------------------------------------------------------

    def price_str(self, ticks: int) -> str:
        """A price in ticks as Binance prints it."""
        return format_e8(ticks * self.tick_e8)

    def qty_str(self, lots: int) -> str:
        """A quantity in lots as Binance prints it."""
        return format_e8(lots * self.step_e8)

    def levels_str(self, levels: Iterable[Tuple[int, int]]) -> List[List[str]]:
        """``[[price, qty], ...]`` strings from ``(ticks, lots)`` pairs."""
        tick, step = self.tick_e8, self.step_e8
        return [[format_e8(p * tick), format_e8(q * step)] for p, q in levels]

    def to_ticks(self, price: Union[str, float, int]) -> int:
        """Parse a price into ticks.

        Raises:
            ValueError: not a positive multiple of the tick size.
        """
        return self._to_units(price, self.tick_e8, 'price', self.spec.tick_size)

    def to_lots(self, qty: Union[str, float, int]) -> int:
        """Parse a quantity into lots.

        Raises:
            ValueError: not a positive multiple of the step size.
        """
        return self._to_units(qty, self.step_e8, 'quantity', self.spec.step_size)

    def _to_units(self, value: Union[str, float, int], unit_e8: int, what: str,
                  size: str) -> int:
        units, rest = divmod(parse_e8(value), unit_e8)
        if rest or units <= 0:
            raise ValueError('{}: {} {!r} is not a positive multiple of {}'.format(
                self.symbol, what, value, size))
        return units

    # -- driving ---------------------------------------------------------

    def advance(self, trades: int, now: int, burst: int = DEFAULT_BURST) -> int:
        """Run random orders until at least ``trades`` trades happened; returns the count.

        Args:
            trades: how many trades to produce at least.
            now: their time in ms.
            burst: at most this many trades per price level a taker order
                fills. Larger bursts cost less per trade (benchmark firehoses)
                but make aggregate trades coarser.
        """
        self._burst = max(1, burst)
        self._last_time = max(now, self._last_time)
        made = 0
        while made < trades:
            made += self._random_operation(now)
        return made

    def drain(self) -> MarketEvents:
        """Trades, aggregate trades and top-of-book changes since the last call."""
        events = MarketEvents(self._trades, self._aggs, self._tops)
        self._trades = []
        self._aggs = []
        self._tops = []
        return events

    def open_diff(self) -> DiffRecorder:
        """Start recording book changes for a diff-depth stream."""
        recorder = DiffRecorder()
        self._recorders.append(recorder)
        return recorder

    def close_diff(self, recorder: DiffRecorder) -> None:
        """Stop recording into ``recorder`` (no error if it is not open)."""
        if recorder in self._recorders:
            self._recorders.remove(recorder)

    def lose_diffs(self) -> None:
        """Lose the diff-depth event being gathered, as if it went out and never arrived.

        Every diff-depth stream drops the changes it gathered since its last
        event, and its next event follows a (lost) event ending at the
        current update id: a later ``U`` on spot, a ``pu`` other than the
        previous event's ``u`` on futures. A fault
        (:meth:`~binance.simulator.faults.Faults.skip_depth_updates`).
        """
        for recorder in self._recorders:
            recorder.lose(self.update_id)

    def execute(self, side: str, lots: int, limit: Optional[int], now: int,
                rest: bool = False, split: bool = False) -> List[Trade]:
        """Match an incoming order; optionally rest its remainder at ``limit``.

        Args:
            side: :data:`~binance.simulator.orderbook.BID` to buy, ``ASK`` to sell.
            lots: quantity in lots.
            limit: worst price in ticks, or None for a market order.
            now: trade time in ms.
            rest: put the unfilled remainder in the book at ``limit``.
            split: cut level fills into several trades (random order flow only).

        Returns:
            The trades, in id order.
        """
        # Trade times never go backwards, whoever's clock rounding produced ``now``.
        now = max(now, self._last_time)
        self._last_time = now
        fills, changes = self.book.take(side, lots, limit)
        trades = self._record_fills(fills, side, now, split)
        left = lots - sum(q for _, q in fills)
        if rest and left > 0 and limit is not None:
            changes.append(self.book.add(side, limit, left))
        self._commit(changes)
        return trades

    # -- snapshots -------------------------------------------------------

    def depth_snapshot(self, limit: int = 100) -> dict:
        """``{"lastUpdateId", "bids", "asks"}`` of the top ``limit`` levels."""
        bids, asks = self.book.top(limit)
        return {'lastUpdateId': self.update_id,
                'bids': self.levels_str(bids), 'asks': self.levels_str(asks)}

    # -- internals -------------------------------------------------------

    def _commit(self, changes: List[LevelChange]) -> None:
        if not changes:
            return
        self.update_id += self._id_step()
        self.changed_ms = self._last_time
        for recorder in self._recorders:
            recorder.record(self.update_id, changes)
        if self.track_tops:
            top = (self.book.best_bid(), self.book.best_ask())
            if top != self._last_top:
                self._last_top = top
                self._tops.append((self.update_id, top[0], top[1]))

    def _id_step(self) -> int:
        """How far the book update id moves per book update (1: contiguous ids, as on spot)."""
        return 1

    def _record_fills(self, fills: List[Tuple[int, int]], taker_side: str, now: int,
                      split: bool) -> List[Trade]:
        if not fills:
            return []
        buyer_maker = taker_side == ASK
        tick, step = self.tick_e8, self.step_e8
        trade_id = self._next_trade_id
        agg_id = self._next_agg_id
        trades = []
        aggs = self._aggs
        first_agg = len(aggs)
        for price, lots in fills:
            first_id = trade_id
            price_e8 = price * tick
            for piece in self._pieces(lots) if split else (lots,):
                qty_e8 = piece * step
                trades.append(Trade(trade_id, price_e8, qty_e8, price_e8 * qty_e8 // E8,
                                    now, buyer_maker))
                trade_id += 1
            aggs.append(AggTrade(agg_id, price_e8, lots * step, first_id, trade_id - 1, now,
                                 buyer_maker))
            agg_id += 1
        self._next_trade_id = trade_id
        self._next_agg_id = agg_id
        self.stats.add_trades(trades)
        self._trades.extend(trades)
        self.tape.record(trades, aggs[first_agg:])
        return trades

    def _pieces(self, lots: int) -> Tuple[int, ...]:
        """Cut a level fill into 1 to ``burst`` trades, as if several orders rested there."""
        rng = self._rng
        count = min(lots, 1 + int(rng.random() * self._burst))
        if count == 1:
            return (lots,)
        if count == 2:
            cut = 1 + int(rng.random() * (lots - 1))
            return cut, lots - cut
        cuts = sorted({1 + int(rng.random() * (lots - 1)) for _ in range(count - 1)})
        cuts.append(lots)
        previous = 0
        pieces = []
        for cut in cuts:
            pieces.append(cut - previous)
            previous = cut
        return tuple(pieces)

    def _build_book(self) -> None:
        rng = self._rng
        changes = []
        for side, direction in ((BID, -1), (ASK, 1)):
            price = self._ref_price + direction
            for _ in range(_INITIAL_LEVELS):
                if price <= 0:
                    break
                changes.append(self.book.set_level(side, price, self._random_lots()))
                price += direction * (1 + int(rng.expovariate(1.5)))
        self._commit(changes)

    def _random_lots(self) -> int:
        return 1 + int(self._rng.random() * 2 * self._typical_lots)

    def _random_operation(self, now: int) -> int:
        book = self.book
        bid_levels, ask_levels = len(book.bids), len(book.asks)
        if bid_levels < _MIN_LEVELS or ask_levels < _MIN_LEVELS:
            self._random_add(BID if bid_levels < ask_levels else ASK)
            return 0
        if bid_levels > _MAX_LEVELS or ask_levels > _MAX_LEVELS:
            self._cancel_farthest(BID if bid_levels > ask_levels else ASK)
            return 0
        rng = self._rng
        draw = rng.random()
        if draw < _TAKER_SHARE:
            return self._random_taker(now)
        side = BID if rng.random() < 0.5 else ASK
        if draw < _TAKER_SHARE + _ADD_SHARE:
            self._random_add(side)
        else:
            self._random_cancel(side)
        return 0

    def _random_taker(self, now: int) -> int:
        book = self.book
        bid, ask = book.best_bid(), book.best_ask()
        if bid is None or ask is None:
            self._random_add(BID if bid is None else ASK)
            return 0
        rng = self._rng
        # Lean towards the reference price so a long run does not drift away.
        mid = (bid[0] + ask[0]) / 2
        lean = max(-0.25, min(0.25, _REVERSION * (self._ref_price - mid) / self._ref_price))
        side = BID if rng.random() < 0.5 + lean else ASK
        touch_qty = ask[1] if side == BID else bid[1]
        lots = max(1, int(touch_qty * (0.2 + 1.6 * rng.random())))
        return len(self.execute(side, lots, None, now, split=True))

    def _random_add(self, side: str) -> None:
        book = self.book
        rng = self._rng
        distance = int(rng.expovariate(1 / _MEAN_DISTANCE))
        if side == BID:
            ask, bid = book.best_ask(), book.best_bid()
            touch = ask[0] if ask else (bid[0] + 1 if bid else self._ref_price + 1)
            price = touch - 1 - distance
        else:
            bid, ask = book.best_bid(), book.best_ask()
            touch = bid[0] if bid else (ask[0] - 1 if ask else self._ref_price - 1)
            price = touch + 1 + distance
        if price > 0:
            self._commit([book.add(side, price, self._random_lots())])

    def _random_cancel(self, side: str) -> None:
        book = self.book
        levels = book.bids if side == BID else book.asks
        if not levels:
            return
        prices = book.side_prices(side)
        price = prices[int(self._rng.random() * len(prices))]
        self._commit([book.set_level(side, price, int(self._rng.random() * levels[price]))])

    def _cancel_farthest(self, side: str) -> None:
        prices = self.book.side_prices(side)
        price = prices[0] if side == BID else prices[-1]
        self._commit([self.book.set_level(side, price, 0)])


class Market:
    """A deterministic simulated market over several symbols.

    Not thread-safe: use it from one thread (the simulator's reactor thread).
    Subclasses for other venues set :attr:`default_symbols` and
    :attr:`streams`, and may build their own :class:`SymbolMarket` in
    :meth:`_symbol_market`.

    Args:
        seed: any hashable value; the same seed gives the same order flow.
        symbols: symbol names (upper-case) or :class:`SymbolSpec`; default
            :attr:`default_symbols`. Unknown names get a generic spec.
        now_ms: the time source, a callable returning ms since the epoch, or
            a fixed int; default the wall clock. The simulator passes its
            clock so that timestamps and event times agree.

    Raises:
        ValueError: a malformed symbol name.
    """

    #: Symbols listed when ``symbols`` is None.
    default_symbols: Tuple[Union[str, SymbolSpec], ...] = DEFAULT_SYMBOLS
    #: The stream names this market's venue serves.
    streams: StreamCatalogue = SPOT_STREAMS

    def __init__(self, seed: object = 0,
                 symbols: Optional[Iterable[Union[str, SymbolSpec]]] = None,
                 now_ms: Union[None, int, Callable[[], int]] = None) -> None:
        self.seed = seed
        if now_ms is None:
            self._now: Callable[[], int] = lambda: int(time.time() * 1000)
        elif callable(now_ms):
            self._now = now_ms
        else:
            fixed = int(now_ms)
            self._now = lambda: fixed
        now = self.now()
        listed = self._default_symbols(now) if symbols is None else symbols
        specs = [symbol_spec(s) for s in listed]
        self._markets: Dict[str, SymbolMarket] = {}
        for spec in specs:
            if spec.symbol not in self._markets:
                self._markets[spec.symbol] = self._symbol_market(spec, seed, now)
        self._stream_symbols = {name.lower(): name for name in self._markets}
        self._stream_groups: Dict[str, str] = {}
        self._activity_hook: Optional[Callable[[str], None]] = None

    def _default_symbols(self, now: int) -> Iterable[Union[str, SymbolSpec]]:
        """The symbols listed when none are given (a hook for venues whose list depends on time)."""
        return self.default_symbols

    def _symbol_market(self, spec: SymbolSpec, seed: object, now: int) -> SymbolMarket:
        """The market of one listed symbol (a hook for other venues)."""
        return SymbolMarket(spec, seed, now)

    def __repr__(self) -> str:
        return '<Market seed={!r} symbols={}>'.format(self.seed, ','.join(self._markets))

    @property
    def symbols(self) -> Tuple[str, ...]:
        """Listed symbols, upper-case, in listing order."""
        return tuple(self._markets)

    @property
    def stream_symbols(self) -> Dict[str, str]:
        """Lower-case stream symbol -> listed symbol."""
        return dict(self._stream_symbols)

    def now(self) -> int:
        """The market's current time in ms."""
        return int(self._now())

    def __getitem__(self, symbol: str) -> SymbolMarket:
        """The :class:`SymbolMarket` of a listed symbol.

        Raises:
            UnknownSymbolError: the symbol is not listed.
        """
        try:
            return self._markets[symbol]
        except (KeyError, TypeError):
            raise UnknownSymbolError(symbol) from None

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._markets

    def book(self, symbol: str) -> OrderBook:
        """The true order book of ``symbol`` (ticks and lots; do not modify)."""
        return self[symbol].book

    # -- driving ---------------------------------------------------------

    def advance(self, symbol: str, trades: int = 1, now: Optional[int] = None,
                burst: int = DEFAULT_BURST) -> int:
        """Run random orders on ``symbol`` until ``trades`` trades happened; returns the count.

        See :meth:`SymbolMarket.advance`; ``now`` defaults to :meth:`now`.
        """
        return self[symbol].advance(trades, self.now() if now is None else now, burst)

    def drain(self, symbol: str) -> MarketEvents:
        """Trades, aggregate trades and top changes of ``symbol`` since the last drain."""
        return self[symbol].drain()

    def set_activity_hook(self, hook: Optional[Callable[[str], None]]) -> None:
        """Call ``hook(symbol)`` after :meth:`place_order` changed a symbol.

        The feed uses it to publish trades caused by simulated users promptly.
        """
        self._activity_hook = hook

    # -- REST-like views -------------------------------------------------

    def depth_snapshot(self, symbol: str, limit: int = 100) -> dict:
        """The ``GET /api/v3/depth`` body: ``{"lastUpdateId", "bids", "asks"}``.

        ``limit`` above 5000 gives 5000 levels, as on Binance.

        Raises:
            UnknownSymbolError: the symbol is not listed.
            ValueError: ``limit`` is not a positive int.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
            raise ValueError('limit must be a positive int, got {!r}'.format(limit))
        return self[symbol].depth_snapshot(min(limit, MAX_DEPTH_LIMIT))

    def exchange_info(self, symbols: Optional[Iterable[str]] = None) -> dict:
        """The ``GET /api/v3/exchangeInfo`` body for all or some symbols.

        Raises:
            UnknownSymbolError: one of ``symbols`` is not listed.
        """
        names = self.symbols if symbols is None else [self[s].symbol for s in symbols]
        return exchange_info([self._markets[name].spec for name in names], self.now())

    # -- streams ---------------------------------------------------------

    def parse_stream(self, name: str) -> Optional[StreamSpec]:
        """What stream ``name`` carries (see :meth:`~.market_streams.StreamCatalogue.parse`)."""
        return self.streams.parse(name, self._stream_symbols, self._stream_groups)

    def is_known_stream(self, name: str, retired_live: bool = False) -> bool:
        """Whether a stream of this name carries data.

        True for a known stream type with a listed, lower-case symbol, or a
        known all-market stream. Retired names (spot's ``!ticker@arr`` and
        ``!bookTicker``) count only when ``retired_live`` (Binance US).
        """
        spec = self.parse_stream(name)
        return spec is not None and (retired_live or spec.kind not in self.streams.retired_kinds)

    @property
    def retired_kinds(self) -> 'frozenset[str]':
        """Stream kinds that stay silent unless retired streams are live."""
        return self.streams.retired_kinds

    @staticmethod
    def is_valid_stream_name(name: object) -> bool:
        """Syntax check of a ``SUBSCRIBE`` parameter (see :func:`~.market_streams.is_valid_stream_name`)."""
        return is_valid_stream_name(name)

    # -- simulated users -------------------------------------------------

    def place_order(self, symbol: str, side: str, order_type: str,
                    quantity: Union[str, float, int],
                    price: Union[None, str, float, int] = None,
                    rest: bool = False) -> List[dict]:
        """Trade a simulated user's order against the book.

        A ``MARKET`` order takes liquidity until ``quantity`` is filled or the
        book side is empty. A ``LIMIT`` order takes liquidity up to ``price``;
        its remainder is not kept unless ``rest`` is True, in which case it
        joins the book as anonymous liquidity (the caller keeps track of its
        own open orders). The trades are published on the market streams like
        any other. No balance or filter checks here: that is the account's job.

        Args:
            symbol: a listed symbol, e.g. ``'BNBBTC'``.
            side: ``'BUY'`` or ``'SELL'``.
            order_type: ``'MARKET'`` or ``'LIMIT'``.
            quantity: base quantity, a multiple of the step size.
            price: limit price, a multiple of the tick size (LIMIT only).
            rest: keep the unfilled part of a LIMIT order in the book.

        Returns:
            One dict per trade, in order: ``{"price": str, "qty": str,
            "quoteQty": str, "tradeId": int, "time": int, "isBuyerMaker": bool}``.

        Raises:
            UnknownSymbolError: the symbol is not listed.
            ValueError: bad side, type, quantity or price.
        """
        market = self[symbol]
        if side not in ('BUY', 'SELL'):
            raise ValueError("side must be 'BUY' or 'SELL', got {!r}".format(side))
        if order_type not in ('MARKET', 'LIMIT'):
            raise ValueError("order_type must be 'MARKET' or 'LIMIT', got {!r}".format(order_type))
        lots = market.to_lots(quantity)
        limit = None
        if order_type == 'LIMIT':
            if price is None:
                raise ValueError('a LIMIT order needs a price')
            limit = market.to_ticks(price)
        trades = market.execute(BID if side == 'BUY' else ASK, lots, limit, self.now(),
                                rest=rest)
        if self._activity_hook is not None:
            self._activity_hook(symbol)
        return [{'price': format_e8(t.price), 'qty': format_e8(t.qty),
                 'quoteQty': format_e8(t.quote), 'tradeId': t.id, 'time': t.time,
                 'isBuyerMaker': t.buyer_maker} for t in trades]
