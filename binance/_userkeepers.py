"""Timers that keep user-data credentials valid: listen-key keepalive and listen-token renewal.

Both run on the reactor through an injectable clock (``IReactorTime``) and do
their REST calls through an injectable ``run(fn, *args) -> Deferred``
(:func:`twisted.internet.threads.deferToThread` in production), so the reactor
never blocks on HTTP and tests drive time with ``task.Clock``.

Neither class logs a key or a token.
"""
import logging
from typing import Any, Callable, Optional

from twisted.internet import defer
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.python.failure import Failure

from ._timers import cancel_call
from .backoff import BackoffPolicy
from .exceptions import BinanceAPIException

__all__ = ['ListenKeyKeepalive', 'ListenTokenRenewer', 'INVALID_LISTEN_KEY', 'Runner']

log = logging.getLogger(__name__)

#: Binance's code for an unknown or expired listen key.
INVALID_LISTEN_KEY = -1125

#: ``run(fn, *args)`` calls ``fn(*args)`` off the reactor and returns a Deferred.
Runner = Callable[..., 'defer.Deferred[Any]']


def _describe(failure: Failure) -> str:
    """A log-safe one-line description of a REST failure (our exceptions never carry secrets)."""
    exc = failure.value
    return '{}: {}'.format(type(exc).__name__, exc)


def _retry_after(failure: Failure) -> float:
    """Seconds Binance asked us to wait (HTTP 429/418), else 0."""
    return float(getattr(failure.value, 'retry_after', None) or 0.0)


class _Timer:
    """One pending ``callLater`` at a time, replaced by each :meth:`schedule`."""

    def __init__(self, clock: IReactorTime) -> None:
        self._clock = clock
        self._call: Optional[IDelayedCall] = None

    def schedule(self, delay: float, fn: Callable[[], Any]) -> None:
        self.cancel()
        self._call = self._clock.callLater(max(0.0, delay), self._fire, fn)

    def _fire(self, fn: Callable[[], Any]) -> None:
        self._call = None
        fn()

    def cancel(self) -> None:
        cancel_call(self._call)
        self._call = None

    @property
    def pending(self) -> bool:
        return self._call is not None and self._call.active()

    def remaining(self) -> Optional[float]:
        if not self.pending:
            return None
        return self._call.getTime() - self._clock.seconds()  # type: ignore[union-attr]


