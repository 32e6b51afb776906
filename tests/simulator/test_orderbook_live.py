"""Binance's local order book procedure over real sockets: diff stream plus REST snapshot.

A websocket-client connection listens to ``bnbbtc@depth@100ms``, ``requests``
fetches ``GET /api/v3/depth?limit=5000``, and :class:`LocalOrderBook` applies
the official procedure (reference section 3.1). The local book is compared
with the simulator's true book at the same update id: a listener on the
reactor thread copies the true book whenever a diff event is published, which
is exactly the state after that event's ``u``.
"""
import queue
import threading
import time

import orjson
import requests
import websocket
from twisted.internet import task

from binance import _reactor
from market_support import LocalOrderBook, true_book

SYMBOL = 'BNBBTC'
STREAM = 'bnbbtc@depth@100ms'


class DiffReader:
    """Reads diff events from the socket in a thread, into a queue."""

    def __init__(self, url):
        self.ws = websocket.create_connection(url, timeout=30)
        self.events = queue.Queue()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            while True:
                self.events.put(orjson.loads(self.ws.recv()))
        except Exception as exc:  # closed at the end of the test, or a failure to report
            self.events.put(exc)

    def close(self):
        self.ws.close()
        self.thread.join(10)


class TrueBooks:
    """The true book at each published diff event, recorded on the reactor thread."""

    def __init__(self, symbol_market, every=1):
        self.market = symbol_market
        self.every = every
        self.seen = 0
        self.books = {}   # u -> (market update id when published, (bids, asks))
        self.lock = threading.Lock()

    def __call__(self, stream, payload):
        self.seen += 1
        if self.seen % self.every:
            return
        u = orjson.loads(payload)['u']
        book = (self.market.update_id, true_book(self.market))
        with self.lock:
            self.books[u] = book

    def pop(self, u):
        with self.lock:
            return self.books.pop(u, None)


def _snapshot(sim):
    response = requests.get(sim.api_url + '/v3/depth', params={'symbol': SYMBOL, 'limit': 5000}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _run_procedure(sim, pump, events_wanted, every):
    """Open the stream, build the local book, apply ``events_wanted`` events; returns the book."""
    stale = _snapshot(sim)  # nobody listens yet: the symbol does not trade, this id stays behind
    reader = DiffReader(sim.stream_url + 'ws/' + STREAM)
    books = TrueBooks(sim.market[SYMBOL], every)
    _reactor.blocking_call(sim.feed.subscribe, STREAM, books)

    def next_event():
        deadline = time.monotonic() + 30
        if pump is not None and reader.events.empty():
            pump()
        while True:
            try:
                event = reader.events.get(timeout=0.5)
            except queue.Empty:
                assert time.monotonic() < deadline, 'no diff event for 30 s'
                if pump is not None:
                    pump()
                continue
            if isinstance(event, Exception):
                raise event
            return event

    local = LocalOrderBook()
    compared = 0
    try:
        local.on_event(next_event())                                  # steps 1-2: buffer, note U
        assert not local.load_snapshot(stale), 'a snapshot older than the first U must be refused'
        while not local.load_snapshot(_snapshot(sim)):                # steps 3-4
            local.on_event(next_event())
        # steps 5-7 ran inside load_snapshot for the buffered events; now the live ones
        start_id = local.update_id
        while local.applied < events_wanted:
            event = next_event()
            local.on_event(event)
            if local.update_id != event['u']:
                continue                                             # an event ignored by the procedure
            recorded = books.pop(event['u'])
            if recorded is not None:
                market_id, (bids, asks) = recorded
                assert market_id == event['u'], 'published diff events end at the current update id'
                assert local.bids == bids and local.asks == asks, 'local book differs at u={}'.format(
                    event['u'])
                compared += 1
        # trading stops; the feed still flushes what changed since the last event
        _reactor.blocking_call(sim.feed.set_trade_rate, 0)
        deadline = time.monotonic() + 30
        while True:
            market_id, (bids, asks) = _reactor.blocking_call(
                lambda: (books.market.update_id, true_book(books.market)))
            if local.update_id == market_id:
                break
            assert local.update_id < market_id and time.monotonic() < deadline
            local.on_event(next_event())
        assert (local.bids, local.asks) == (bids, asks)
        compared += 1
    finally:
        _reactor.blocking_call(sim.feed.unsubscribe, STREAM, books)
        reader.close()
    return local, start_id, compared


def test_local_book_from_the_live_stream_on_the_reactor_clock(make_sim):
    """Real time with a high trade rate: every diff event covers many updates."""
    sim = make_sim(seed=2024, trade_rate=3000)
    local, start_id, compared = _run_procedure(sim, pump=None, events_wanted=25, every=1)
    assert local.applied >= 25
    assert local.update_id - start_id >= 1000, 'too few book updates to mean much'
    assert compared >= 20
    assert len(local.bids) > 10 and len(local.asks) > 10


def test_local_book_over_thousands_of_live_events_on_a_fake_clock(make_sim):
    """A task.Clock moved 100 ms at a time: one diff event per step, thousands of them."""
    clock = task.Clock()
    clock.advance(1_000_000)
    sim = make_sim(seed=77, trade_rate=300, clock=clock, intervals={'ping': 0})

    def pump():
        _reactor.blocking_call(clock.advance, 0.1)

    local, start_id, compared = _run_procedure(sim, pump=pump, events_wanted=3000, every=50)
    assert local.applied >= 3000
    assert local.update_id - start_id >= 3000
    assert compared >= 40

