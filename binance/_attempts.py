"""Connection-attempt budget: pacing WebSocket connection attempts per venue, process-wide.

Binance counts WebSocket connection attempts per IP address: 300 in any 5
minutes, then HTTP 429 with ``Retry-After``, and an IP that keeps trying is
banned (HTTP 418). Every attempt of the process counts (first connects,
reconnects, planned rotations, sockets of every manager), so the pacing lives
here, in one :class:`AttemptBudget` per venue shared by everything that
dials it (:func:`budget_for`).

A budget grants at most ``limit`` attempts in any ``window`` seconds (a
sliding window over the times it granted them; by default 270 per 300 s, a
tenth below Binance's limit for attempts made by other programs on the same
address). Requests beyond that wait in one first-in, first-out queue and are
granted as older attempts leave the window, so 400 sockets started at once
all connect, the last ones about five minutes later, without a single 429;
one log line says so when the queue forms. A refused handshake that carries
``Retry-After`` (429, 418) pauses the venue's attempts for every socket
(:meth:`AttemptBudget.pause`).

Interface: :meth:`AttemptBudget.request` returns a Deferred that fires with
an :class:`AttemptGrant` when the attempt may start; it has already fired
when a slot was free. The caller tells the grant when the attempt reached the
server (:meth:`AttemptGrant.done`: the handshake was answered or failed):
the attempt then counts from that moment, since the server counts it when it
arrives, which may be a while after it was granted (hundreds of sockets
connecting at once); counted from the grant alone, the next window's
attempts could meet some of this window's at the server. Cancelling it (``d.cancel()``, for a socket stopped while it waits)
takes the request out of the queue; the Deferred then fails with
:class:`~twisted.internet.defer.CancelledError`, which the caller swallows.

A budget runs on the reactor thread and times everything with its injected
clock (``IReactorTime``; ``task.Clock`` in tests). The registry functions may
be called from any thread.
"""
import bisect
import collections
import logging
import threading
import weakref
from typing import Any, Deque, Dict, Hashable, List, Optional, Tuple
from urllib.parse import urlsplit

from twisted.internet import defer

from . import _checks
from ._timers import cancel_call

__all__ = ['AttemptBudget', 'AttemptGrant', 'budget_for', 'set_budget', 'forget_budgets', 'budget_key', 'budgets',
           'BINANCE_ATTEMPT_LIMIT', 'DEFAULT_LIMIT', 'DEFAULT_WINDOW', 'MAX_PAUSE']

log = logging.getLogger(__name__)

#: Binance's limit: WebSocket connection attempts per IP address per window.
BINANCE_ATTEMPT_LIMIT = 300
#: Attempts a budget grants per window by default: Binance's limit less a tenth,
#: left to other programs on the same address and to clock differences.
DEFAULT_LIMIT = 270
#: The window, in seconds (Binance's 5 minutes).
DEFAULT_WINDOW = 300.0
#: Longest pause honoured for one ``Retry-After``, in seconds (Binance bans for
#: "2 minutes to 3 days"); a larger value from a server is cut to this.
MAX_PAUSE = 3 * 86400.0


class AttemptGrant:
    """One granted attempt; :meth:`done` moves its time to when it reached the server."""

    __slots__ = ('_budget', 'at')

    def __init__(self, budget: 'AttemptBudget', at: float) -> None:
        self._budget = budget
        #: When the attempt counts from (the clock's seconds).
        self.at = at

    def done(self) -> None:
        """The attempt reached the server (answered or failed) now; idempotent, cheap."""
        self._budget._moved(self)


class _Waiter:
    """One queued request."""

    __slots__ = ('since', 'label', 'deferred', 'cancelled')

    def __init__(self, since: float, label: Optional[str]) -> None:
        self.since = since
        self.label = label
        self.deferred: Optional[defer.Deferred] = None
        self.cancelled = False


