"""Binance-shaped messages and their WebSocket frames, shared by server, clients and the limit.

Plain module with no imports from the library, so the python-binance client
(running in its own virtual environment) can import it too.
"""
import json
import random

SYMBOL = 'BNBBTC'
# Stamp field for latency runs: monotonic nanoseconds at send time.
STAMP_KEY = 'bt'
_BASE_MS = 1795996800000  # 2026-11-30T00:00:00Z


def trade(i, symbol=SYMBOL, rng=None):
    """One trade event as Binance sends it (no 'b'/'a' since 2024)."""
    rng = rng or random.Random(i)
    price = 0.0091 + rng.random() * 0.0002
    event = {
        'e': 'trade', 'E': _BASE_MS + i, 's': symbol, 't': 120000000 + i,
        'p': '%.8f' % price, 'q': '%.8f' % (rng.random() * 20), 'T': _BASE_MS + i - 1,
        'm': bool(i & 1), 'M': True,
    }
    return json.dumps(event, separators=(',', ':')).encode()


def combined(payload, stream=SYMBOL.lower() + '@trade'):
    """Wrap a raw payload as a combined-stream message."""
    return b'{"stream":"' + stream.encode() + b'","data":' + payload + b'}'


def depth_snapshot(target_bytes=1 << 20, seed=7):
    """A deep order-book snapshot of about ``target_bytes`` of JSON."""
    rng = random.Random(seed)
    levels = max(1, target_bytes // 60)
    mid = 0.0093
    bids = [['%.8f' % (mid - (k + 1) * 1e-7), '%.8f' % (rng.random() * 100)] for k in range(levels)]
    asks = [['%.8f' % (mid + (k + 1) * 1e-7), '%.8f' % (rng.random() * 100)] for k in range(levels)]
    return json.dumps({'lastUpdateId': 160000000, 'bids': bids, 'asks': asks},
                      separators=(',', ':')).encode()


class StampedTrades:
    """Trade events carrying their send time (for latency measurement).

    The JSON before the stamp is built once, so stamping costs the server
    next to nothing and the stamp is taken right before the write.
    """

    def __init__(self, count=1000):
        self._heads = [trade(i)[:-1] + b',"' + STAMP_KEY.encode() + b'":' for i in range(count)]

    def frame(self, i, stamp_ns):
        """The frame of event ``i`` stamped with ``stamp_ns``."""
        heads = self._heads
        return frame(heads[i % len(heads)] + str(stamp_ns).encode() + b'}')


def frame(payload, opcode=1):
    """An unmasked, final server-to-client frame."""
    n = len(payload)
    if n < 126:
        header = bytes((0x80 | opcode, n))
    elif n < 65536:
        header = bytes((0x80 | opcode, 126)) + n.to_bytes(2, 'big')
    else:
        header = bytes((0x80 | opcode, 127)) + n.to_bytes(8, 'big')
    return header + payload


def payloads(kind, count=2000):
    """``count`` distinct payloads of a kind: 'trade', 'combined' or 'large'."""
    if kind == 'trade':
        return [trade(i) for i in range(count)]
    if kind == 'combined':
        return [combined(trade(i)) for i in range(count)]
    if kind == 'large':
        return [depth_snapshot(seed=s) for s in range(2)]
    raise ValueError('unknown payload kind %r' % (kind,))


def framed_block(kind, count=2000):
    """Pre-framed bytes of ``payloads(kind, count)`` and the message count."""
    msgs = payloads(kind, count)
    return b''.join(frame(p) for p in msgs), len(msgs)
