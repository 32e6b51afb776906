"""Scenario 7: the order book cache, ours or python-binance 0.7.11's, measured in one process.

Run by ``benchmarks/run.py`` with the interpreter of the implementation under
test (``--impl ours --repo DIR`` or ``--impl pb0711``), from a directory outside
the repository. Prints one JSON object on stdout.

Both caches start from the same 5,000-level-per-side book and apply the same
diff events (Binance's ``depthUpdate`` shape: price and quantity strings, 20
levels per side per event, about a third of them removals, the removed levels
coming back later). Each event is applied in two ways:

* decoded (``updates_per_s``): the event as a dict, the book's part of each
  manager's work only --
  ours: ``DepthSync.on_message`` under the cache's lock (what
  :class:`binance.depthcache.BaseDepthCacheManager._on_message` does after
  its checks); 0.7.11: ``add_bid``/``add_ask`` per level and
  ``update_time`` (its ``_process_depth_message`` without the update-id
  check, the callback check and the refresh check);
* from the wire (``wire_updates_per_s``): the event as the bytes a socket
  receives (serialised once, compact JSON as Binance sends it, the same
  bytes for both), through each library's own code from the complete
  message to the applied book -- ours: :class:`OursWire` (the handler an
  open socket runs, ``orjson.loads`` and its checks, then the manager's
  ``_on_message``); 0.7.11: :class:`PB0711Wire` (its protocol's
  ``onMessage``, ``ujson.loads(payload.decode('utf8'))``, then its
  manager's ``_depth_event`` and ``_process_depth_message``). Neither
  includes WebSocket framing or a user callback (there is none), so this is
  what a manager costs per message on top of its socket.

Measured (CPU time of this process, the best of a few rounds; the runner
alternates the two implementations over several such runs and keeps each
one's best figures):

* ``updates_per_s`` and ``wire_updates_per_s``: events applied per second,
  nothing read (the two are timed in alternation within each round);
* ``top10_read_us``: the best 10 bids and the best 10 asks, the book
  unchanged since the previous read (0.7.11 has no top-N read: its
  ``get_bids()[:10]``);
* ``update_read_per_s``: events per second when the callback reads the
  top 10 of both sides after every event, as a trading callback does;
* ``full_read_us``: ``get_bids()`` and ``get_asks()``, whole sides;
* ``limit_updates_per_s`` and ``limit_wire_updates_per_s`` (ours only, "the
  limit" of the table): events per second of the least any cache keeping
  floats must do with an event's levels (:class:`Limit`: no checks, no
  price order, zeros kept; from the wire one ``orjson.loads`` of the
  message first).

After the updates the books built from the bytes and from the decoded events
must show the same top 10, or the run fails.

0.7.11 sorts the whole book on every read (milliseconds), so its top-10
figure comes from a hundredth of the reads and its update-and-read figure
from the first tenth of the events: enough time measured to be steady, in
seconds rather than minutes. Both read whole sides ``reads / 200`` times.
"""
import argparse
import functools
import json
import os
import random
import sys
import threading
import time
import types

LEVELS = 5000
PER_SIDE = 20


def _fmt(x):
    return '%.8f' % x


def make_book_and_events(count, seed=7):
    """The starting book (snapshot shape) and ``count`` diff events, deterministic."""
    rng = random.Random(seed)
    tick = 0.01
    bid_prices = [round(50000.0 - i * tick, 2) for i in range(LEVELS)]
    ask_prices = [round(50000.0 + (i + 1) * tick, 2) for i in range(LEVELS)]
    snapshot = {'lastUpdateId': 1000,
                'bids': [[_fmt(p), _fmt(rng.uniform(0.001, 5))] for p in bid_prices],
                'asks': [[_fmt(p), _fmt(rng.uniform(0.001, 5))] for p in ask_prices]}
    present = {'b': set(bid_prices), 'a': set(ask_prices)}
    universe = {'b': bid_prices + [round(50000.0 - (LEVELS + i) * tick, 2) for i in range(500)],
                'a': ask_prices + [round(50000.0 + (LEVELS + 1 + i) * tick, 2) for i in range(500)]}
    events = []
    update_id = 1000
    for n in range(count):
        msg = {'e': 'depthUpdate', 'E': 1700000000000 + n, 's': 'BTCUSDT',
               'U': update_id + 1, 'u': update_id + 3}
        update_id += 3
        for side in ('b', 'a'):
            levels = []
            # mostly near the touch, as real diffs are
            for price in rng.sample(universe[side][:800], PER_SIDE):
                if price in present[side] and rng.random() < 0.35:
                    present[side].discard(price)
                    levels.append([_fmt(price), '0.00000000'])
                else:
                    present[side].add(price)
                    levels.append([_fmt(price), _fmt(rng.uniform(0.001, 5))])
            msg[side] = levels
        events.append(msg)
    return snapshot, events