class AttemptBudget:
    """At most ``limit`` connection attempts in any ``window`` seconds, granted first come, first served.

    Args:
        limit: attempts granted per window.
        window: the window, in seconds.
        name: how log lines name the venue (never a secret).
        clock: an ``IReactorTime``; the global reactor if ``None``.
        max_pause: longest pause one :meth:`pause` call may impose, in seconds.

    Raises:
        TypeError: ``limit`` is not an int, or ``window``/``max_pause`` not a number.
        ValueError: ``limit`` is smaller than 1, or ``window``/``max_pause`` is not positive.
    """

    def __init__(self, limit: int = DEFAULT_LIMIT, window: float = DEFAULT_WINDOW, *,
                 name: str = 'connections', clock: Any = None,
                 max_pause: float = MAX_PAUSE) -> None:
        self.limit = _checks.positive_int('limit', limit)
        self.window = float(_checks.positive_number('window', window))
        self.max_pause = float(_checks.positive_number('max_pause', max_pause))
        if clock is None:
            from twisted.internet import reactor as clock
        self.name = name
        self._clock = clock
        self._granted: List[float] = []  # grant times, sorted
        self._waiting: Deque[_Waiter] = collections.deque()
        self._queued = 0  # live (not cancelled) waiters
        self._paused_until = 0.0
        self._timer: Optional[Any] = None
        self._announce_call: Optional[Any] = None
        self._spreading = False
        self._pumping = False
        self.granted_total = 0
        self.waited_total = 0
        self.cancelled_total = 0
        self.pauses = 0
        self.longest_wait = 0.0

    def __repr__(self) -> str:
        return '<AttemptBudget {} {}/{:g}s queued={}>'.format(self.name, self.limit, self.window,
                                                              self._queued)

    @property
    def clock(self) -> Any:
        """The ``IReactorTime`` the budget times with."""
        return self._clock

    @property
    def queued(self) -> int:
        """Requests waiting for a slot."""
        return self._queued

    def in_window(self) -> int:
        """Attempts granted within the last ``window`` seconds."""
        self._expire(self._clock.seconds())
        return len(self._granted)

    def paused_for(self) -> float:
        """Seconds left of a :meth:`pause` (0 when not paused)."""
        return max(0.0, self._paused_until - self._clock.seconds())

    # -- requests --------------------------------------------------------------------

    def request(self, label: Optional[str] = None) -> defer.Deferred:
        """Ask for one connection attempt (reactor thread).

        Args:
            label: what the attempt is for (a ``conn_key``), for debug logs.

        Returns:
            A Deferred firing with ``None`` when the attempt may start (at once
            if a slot is free and nobody waits). Cancel it to leave the queue;
            it then fails with ``CancelledError``.
        """
        now = self._clock.seconds()
        if not self._queued and self._available(now):
            return defer.succeed(self._grant(now))
        waiter = _Waiter(now, label)
        d = defer.Deferred(canceller=lambda _d: self._cancel(waiter))
        waiter.deferred = d
        self._waiting.append(waiter)
        self._queued += 1
        self.waited_total += 1
        if label is not None:
            log.debug('%s: %s waits for a connection attempt (%d queued)', self.name, label,
                      self._queued)
        self._schedule(now)
        if not self._spreading:
            self._spreading = True
            # Once the current reactor turn has queued everything it starts.
            self._announce_call = self._clock.callLater(0, self._announce)
        return d

    def pause(self, seconds: float, reason: str = 'the server asked to wait') -> None:
        """Grant no attempt for ``seconds`` (a 429/418 ``Retry-After``), for every socket.

        A shorter pause than the one already running changes nothing.

        Args:
            seconds: the ``Retry-After`` value; at most :attr:`max_pause` is honoured.
            reason: a log-safe description (e.g. ``'HTTP 429'``).

        Raises:
            TypeError, ValueError: ``seconds`` is not a non-negative number.
        """
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise TypeError('seconds must be a number, got {!r}'.format(seconds))
        if not seconds >= 0:
            raise ValueError('seconds must not be negative, got {!r}'.format(seconds))
        now = self._clock.seconds()
        until = now + min(float(seconds), self.max_pause)
        if until <= self._paused_until:
            return
        starting = self._paused_until <= now
        self._paused_until = until
        self.pauses += 1
        if starting:
            log.warning('%s: %s; pausing every connection attempt for %g s', self.name, reason,
                        until - now)
        if self._queued:
            self._reschedule(now)

    def snapshot(self) -> Dict[str, Any]:
        """The budget's state and counters as a plain dict."""
        now = self._clock.seconds()
        self._expire(now)
        return {'limit': self.limit, 'window': self.window, 'in_window': len(self._granted),
                'queued': self._queued, 'paused_for': max(0.0, self._paused_until - now),
                'granted': self.granted_total, 'waited': self.waited_total,
                'cancelled': self.cancelled_total, 'pauses': self.pauses,
                'longest_wait': self.longest_wait}

    def estimated_wait(self) -> float:
        """Seconds until the last queued request is granted, if nothing else changes."""
        now = self._clock.seconds()
        slots = self._slot_times(now, self._queued)
        return max(0.0, slots[-1] - now) if slots else 0.0

    # -- the queue ---------------------------------------------------------------------

    def _expire(self, now: float) -> None:
        granted, horizon = self._granted, now - self.window
        if granted and granted[0] <= horizon:
            del granted[:bisect.bisect_right(granted, horizon)]

    def _available(self, now: float) -> bool:
        if now < self._paused_until:
            return False
        self._expire(now)
        return len(self._granted) < self.limit

    def _grant(self, now: float) -> AttemptGrant:
        bisect.insort(self._granted, now)
        self.granted_total += 1
        return AttemptGrant(self, now)

    def _moved(self, grant: AttemptGrant) -> None:
        """``grant``'s attempt reached the server now: it counts from now on."""
        now = self._clock.seconds()
        granted = self._granted
        index = bisect.bisect_left(granted, grant.at)
        if now <= grant.at or index >= len(granted) or granted[index] != grant.at:
            return  # done already, or out of the window
        del granted[index]
        bisect.insort(granted, now)
        grant.at = now
        if self._queued:
            self._reschedule(now)

    def _next_slot(self, now: float) -> float:
        """When the next attempt may be granted."""
        self._expire(now)
        slot = max(now, self._paused_until)
        if len(self._granted) >= self.limit:
            slot = max(slot, self._granted[len(self._granted) - self.limit] + self.window)
        return slot

    def _slot_times(self, now: float, count: int) -> List[float]:
        """When the next ``count`` requests would be granted (a dry run of the window)."""
        self._expire(now)
        times = list(self._granted)
        start = max(now, self._paused_until)
        slots = []
        for _ in range(count):
            slot = start
            if len(times) >= self.limit:
                slot = max(slot, times[len(times) - self.limit] + self.window)
            times.append(slot)
            slots.append(slot)
        return slots

    def _schedule(self, now: float) -> None:
        if self._timer is None and not self._pumping:
            self._timer = self._clock.callLater(max(0.0, self._next_slot(now) - now), self._pump)

    def _reschedule(self, now: float) -> None:
        cancel_call(self._timer)
        self._timer = None
        self._schedule(now)

    def _pump(self) -> None:
        self._timer = None
        self._pumping = True
        try:
            while self._waiting:
                waiter = self._waiting[0]
                if waiter.cancelled:
                    self._waiting.popleft()
                    continue
                now = self._clock.seconds()
                if not self._available(now):
                    break
                self._waiting.popleft()
                self._queued -= 1
                grant = self._grant(now)
                self.longest_wait = max(self.longest_wait, now - waiter.since)
                assert waiter.deferred is not None
                waiter.deferred.callback(grant)  # may request again: it queues behind
        finally:
            self._pumping = False
        if self._queued:
            self._schedule(self._clock.seconds())
        else:
            self._episode_over()

    def _cancel(self, waiter: _Waiter) -> None:
        if waiter.cancelled:
            return
        waiter.cancelled = True
        self._queued -= 1
        self.cancelled_total += 1
        if not self._queued:
            self._waiting.clear()
            cancel_call(self._timer)
            self._timer = None
            self._episode_over()

    def _announce(self) -> None:
        self._announce_call = None
        if not self._queued:
            return
        log.warning('%s: %d connection attempts queued; spreading them over ~%.0f s to stay '
                    'within %d attempts per %g s', self.name, self._queued,
                    self.estimated_wait(), self.limit, self.window)

    def _episode_over(self) -> None:
        if self._spreading:
            self._spreading = False
            cancel_call(self._announce_call)
            self._announce_call = None
            log.debug('%s: no connection attempt waits any more', self.name)


