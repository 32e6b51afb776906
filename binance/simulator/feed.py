"""Drive the simulated market on a clock and publish market stream events.

:class:`MarketFeed` advances every symbol somebody listens to, a batch of
trades per clock tick, and pushes each stream at Binance's cadence:

* real time (every tick): ``@trade``, ``@aggTrade``, ``@bookTicker``
  (and ``!bookTicker`` when retired streams are live);
* 100 ms or 1000 ms: ``@depth``, ``@depth<n>`` (``@100ms`` for the fast variant);
* 1000 ms for ``@kline_1s``, 2000 ms for the other klines;
* 1000 ms: tickers, mini tickers, rolling-window tickers, ``@avgPrice`` and the
  all-market arrays (which carry only the symbols that traded since the last push).

A listener is ``listener(stream_name, payload)`` where ``payload`` is the
event's JSON as bytes, encoded once per event and shared by every listener.
Work is only done for streams with listeners: a symbol nobody listens to does
not trade, and no payload is built for a stream nobody subscribed.

Names that carry no data (unknown or upper-case symbols, unknown types, the
retired ``!ticker@arr`` and ``!bookTicker`` unless ``retired_streams_live``) are
accepted and stay silent, as on Binance.
"""
import collections
import logging
from typing import Callable, Counter, Dict, Iterable, List, Optional, Set

import orjson
from twisted.internet import task

from . import market_payloads as payloads
from .market import Market, SymbolMarket
from .market_streams import (
    AGG_TRADE, ALL_BOOK_TICKERS, ALL_MINI_TICKERS, ALL_TICKERS, ALL_WINDOW_TICKERS,
    AVG_PRICE, BOOK_TICKER, DIFF_DEPTH, KLINE, MINI_TICKER, PARTIAL_DEPTH, RETIRED_KINDS,
    TICKER, TRADE, WINDOW_TICKER, WINDOWS, StreamSpec,
)

__all__ = ['MarketFeed', 'Listener']

logger = logging.getLogger(__name__)

#: ``listener(stream_name, payload_json_bytes)``.
Listener = Callable[[str, bytes], None]

_MIN_TICK = 0.01          # seconds; finest generation tick
_MAX_TICK = 0.1           # seconds; coarsest generation tick
# After a late tick (a stalled clock, a busy reactor) at most this many ticks'
# worth of trades are made up: a firehose the CPU cannot keep up with slows
# down instead of blocking the reactor with ever larger batches.
_CATCH_UP_TICKS = 5
_BURST_RATE = 2500.0      # trades/s per symbol per extra trade per level fill
_MAX_BURST = 20


def _to_ms(seconds: float) -> int:
    # Rounded: a float clock (task.Clock after many small steps) lands just below
    # whole milliseconds.
    return int(round(seconds * 1000))


def _now_ms(clock) -> int:
    return _to_ms(clock.seconds())


class _Stream:
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


class _KlineStream(_Stream):
    __slots__ = ('_market', '_interval', '_offset', '_last_closed')

    def __init__(self, name: str, spec: StreamSpec, market: SymbolMarket, now: int) -> None:
        super().__init__(name, spec)
        self._market = market
        self._interval, self._offset = spec.arg
        closed = market.stats.closed_kline(self._interval, now, self._offset)
        # Only klines that close while subscribed are sent with x=true.
        self._last_closed = closed[0] if closed else -1

    def poll(self, now: int) -> Iterable[object]:
        stats = self._market.stats
        symbol = self._market.symbol
        events = []
        closed = stats.closed_kline(self._interval, now, self._offset)
        if closed is not None and closed[0] > self._last_closed:
            self._last_closed = closed[0]
            events.append(payloads.kline_event(symbol, self._interval, closed, True, now))
        current = stats.kline(self._interval, now, self._offset)
        events.append(payloads.kline_event(symbol, self._interval, current, False, now))
        return events


class _DiffDepthStream(_Stream):
    __slots__ = ('_market', '_recorder')

    def __init__(self, name: str, spec: StreamSpec, market: SymbolMarket) -> None:
        super().__init__(name, spec)
        self._market = market
        self._recorder = market.open_diff()

    def poll(self, now: int) -> Iterable[object]:
        diff = self._recorder.flush()
        if diff is None:
            return ()
        return (payloads.diff_depth_event(self._market, *diff, now),)

    def close(self) -> None:
        self._market.close_diff(self._recorder)


