"""Test helpers for the simulated market: the official local order book procedure
and independent recomputation of statistics from raw trades."""
from decimal import Decimal

from binance.simulator.orderbook import ASK, BID

#: Field type of a price or quantity: an 8-decimal string.
DEC = 'decimal string'

#: Field sets and types of every market stream payload (reference section 2).
FIELDS = {
    'trade': {'e': str, 'E': int, 's': str, 't': int, 'p': DEC, 'q': DEC, 'T': int,
              'm': bool, 'M': bool},
    'aggTrade': {'e': str, 'E': int, 's': str, 'a': int, 'p': DEC, 'q': DEC, 'f': int,
                 'l': int, 'T': int, 'm': bool, 'M': bool},
    'kline': {'e': str, 'E': int, 's': str, 'k': dict},
    'kline.k': {'t': int, 'T': int, 's': str, 'i': str, 'f': int, 'L': int, 'o': DEC,
                'c': DEC, 'h': DEC, 'l': DEC, 'v': DEC, 'n': int, 'x': bool, 'q': DEC,
                'V': DEC, 'Q': DEC, 'B': str},
    '24hrTicker': {'e': str, 'E': int, 's': str, 'p': DEC, 'P': str, 'w': DEC, 'x': DEC,
                   'c': DEC, 'Q': DEC, 'b': DEC, 'B': DEC, 'a': DEC, 'A': DEC, 'o': DEC,
                   'h': DEC, 'l': DEC, 'v': DEC, 'q': DEC, 'O': int, 'C': int, 'F': int,
                   'L': int, 'n': int},
    '24hrMiniTicker': {'e': str, 'E': int, 's': str, 'c': DEC, 'o': DEC, 'h': DEC,
                       'l': DEC, 'v': DEC, 'q': DEC},
    'windowTicker': {'e': str, 'E': int, 's': str, 'p': DEC, 'P': str, 'o': DEC, 'h': DEC,
                     'l': DEC, 'c': DEC, 'w': DEC, 'v': DEC, 'q': DEC, 'O': int, 'C': int,
                     'F': int, 'L': int, 'n': int},
    'bookTicker': {'u': int, 's': str, 'b': DEC, 'B': DEC, 'a': DEC, 'A': DEC},
    'avgPrice': {'e': str, 'E': int, 's': str, 'i': str, 'w': DEC, 'T': int},
    'partialDepth': {'lastUpdateId': int, 'bids': list, 'asks': list},
    'depthUpdate': {'e': str, 'E': int, 's': str, 'U': int, 'u': int, 'b': list, 'a': list},
}


def check_fields(event, expected):
    """Assert ``event`` has exactly the ``expected`` fields, with the expected types."""
    if isinstance(expected, str):
        expected = FIELDS[expected]
    assert set(event) == set(expected), 'fields differ: {}'.format(
        sorted(set(event) ^ set(expected)))
    for name, kind in expected.items():
        value = event[name]
        if kind == DEC:
            assert isinstance(value, str), name
            Decimal(value)
            assert len(value.partition('.')[2]) == 8, (name, value)
        elif kind is int:
            assert isinstance(value, int) and not isinstance(value, bool), name
        else:
            assert isinstance(value, kind), name
    for side in ('bids', 'asks', 'b', 'a'):
        if expected.get(side) is list:
            for level in event[side]:
                assert isinstance(level, list) and len(level) == 2, level
                check_fields({'p': level[0], 'q': level[1]}, {'p': DEC, 'q': DEC})


class OrderBookGap(Exception):
    """An event's ``U`` is past the local update id + 1: events were missed."""


class LocalOrderBook:
    """A client-side book kept by Binance's procedure (reference section 3.1).

    Feed it every diff-depth event with :meth:`on_event`; call
    :meth:`load_snapshot` with a REST snapshot once some events are buffered.
    """

    def __init__(self):
        self.buffer = []
        self.first_u = None
        self.bids = None
        self.asks = None
        self.update_id = None
        self.applied = 0

    def on_event(self, event):
        if self.bids is None:
            if self.first_u is None:
                self.first_u = event['U']
            self.buffer.append(event)
        else:
            self._apply(event)

    def load_snapshot(self, snapshot):
        """Returns False if the snapshot is too old (step 4: fetch another one)."""
        assert self.first_u is not None, 'buffer events before taking the snapshot'
        last = snapshot['lastUpdateId']
        if last < self.first_u:
            return False
        buffered = [e for e in self.buffer if e['u'] > last]
        if buffered:
            assert buffered[0]['U'] <= last + 1 <= buffered[0]['u'] + 1
        self.bids, self.asks = book_from_snapshot(snapshot)
        self.update_id = last
        self.buffer = []
        for event in buffered:
            self._apply(event)
        return True

    def _apply(self, event):
        if event['u'] < self.update_id:
            return
        if event['U'] > self.update_id + 1:
            raise OrderBookGap('U={} after local id {}'.format(event['U'], self.update_id))
        apply_levels(self.bids, self.asks, event)
        self.update_id = event['u']
        self.applied += 1


def book_from_snapshot(snapshot):
    """``({price: qty}, {price: qty})`` of a REST depth snapshot."""
    return {p: q for p, q in snapshot['bids']}, {p: q for p, q in snapshot['asks']}


def apply_levels(bids, asks, event):
    """Apply a depth event's absolute quantities (0 removes the level)."""
    for levels, side in ((bids, event['b']), (asks, event['a'])):
        for price, qty in side:
            if Decimal(qty) == 0:
                levels.pop(price, None)
            else:
                levels[price] = qty


def true_book(symbol_market):
    """The market's real book as ``({price: qty}, {price: qty})`` strings."""
    book = symbol_market.book
    bids = dict(map(tuple, symbol_market.levels_str(book.iter_levels(BID))))
    asks = dict(map(tuple, symbol_market.levels_str(book.iter_levels(ASK))))
    return bids, asks


def summarize(trades):
    """OHLCV and ids of trade payloads (dicts with p, q, m, t), computed with Decimal."""
    prices = [Decimal(t['p']) for t in trades]
    quote = sum((Decimal(t['p']) * Decimal(t['q']) for t in trades), Decimal(0))
    taker = [t for t in trades if not t['m']]
    return {
        'o': prices[0], 'c': prices[-1], 'h': max(prices), 'l': min(prices),
        'v': sum((Decimal(t['q']) for t in trades), Decimal(0)),
        'q': quote,
        'V': sum((Decimal(t['q']) for t in taker), Decimal(0)),
        'Q': sum((Decimal(t['p']) * Decimal(t['q']) for t in taker), Decimal(0)),
        'n': len(trades), 'f': trades[0]['t'], 'L': trades[-1]['t'],
    }


def as_decimals(event, fields):
    return {name: Decimal(event[name]) for name in fields}
