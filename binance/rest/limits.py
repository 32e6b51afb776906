"""Request weight, order counts and bans, per API base (pure code, injectable clock).

Binance reports the weight an IP used in ``X-MBX-USED-WEIGHT-<n><unit>``
headers (``X-MBX-USED-WEIGHT-1M``) and the orders an account placed in
``X-MBX-ORDER-COUNT-<n><unit>``. HTTP 429 means a limit was broken and
``Retry-After`` says how many seconds to wait; an IP that keeps sending
gets HTTP 418, an IP ban lasting from 2 minutes to 3 days, again with
``Retry-After``.

:class:`RateLimits` records these headers per API base (``/api``,
``/sapi``, ``/fapi``...) and, after a 429 or 418, refuses every request to
that base until ``Retry-After`` has passed, so a program cannot turn a
warning into a ban by retrying in a loop.
"""
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, Mapping, Optional

__all__ = ['RateLimits', 'BaseUsage', 'DEFAULT_BAN_SECONDS']

#: Pause after a 418 that carries no ``Retry-After`` (Binance's shortest ban).
DEFAULT_BAN_SECONDS = 120.0

# ``/sapi`` reports its IP and UID weights under its own names; they are
# kept as ``'IP-1M'`` and ``'UID-1M'``.
_WEIGHT_PREFIXES = (('x-mbx-used-weight-', ''), ('x-sapi-used-ip-weight-', 'IP-'),
                    ('x-sapi-used-uid-weight-', 'UID-'))
_ORDER_PREFIXES = (('x-mbx-order-count-', ''),)


@dataclass
class BaseUsage:
    """What one API base reported last.

    Attributes:
        used_weight: interval (``'1M'``; ``'IP-1M'`` and ``'UID-1M'`` for
            ``/sapi``) -> weight used, from the last answer.
        order_count: interval (``'10S'``, ``'1D'``) -> orders placed, from the
            last answer that reported it.
        paused_until: clock time until which requests are refused (0: none).
        pause_status: the HTTP status (429 or 418) that started the pause.
    """

    used_weight: Dict[str, int] = field(default_factory=dict)
    order_count: Dict[str, int] = field(default_factory=dict)
    paused_until: float = 0.0
    pause_status: int = 0


def _interval_counts(headers: Mapping[str, str], prefixes: tuple) -> Dict[str, int]:
    counts = {}
    for name, value in headers.items():
        lower = name.lower()
        for prefix, label in prefixes:
            if lower.startswith(prefix):
                try:
                    counts[label + lower[len(prefix):].upper()] = int(value)
                except (TypeError, ValueError):
                    pass
    return counts


def _retry_after(headers: Mapping[str, str]) -> Optional[float]:
    for name, value in headers.items():
        if name.lower() == 'retry-after':
            try:
                seconds = float(value)
            except (TypeError, ValueError):
                return None
            return seconds if seconds >= 0 else None
    return None


class RateLimits:
    """Used weight and order counts per API base, and pauses after 429/418.

    Thread-safe. Bases are identified by their URL prefix
    (``'https://api.binance.com/api'``), so a client pointed at another
    server keeps separate accounts.

    Args:
        clock: seconds, monotonic (``time.monotonic`` by default; tests pass
            a fake).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._bases: Dict[str, BaseUsage] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return '<RateLimits bases={}>'.format(len(self._bases))

    def usage(self, base: str) -> BaseUsage:
        """A copy of what ``base`` reported (empty if nothing yet)."""
        with self._lock:
            usage = self._bases.get(base, BaseUsage())
            return BaseUsage(dict(usage.used_weight), dict(usage.order_count), usage.paused_until,
                             usage.pause_status)

    def used_weight(self, base: str) -> Dict[str, int]:
        """``{'1M': 1234}``: weight used per interval, from ``base``'s last answer."""
        return self.usage(base).used_weight

    def order_count(self, base: str) -> Dict[str, int]:
        """``{'10S': 3, '1D': 120}``: orders counted per interval, from the last order answer."""
        return self.usage(base).order_count

    def pause_remaining(self, base: str) -> Optional[float]:
        """Seconds left in ``base``'s pause, or ``None`` when requests may be sent."""
        with self._lock:
            usage = self._bases.get(base)
            if usage is None:
                return None
            left = usage.paused_until - self._clock()
            return left if left > 0 else None

    def check(self, base: str) -> Optional[tuple]:
        """``(status, seconds_left)`` if ``base`` is paused, else ``None``.

        The caller raises; this module stays free of the client's exceptions.
        """
        with self._lock:
            usage = self._bases.get(base)
            if usage is None:
                return None
            left = usage.paused_until - self._clock()
            return (usage.pause_status, left) if left > 0 else None

    def record(self, base: str, status: int, headers: Mapping[str, str]) -> Optional[float]:
        """Account for one answer from ``base``.

        Args:
            base: the API base the request went to.
            status: its HTTP status.
            headers: its headers (any mapping; names are case-insensitive).

        Returns:
            For a 429 or 418, the pause started (seconds); else ``None``.
        """
        weights = _interval_counts(headers, _WEIGHT_PREFIXES)
        orders = _interval_counts(headers, _ORDER_PREFIXES)
        pause = None
        if status in (418, 429):
            pause = _retry_after(headers)
            if pause is None and status == 418:
                pause = DEFAULT_BAN_SECONDS
        with self._lock:
            usage = self._bases.setdefault(base, BaseUsage())
            if weights:
                usage.used_weight = weights
            if orders:
                usage.order_count = orders
            if pause:
                until = self._clock() + pause
                if until > usage.paused_until:
                    usage.paused_until = until
                    usage.pause_status = status
        return pause
