"""Telemetry: what each socket and stream received, how late, and why it reconnected.

Plain counters, kept cheap enough for the data path:

* :class:`LogHistogram`: counts of non-negative integers (microseconds here)
  in logarithmic buckets at most 1/8 wide (``value`` in ``[16, 32)`` shares a
  bucket with at most one neighbour, and so on), so a percentile is known to
  within 12.5 % at the cost of two integer operations and a dict update per
  sample, whatever the range. Sparse: a histogram that saw a few distinct
  magnitudes holds a few entries.
* :class:`ServerClock`: the local wall clock corrected by the server's
  offset (what :meth:`binance.client.Client.sync_time` measures), so that
  Binance's event time ``E`` can be compared with the moment a message
  reaches its callback.
* :class:`SocketStats`: one socket's messages, bytes, connects and
  reconnects (by reason), last message age, event-time-to-callback latency
  and, per stream of a combined socket, the same per stream.
* :class:`Telemetry`: the sockets of one manager and a :meth:`~Telemetry.snapshot`
  of them as plain dicts.

Cost model. Counting is done per received chunk (:meth:`SocketStats.on_chunk`:
bytes, messages, the time), not per message. Latency is sampled, at most 100
times a second per socket: the data path asks :meth:`SocketStats.sampling_due`
once per chunk and, when it says so,
hands the first message of that chunk to :meth:`SocketStats.sample_payload`
(raw bytes: the event time and stream name are read from the JSON text
without decoding it) or, where the message is decoded already (a queued
delivery's worker), to :meth:`SocketStats.sample`. Exact per-stream message
counts of combined sockets cost one dict update per message
(:attr:`SocketStats.stream_counts`); when each stream was last seen is noted
about once a second (:meth:`SocketStats.refresh_stream_ages`), not per
message. ``python -m benchmarks.telemetry`` measures the cost on the real
data path.

Updates come from the reactor thread (and a delivery worker for queued
sockets); snapshots may be taken from any thread and are consistent per
counter, not across counters.
"""
import collections
import math
import re
import time
from typing import Any, Callable, Dict, Iterable, Optional, Union

from . import _checks

__all__ = ['LogHistogram', 'ServerClock', 'StreamStats', 'SocketStats', 'Telemetry',
           'event_time', 'payload_event_time', 'payload_stream', 'DEFAULT_SAMPLE_INTERVAL']

#: Seconds between two latency samples of a socket (at most 100 samples a second).
DEFAULT_SAMPLE_INTERVAL = 0.01

_EXACT = 16          # values below are counted exactly
_SUB_BITS = 3        # 8 buckets per power of two
_MAX_BITS = 48       # 2**48 microseconds: about 9 years; larger values share the last bucket
_LAST_BUCKET = _EXACT + (_MAX_BITS - 4) * (1 << _SUB_BITS) - 1
_PERCENTILES = (('p50', 0.50), ('p90', 0.90), ('p99', 0.99), ('p999', 0.999))


def _bucket(value: int) -> int:
    if value < _EXACT:
        return value if value > 0 else 0
    bits = value.bit_length()
    index = _EXACT + ((bits - 5) << _SUB_BITS) + ((value >> (bits - 4)) & 7)
    return index if index < _LAST_BUCKET else _LAST_BUCKET


def _bucket_bounds(index: int) -> 'tuple[int, int]':
    """``[low, high)`` of the values counted in bucket ``index``."""
    if index < _EXACT:
        return index, index + 1
    offset = index - _EXACT
    bits = (offset >> _SUB_BITS) + 5
    mantissa = 8 + (offset & 7)
    width = 1 << (bits - 4)
    return mantissa * width, (mantissa + 1) * width


