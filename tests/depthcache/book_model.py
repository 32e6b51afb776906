"""A tiny true market for the sync tests: a book, its update ids, and Binance-shaped events.

``Market.step()`` changes a few levels under one new update id. ``Market.event()``
packs every change since the previous event into one diff message, spot
(``U``/``u``, contiguous ids) or futures (``U``/``u``/``pu``, ids that jump),
and remembers the true book at its ``u``.
"""
import random


def fmt(x):
    return '{:.8f}'.format(x)


class Market:
    def __init__(self, seed=0, futures=False, prices=40):
        self.rng = random.Random(seed)
        self.futures = futures
        self.prices = prices
        self.update_id = 1000
        self.bids = {}
        self.asks = {}
        self.history = {}           # update id -> (bids, asks) as {float: float}
        self._changed_bids = {}
        self._changed_asks = {}
        self._first = None
        self._last_event_u = None
        for _ in range(30):
            self.step()
        self.event()                # the warm-up is history

    def _record(self):
        self.history[self.update_id] = (dict(self.bids), dict(self.asks))

    def step(self):
        """One engine update: a few levels change under the next update id."""
        rng = self.rng
        self.update_id += rng.randrange(1, 4) if self.futures else 1
        if self._first is None:
            self._first = self.update_id
        mid = self.prices // 2
        for _ in range(rng.randrange(1, 4)):
            if rng.random() < 0.5:
                price, side, changed = float(rng.randrange(1, mid)), self.bids, self._changed_bids
            else:
                price, side, changed = float(rng.randrange(mid, self.prices)), self.asks, self._changed_asks
            qty = float(rng.choice([0, 0, 1, 2, 3, 4]))
            if qty:
                side[price] = qty
            else:
                side.pop(price, None)
            changed[price] = qty
        self._record()

    def event(self):
        """The diff event of the updates since the last one (None if there were none)."""
        if self._first is None:
            return None
        msg = {'e': 'depthUpdate', 'E': self.update_id, 's': 'BNBBTC', 'U': self._first,
               'u': self.update_id,
               'b': [[fmt(p), fmt(q)] for p, q in sorted(self._changed_bids.items(), reverse=True)],
               'a': [[fmt(p), fmt(q)] for p, q in sorted(self._changed_asks.items())]}
        if self.futures:
            msg['pu'] = self._last_event_u if self._last_event_u is not None else self._first - 1
        self._last_event_u = self.update_id
        self._first = None
        self._changed_bids = {}
        self._changed_asks = {}
        return msg

    def snapshot(self, at=None):
        """``GET /depth`` at update id ``at`` (default now)."""
        at = self.update_id if at is None else at
        bids, asks = self.history[at]
        return {'lastUpdateId': at,
                'bids': [[fmt(p), fmt(q)] for p, q in sorted(bids.items(), reverse=True)],
                'asks': [[fmt(p), fmt(q)] for p, q in sorted(asks.items())]}


def book_as_dicts(book):
    return ({p: q for p, q in book.bids.top()}, {p: q for p, q in book.asks.top()})
