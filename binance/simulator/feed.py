"""Drive the simulated market on a clock and publish market stream events.

:class:`MarketFeed` advances every symbol somebody listens to, a batch of
trades per clock tick, and pushes each stream at the cadence its venue's
catalogue gives (what each stream carries comes from the venue's
:class:`~binance.simulator.feed_streams.FeedKit`). On spot:

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
from typing import Counter, Dict, List, Optional

import orjson
from twisted.internet import task

from .feed_streams import SPOT_KIT, ChangedSymbolsStream, FeedKit, FeedStream, Listener
from .market import Market, SymbolMarket
from .market_streams import AGG_TRADE, ALL_BOOK_TICKERS, BOOK_TICKER, TRADE, StreamSpec

__all__ = ['MarketFeed', 'Listener']

logger = logging.getLogger(__name__)

_MIN_TICK = 0.01          # seconds; finest generation tick
_MAX_TICK = 0.1           # seconds; coarsest generation tick
# After a late tick (a stalled clock, a busy reactor) at most this many ticks'
# worth of trades are made up: a firehose the CPU cannot keep up with slows
# down instead of blocking the reactor with ever larger batches.
_CATCH_UP_TICKS = 5
_BURST_RATE = 2500.0      # trades/s per symbol per extra trade per level fill
_MAX_BURST = 20
#: Stream kinds published as they happen, at every generation tick.
_REALTIME_KINDS = (TRADE, AGG_TRADE, BOOK_TICKER)


def _to_ms(seconds: float) -> int:
    # Rounded: a float clock (task.Clock after many small steps) lands just below
    # whole milliseconds.
    return int(round(seconds * 1000))


def _now_ms(clock) -> int:
    return _to_ms(clock.seconds())


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
            data, as Binance US still does (the market's retired kinds).
        kit: what the venue publishes (default :data:`~.feed_streams.SPOT_KIT`).
    """

    def __init__(self, market: Market, clock, trade_rate: float = 10.0,
                 retired_streams_live: bool = False, kit: Optional[FeedKit] = None) -> None:
        self.market = market
        self.clock = clock
        self.retired_streams_live = retired_streams_live
        self.kit = kit if kit is not None else SPOT_KIT
        self._markets: Dict[str, SymbolMarket] = {s: market[s] for s in market.symbols}
        self._streams: Dict[str, FeedStream] = {}
        self._realtime: Dict[tuple, FeedStream] = {}
        self._all_market: List[ChangedSymbolsStream] = []
        self._all_book_tickers: Optional[FeedStream] = None
        self._periodic: Dict[int, Dict[str, FeedStream]] = {}
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

    @property
    def markets(self) -> Dict[str, SymbolMarket]:
        """Listed symbol -> its market (do not modify)."""
        return self._markets

    def symbol_market(self, symbol: Optional[str]) -> SymbolMarket:
        """The market of a listed symbol (for stream factories).

        Raises:
            KeyError: the symbol is not listed.
        """
        return self._markets[symbol]  # type: ignore[index]

    def now_ms(self) -> int:
        """The clock's time in whole milliseconds."""
        return _now_ms(self.clock)

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

    def _make_stream(self, name: str) -> FeedStream:
        spec = self.market.parse_stream(name)
        if spec is None or (spec.kind in self.market.retired_kinds and not self.retired_streams_live):
            return FeedStream(name, None)
        factory = self.kit.streams.get(spec.kind)
        if factory is None:
            return FeedStream(name, spec)  # real-time: trade, aggTrade, bookTicker, !bookTicker
        return factory(self, name, spec)

    def _attach(self, entry: FeedStream) -> None:
        spec = entry.spec
        if spec is None:
            return
        if spec.kind in _REALTIME_KINDS:
            self._realtime[spec.symbol, spec.kind] = entry
        elif spec.kind == ALL_BOOK_TICKERS:
            self._all_book_tickers = entry
        if isinstance(entry, ChangedSymbolsStream):
            self._all_market.append(entry)
        if spec.cadence_ms is not None:
            group = self._periodic.setdefault(spec.cadence_ms, {})
            group[entry.name] = entry
            if self._running and spec.cadence_ms not in self._cadence_loops:
                self._start_cadence(spec.cadence_ms)
        self._refresh_activity(spec, 1)

    def _detach(self, entry: FeedStream) -> None:
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
        kit = self.kit
        stream = realtime.get((symbol, TRADE))
        if stream is not None:
            event = kit.trade
            for trade in events.trades:
                stream.send(dumps(event(market, trade, now)))
        stream = realtime.get((symbol, AGG_TRADE))
        if stream is not None:
            event = kit.agg_trade
            for agg in events.agg_trades:
                stream.send(dumps(event(market, agg, now)))
        targets = [s for s in (realtime.get((symbol, BOOK_TICKER)), self._all_book_tickers)
                   if s is not None]
        for update_id, bid, ask in events.tops if targets else ():
            data = dumps(kit.book_ticker(market, update_id, bid, ask, now))
            for stream in targets:
                stream.send(data)