class _SymbolPeriodicStream(_Stream):
    """Partial depth, tickers and average price: one payload per tick from current state."""

    __slots__ = ('_market',)

    def __init__(self, name: str, spec: StreamSpec, market: SymbolMarket) -> None:
        super().__init__(name, spec)
        self._market = market

    def poll(self, now: int) -> Iterable[object]:
        payload = _symbol_payload(self.spec, self._market, now)
        return () if payload is None else (payload,)


class _AllMarketStream(_Stream):
    """All-market arrays: one entry per symbol that traded since the last push."""

    __slots__ = ('_markets', 'changed')

    def __init__(self, name: str, spec: StreamSpec, markets: Dict[str, SymbolMarket]) -> None:
        super().__init__(name, spec)
        self._markets = markets
        self.changed: Set[str] = set()

    def poll(self, now: int) -> Iterable[object]:
        if not self.changed:
            return ()
        kind, arg = self.spec.kind, self.spec.arg
        events = []
        for symbol, market in self._markets.items():
            if symbol in self.changed:
                if kind == ALL_MINI_TICKERS:
                    events.append(payloads.mini_ticker_event(market, now))
                elif kind == ALL_TICKERS:
                    events.append(payloads.ticker_event(market, now))
                else:
                    events.append(payloads.window_ticker_event(market, arg, WINDOWS[arg], now))
        self.changed = set()
        return (events,)


def _symbol_payload(spec: StreamSpec, market: SymbolMarket, now: int) -> Optional[dict]:
    kind = spec.kind
    if kind == PARTIAL_DEPTH:
        return payloads.partial_depth_event(market, spec.arg)
    if kind == TICKER:
        return payloads.ticker_event(market, now)
    if kind == MINI_TICKER:
        return payloads.mini_ticker_event(market, now)
    if kind == WINDOW_TICKER:
        return payloads.window_ticker_event(market, spec.arg, WINDOWS[spec.arg], now)
    if kind == AVG_PRICE:
        return payloads.avg_price_event(market, now)
    raise AssertionError('not a periodic symbol stream: {}'.format(spec.name))


