"""Helpers for depth cache tests over real sockets: the simulator's true books, a checking callback."""
import threading

import orjson

from binance import _reactor


_FLOATS = {}


def _float(symbol_market, units, price):
    """float() of the decimal string the simulator sends for ``units`` ticks (or lots)."""
    key = (symbol_market.symbol, price, units)
    value = _FLOATS.get(key)
    if value is None:
        text = symbol_market.price_str(units) if price else symbol_market.qty_str(units)
        value = _FLOATS[key] = float(text)
    return value


def float_book(symbol_market, bids, asks):
    """``({price: qty}, {price: qty})`` floats from tick/lot dicts of ``symbol_market``.

    Exactly the floats a client gets from the simulator's strings.
    """
    def side(levels):
        return {_float(symbol_market, p, True): _float(symbol_market, q, False)
                for p, q in levels.items()}
    return side(bids), side(asks)


def true_book_now(symbol_market):
    """The simulator's book of one symbol right now, as float dicts (call on the reactor thread)."""
    book = symbol_market.book
    return float_book(symbol_market, book.bids, book.asks)


class TrueBooks:
    """A feed listener: the true book each time a diff event of ``stream`` is published.

    Runs on the reactor thread, like the cache's callback, so the book
    recorded for ``u`` is the book after the event ending at ``u``.
    """

    def __init__(self, sim, symbol, stream, venue='spot'):
        self.sim = sim
        self.stream = stream
        self.feed = sim.venue(venue).feed
        self.market = sim.venue(venue).market[symbol]
        self.books = {}
        self.published = 0

    def __call__(self, stream, payload):
        self.published += 1
        u = orjson.loads(payload)['u']
        book = self.market.book
        self.books[u] = (dict(book.bids), dict(book.asks))

    def take(self, u):
        """The true book at ``u`` (float dicts), forgetting it (and, now and then, older ones)."""
        raw = self.books.pop(u, None)
        if len(self.books) > 2000:
            for old in [k for k in self.books if k < u]:
                del self.books[old]
        return None if raw is None else float_book(self.market, *raw)

    def __enter__(self):
        _reactor.blocking_call(self.feed.subscribe, self.stream, self)
        return self

    def __exit__(self, *exc):
        _reactor.blocking_call(self.feed.unsubscribe, self.stream, self)


class BookChecker:
    """A depth cache callback comparing the cache with the true book at the same update id."""

    def __init__(self, truth):
        self.truth = truth
        self.updates = 0
        self.compared = 0
        self.mismatches = []
        self.nones = 0
        self.crossed = 0
        self.lock = threading.Lock()

    def __call__(self, cache):
        if cache is None:
            self.nones += 1
            return
        view = cache.get_book()
        self.updates += 1
        if view.bids and view.asks and view.bids[0][0] >= view.asks[0][0]:
            self.crossed += 1
        true = self.truth.take(view.update_id)
        if true is None:
            return      # a snapshot's lastUpdateId between two events
        if (dict(view.bids), dict(view.asks)) == true:
            self.compared += 1
        else:
            self.mismatches.append(view.update_id)


__all__ = ['TrueBooks', 'BookChecker', 'Calls', 'Pump', 'true_book_now', 'float_book']


class Calls:
    """A depth cache callback recording the update ids it sees and the ``None`` it may get."""

    def __init__(self):
        self.caches = []
        self.nones = 0
        self.lock = threading.Lock()

    def __call__(self, cache):
        with self.lock:
            if cache is None:
                self.nones += 1
            else:
                self.caches.append(cache.update_id)


class Pump:
    """Advances the simulator's ``task.Clock`` by ``step`` every ``interval`` real seconds.

    Runs on the reactor thread, so the client reads its sockets between two
    steps just as it would between two bursts of a real exchange.
    """

    def __init__(self, clock, step, interval=0.001):
        from twisted.internet import task as _task
        self.loop = _task.LoopingCall(clock.advance, step)
        self.interval = interval

    def __enter__(self):
        def start():
            self.done = self.loop.start(self.interval, now=False)   # fires when stopped
        _reactor.blocking_call(start)
        return self

    def __exit__(self, *exc):
        if self.loop.running:
            _reactor.blocking_call(self.loop.stop)