class Ours:
    """Our cache, fed the way DepthCacheManager feeds it."""

    def __init__(self, snapshot):
        from binance._booksync import SPOT_DIFF, DepthSync, parse_snapshot
        from binance.depthcache import DepthCache
        self.cache = DepthCache('BTCUSDT')
        self.sync = DepthSync(self.cache._book, SPOT_DIFF)
        assert self.sync.on_snapshot(parse_snapshot(snapshot)).value == 'live'

    def apply(self, msg):
        with self.cache._lock:
            self.sync.on_message(msg)

    def top10(self):
        return self.cache.get_bids(10), self.cache.get_asks(10)

    def full(self):
        return self.cache.get_bids(), self.cache.get_asks()


class PB0711:
    """python-binance 0.7.11's DepthCache, fed the way its manager feeds it."""

    def __init__(self, snapshot):
        from binance.depthcache import DepthCache
        self.cache = DepthCache('BTCUSDT')
        for bid in snapshot['bids']:
            self.cache.add_bid(bid)
        for ask in snapshot['asks']:
            self.cache.add_ask(ask)

    def apply(self, msg):
        cache = self.cache
        for bid in msg['b']:
            cache.add_bid(bid)
        for ask in msg['a']:
            cache.add_ask(ask)
        cache.update_time = msg['E']

    def top10(self):
        return self.cache.get_bids()[:10], self.cache.get_asks()[:10]

    def full(self):
        return self.cache.get_bids(), self.cache.get_asks()


def _unexpected(*args):
    raise AssertionError('the benchmark took a path a depth message never takes: %r' % (args,))


class OursWire:
    """Our manager's receive path from a message's bytes, as an open depth socket runs it.

    :func:`binance._delivery.payload_path` (the handler the connection builds
    for every open socket without a session, called by the fast path with each
    complete message: ``orjson.loads``, the shutdown-notice check, the type
    check, the callback's exception guard) around the manager's own
    ``_on_message`` (combined-stream and error checks, the reconnect check,
    then ``DepthSync.on_message`` under the cache's lock). The manager is
    built without a socket, a client or a snapshot request: only the fields
    ``_on_message`` reads are set, to what a live manager holds.
    """

    def __init__(self, snapshot):
        from binance._delivery import payload_path
        from binance.depthcache import DepthCacheManager
        self.book = Ours(snapshot)
        manager = object.__new__(DepthCacheManager)
        manager._symbol = 'BTCUSDT'
        manager._cache = self.book.cache
        manager._sync = self.book.sync
        manager._callback = None
        manager._closed = False
        manager._connection = types.SimpleNamespace(reconnect_count=0)
        manager._opened_seen = None
        manager._ready = threading.Event()
        manager._ready.set()
        self.apply = functools.partial(payload_path(
            manager._on_message, name='depth', general=_unexpected, reject=_unexpected,
            combined=False, on_shutdown=_unexpected, lists=False, skip=_unexpected), is_binary=False)

    def top10(self):
        return self.book.top10()


class PB0711Wire:
    """python-binance 0.7.11's own code from a message's bytes.

    Its ``BinanceClientProtocol.onMessage`` (``ujson.loads(payload.decode('utf8'))``)
    hands the message to its factory's callback, the ``DepthCacheManager``'s
    ``_depth_event`` (the error check, then ``_process_depth_message``: the
    update-id check, ``add_bid``/``add_ask`` per level, ``update_time``, the
    callback check, the refresh-time check). The manager is built without a
    client or a socket: only the fields those methods read are set, to what a
    live manager holds (no callback, the default 30-minute refresh).
    """

    def __init__(self, snapshot):
        from binance.depthcache import DepthCacheManager
        from binance.websockets import BinanceClientProtocol
        self.book = PB0711(snapshot)
        manager = DepthCacheManager.__new__(DepthCacheManager)
        manager._depth_cache = self.book.cache
        manager._last_update_id = snapshot['lastUpdateId']
        manager._depth_message_buffer = []
        manager._callback = None
        manager._refresh_interval = DepthCacheManager.DEFAULT_REFRESH
        manager._refresh_time = int(time.time()) + manager._refresh_interval
        protocol = BinanceClientProtocol()
        protocol.factory = types.SimpleNamespace(callback=manager._depth_event)
        self.apply = functools.partial(protocol.onMessage, isBinary=False)

    def top10(self):
        return self.book.top10()


