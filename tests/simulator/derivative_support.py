"""Test helpers for the derivatives venues: payload field sets and the futures local order book."""
from market_support import DEC, FIELDS as SPOT_FIELDS, apply_levels, book_from_snapshot

_KLINE_K = dict(SPOT_FIELDS['kline.k'])

#: Field sets and types of the futures payloads (USDⓈ-M; COIN-M adds ``ps`` where noted).
FUTURES_FIELDS = {
    'trade': {'e': str, 'E': int, 'T': int, 's': str, 't': int, 'p': DEC, 'q': DEC, 'X': str, 'm': bool},
    'aggTrade': {'e': str, 'E': int, 's': str, 'a': int, 'p': DEC, 'q': DEC, 'nq': DEC, 'f': int,
                 'l': int, 'T': int, 'm': bool},
    'markPriceUpdate': {'e': str, 'E': int, 's': str, 'p': DEC, 'i': DEC, 'P': DEC, 'r': DEC, 'ap': DEC,
                        'T': int},
    'kline': {'e': str, 'E': int, 's': str, 'k': dict},
    'kline.k': _KLINE_K,
    '24hrMiniTicker': dict(SPOT_FIELDS['24hrMiniTicker']),
    '24hrTicker': {'e': str, 'E': int, 's': str, 'p': DEC, 'P': str, 'w': DEC, 'c': DEC, 'Q': DEC,
                   'o': DEC, 'h': DEC, 'l': DEC, 'v': DEC, 'q': DEC, 'O': int, 'C': int, 'F': int,
                   'L': int, 'n': int},
    'bookTicker': {'e': str, 'u': int, 'E': int, 'T': int, 's': str, 'b': DEC, 'B': DEC, 'a': DEC, 'A': DEC},
    'depthUpdate': {'e': str, 'E': int, 'T': int, 's': str, 'U': int, 'u': int, 'pu': int, 'b': list,
                    'a': list},
    'forceOrder': {'e': str, 'E': int, 'o': dict},
    'forceOrder.o': {'s': str, 'S': str, 'o': str, 'f': str, 'q': DEC, 'p': DEC, 'ap': DEC, 'X': str,
                     'l': DEC, 'z': DEC, 'T': int},
}


def coin_fields(name):
    """The COIN-M field set of a futures payload."""
    fields = dict(FUTURES_FIELDS[name])
    if name == 'aggTrade':
        del fields['nq']
    elif name == 'markPriceUpdate':
        del fields['ap']
    elif name in ('24hrTicker', '24hrMiniTicker', 'bookTicker', 'depthUpdate', 'forceOrder.o'):
        fields['ps'] = str
    return fields


#: Field sets of the options payloads.
OPTIONS_FIELDS = {
    'trade': {'e': str, 'E': int, 's': str, 't': str, 'p': DEC, 'q': DEC, 'b': int, 'a': int, 'T': int,
              'S': str, 'X': str},
    'bookTicker': {'e': str, 'u': int, 's': str, 'b': DEC, 'B': DEC, 'a': DEC, 'A': DEC, 'T': int, 'E': int},
    'depthUpdate': FUTURES_FIELDS['depthUpdate'],
    '24hrTicker': FUTURES_FIELDS['24hrTicker'],
    'kline': FUTURES_FIELDS['kline'],
    'kline.k': {'t': int, 'T': int, 's': str, 'i': str, 'F': int, 'L': int, 'o': DEC, 'c': DEC, 'h': DEC,
                'l': DEC, 'v': DEC, 'n': int, 'x': bool, 'q': DEC, 'V': DEC, 'Q': DEC},
    'markPrice': {'s': str, 'mp': DEC, 'E': int, 'e': str, 'i': DEC, 'P': DEC, 'bo': DEC, 'ao': DEC,
                  'bq': DEC, 'aq': DEC, 'b': DEC, 'a': DEC, 'hl': DEC, 'll': DEC, 'vo': DEC, 'rf': DEC,
                  'd': DEC, 't': DEC, 'g': DEC, 'v': DEC},
    'index': {'e': str, 'E': int, 's': str, 'p': DEC},
}


class FuturesBookGap(Exception):
    """An event's ``pu`` is not the previous event's ``u``: events were missed."""


class FuturesLocalOrderBook:
    """A client-side book kept by Binance's futures procedure (reference section 3.4).

    Buffer events with :meth:`on_event` and load a snapshot with
    :meth:`load_snapshot`: events with ``u < lastUpdateId`` are dropped, the
    first one applied must have ``U <= lastUpdateId <= u`` (it may arrive
    after the snapshot), then every event's ``pu`` must be the previous
    event's ``u``. ``contiguous`` counts applied events whose ``U`` is the
    previous ``u + 1`` (the spot rule), ``jumps`` the others.
    """

    def __init__(self):
        self.buffer = []
        self.bids = None
        self.asks = None
        self.update_id = None
        self.synced = False
        self.applied = 0
        self.contiguous = 0
        self.jumps = 0

    def on_event(self, event):
        if self.bids is None:
            self.buffer.append(event)
        else:
            self._apply(event)

    def load_snapshot(self, snapshot):
        """False if the snapshot is older than the buffered events (fetch another one)."""
        last = snapshot['lastUpdateId']
        kept = [e for e in self.buffer if e['u'] >= last]
        if kept and kept[0]['U'] > last:
            return False
        self.bids, self.asks = book_from_snapshot(snapshot)
        self.update_id = last
        self.buffer = []
        for event in kept:
            self._apply(event)
        return True

    def _apply(self, event):
        if not self.synced:
            if event['u'] < self.update_id:
                return
            if event['U'] > self.update_id:
                raise FuturesBookGap('first event U={} after snapshot {}'.format(event['U'], self.update_id))
            self.synced = True
        else:
            if event['pu'] != self.update_id:
                raise FuturesBookGap('pu={} after u={}'.format(event['pu'], self.update_id))
            if event['U'] == self.update_id + 1:
                self.contiguous += 1
            else:
                self.jumps += 1
        apply_levels(self.bids, self.asks, event)
        self.update_id = event['u']
        self.applied += 1