class MarketFeed:
    """Publishes a :class:`~binance.simulator.market.Market` as Binance market streams.

    Use it on the clock's thread (the reactor thread). The feed owns the
    market's activity hook (:meth:`Market.set_activity_hook`) while started.

    Args:
        market: the market to drive.
        clock: an ``IReactorTime`` (the reactor, or ``task.Clock`` in tests);
            every timer and every event time ``E`` comes from it.
        trade_rate: trades per second per symbol (may be fractional, or tens
            of thousands for a benchmark firehose).
        retired_streams_live: make ``!ticker@arr`` and ``!bookTicker`` carry
            data, as Binance US still does.
    """

    def __init__(self, market: Market, clock, trade_rate: float = 10.0,
                 retired_streams_live: bool = False) -> None:
        self.market = market
        self.clock = clock
        self.retired_streams_live = retired_streams_live
        self._markets: Dict[str, SymbolMarket] = {s: market[s] for s in market.symbols}
        self._streams: Dict[str, _Stream] = {}
        self._realtime: Dict[tuple, _Stream] = {}
        self._all_market: List[_AllMarketStream] = []
        self._all_book_tickers: Optional[_Stream] = None
        self._periodic: Dict[int, Dict[str, _Stream]] = {}
        self._cadence_loops: Dict[int, task.LoopingCall] = {}
        self._active: List[str] = []
        self._listened: Counter = collections.Counter()
        self._tops: Counter = collections.Counter()
        self._carry: Dict[str, float] = {}
        self._generator: Optional[task.LoopingCall] = None
        self._last_tick: Optional[float] = None
        self._pending_activity: Dict[str, object] = {}
        self._running = False
        self._trade_rate = 0.0
        self.set_trade_rate(trade_rate)

    def __repr__(self) -> str:
        return '<MarketFeed streams={} rate={:g}/s running={}>'.format(
            len(self._streams), self._trade_rate, self._running)

    @property
    def running(self) -> bool:
        """Whether :meth:`start` was called and :meth:`stop` not since."""
        return self._running

    @property
    def trade_rate(self) -> float:
        """Trades per second per listened symbol."""
        return self._trade_rate

    def streams(self) -> List[str]:
        """Names of the streams that have at least one listener."""
        return list(self._streams)

    # -- subscriptions ---------------------------------------------------

    def subscribe(self, stream: str, listener: Listener) -> None:
        """Send the events of ``stream`` to ``listener`` (once per listener).

        Any name is accepted; names that carry no data stay silent.
        """
        entry = self._streams.get(stream)
        if entry is None:
            entry = self._make_stream(stream)
            self._streams[stream] = entry
            self._attach(entry)
        entry.listeners[listener] = None

    def unsubscribe(self, stream: str, listener: Listener) -> None:
        """Stop sending ``stream`` to ``listener``; unknown pairs are ignored."""
        entry = self._streams.get(stream)
        if entry is None or listener not in entry.listeners:
            return
        entry.forget(listener)
        if not entry.listeners:
            del self._streams[stream]
            self._detach(entry)

    # -- running ---------------------------------------------------------

    def start(self) -> None:
        """Start trading and publishing on the clock (idempotent)."""
        if self._running:
            return
        self._running = True
        self.market.set_activity_hook(self._on_market_activity)
        self._start_generator()
        for cadence in list(self._periodic):
            self._start_cadence(cadence)

    def stop(self) -> None:
        """Stop every timer; subscriptions are kept for a later :meth:`start`."""
        if not self._running:
            return
        self._running = False
        self.market.set_activity_hook(None)
        if self._generator is not None and self._generator.running:
            self._generator.stop()
        self._generator = None
        for loop in self._cadence_loops.values():
            if loop.running:
                loop.stop()
        self._cadence_loops.clear()
        for call in self._pending_activity.values():
            if call.active():
                call.cancel()
        self._pending_activity.clear()

    def set_trade_rate(self, per_second: float) -> None:
        """Change the number of trades per second per symbol.

        Raises:
            ValueError: ``per_second`` is negative.
        """
        per_second = float(per_second)
        if per_second < 0:
            raise ValueError('trade rate must not be negative, got {!r}'.format(per_second))
        self._trade_rate = per_second
        if self._running:
            if self._generator is not None and self._generator.running:
                self._generator.stop()
            self._start_generator()

    # -- stream bookkeeping ----------------------------------------------

    def _make_stream(self, name: str) -> _Stream:
        spec = self.market.parse_stream(name)
        if spec is None or (spec.kind in RETIRED_KINDS and not self.retired_streams_live):
            return _Stream(name, None)
        kind = spec.kind
        market = self._markets.get(spec.symbol) if spec.symbol else None
        if kind == KLINE:
            return _KlineStream(name, spec, market, _now_ms(self.clock))
        if kind == DIFF_DEPTH:
            return _DiffDepthStream(name, spec, market)
        if kind in (PARTIAL_DEPTH, TICKER, MINI_TICKER, WINDOW_TICKER, AVG_PRICE):
            return _SymbolPeriodicStream(name, spec, market)
        if kind in (ALL_MINI_TICKERS, ALL_TICKERS, ALL_WINDOW_TICKERS):
            return _AllMarketStream(name, spec, self._markets)
        return _Stream(name, spec)  # real-time: trade, aggTrade, bookTicker, !bookTicker

    def _attach(self, entry: _Stream) -> None:
        spec = entry.spec
        if spec is None:
            return
        if spec.kind in (TRADE, AGG_TRADE, BOOK_TICKER):
            self._realtime[spec.symbol, spec.kind] = entry
        elif spec.kind == ALL_BOOK_TICKERS:
            self._all_book_tickers = entry
        if isinstance(entry, _AllMarketStream):
            self._all_market.append(entry)
        if spec.cadence_ms is not None:
            group = self._periodic.setdefault(spec.cadence_ms, {})
            group[entry.name] = entry
            if self._running and spec.cadence_ms not in self._cadence_loops:
                self._start_cadence(spec.cadence_ms)
        self._refresh_activity(spec, 1)

    def _detach(self, entry: _Stream) -> None:
        entry.close()
        spec = entry.spec
        if spec is None:
            return
        if self._realtime.get((spec.symbol, spec.kind)) is entry:
            del self._realtime[spec.symbol, spec.kind]
        if self._all_book_tickers is entry:
            self._all_book_tickers = None
        if entry in self._all_market:
            self._all_market.remove(entry)
        if spec.cadence_ms is not None:
            group = self._periodic.get(spec.cadence_ms, {})
            group.pop(entry.name, None)
            if not group:
                self._periodic.pop(spec.cadence_ms, None)
                loop = self._cadence_loops.pop(spec.cadence_ms, None)
                if loop is not None and loop.running:
                    loop.stop()
        self._refresh_activity(spec, -1)

    def _refresh_activity(self, spec: StreamSpec, change: int) -> None:
        """Count a stream in (+1) or out (-1) of what makes symbols trade."""
        self._listened[spec.symbol] += change   # None counts all-market streams
        if spec.kind == BOOK_TICKER:
            self._tops[spec.symbol] += change
        everything = self._listened[None] > 0
        self._active = [s for s in self._markets if everything or self._listened[s] > 0]
        all_tops = self._all_book_tickers is not None
        for symbol, market in self._markets.items():
            market.track_tops = all_tops or self._tops[symbol] > 0

    # -- timers ----------------------------------------------------------

    def _tick_interval(self) -> float:
        if self._trade_rate <= 0:
            return _MAX_TICK
        return min(_MAX_TICK, max(_MIN_TICK, 1.0 / self._trade_rate))

    def _start_generator(self) -> None:
        self._generator = task.LoopingCall(self._generate)
        self._generator.clock = self.clock
        self._last_tick = self.clock.seconds()
        self._generator.start(self._tick_interval(), now=False)

    def _start_cadence(self, cadence: int) -> None:
        loop = task.LoopingCall(self._poll, cadence)
        loop.clock = self.clock
        self._cadence_loops[cadence] = loop
        loop.start(cadence / 1000.0, now=False)

    def _generate(self) -> None:
        """One clock tick: trade on every listened symbol and publish real-time events."""
        seconds = self.clock.seconds()
        elapsed = min(_CATCH_UP_TICKS * self._tick_interval(),
                      seconds - (self._last_tick or seconds))
        self._last_tick = seconds
        now = _to_ms(seconds)
        rate = self._trade_rate
        burst = min(_MAX_BURST, 3 + int(rate / _BURST_RATE))
        for symbol in self._active:
            budget = self._carry.get(symbol, 0.0) + rate * elapsed
            trades = int(budget)
            if trades:
                made = self._markets[symbol].advance(trades, now, burst)
                budget -= made
            self._carry[symbol] = budget
            self._publish_symbol(symbol, now)

    def _poll(self, cadence: int) -> None:
        now = _now_ms(self.clock)
        for entry in list(self._periodic.get(cadence, {}).values()):
            for payload in entry.poll(now):
                entry.publish(payload)

    def _on_market_activity(self, symbol: str) -> None:
        # Orders of simulated users: publish their trades on the next reactor turn.
        if symbol not in self._pending_activity and self._running:
            self._pending_activity[symbol] = self.clock.callLater(0, self._activity_due, symbol)

    def _activity_due(self, symbol: str) -> None:
        self._pending_activity.pop(symbol, None)
        self._publish_symbol(symbol, _now_ms(self.clock))

    # -- publishing ------------------------------------------------------

    def _publish_symbol(self, symbol: str, now: int) -> None:
        market = self._markets[symbol]
        events = market.drain()
        if events.trades:
            for entry in self._all_market:
                entry.changed.add(symbol)
        realtime = self._realtime
        if not realtime and self._all_book_tickers is None:
            return
        dumps = orjson.dumps
        stream = realtime.get((symbol, TRADE))
        if stream is not None:
            event = payloads.trade_event
            for trade in events.trades:
                stream.send(dumps(event(symbol, trade, now)))
        stream = realtime.get((symbol, AGG_TRADE))
        if stream is not None:
            event = payloads.agg_trade_event
            for agg in events.agg_trades:
                stream.send(dumps(event(symbol, agg, now)))
        targets = [s for s in (realtime.get((symbol, BOOK_TICKER)), self._all_book_tickers)
                   if s is not None]
        for update_id, bid, ask in events.tops if targets else ():
            data = dumps(payloads.book_ticker_event(market, update_id, bid, ask))
            for stream in targets:
                stream.send(data)