# -- one budget per venue, for the whole process ------------------------------------------

_budgets: Dict[Hashable, AttemptBudget] = {}
#: Budgets of other clocks than the global reactor (tests' clocks), while used.
_clock_budgets: 'weakref.WeakValueDictionary[Tuple[int, Hashable], AttemptBudget]' = \
    weakref.WeakValueDictionary()
_budgets_lock = threading.Lock()


def budget_key(url: str) -> str:
    """The budget key of the server at ``url``: its host name, lower-case.

    Binance counts connection attempts per IP address, whatever the port
    (``stream.binance.com:9443`` and ``:443`` share one limit).

    Args:
        url: a ``ws://`` or ``wss://`` URL.

    Raises:
        ValueError: the URL has no host.
    """
    host = (urlsplit(url).hostname or '').lower()
    if not host:
        raise ValueError('url must name a host, got {!r}'.format(url[:200]))
    return host


def budget_for(key: Hashable, clock: Any = None) -> AttemptBudget:
    """The process-wide budget of venue ``key`` (created with the defaults on first use).

    Every manager of the process dialing that venue shares it. Thread-safe.

    Args:
        key: the venue, usually :func:`budget_key` of a URL.
        clock: the ``IReactorTime`` of the caller. The global reactor (or
            ``None``) shares the process-wide budgets; any other clock (a
            test's ``task.Clock``) gets budgets of its own, kept while in use.
    """
    from twisted.internet import reactor
    with _budgets_lock:
        if clock is None or clock is reactor:
            budget = _budgets.get(key)
            if budget is None:
                budget = _budgets[key] = AttemptBudget(name=str(key))
            return budget
        budget = _clock_budgets.get((id(clock), key))
        if budget is None or budget.clock is not clock:
            budget = AttemptBudget(name=str(key), clock=clock)
            _clock_budgets[(id(clock), key)] = budget
        return budget


def set_budget(key: Hashable, budget: AttemptBudget) -> None:
    """Use ``budget`` for venue ``key`` from now on (other limits, a test's clock).

    Raises:
        TypeError: ``budget`` is not an :class:`AttemptBudget`.
    """
    if not isinstance(budget, AttemptBudget):
        raise TypeError('budget must be an AttemptBudget, got {!r}'.format(budget))
    with _budgets_lock:
        _budgets[key] = budget


def budgets() -> Dict[Hashable, AttemptBudget]:
    """The process-wide budgets by venue (a copy)."""
    with _budgets_lock:
        return dict(_budgets)


def forget_budgets() -> None:
    """Drop every registered budget (tests)."""
    with _budgets_lock:
        _budgets.clear()
        _clock_budgets.clear()