class ListenKeyKeepalive:
    """Keeps a spot listen key alive for as long as its socket runs.

    Every ``interval`` seconds it calls ``client.stream_keepalive(key)``. The
    timer always re-arms: a failed call is retried after a backoff delay
    (never later than the regular interval), and the regular cadence resumes
    after a success. When Binance says the key no longer exists (``-1125``)
    it asks for a new key (``client.stream_get_listen_key()``) and reports it
    through ``on_new_key`` if it differs, so the socket reconnects with it.

    Args:
        client: a :class:`binance.client.Client`.
        interval: seconds between keepalives (the manager's ``user_timeout``).
        on_new_key: called on the reactor with a key that replaces the current one.
        clock: the reactor's time interface.
        run: runs a blocking call off the reactor, returning a Deferred.
        retry_policy: delays between retries of a failed call.
    """

    def __init__(self, client: Any, interval: float, on_new_key: Callable[[str], None],
                 clock: IReactorTime, run: Runner,
                 retry_policy: Optional[BackoffPolicy] = None) -> None:
        if interval <= 0:
            raise ValueError('keepalive interval must be positive, got {!r}'.format(interval))
        self._client = client
        self.interval = float(interval)
        self._on_new_key = on_new_key
        self._run = run
        self._policy = retry_policy or BackoffPolicy(initial=1.0, max_delay=60.0, jitter=0.2)
        self._timer = _Timer(clock)
        self._key: Optional[str] = None
        self._failures = 0
        self._running = False
        self._generation = 0  # results of calls from before a stop()/start() are ignored

    def __repr__(self) -> str:
        return '<ListenKeyKeepalive interval={:g} running={} failures={}>'.format(
            self.interval, self._running, self._failures)

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._running

    @property
    def failures(self) -> int:
        """Failed calls in a row (0 after a success)."""
        return self._failures

    def next_call_in(self) -> Optional[float]:
        """Seconds until the next scheduled keepalive, or ``None`` when stopped."""
        return self._timer.remaining()

    def start(self, key: str) -> None:
        """Keep ``key`` alive from now on (restarting the cadence)."""
        self._key = key
        self._running = True
        self._generation += 1
        self._failures = 0
        self._timer.schedule(self.interval, self._tick)

    def update_key(self, key: str) -> None:
        """Use ``key`` for the next keepalives without touching the schedule."""
        self._key = key

    def stop(self) -> None:
        """Stop the timer; calls in flight finish and are ignored. Never deletes the key."""
        self._running = False
        self._generation += 1
        self._timer.cancel()

    def _tick(self) -> None:
        if not self._running or self._key is None:
            return
        generation = self._generation
        # maybeDeferred: a runner that raises at once must not stop the re-arming.
        d = defer.maybeDeferred(self._run, self._client.stream_keepalive, self._key)
        d.addCallbacks(self._kept_alive, self._keepalive_failed,
                       callbackArgs=(generation,), errbackArgs=(generation,))
        d.addErrback(self._unexpected)

    def _kept_alive(self, _result: Any, generation: int) -> None:
        if generation != self._generation:
            return
        self._failures = 0
        log.debug('user data listen key kept alive; next keepalive in %g s', self.interval)
        self._timer.schedule(self.interval, self._tick)

    def _keepalive_failed(self, failure: Failure, generation: int) -> None:
        if generation != self._generation:
            return
        exc = failure.value
        if isinstance(exc, BinanceAPIException) and exc.code == INVALID_LISTEN_KEY:
            log.info('user data listen key expired on the server; requesting a new one')
            self._renew(generation)
            return
        self._retry_later('keepalive', failure)

    def _renew(self, generation: int) -> None:
        d = defer.maybeDeferred(self._run, self._client.stream_get_listen_key)
        d.addCallbacks(self._renewed, self._renew_failed,
                       callbackArgs=(generation,), errbackArgs=(generation,))
        d.addErrback(self._unexpected)

    def _renewed(self, key: str, generation: int) -> None:
        if generation != self._generation:
            return
        self._failures = 0
        changed = key != self._key
        self._key = key
        self._timer.schedule(self.interval, self._tick)
        if changed:
            self._on_new_key(key)

    def _renew_failed(self, failure: Failure, generation: int) -> None:
        if generation != self._generation:
            return
        self._retry_later('new listen key', failure, retry=lambda: self._renew(self._generation))

    def _retry_later(self, what: str, failure: Failure,
                     retry: Optional[Callable[[], None]] = None) -> None:
        self._failures += 1
        delay = min(max(self._policy.delay(self._failures), _retry_after(failure)), self.interval)
        log.warning('user data %s failed (%s); retrying in %.1f s', what, _describe(failure), delay)
        self._timer.schedule(delay, retry or self._tick)

    def _unexpected(self, failure: Failure) -> None:
        # A bug in the callbacks above must not silently end the keepalive.
        log.error('user data keepalive error: %s', _describe(failure))
        if self._running and not self._timer.pending:
            self._timer.schedule(self.interval, self._tick)


