"""Trade statistics: klines, rolling-window tickers and the average price.

Pure code, no Twisted. :class:`SymbolStats` receives every trade of one
symbol and answers, for any later time, the current kline of each interval,
the statistics of a rolling window and the 5-minute average price. All of them
are folded from the same trades, so they agree with each other and with the
trade stream.

Cost matters because a benchmark may push tens of thousands of trades per
second: a trade only updates the candle of the current second. When the second
is over, that candle is folded once into each kline series and kept for the
average price; closed 1-minute candles are kept for 24 hours for the rolling
windows. Everything is in integers (prices, quantities and quote amounts in
e8 units, see :mod:`binance.simulator.fixedpoint`).
"""
import calendar
import collections
import datetime
from typing import Callable, Deque, Dict, Iterable, List, Optional, Tuple

from ..enums import KLINE_INTERVALS

__all__ = [
    'Trade', 'Candle', 'KlineSeries', 'WindowStats', 'SymbolStats',
    'interval_bounds', 'TIMEZONE_OFFSETS', 'AVG_PRICE_WINDOW_MS',
]

_SECOND = 1000
_MINUTE = 60 * _SECOND
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
# 1970-01-01 was a Thursday; weekly klines open on Mondays.
_MONDAY_ANCHOR = 4 * _DAY

#: Fixed interval lengths in ms; '1M' (calendar month) is handled apart.
_FIXED_INTERVALS = {
    '1s': _SECOND, '1m': _MINUTE, '3m': 3 * _MINUTE, '5m': 5 * _MINUTE,
    '15m': 15 * _MINUTE, '30m': 30 * _MINUTE, '1h': _HOUR, '2h': 2 * _HOUR,
    '4h': 4 * _HOUR, '6h': 6 * _HOUR, '8h': 8 * _HOUR, '12h': 12 * _HOUR,
    '1d': _DAY, '3d': 3 * _DAY, '1w': 7 * _DAY,
}

#: Timezone suffixes of kline streams (``@+08:00``) and their offsets in ms.
TIMEZONE_OFFSETS = {'': 0, '+08:00': 8 * _HOUR}

#: The average price covers the trades of the last 5 minutes.
AVG_PRICE_WINDOW_MS = 5 * _MINUTE
#: Rolling windows open on a minute and may be this much wider than asked.
_MINUTES_KEPT_MS = _DAY + 2 * _MINUTE