class LogHistogram:
    """Counts of non-negative integers in buckets at most 1/8 as wide as their values.

    Values below 16 are counted exactly; negative values count as 0.
    """

    __slots__ = ('_counts', 'count', 'total', 'max')

    def __init__(self) -> None:
        self._counts: Dict[int, int] = {}
        self.count = 0
        self.total = 0
        self.max = 0

    def __repr__(self) -> str:
        return '<LogHistogram count={} p50={} max={}>'.format(
            self.count, self.percentile(0.5), self.max)

    def record(self, value: int) -> None:
        """Count one ``value`` (an int; e.g. microseconds)."""
        if value < 0:
            value = 0
        index = _bucket(value)
        counts = self._counts
        counts[index] = counts.get(index, 0) + 1
        self.count += 1
        self.total += value
        if value > self.max:
            self.max = value

    def merge(self, other: 'LogHistogram') -> None:
        """Add the counts of ``other`` to this histogram."""
        for index, n in other._counts.copy().items():
            self._counts[index] = self._counts.get(index, 0) + n
        self.count += other.count
        self.total += other.total
        self.max = max(self.max, other.max)

    def percentile(self, q: float) -> Optional[float]:
        """The value below which a fraction ``q`` of the counts lie (``None`` when empty).

        The answer is the middle of the bucket that holds it (exact below
        16), never more than the largest value recorded.

        Raises:
            ValueError: ``q`` is not within [0, 1].
        """
        if not 0.0 <= q <= 1.0:
            raise ValueError('q must be within [0, 1], got {!r}'.format(q))
        if not self.count:
            return None
        target = max(1, math.ceil(q * self.count))
        seen = 0
        for index in sorted(self._counts.copy()):
            seen += self._counts[index]
            if seen >= target:
                if index == _LAST_BUCKET:  # unbounded above
                    return float(self.max)
                low, high = _bucket_bounds(index)
                middle = low if high - low == 1 else (low + high - 1) / 2.0
                return float(min(middle, self.max))
        return float(self.max)

    def summary(self, scale: float = 1.0) -> Optional[Dict[str, float]]:
        """``count``, ``mean``, ``p50``, ``p90``, ``p99``, ``p999`` and ``max``, times ``scale``.

        ``None`` when nothing was recorded.
        """
        if not self.count:
            return None
        result: Dict[str, float] = {'count': self.count, 'mean': self.total / self.count * scale}
        for name, q in _PERCENTILES:
            result[name] = (self.percentile(q) or 0.0) * scale
        result['max'] = self.max * scale
        return result


class ServerClock:
    """The server's time as seen from here: local wall clock plus an offset.

    Args:
        offset_ms: server minus local time in milliseconds, or a callable
            returning it (e.g. ``lambda: client.timestamp_offset``, kept up to
            date by :meth:`binance.client.Client.sync_time`).
        wall: the local wall clock in seconds (``time.time``).
    """

    def __init__(self, offset_ms: Union[int, float, Callable[[], float]] = 0,
                 wall: Callable[[], float] = time.time) -> None:
        if callable(offset_ms):
            self._offset: Callable[[], float] = offset_ms
        elif isinstance(offset_ms, (int, float)) and not isinstance(offset_ms, bool):
            fixed = float(offset_ms)
            self._offset = lambda: fixed
        else:
            raise TypeError('offset_ms must be a number of milliseconds or a callable, got {!r}'
                            .format(offset_ms))
        self._wall = wall

    def offset_ms(self) -> float:
        """Server minus local time, in milliseconds."""
        return float(self._offset())

    def now_ms(self) -> float:
        """The server's current time in milliseconds since the epoch (a float)."""
        return self._wall() * 1000.0 + self._offset()


def event_time(message: Any) -> Optional[int]:
    """Binance's event time ``E`` (ms) of a decoded message, or ``None`` if it has none.

    Understands raw events, the combined ``{"stream", "data"}`` form and the
    all-market arrays (the first element's ``E``). Partial book depth and
    spot book tickers carry no event time.
    """
    if type(message) is dict:
        value = message.get('E')
        if value is None:
            data = message.get('data')
            if type(data) is dict:
                value = data.get('E')
            elif type(data) is list and data and type(data[0]) is dict:
                value = data[0].get('E')
    elif type(message) is list and message and type(message[0]) is dict:
        value = message[0].get('E')
    else:
        return None
    return value if type(value) is int else None


_EVENT_TIME = re.compile(rb'"E":(\d{1,16})(?!\d)')


def payload_event_time(payload: bytes) -> Optional[int]:
    """The first ``"E":<digits>`` of a JSON payload, read without decoding it.

    Binance writes its event time as a bare integer early in every message
    that has one. ``None`` when the payload has no such field (or a value
    that is not a plain integer of at most 16 digits).
    """
    found = _EVENT_TIME.search(payload)
    return int(found.group(1)) if found is not None else None


_STREAM_PREFIX = b'{"stream":"'


def payload_stream(payload: bytes) -> Optional[str]:
    """The ``stream`` of a combined-stream payload as Binance writes it (first key), else ``None``."""
    if not payload.startswith(_STREAM_PREFIX):
        return None
    end = payload.find(b'"', len(_STREAM_PREFIX))
    if end < 0 or end - len(_STREAM_PREFIX) > 200:
        return None
    return payload[len(_STREAM_PREFIX):end].decode('utf-8', 'replace')


def _age(now: float, then: Optional[float]) -> Optional[float]:
    return None if then is None else max(0.0, now - then)