class Limit:
    """The least work per event: price -> quantity dicts of the two sides, every
    quantity parsed by one ``orjson.loads``, stored under its price string."""

    def __init__(self, snapshot):
        import orjson           # ours only: 0.7.11's environment need not have it
        self.loads = orjson.loads
        self.bids = {price: float(qty) for price, qty in snapshot['bids']}
        self.asks = {price: float(qty) for price, qty in snapshot['asks']}

    def apply(self, msg):
        bids, asks = dict(msg['b']), dict(msg['a'])
        qtys = self.loads('[' + ','.join([*bids.values(), *asks.values()]) + ']')
        self.bids.update(zip(bids, qtys))
        self.asks.update(zip(asks, qtys[len(bids):]))


class LimitWire(Limit):
    """:class:`Limit` from a message's bytes: one more ``orjson.loads``, of the message."""

    def apply(self, payload):
        Limit.apply(self, self.loads(payload))


def _best(rounds, fn):
    """The lowest CPU time of ``rounds`` runs of ``fn`` (the steadiest figure on a busy machine)."""
    best = None
    for _ in range(rounds):
        start = time.process_time()
        fn()
        spent = time.process_time() - start
        best = spent if best is None else min(best, spent)
    return best


def _repeat(read, times):
    """Call ``read`` ``times`` times, dropping each result (kept, they would make the
    garbage collector walk an ever larger heap)."""
    for _ in range(times):
        read()


def measure(impl, count, rounds, reads):
    snapshot, events = make_book_and_events(count)
    cls = Ours if impl == 'ours' else PB0711
    read_events = events
    full_reads = max(1, reads // 200)
    if impl == 'pb0711':        # each top-10 read sorts 10,000 levels
        reads = max(5, reads // 100)
        read_events = events[:max(100, count // 10)]

    # The messages as Binance sends them: compact JSON, UTF-8; the same bytes for both.
    payloads = [json.dumps(msg, separators=(',', ':')).encode('utf-8') for msg in events]

    def updates(kind=cls, feed=events):
        book = kind(snapshot)
        apply = book.apply
        start = time.process_time()
        for msg in feed:
            apply(msg)
        return time.process_time() - start, book

    ours = impl == 'ours'
    update_s = wire_s = limit_s = limit_wire_s = None
    for _ in range(rounds):     # interleaved, so both figures see the same moments of the machine
        spent, book = updates()
        update_s = spent if update_s is None else min(update_s, spent)
        spent, wire_book = updates(OursWire if ours else PB0711Wire, payloads)
        wire_s = spent if wire_s is None else min(wire_s, spent)
        if ours:
            spent = updates(Limit)[0]
            limit_s = spent if limit_s is None else min(limit_s, spent)
            spent = updates(LimitWire, payloads)[0]
            limit_wire_s = spent if limit_wire_s is None else min(limit_wire_s, spent)
    if wire_book.top10() != book.top10():
        raise AssertionError('the book built from the bytes differs from the one built from '
                             'the decoded events')
    check = book.top10()
    top10_s = _best(rounds, lambda: _repeat(book.top10, reads))
    full_s = _best(rounds, lambda: _repeat(book.full, full_reads))

    def update_and_read():
        fresh = cls(snapshot)
        start = time.process_time()
        for msg in read_events:
            fresh.apply(msg)
            fresh.top10()
        return time.process_time() - start

    both_s = min(update_and_read() for _ in range(rounds))
    import binance
    figures = {
        'impl': impl,
        'package': os.path.dirname(os.path.abspath(binance.__file__)),
        'levels_per_side': LEVELS,
        'levels_per_event': 2 * PER_SIDE,
        'events': count,
        'updates_per_s': count / update_s,
        'wire_updates_per_s': count / wire_s,
        'wire_bytes_per_event': sum(map(len, payloads)) / count,
        'top10_read_us': top10_s / reads * 1e6,
        'update_read_per_s': len(read_events) / both_s,
        'full_read_us': full_s / full_reads * 1e6,
        'book_after': [len(check[0]), len(check[1])],
        'best_after': [check[0][0][0], check[1][0][0]],
    }
    if ours:
        figures['limit_updates_per_s'] = count / limit_s
        figures['limit_wire_updates_per_s'] = count / limit_wire_s
    return figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--impl', choices=['ours', 'pb0711'], required=True)
    parser.add_argument('--repo', help='put this checkout first on sys.path (ours)')
    parser.add_argument('--events', type=int, default=3000)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--reads', type=int, default=2000)
    opts, _ = parser.parse_known_args(argv)
    if opts.repo:
        sys.path.insert(0, opts.repo)
    print(json.dumps(measure(opts.impl, opts.events, opts.rounds, opts.reads)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
