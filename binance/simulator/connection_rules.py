"""Binance's per-connection and per-IP rules as plain bookkeeping, free of I/O.

Each class takes the current time as an argument, so the server drives it
with its injectable clock and tests drive it with plain numbers.
"""
import collections
import math
from typing import Any, Deque, Dict, Optional


class SlidingWindow:
    """At most ``limit`` events within any ``window`` seconds.

    Args:
        limit: events allowed per window (at least 1).
        window: window length in seconds.
    """

    def __init__(self, limit: int, window: float) -> None:
        if limit < 1:
            raise ValueError('limit must be at least 1')
        self.limit = limit
        self.window = window
        self._times: Deque[float] = collections.deque(maxlen=limit)

    def allow(self, now: float) -> bool:
        """Record an event at ``now``; False when it exceeds the limit (then it is not recorded)."""
        times = self._times
        if len(times) == self.limit and now - times[0] < self.window:
            return False
        times.append(now)
        return True

    def retry_after(self, now: float) -> float:
        """Seconds until one more event would be allowed (0 when allowed now)."""
        times = self._times
        if len(times) < self.limit:
            return 0.0
        return max(0.0, times[0] + self.window - now)

    def empty(self, now: float) -> bool:
        """True when no recorded event is still inside the window."""
        return not self._times or now - self._times[-1] >= self.window


class ConnectionAttempts:
    """Connection attempts per IP address in a sliding window (300 per 5 minutes on Binance).

    Refused attempts are not recorded, so the ``Retry-After`` a client is
    given is the time after which its next attempt really succeeds.
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._per_ip: Dict[str, SlidingWindow] = {}

    def attempt(self, ip: str, now: float) -> Optional[int]:
        """Record an attempt from ``ip``; None if allowed, else whole seconds to wait (>= 1)."""
        window = self._per_ip.get(ip)
        if window is None:
            if len(self._per_ip) > 1024:
                self._forget_idle(now)
            window = self._per_ip[ip] = SlidingWindow(self.limit, self.window)
        if window.allow(now):
            return None
        return max(1, math.ceil(window.retry_after(now)))

    def _forget_idle(self, now: float) -> None:
        for ip in [ip for ip, w in self._per_ip.items() if w.empty(now)]:
            del self._per_ip[ip]


class PingTracker:
    """Outstanding server pings of one connection.

    A pong answers the ping whose payload it echoes and every older one;
    a pong that echoes nothing outstanding (unsolicited) answers nothing.
    """

    def __init__(self) -> None:
        self._sent: 'collections.OrderedDict[bytes, float]' = collections.OrderedDict()

    def sent(self, payload: bytes, now: float) -> None:
        """Remember a ping with ``payload`` sent at ``now``."""
        self._sent[payload] = now

    def pong(self, payload: bytes) -> bool:
        """Handle a pong; True when it answered an outstanding ping."""
        if payload not in self._sent:
            return False
        while self._sent:
            key, _ = self._sent.popitem(last=False)
            if key == payload:
                break
        return True

    def oldest_unanswered(self) -> Optional[float]:
        """When the oldest unanswered ping was sent, or None."""
        for sent_at in self._sent.values():
            return sent_at
        return None

    def overdue(self, now: float, timeout: float) -> bool:
        """True when a ping has waited longer than ``timeout`` seconds for its pong."""
        oldest = self.oldest_unanswered()
        return oldest is not None and now - oldest >= timeout

    def clear(self) -> None:
        """Forget every outstanding ping (after a freeze, the connection starts afresh)."""
        self._sent.clear()


class ConnectionRules:
    """The connection rules of one venue, read from the simulator's config at each use.

    Spot (``venue=None``) uses the plain interval names and limits; the
    futures and options venues use their prefixed ones (``futures_ping``,
    ``options_max_streams_per_connection``...), see
    :meth:`binance.simulator.SimulatorConfig.interval`. Reading at each use
    means a changed config applies to the next ping, not only to new
    connections.

    Args:
        config: a :class:`~binance.simulator.SimulatorConfig`.
        venue: None (spot), ``'futures'`` or ``'options'``.
        announces_shutdown: whether ``serverShutdown`` precedes the close at
            the maximum connection age (spot since 2026-05; the derivatives
            venues document no such event and just close).
    """

    def __init__(self, config: Any, venue: Optional[str] = None, announces_shutdown: bool = True) -> None:
        self.config = config
        self.venue = venue
        self.announces_shutdown = announces_shutdown
        self._prefix = venue + '_' if venue else ''

    def __repr__(self) -> str:
        return '<ConnectionRules {}>'.format(self.venue or 'spot')

    def interval(self, name: str) -> float:
        """Seconds of the interval ``name`` for this venue (0 or less: the rule is off)."""
        return float(self.config.interval(name, self.venue))

    @property
    def max_incoming_messages(self) -> int:
        """Incoming messages allowed per ``message_window``."""
        return int(getattr(self.config, self._prefix + 'max_incoming_messages'))

    @property
    def max_streams(self) -> int:
        """Streams one connection may listen to."""
        return int(getattr(self.config, self._prefix + 'max_streams_per_connection'))
