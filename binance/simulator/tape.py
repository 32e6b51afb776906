"""The trade tape of one symbol: recent trades, aggregate trades and kline history.

Pure code. The REST market-data endpoints read from here: ``trades``,
``historicalTrades`` and ``aggTrades`` from the last trades kept (a bounded
tape), ``klines`` from the closed one-minute candles of
:class:`~binance.simulator.stats.SymbolStats` (the same candles the kline
streams are folded from, so REST and streams agree), 1-second klines from the
tape, and the open kline of any interval from the statistics themselves.

Before the simulator started there were no trades. So that bots which
start by loading a day of klines get one, klines that closed before the
start come from a seeded synthetic history (:class:`SyntheticHistory`): a
random walk that ends at the price the market opened with. Those klines
have no individual trades behind them (``trades`` and ``aggTrades`` cover
only the simulator's own trades).
"""
import bisect
import collections
import random
from typing import Any, Deque, Iterable, List, Optional, Sequence, Tuple

from .fixedpoint import E8
from .stats import Candle, SymbolStats, Trade, interval_bounds

__all__ = ['TradeTape', 'SyntheticHistory', 'KlineRow', 'DEFAULT_TAPE_TRADES',
           'DEFAULT_HISTORY_DAYS']

#: Trades (and aggregate trades) kept per symbol for the REST trade endpoints.
DEFAULT_TAPE_TRADES = 20_000
#: Days of synthetic klines before the simulator started.
DEFAULT_HISTORY_DAYS = 30

_SECOND = 1000
_MINUTE = 60 * _SECOND

#: ``(open_time, close_time, candle)``; ``close_time`` is the last ms of the kline.
KlineRow = Tuple[int, int, Candle]


