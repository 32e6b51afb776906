"""What a user data socket does about events it may have missed: notices and reconciliation.

A user data socket that reconnects (or switches to a new socket or
subscription) may have missed events: Binance does not replay them. The
sessions of :mod:`binance.userstream` own one :class:`GapRecovery` each and
call it on the reactor thread:

* :meth:`GapRecovery.observe` with every event the stream delivers, before
  the callback (``False``: already delivered, drop it);
* :meth:`GapRecovery.live` whenever a subscription became live. The first
  time is the socket's start and nothing happens; every later time the
  callback gets the ``userDataGap`` notice and, when reconciliation is on,
  :func:`binance.reconcile.reconcile` fetches what changed over REST (each
  call off the reactor thread), then the callback gets the rebuilt events and
  the ``userDataReconciled`` notice;
* :meth:`GapRecovery.stop` when the socket stops.

The shapes of the notices and events are those of :mod:`binance.reconcile`.
:class:`_SwitchoverFilter` drops the copies two overlapping sockets deliver
during a switch (a server rotation, a new listen key).
"""
import logging
import time
from collections import OrderedDict
from typing import Any, Callable, Iterable, List, Optional, Tuple

import orjson

from twisted.internet import defer, threads
from twisted.python.failure import Failure

from . import _checks
from . import streams as stream_names
from ._redact import redact
from ._timers import cancel_call
from .reconcile import ClientFetcher, FetchRequest, Reconciler, reconcile

__all__ = ['GapRecovery', 'reconcile_setting']

log = logging.getLogger(__name__)

Deliver = Callable[[Any], None]


class _SwitchoverFilter:
    """Drops events delivered twice while an old and a new socket overlap.

    When a socket is replaced (``serverShutdown``, an expired key), the old
    one keeps delivering until the new one is ready and then drains, so
    nothing published around the switch is lost; events published while both
    were subscribed arrive twice. The filter remembers the canonical JSON of
    the last :attr:`RECENT` events (user data is a low-rate stream) and, only
    while a switch is in progress, drops an event it has already delivered.
    """

    #: Events remembered.
    RECENT = 512
    #: Seconds the window stays open after the old socket is gone: the new
    #: socket may still carry copies of events the old one already delivered.
    GRACE = 2.0

    def __init__(self) -> None:
        self._recent: 'OrderedDict[bytes, None]' = OrderedDict()
        self._active = False
        self._end: Any = None

    @property
    def active(self) -> bool:
        """True while two sockets may deliver the same events."""
        return self._active

    def start(self) -> None:
        """Open the window (a replaced socket is still delivering)."""
        self._cancel_end()
        self._active = True

    def finish(self, clock: Any) -> None:
        """The replaced socket is gone: close the window after :attr:`GRACE` seconds."""
        if self._active and self._end is None:
            self._end = clock.callLater(self.GRACE, self.stop)

    def stop(self) -> None:
        """Close the window now."""
        self._cancel_end()
        self._active = False

    def socket_closed(self, connection: Any) -> bool:
        """Account for a closed socket; True if it was the replaced one.

        The replaced socket ending (the new one still open) closes the window
        after the grace period; any other close ends it now.
        """
        if connection is not None and connection.protocol is not None:
            self.finish(connection.clock)
            return True
        self.stop()
        return False

    def _cancel_end(self) -> None:
        cancel_call(self._end)
        self._end = None

    def duplicate(self, event: Any) -> bool:
        """Remember ``event``; True if it is a second copy during a switch."""
        fingerprint = orjson.dumps(event, option=orjson.OPT_SORT_KEYS)
        recent = self._recent
        if fingerprint in recent:
            if self._active:
                return True
            recent.move_to_end(fingerprint)
            return False
        recent[fingerprint] = None
        if len(recent) > self.RECENT:
            recent.popitem(last=False)
        return False


def reconcile_setting(value: Any, default: bool = True) -> Tuple[bool, Tuple[str, ...]]:
    """Read a user socket's ``reconcile=`` argument.

    Args:
        value: ``None`` (``default``), ``True``, ``False``, or a list, tuple or
            set of symbols (reconciled even before the socket saw them; implies
            ``True``).
        default: the manager's ``options.reconcile_user_data``.

    Returns:
        ``(enabled, symbols)`` with the symbols upper-cased.

    Raises:
        TypeError: ``value`` is none of these (a bare string included).
        ValueError: a symbol is not valid.
    """
    if value is None:
        return _checks.flag('reconcile_user_data', default), ()
    if isinstance(value, (list, tuple, set, frozenset)):
        symbols = tuple(sorted({stream_names.normalize_symbol(s).upper() for s in value}))
        return True, symbols
    if not isinstance(value, bool):
        raise TypeError('reconcile must be True, False, None or a list of symbols, got {}'.format(
            type(value).__name__))
    return value, ()