class ListenTokenRenewer:
    """Fetches margin listen tokens and renews each one before it expires.

    ``fetch()`` runs ``client.margin_create_listen_token(...)`` off the
    reactor; its Deferred fires with the token. While running, a renewal is
    scheduled ahead of each token's ``expirationTime`` and the new token is
    handed to ``on_token``, so the session subscribes with it before the old
    one lapses. Failed fetches are retried with backoff until one succeeds.

    Args:
        client: a :class:`binance.client.Client`.
        isolated_symbol: the isolated margin pair, or ``None`` for cross margin.
        on_token: called on the reactor with each renewed token.
        clock: the reactor's time interface.
        run: runs a blocking call off the reactor, returning a Deferred.
        lead: fraction of the validity left when renewing (capped at ``max_lead`` seconds).
        retry_policy: delays between retries of a failed fetch.
        min_delay: shortest wait before a renewal, even for a token that
            arrives already expired (then the wait grows with ``retry_policy``).
    """

    #: Shortest wait, in seconds, before renewing a token.
    MIN_DELAY = 1.0

    def __init__(self, client: Any, isolated_symbol: Optional[str],
                 on_token: Callable[[str], None], clock: IReactorTime, run: Runner,
                 lead: float = 0.2, max_lead: float = 600.0,
                 retry_policy: Optional[BackoffPolicy] = None,
                 min_delay: Optional[float] = None) -> None:
        self._client = client
        self._symbol = isolated_symbol
        self._on_token = on_token
        self._clock = clock
        self._run = run
        self._lead = lead
        self._max_lead = max_lead
        self._policy = retry_policy or BackoffPolicy(initial=1.0, max_delay=60.0, jitter=0.2)
        self._timer = _Timer(clock)
        self._min_delay = self.MIN_DELAY if min_delay is None else min_delay
        self._running = False
        self._failures = 0
        self._short_lived = 0  # tokens in a row that left less than min_delay
        self._refusals = 0  # renewed tokens in a row the server did not accept
        self._generation = 0

    def __repr__(self) -> str:
        return '<ListenTokenRenewer isolated={!r} running={}>'.format(self._symbol, self._running)

    def next_renewal_in(self) -> Optional[float]:
        """Seconds until the scheduled renewal, or ``None``."""
        return self._timer.remaining()

    def fetch(self) -> 'defer.Deferred[str]':
        """Get a fresh token now (off the reactor) and schedule its renewal.

        The Deferred fails with the client's exception; :meth:`fetch` itself
        does not retry, the caller decides (a connect attempt fails and the
        connection's backoff applies).
        """
        self._running = True
        self._generation += 1
        generation = self._generation
        # maybeDeferred: a runner that raises at once fails the Deferred instead.
        d = defer.maybeDeferred(self._run, self._create)
        d.addCallback(self._got, generation)
        return d

    def _create(self) -> Any:
        return self._client.margin_create_listen_token(isolated_symbol=self._symbol)

    def _got(self, answer: Any, generation: int) -> str:
        token = answer['token']
        if generation == self._generation and self._running:
            self._failures = 0
            self._schedule_renewal(answer.get('expirationTime'))
        return token

    def _schedule_renewal(self, expiration_ms: Optional[int]) -> None:
        now_ms = self._client.timestamp() if hasattr(self._client, 'timestamp') else None
        if expiration_ms is None or now_ms is None:
            remaining = 3600.0
        else:
            remaining = max(0.0, (float(expiration_ms) - float(now_ms)) / 1000.0)
        delay = remaining - min(remaining * self._lead, self._max_lead)
        if delay < self._min_delay:
            # A token that is (nearly) expired on arrival: renewing at once would
            # fetch tokens back to back, so wait at least min_delay, longer each time.
            self._short_lived += 1
            delay = max(self._min_delay, self._policy.delay(self._short_lived))
        else:
            self._short_lived = 0
        log.debug('margin listen token renewal in %.1f s', delay)
        self._timer.schedule(delay, self._renew)

    def _renew(self) -> None:
        if not self._running:
            return
        d = self.fetch()
        d.addCallbacks(self._renewed, self._renew_failed)

    def _renewed(self, token: str) -> None:
        if self._running:
            self._on_token(token)

    def _renew_failed(self, failure: Failure) -> None:
        if not self._running:
            return
        self._failures += 1
        delay = max(self._policy.delay(self._failures), _retry_after(failure))
        log.warning('margin listen token renewal failed (%s); retrying in %.1f s',
                    _describe(failure), delay)
        self._timer.schedule(delay, self._renew)

    def retry_later(self, reason: str) -> None:
        """The server refused the renewed token: fetch another one after a backoff delay.

        Args:
            reason: a log-safe description of the refusal.
        """
        if not self._running:
            return
        self._refusals += 1
        delay = max(self._min_delay, self._policy.delay(self._refusals))
        log.warning('%s; retrying the margin listen token renewal in %.1f s', reason, delay)
        self._timer.schedule(delay, self._renew)

    def confirmed(self) -> None:
        """The server accepted a token: later refusals start the backoff afresh."""
        self._refusals = 0

    def stop(self) -> None:
        """Stop renewing; fetches in flight are ignored."""
        self._running = False
        self._generation += 1
        self._timer.cancel()