def interval_bounds(interval: str, t: int, offset: int = 0) -> Tuple[int, int]:
    """The kline containing time ``t`` as ``(open_time, next_open_time)`` in ms.

    Args:
        interval: a kline interval from :data:`binance.enums.KLINE_INTERVALS`.
        t: a time in ms since the epoch.
        offset: the timezone's offset from UTC in ms (klines open at local midnight).

    Raises:
        ValueError: unknown interval.
    """
    if interval == '1M':
        local = datetime.datetime.fromtimestamp((t + offset) // 1000, datetime.timezone.utc)
        year, month = local.year, local.month
        start = calendar.timegm((year, month, 1, 0, 0, 0)) * 1000 - offset
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        end = calendar.timegm((year, month, 1, 0, 0, 0)) * 1000 - offset
        return start, end
    try:
        length = _FIXED_INTERVALS[interval]
    except KeyError:
        raise ValueError('unknown kline interval {!r}'.format(interval)) from None
    anchor = (_MONDAY_ANCHOR if interval == '1w' else 0) - offset
    start = t - (t - anchor) % length
    return start, start + length


class Trade:
    """One trade as the market produced it.

    ``price``, ``qty`` and ``quote`` are e8 integers (``quote = price * qty``
    exactly); ``buyer_maker`` is True when the taker sold.
    """

    __slots__ = ('id', 'price', 'qty', 'quote', 'time', 'buyer_maker')

    def __init__(self, trade_id: int, price: int, qty: int, quote: int, time: int,
                 buyer_maker: bool) -> None:
        self.id = trade_id
        self.price = price
        self.qty = qty
        self.quote = quote
        self.time = time
        self.buyer_maker = buyer_maker

    def __repr__(self) -> str:
        return '<Trade {} price={} qty={} time={} buyer_maker={}>'.format(
            self.id, self.price, self.qty, self.time, self.buyer_maker)


class Candle:
    """OHLCV of a run of consecutive trades, plus taker-buy volumes and trade ids.

    An empty candle (``count == 0``) shows ``ref`` (the last price before it)
    as open, high, low and close, as Binance does for a kline without trades.
    """

    __slots__ = ('open', 'high', 'low', 'close', 'volume', 'quote', 'taker_volume',
                 'taker_quote', 'count', 'first_id', 'last_id', 'ref')

    def __init__(self, ref: Optional[int] = None) -> None:
        self.open = self.high = self.low = self.close = ref
        self.volume = self.quote = self.taker_volume = self.taker_quote = 0
        self.count = 0
        self.first_id = self.last_id = -1
        self.ref = ref

    def add(self, trade: Trade) -> None:
        """Account for one trade (trades must arrive in id order)."""
        price = trade.price
        if self.count:
            if price > self.high:
                self.high = price
            elif price < self.low:
                self.low = price
        else:
            self.open = self.high = self.low = price
            self.first_id = trade.id
        self.close = price
        self.last_id = trade.id
        self.count += 1
        self.volume += trade.qty
        self.quote += trade.quote
        if not trade.buyer_maker:
            self.taker_volume += trade.qty
            self.taker_quote += trade.quote

    def merge(self, later: 'Candle') -> None:
        """Append ``later`` (whose trades all come after this candle's)."""
        if not later.count:
            return
        if self.count:
            if later.high > self.high:
                self.high = later.high
            if later.low < self.low:
                self.low = later.low
        else:
            self.open, self.high, self.low = later.open, later.high, later.low
            self.first_id = later.first_id
        self.close = later.close
        self.last_id = later.last_id
        self.count += later.count
        self.volume += later.volume
        self.quote += later.quote
        self.taker_volume += later.taker_volume
        self.taker_quote += later.taker_quote

    def copy(self) -> 'Candle':
        """An independent copy."""
        other = Candle.__new__(Candle)
        for name in Candle.__slots__:
            setattr(other, name, getattr(self, name))
        return other


class KlineSeries:
    """The open kline of one interval (and the last closed one).

    Its candle holds the completed seconds of the open kline; the second in
    progress lives in :class:`SymbolStats` until it is over.
    """

    __slots__ = ('interval', 'offset', 'start', 'end', 'candle', 'closed', '_on_close')

    def __init__(self, interval: str, offset: int, now: int, ref: Optional[int],
                 on_close: Optional[Callable[[int, Candle], None]] = None) -> None:
        self.interval = interval
        self.offset = offset
        self.start, self.end = interval_bounds(interval, now, offset)
        self.candle = Candle(ref)
        #: The last closed kline as ``(open_time, next_open_time, candle)``, or None.
        self.closed: Optional[Tuple[int, int, Candle]] = None
        self._on_close = on_close

    def roll(self, t: int, ref: Optional[int]) -> None:
        """Close the open kline if ``t`` is past it and open the one holding ``t``."""
        if t < self.end:
            return
        self.closed = (self.start, self.end, self.candle)
        if self._on_close is not None:
            self._on_close(self.start, self.candle)
        self.start, self.end = interval_bounds(self.interval, t, self.offset)
        self.candle = Candle(ref)


class WindowStats:
    """Statistics of a rolling window, as the ticker streams report them.

    ``prev_close`` is the price of the last trade before the window (None if
    there was none); an empty window has ``first_id == last_id == -1``.
    """

    __slots__ = ('open_time', 'close_time', 'candle', 'prev_close')

    def __init__(self, open_time: int, close_time: int, candle: Candle,
                 prev_close: Optional[int]) -> None:
        self.open_time = open_time
        self.close_time = close_time
        self.candle = candle
        self.prev_close = prev_close


class SymbolStats:
    """Every statistic of one symbol, folded from its trades.

    Args:
        now: the time the statistics start (ms since the epoch).
    """

    def __init__(self, now: int) -> None:
        self.last_trade: Optional[Trade] = None
        self.version = 0
        self._second = now - now % _SECOND
        self._live = Candle()
        self._live_ref: Optional[int] = None
        # Every interval from a minute up is a whole number of minutes and
        # opens on a minute (in any timezone offset), so those klines are
        # folded from closed minutes: a trade costs one candle update, a second
        # two merges, a minute one merge per interval.
        self._series: Dict[Tuple[str, int], KlineSeries] = {}
        self._unique: List[KlineSeries] = []
        for interval in KLINE_INTERVALS:
            for offset in TIMEZONE_OFFSETS.values():
                same = self._series.get((interval, 0))
                if same is not None and _same_bounds(interval, offset):
                    self._series[interval, offset] = same
                    continue
                on_close = self._close_minute if interval == '1m' else None
                series = KlineSeries(interval, offset, now, None, on_close)
                self._series[interval, offset] = series
                self._unique.append(series)
        self._second_series = self._series['1s', 0]
        self._minute_series = self._series['1m', 0]
        self._from_minutes = [s for s in self._unique if s.interval not in ('1s', '1m')]
        self._minutes: Deque[Tuple[int, Candle]] = collections.deque()
        self._seconds: Deque[Tuple[int, Candle]] = collections.deque()
        self._dropped_minute_close: Optional[int] = None
        #: Called with ``(start, candle)`` for every closed minute with trades
        #: (the REST kline history keeps them).
        self.on_minute_closed: Optional[Callable[[int, Candle], None]] = None
        self._window_cache: Dict[int, Tuple[int, int, WindowStats]] = {}

    @property
    def last_price(self) -> Optional[int]:
        """Price of the latest trade (e8), or None before the first trade."""
        return self.last_trade.price if self.last_trade is not None else None

    @property
    def now(self) -> int:
        """The start of the second the statistics have reached."""
        return self._second

    def add_trades(self, trades: Iterable[Trade]) -> None:
        """Account for trades, in id order; a trade older than the last one counts as now."""
        live = self._live
        for trade in trades:
            if trade.time >= self._second + _SECOND:
                self.roll_to(trade.time)
                live = self._live
            live.add(trade)
            self.last_trade = trade
        self.version += 1

    def add_trade(self, trade: Trade) -> None:
        """Account for one trade (see :meth:`add_trades`)."""
        self.add_trades((trade,))

    def roll_to(self, now: int) -> None:
        """Close every kline that is over at ``now``; time never goes backwards."""
        second = now - now % _SECOND
        if second <= self._second:
            return
        live = self._live
        if live.count:
            for series in (self._second_series, self._minute_series):
                series.roll(self._second, self._live_ref)
                series.candle.merge(live)
            self._seconds.append((self._second, live))
        last_price = self.last_price
        for series in self._unique:  # shortest first: minutes close before the rest roll
            series.roll(second, last_price)
        self._second = second
        self._live = Candle()
        self._live_ref = last_price
        horizon = second - AVG_PRICE_WINDOW_MS
        seconds = self._seconds
        while seconds and seconds[0][0] < horizon:
            seconds.popleft()
        self.version += 1

    # -- klines ----------------------------------------------------------

    def kline(self, interval: str, now: int, offset: int = 0) -> Tuple[int, int, Candle]:
        """The open kline at ``now`` as ``(open_time, next_open_time, candle)``.

        The candle is a copy including the trades of the second in progress.

        Raises:
            KeyError: unknown interval or offset.
        """
        self.roll_to(now)
        series = self._series[interval, offset]
        candle = series.candle.copy()
        if series.interval not in ('1s', '1m'):
            candle.merge(self._minute_series.candle)
        candle.merge(self._live)
        return series.start, series.end, candle

    def closed_kline(self, interval: str, now: int,
                     offset: int = 0) -> Optional[Tuple[int, int, Candle]]:
        """The most recent closed kline at ``now``, or None if none closed yet."""
        self.roll_to(now)
        return self._series[interval, offset].closed

    # -- rolling windows -------------------------------------------------

    def window(self, window_ms: int, now: int) -> WindowStats:
        """Statistics of the trades from the minute holding ``now - window_ms`` up to ``now``.

        Like Binance's rolling-window tickers, the window opens on a minute, so
        it can be up to 59,999 ms wider than ``window_ms``.

        Raises:
            ValueError: ``window_ms`` is longer than one day.
        """
        if window_ms > _DAY:
            raise ValueError('windows longer than a day are not kept')
        self.roll_to(now)
        cached = self._window_cache.get(window_ms)
        if cached is not None and cached[0] == now and cached[1] == self.version:
            return cached[2]
        open_time = now - window_ms
        open_time -= open_time % _MINUTE
        inside: List[Candle] = []
        prev_close = self._dropped_minute_close
        for start, candle in reversed(self._minutes):
            if start < open_time:
                prev_close = candle.close
                break
            inside.append(candle)
        inside.reverse()
        total = Candle()
        for candle in inside:
            total.merge(candle)
        total.merge(self._minute_series.candle)
        total.merge(self._live)
        if not total.count:
            price = self.last_price
            total.open = total.high = total.low = total.close = total.ref = price
        stats = WindowStats(open_time, now, total, prev_close)
        self._window_cache[window_ms] = (now, self.version, stats)
        return stats

    def avg_price(self, now: int) -> Optional[Tuple[int, int]]:
        """The 5-minute average price as ``(price_e8, last_trade_time)``.

        Volume-weighted over the trades of the last 300 seconds (counted in
        whole seconds, the current one included); with no trade in that window
        the last trade's price. None before the first trade.
        """
        self.roll_to(now)
        last = self.last_trade
        if last is None:
            return None
        horizon = self._second - AVG_PRICE_WINDOW_MS + _SECOND
        volume = self._live.volume
        quote = self._live.quote
        for start, candle in reversed(self._seconds):
            if start < horizon:
                break
            volume += candle.volume
            quote += candle.quote
        if not volume:
            return last.price, last.time
        # quote and volume are e8; quote / volume is the price, scaled back to e8.
        return (quote * 10 ** 8) // volume, last.time

    # -- internals -------------------------------------------------------

    def _close_minute(self, start: int, candle: Candle) -> None:
        if candle.count:
            for series in self._from_minutes:
                series.roll(start, candle.ref)
                series.candle.merge(candle)
            self._minutes.append((start, candle))
            if self.on_minute_closed is not None:
                self.on_minute_closed(start, candle)
        horizon = start - _MINUTES_KEPT_MS
        minutes = self._minutes
        while minutes and minutes[0][0] < horizon:
            self._dropped_minute_close = minutes.popleft()[1].close


def _same_bounds(interval: str, offset: int) -> bool:
    """Whether klines of ``interval`` open at the same times with ``offset`` as in UTC."""
    length = _FIXED_INTERVALS.get(interval)
    return length is not None and interval != '1w' and offset % length == 0