class GapRecovery:
    """Gap notices and REST reconciliation for one user data socket (reactor thread).

    Args:
        client: the socket's :class:`~binance.client.Client` (its ``timestamp()``
            gives the server's time; its methods fetch the account).
        account: :data:`~binance.reconcile.SPOT`, ``MARGIN`` or ``ISOLATED_MARGIN``.
        enabled: reconcile over REST after a gap (else the notice only).
        symbols: symbols to reconcile even if the socket has not seen them.
        isolated_symbol: the pair of an isolated-margin socket.
        run: ``run(fn, *args) -> Deferred`` running ``fn`` off the reactor thread.
        fetch: makes one REST request, blocking (a :class:`~binance.reconcile.ClientFetcher`
            for ``client`` and ``account`` if ``None``).
    """

    def __init__(self, client: Any, account: str, *, enabled: bool = True,
                 symbols: Iterable[str] = (), isolated_symbol: Optional[str] = None,
                 run: Callable[..., 'defer.Deferred[Any]'] = threads.deferToThread,
                 fetch: Optional[Callable[[FetchRequest], Any]] = None) -> None:
        self.reconciler = Reconciler(account, symbols, isolated_symbol=isolated_symbol)
        self.enabled = enabled
        self._client = client
        self._fetch = fetch if fetch is not None else ClientFetcher(client, account)
        self._run = run
        self._deliver: Optional[Deliver] = None
        self._started_ms: Optional[int] = None
        self._generation = 0
        self._stopped = False
        #: Reconciliations under way (0 or 1).
        self.running = 0

    def __repr__(self) -> str:
        return '<GapRecovery {} enabled={} running={}>'.format(
            self.reconciler.account, self.enabled, self.running)

    def bind(self, deliver: Deliver) -> None:
        """Deliver notices and rebuilt events with ``deliver`` (the connection's)."""
        self._deliver = deliver

    def observe(self, event: Any) -> bool:
        """Account for an event of the stream; False when it was delivered already."""
        return self.reconciler.observe(event)

    def live(self, gapless: bool = False) -> None:
        """A subscription became live: after the first one, a gap to report and reconcile.

        Args:
            gapless: the socket this one replaces delivered until now (a
                server rotation): nothing was missed, so no notice.
        """
        if self._stopped or (gapless and self._started_ms is not None):
            return
        now = self._now()
        if self._started_ms is None:
            self._started_ms = now
            if self.enabled:
                self._take_baseline(self._generation)
            return
        notice = self.reconciler.gap(now, self._started_ms, self.enabled)
        self._generation += 1
        log.info('user data (%s): reconnected; events since %s may have been missed%s',
                 self.reconciler.account, notice['since'],
                 '; reconciling over REST' if self.enabled else '')
        self._emit(notice)
        if self.enabled:
            self._reconcile(self._generation)

    def stop(self) -> None:
        """The socket stopped: nothing more is delivered; REST calls in flight are ignored."""
        self._stopped = True
        self._generation += 1

    # -- internals -------------------------------------------------------------------------

    def _now(self) -> int:
        stamp = getattr(self._client, 'timestamp', None)
        if callable(stamp):
            try:
                return int(stamp())
            except Exception:  # a client without a clock offset yet
                log.debug('client.timestamp() failed; using the local clock')
        return int(time.time() * 1000)

    def _take_baseline(self, generation: int) -> None:
        """Fetch the balances as the socket starts, so a reconciliation tells only changes."""
        request = FetchRequest('account', self.reconciler.isolated_symbol)
        d = defer.maybeDeferred(self._run, self._fetch, request)

        def got(answer: Any) -> None:
            if self._alive(generation):
                self.reconciler.baseline(answer, self._now())

        def failed(failure: Failure) -> None:
            log.warning('user data (%s): the starting balances could not be fetched (%s); a '
                        'reconciliation will deliver every balance', self.reconciler.account,
                        redact(failure.getErrorMessage()))
        d.addCallbacks(got, failed)
        d.addErrback(lambda failure: log.error('user data baseline: %s', failure.getErrorMessage()))

    def _alive(self, generation: int) -> bool:
        return generation == self._generation and not self._stopped

    def _reconcile(self, generation: int) -> None:
        self.running += 1
        d = reconcile(self.reconciler, self._fetch, self._run, self._now,
                      alive=lambda: self._alive(generation))
        d.addCallbacks(self._reconciled, self._broken,
                       callbackArgs=(generation,), errbackArgs=(generation,))
        d.addBoth(self._ended)

    def _ended(self, _result: Any) -> None:
        self.running -= 1

    def _reconciled(self, result: Tuple[List[Any], Any], generation: int) -> None:
        if not self._alive(generation):
            return
        events, notice = result
        log.info('user data (%s): %s', self.reconciler.account, notice['m'])
        for event in events:
            self._emit(event)
        self._emit(notice)

    def _broken(self, failure: Failure, generation: int) -> None:
        if failure.check(defer.CancelledError) or not self._alive(generation):
            return  # superseded by a newer gap, or stopped
        reason = redact('{}: {}'.format(type(failure.value).__name__, failure.value))
        log.error('user data (%s): reconciliation failed (%s)', self.reconciler.account, reason)
        self.reconciler.failed(FetchRequest('reconciliation'), reason)
        self._emit(self.reconciler.done(self._now(), []))

    def _emit(self, message: Any) -> None:
        if self._deliver is not None and not self._stopped:
            self._deliver(message)