class StreamStats:
    """When one stream of a combined socket was last seen, and its latency."""

    __slots__ = ('last_seen', 'latency')

    def __init__(self) -> None:
        self.last_seen: Optional[float] = None
        self.latency = LogHistogram()

    def snapshot(self, now: float, messages: Optional[int]) -> Dict[str, Any]:
        """``messages`` (``None`` if not counted), ``last_message_age`` (s) and ``latency_ms``."""
        return {'messages': messages, 'last_message_age': _age(now, self.last_seen),
                'latency_ms': self.latency.summary(0.001)}


class SocketStats:
    """Everything counted for one socket (one ``conn_key``).

    Args:
        name: the socket's ``conn_key``.
        server_clock: the server's time, for event-time latency; latency is
            not measured when ``None``.
        sample_interval: seconds between two latency samples (0: every chunk).
        monotonic: the clock for ages, in seconds (``time.monotonic``).

    Raises:
        TypeError, ValueError: ``sample_interval`` is not a non-negative number.
    """

    def __init__(self, name: str, *, server_clock: Optional[ServerClock] = None,
                 sample_interval: float = DEFAULT_SAMPLE_INTERVAL,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        if sample_interval != 0:
            float(_checks.positive_number('sample_interval', sample_interval))
        self.name = name
        self.server_clock = server_clock
        self.sample_interval = float(sample_interval)
        self._monotonic = monotonic
        self.messages = 0
        self.bytes = 0
        self.chunks = 0
        self.last_message: Optional[float] = None
        self.connects = 0
        self.opened_at: Optional[float] = None
        self.reconnect_reasons: 'collections.Counter[str]' = collections.Counter()
        self.last_reconnect: Optional['tuple[str, float]'] = None
        self.latency = LogHistogram()
        self.skewed = 0  # samples whose event time lay in the future (clock offset off)
        self.streams: Dict[str, StreamStats] = {}
        #: Exact messages per stream of a combined socket (see :meth:`count_stream`).
        self.stream_counts: Dict[Any, int] = {}
        self._counted: Dict[Any, int] = {}
        self._expected: Dict[str, None] = {}
        self._unknown = False
        self.queue: Optional[Callable[[], Dict[str, Any]]] = None
        self._next_sample = float('-inf')

    def __repr__(self) -> str:
        return '<SocketStats {} messages={}>'.format(self.name, self.messages)

    # -- the data path -------------------------------------------------------------------

    def on_chunk(self, nbytes: int, nmessages: int) -> None:
        """One read from the socket: ``nbytes`` bytes holding ``nmessages`` complete messages."""
        self.bytes += nbytes
        self.chunks += 1
        if nmessages:
            self.messages += nmessages
            self.last_message = self._monotonic()

    def sampling_due(self) -> bool:
        """Asked once per chunk: True at most once per ``sample_interval`` (sample its first message).

        Time-based, so the cost stays bounded whether a chunk holds one
        message or a thousand.
        """
        now = self._monotonic()
        if now < self._next_sample:
            return False
        self._next_sample = now + self.sample_interval
        return self.server_clock is not None

    def expect_streams(self, names: Iterable[str]) -> None:
        """A connection of the socket carries the streams ``names`` (empty: not known in
        advance, e.g. subscribed as they are found).

        Called when a connection is built, before it opens.
        """
        names = list(names)
        if not names:
            self._unknown = True
        for name in names:
            self._expected[name] = None

    @property
    def counts_streams(self) -> bool:
        """True when messages must be counted per stream: the socket carries several
        streams (or unknown ones); one stream's count is the socket's :attr:`messages`."""
        return self._unknown or len(self._expected) != 1

    def count_stream(self, stream: Any) -> None:
        """Count one message of ``stream`` (a combined socket's ``message['stream']``).

        The data path may instead do ``counts[stream] = counts.get(stream, 0) + 1``
        on :attr:`stream_counts` itself, saving the call.
        """
        counts = self.stream_counts
        counts[stream] = counts.get(stream, 0) + 1

    def refresh_stream_ages(self) -> None:
        """Note which streams received messages since the previous call (about once a second).

        Per-stream ages come from here rather than from a clock read per
        message; their resolution is the time between two calls.
        :meth:`snapshot` calls it too.
        """
        now = self._monotonic()
        counted = self._counted
        for stream, n in self.stream_counts.copy().items():
            if counted.get(stream) != n:
                counted[stream] = n
                entry = self.streams.get(stream)
                if entry is None:
                    entry = self.streams[stream] = StreamStats()
                entry.last_seen = now

    def sample_payload(self, payload: bytes) -> None:
        """Record the latency of one undecoded message (event time read from its bytes)."""
        if self.server_clock is None:
            return
        sent = payload_event_time(payload)
        if sent is not None:
            self._record(sent, payload_stream(payload))

    def sample(self, message: Any) -> None:
        """Record the latency of one decoded message, as its callback is about to run."""
        if self.server_clock is None:
            return
        sent = event_time(message)
        if sent is not None:
            stream = message.get('stream') if type(message) is dict else None
            self._record(sent, stream if type(stream) is str else None)

    def _record(self, sent_ms: int, stream: Optional[str]) -> None:
        assert self.server_clock is not None
        micros = int((self.server_clock.now_ms() - sent_ms) * 1000.0)
        if micros < 0:
            self.skewed += 1
            micros = 0
        self.latency.record(micros)
        if stream is not None:
            entry = self.streams.get(stream)
            if entry is None:
                entry = self.streams[stream] = StreamStats()
            entry.latency.record(micros)

    # -- the connection's life -----------------------------------------------------------

    def on_open(self) -> None:
        """A socket of this ``conn_key`` opened."""
        self.connects += 1
        self.opened_at = self._monotonic()

    def on_reconnect(self, reason: str) -> None:
        """The socket is being replaced or re-dialled, because of ``reason`` (a short label)."""
        self.reconnect_reasons[reason] += 1
        self.last_reconnect = (reason, self._monotonic())

    # -- reading -------------------------------------------------------------------------

    def snapshot(self) -> Dict[str, Any]:
        """This socket's counters as a plain dict (ages in seconds, latencies in ms)."""
        now = self._monotonic()
        last = self.last_reconnect
        result: Dict[str, Any] = {
            'messages': self.messages,
            'bytes': self.bytes,
            'last_message_age': _age(now, self.last_message),
            'connects': self.connects,
            'reconnects': sum(self.reconnect_reasons.values()),
            'reconnect_reasons': dict(self.reconnect_reasons),
            'last_reconnect': None if last is None else {'reason': last[0],
                                                         'age': _age(now, last[1])},
            'open_for': _age(now, self.opened_at),
            'latency_ms': self.latency.summary(0.001),
            'clock_skewed_samples': self.skewed,
            'queue': self.queue() if self.queue is not None else None,
        }
        only = None if self.counts_streams else next(iter(self._expected))
        if only is not None and self.messages:
            # One stream: its count and age are the socket's.
            entry = self.streams.get(only)
            if entry is None:
                entry = self.streams[only] = StreamStats()
            entry.last_seen = self.last_message
        if self.stream_counts or self.streams:
            self.refresh_stream_ages()
            counts = self.stream_counts.copy()
            if only is not None:
                counts[only] = self.messages
            result['streams'] = {name: entry.snapshot(now, counts.get(name))
                                 for name, entry in self.streams.copy().items()}
        return result


class Telemetry:
    """The :class:`SocketStats` of one manager's sockets.

    Args:
        server_clock: shared by every socket, for latency.
        sample_interval: passed to each :class:`SocketStats`.
        monotonic: the clock for ages.
    """

    def __init__(self, server_clock: Optional[ServerClock] = None,
                 sample_interval: float = DEFAULT_SAMPLE_INTERVAL,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.server_clock = server_clock
        self.sample_interval = sample_interval
        self._monotonic = monotonic
        self._sockets: Dict[str, SocketStats] = {}

    def socket(self, name: str) -> SocketStats:
        """The stats of ``name``, created on first use."""
        stats = self._sockets.get(name)
        if stats is None:
            stats = self._sockets[name] = SocketStats(
                name, server_clock=self.server_clock, sample_interval=self.sample_interval,
                monotonic=self._monotonic)
        return stats

    def remove(self, name: str) -> None:
        """Forget ``name`` (its socket was stopped)."""
        self._sockets.pop(name, None)

    def names(self) -> Iterable[str]:
        """The ``conn_key`` of every socket counted."""
        return list(self._sockets.copy())

    def snapshot(self) -> Dict[str, Any]:
        """``{'sockets': {conn_key: SocketStats.snapshot()}, 'totals': {...}}``."""
        sockets = {name: stats.snapshot() for name, stats in self._sockets.copy().items()}
        latency = LogHistogram()
        for stats in self._sockets.copy().values():
            latency.merge(stats.latency)
        totals = {
            'sockets': len(sockets),
            'messages': sum(s['messages'] for s in sockets.values()),
            'bytes': sum(s['bytes'] for s in sockets.values()),
            'reconnects': sum(s['reconnects'] for s in sockets.values()),
            'latency_ms': latency.summary(0.001),
            'clock_offset_ms': (self.server_clock.offset_ms()
                                if self.server_clock is not None else None),
        }
        return {'sockets': sockets, 'totals': totals}
