"""Pacing REST snapshots: a shared request-weight budget and a per-book backoff.

Pure code: every method takes the current time (seconds) from the caller.

Binance counts request weight per IP (spot: 6000 per minute; a depth snapshot
weighs 5 to 250 depending on ``limit``) and bans IPs that keep going after
HTTP 429. Order-book caches are where clients usually blow this budget: every
gap costs a snapshot, and a flaky connection carrying fifty symbols can ask
for fifty snapshots at once, again and again. Two things prevent that here:

* :class:`WeightBudget`, one per venue and process: a token bucket that
  spreads snapshots over time once a burst has used the budget, and stops
  them all while the server's ``Retry-After`` runs;
* :class:`ResyncBackoff`, one per book: failed snapshots, and books that are
  lost again soon after being rebuilt, wait longer and longer before the
  next snapshot (:class:`~binance.backoff.BackoffPolicy`).
"""
from typing import Optional

from .backoff import BackoffPolicy

__all__ = ['WeightBudget', 'ResyncBackoff']


class WeightBudget:
    """A token bucket of request weight, refilled continuously.

    Args:
        per_minute: weight this process may spend per minute on snapshots.
        burst: weight that may be spent at once (default ``per_minute``).

    Raises:
        ValueError: a value that is not positive.
    """

    def __init__(self, per_minute: float, burst: Optional[float] = None) -> None:
        if not per_minute > 0 or (burst is not None and not burst > 0):
            raise ValueError('per_minute and burst must be positive, got {!r} and {!r}'
                             .format(per_minute, burst))
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute if burst is None else burst)
        self._tokens = self.capacity
        self._at: Optional[float] = None
        self._paused_until = float('-inf')

    def __repr__(self) -> str:
        return '<WeightBudget {:g}/min, {:g} available>'.format(self.rate * 60, self._tokens)

    def _refill(self, now: float) -> None:
        if self._at is not None and now > self._at:
            self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
        if self._at is None or now > self._at:
            self._at = now

    def reserve(self, weight: float, now: float) -> float:
        """Book ``weight`` for a request; returns the seconds to wait before sending it.

        Reservations queue up: the budget may go negative, each later
        request waiting until its share has been refilled.
        """
        self._refill(now)
        wait = max(0.0, self._paused_until - now)
        self._tokens -= weight
        if self._tokens < 0:
            wait = max(wait, -self._tokens / self.rate)
        return wait

    def pause(self, seconds: float, now: float) -> None:
        """The server said to wait (``Retry-After``): no request for ``seconds``."""
        self._paused_until = max(self._paused_until, now + max(0.0, seconds))

    def paused_for(self, now: float) -> float:
        """Seconds left of a :meth:`pause` (0 when none)."""
        return max(0.0, self._paused_until - now)


class ResyncBackoff:
    """How long one book waits before its next snapshot.

    A failed snapshot, or a book lost again within ``stable_after`` seconds
    of going live, adds one to a failure count; the wait is the backoff
    policy's delay for that count (none at zero). A book that stayed live
    for ``stable_after`` seconds starts again from zero.

    Args:
        policy: delays per failure count (default 0.5 s doubling to 30 s).
        stable_after: seconds live that count as a successful rebuild.
    """

    def __init__(self, policy: Optional[BackoffPolicy] = None, stable_after: float = 30.0) -> None:
        self.policy = policy or BackoffPolicy(initial=0.5, factor=2.0, max_delay=30.0,
                                              jitter=0.25, max_retries=1 << 30)
        self.stable_after = stable_after
        self.failures = 0
        self._live_since: Optional[float] = None

    def __repr__(self) -> str:
        return '<ResyncBackoff failures={}>'.format(self.failures)

    def failed(self) -> None:
        """A snapshot failed or was unusable."""
        self.failures += 1

    def went_live(self, now: float) -> None:
        """The book was rebuilt."""
        self._live_since = now

    def lost(self, now: float) -> None:
        """The live book was lost (gap, reconnect): count it if it did not last."""
        if self._live_since is not None and now - self._live_since >= self.stable_after:
            self.failures = 0
        elif self._live_since is not None:
            self.failures += 1
        self._live_since = None

    def delay(self) -> float:
        """Seconds to wait before the next snapshot."""
        return 0.0 if self.failures == 0 else self.policy.delay(self.failures)