class SyntheticHistory:
    """Seeded one-minute candles for the time before a symbol's first trade.

    A random walk in ticks, walked backwards from ``ref_ticks`` at
    ``end_ms`` so the history joins the live market without a jump; about
    2% volatility a day. Deterministic from ``seed``; computed once, on first
    use.

    Args:
        seed: the market seed and symbol, e.g. ``'1234:BNBBTC'``.
        end_ms: the first live minute (history ends just before it).
        ref_ticks: the price in ticks at ``end_ms``.
        tick_e8, step_e8: tick and step sizes in e8 units.
        typical_lots: a usual trade size in lots.
        days: how far back the history reaches.
    """

    def __init__(self, seed: str, end_ms: int, ref_ticks: int, tick_e8: int, step_e8: int,
                 typical_lots: int, days: int = DEFAULT_HISTORY_DAYS) -> None:
        self.seed = seed
        self.end_ms = end_ms - end_ms % _MINUTE
        self.begin_ms = self.end_ms - days * 24 * 60 * _MINUTE
        self._ref = max(1, ref_ticks)
        self._tick = tick_e8
        self._step = step_e8
        self._lots = max(1, typical_lots)
        self._minutes: Optional[List[Candle]] = None

    def __repr__(self) -> str:
        return '<SyntheticHistory {} minutes before {}>'.format(
            (self.end_ms - self.begin_ms) // _MINUTE, self.end_ms)

    def _build(self) -> List[Candle]:
        rng = random.Random('history:' + self.seed)
        count = (self.end_ms - self.begin_ms) // _MINUTE
        sigma = max(1.0, self._ref * 0.02 / 38.0)   # 38 ~ sqrt(1440): 2% a day
        closes = [0] * count
        price = float(self._ref)
        for index in range(count - 1, -1, -1):   # backwards from the live price
            closes[index] = max(1, int(round(price)))
            price = max(1.0, price + rng.gauss(0.0, sigma))
        candles = []
        opened = max(1, int(round(price)))
        for close in closes:
            wick = abs(rng.gauss(0.0, sigma / 2))
            candle = Candle()
            candle.open, candle.close = opened * self._tick, close * self._tick
            candle.high = (max(opened, close) + int(wick)) * self._tick
            candle.low = max(1, min(opened, close) - int(wick)) * self._tick
            trades = 1 + int(rng.random() * 40)
            lots = trades * (1 + int(rng.random() * 2 * self._lots))
            candle.volume = lots * self._step
            candle.quote = candle.volume * ((candle.open + candle.close) // 2) // E8
            share = rng.random()
            candle.taker_volume = int(candle.volume * share)
            candle.taker_quote = int(candle.quote * share)
            candle.count = trades
            candles.append(candle)
            opened = close
        return candles

    def minutes(self) -> List[Candle]:
        """Every synthetic minute, oldest first (built on first call)."""
        if self._minutes is None:
            self._minutes = self._build()
        return self._minutes

    def candle(self, start: int, end: int) -> Optional[Candle]:
        """The merged candle of the synthetic minutes in ``[start, end)``, or None."""
        start = max(start, self.begin_ms)
        end = min(end, self.end_ms)
        if start >= end:
            return None
        minutes = self.minutes()
        first = (start - self.begin_ms) // _MINUTE
        last = (end - self.begin_ms + _MINUTE - 1) // _MINUTE
        total = Candle()
        for candle in minutes[first:last]:
            total.merge(candle)
        return total


class TradeTape:
    """Recent trades, aggregate trades and closed minute candles of one symbol.

    Args:
        stats: the symbol's statistics (open klines, closed minutes).
        start_ms: when the symbol's market started (its first trades).
        history: synthetic klines before ``start_ms``, or None for none.
        max_trades: trades and aggregate trades kept.
    """

    def __init__(self, stats: SymbolStats, start_ms: int,
                 history: Optional[SyntheticHistory] = None,
                 max_trades: int = DEFAULT_TAPE_TRADES) -> None:
        self.stats = stats
        self.start_ms = start_ms
        self.history = history
        self.trades: Deque[Trade] = collections.deque(maxlen=max_trades)
        self.aggs: Deque[Any] = collections.deque(maxlen=max_trades)
        self._minute_starts: List[int] = []
        self._minutes: List[Candle] = []

    def __repr__(self) -> str:
        return '<TradeTape trades={} minutes={}>'.format(len(self.trades), len(self._minutes))

    # -- recording ---------------------------------------------------------

    def record(self, trades: Iterable[Trade], aggs: Iterable[Any]) -> None:
        """Keep trades and aggregate trades (in id order)."""
        self.trades.extend(trades)
        self.aggs.extend(aggs)

    def minute_closed(self, start: int, candle: Candle) -> None:
        """Keep a closed minute with trades (``SymbolStats.on_minute_closed``)."""
        if candle.count and (not self._minute_starts or start > self._minute_starts[-1]):
            self._minute_starts.append(start)
            self._minutes.append(candle)

    # -- trades -------------------------------------------------------------

    def recent(self, limit: int) -> List[Trade]:
        """The newest ``limit`` trades, oldest first."""
        trades = self.trades
        return list(trades)[-limit:] if limit < len(trades) else list(trades)

    def trades_from(self, from_id: int, limit: int) -> List[Trade]:
        """Up to ``limit`` trades with id >= ``from_id`` (still on the tape)."""
        return _from_id(self.trades, from_id, limit)

    def aggs_from(self, from_id: int, limit: int) -> List[Any]:
        """Up to ``limit`` aggregate trades with id >= ``from_id``."""
        return _from_id(self.aggs, from_id, limit)

    def aggs_between(self, start: Optional[int], end: Optional[int], limit: int) -> List[Any]:
        """Up to ``limit`` aggregate trades with ``start <= time <= end``, oldest first."""
        found = []
        for agg in self.aggs:
            if start is not None and agg.time < start:
                continue
            if end is not None and agg.time > end:
                break
            found.append(agg)
            if len(found) >= limit:
                break
        if start is None and end is not None:
            return found[-limit:]
        return found

    # -- klines -------------------------------------------------------------

    def first_open(self, interval: str) -> int:
        """Open time of the oldest kline of ``interval`` the tape can give."""
        if interval == '1s':
            first = self.trades[0].time if self.trades else self.start_ms
            return interval_bounds(interval, first)[0]
        begin = self.history.begin_ms if self.history is not None else self.start_ms
        return interval_bounds(interval, begin)[0]

    def klines(self, interval: str, start: Optional[int], end: Optional[int], limit: int,
               now: int) -> List[KlineRow]:
        """Klines as ``GET /api/v3/klines`` selects them.

        With ``start``: the klines opening at or after it; else the newest
        ones (opening at or before ``end``, or now). At most ``limit``.

        Raises:
            ValueError: unknown interval.
        """
        self.stats.roll_to(now)   # close the minutes that are over
        last_open = interval_bounds(interval, now if end is None else min(end, now))[0]
        first_open = self.first_open(interval)
        if start is not None:
            opens = _opens_from(interval, max(start, first_open), last_open, limit)
        else:
            opens = _opens_back(interval, first_open, last_open, limit)
        if not opens:
            return []
        ref = self._close_before(interval, opens[0])
        rows = []
        for open_time in opens:
            next_open = interval_bounds(interval, open_time)[1]
            candle = self._candle(interval, open_time, next_open, now)
            if candle is None or not candle.count:
                candle = Candle(ref)
            ref = candle.close
            if ref is None:   # nothing before: no kline to show yet
                continue
            rows.append((open_time, next_open - 1, candle))
        return rows

    def _candle(self, interval: str, open_time: int, next_open: int, now: int) -> Optional[Candle]:
        if next_open <= self.start_ms:
            return self.history.candle(open_time, next_open) if self.history else None
        if open_time <= now < next_open:
            return self.stats.kline(interval, now)[2]   # the open kline, as the stream shows it
        if interval == '1s':
            return _fold((t for t in self.trades if open_time <= t.time < next_open))
        low = bisect.bisect_left(self._minute_starts, open_time)
        high = bisect.bisect_left(self._minute_starts, next_open)
        total = Candle()
        for candle in self._minutes[low:high]:
            total.merge(candle)
        return total

    def _close_before(self, interval: str, open_time: int) -> Optional[int]:
        """The last price before ``open_time`` (what an empty kline shows)."""
        if interval == '1s':
            previous = None
            for trade in self.trades:
                if trade.time >= open_time:
                    break
                previous = trade.price
            if previous is not None:
                return previous
        index = bisect.bisect_left(self._minute_starts, open_time)
        if index:
            return self._minutes[index - 1].close
        if self.history is not None and open_time > self.history.begin_ms:
            before = self.history.candle(self.history.begin_ms, min(open_time, self.history.end_ms))
            if before is not None:
                return before.close
        first = self.trades[0] if self.trades else None
        return first.price if first is not None else None


def _from_id(items: Sequence[Any], from_id: int, limit: int) -> List[Any]:
    if not items:
        return []
    offset = from_id - items[0].id
    if offset >= len(items):
        return []
    offset = max(0, offset)
    return [items[i] for i in range(offset, min(len(items), offset + limit))]


def _fold(trades: Iterable[Trade]) -> Candle:
    candle = Candle()
    for trade in trades:
        candle.add(trade)
    return candle


def _opens_from(interval: str, start: int, last_open: int, limit: int) -> List[int]:
    open_time, next_open = interval_bounds(interval, start)
    if open_time < start:
        open_time = next_open
    opens = []
    while open_time <= last_open and len(opens) < limit:
        opens.append(open_time)
        open_time = interval_bounds(interval, open_time)[1]
    return opens


def _opens_back(interval: str, first_open: int, last_open: int, limit: int) -> List[int]:
    opens = []
    open_time = last_open
    while open_time >= first_open and len(opens) < limit:
        opens.append(open_time)
        open_time = interval_bounds(interval, open_time - 1)[0]
    opens.reverse()
    return opens
