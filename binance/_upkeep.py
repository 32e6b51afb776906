"""The timers that look after a connection while it is open: silent streams and planned rotation.

A :class:`~binance.connection.StreamConnection` keeps one :class:`Upkeep`,
which lives as long as it does:

* **Silent-stream watchdog.** On market connections, a
  :class:`~binance.watchdog.SilenceWatchdog` with the bound of the
  connection's streams (:class:`~binance.watchdog.SilenceBounds`) polls the
  socket's "data seen" flag (complete data messages only: pings, pongs and
  the bytes of a message that never completes do not count). When the bound
  is exceeded the connection reports it and replaces the socket
  (reported once per silent spell, see :meth:`Upkeep._silent`).
* **Planned rotation.** Binance closes every connection at 24 h. Each
  socket is replaced make-before-break at a jittered age below that
  (``rotate_after`` less up to ``rotate_jitter`` of it, see
  :func:`rotation_age`), so sockets opened together do not rotate together,
  and a process-wide :class:`RotationGate` lets one socket rotate at a time.

Both pause while the socket's reading is paused (a queued delivery whose
consumer fell behind): then nothing can arrive, and that is not silence.
Everything runs on the reactor thread with the connection's clock.
"""
import collections
import logging
import random
import warnings
from typing import Any, Callable, Deque, Optional

from twisted.internet import defer

from . import _checks
from ._timers import cancel_call
from .watchdog import Silence, SilenceWatchdog, SilentStreamWarning, silent_stream_notice

__all__ = ['Upkeep', 'RotationGate', 'rotation_age', 'rotation_gate', 'MAX_ROTATION']

log = logging.getLogger(__name__)

#: Seconds one rotation may hold the gate before the next one may start anyway.
MAX_ROTATION = 60.0


def rotation_age(rotate_after: float, jitter: float, rng: Callable[[], float] = random.random) -> float:
    """The age at which one socket is rotated: ``rotate_after`` less a random share of it.

    Args:
        rotate_after: the latest age, in seconds.
        jitter: the largest share taken off (``0.1``: between 90 % and 100 %).
        rng: uniform random numbers in [0, 1).
    """
    return rotate_after * (1.0 - jitter * rng())


class RotationGate:
    """Lets one planned rotation run at a time, first come, first served.

    A rotation holds the gate from the moment its new socket is dialled until
    the old one is gone (:meth:`release`), or at most ``max_hold`` seconds.

    Args:
        clock: an ``IReactorTime``.
        max_hold: seconds after which a held gate opens for the next rotation.

    Raises:
        TypeError, ValueError: ``max_hold`` is not a positive number.
    """

    def __init__(self, clock: Any, max_hold: float = MAX_ROTATION) -> None:
        self._clock = clock
        self.max_hold = _checks.positive_number('max_hold', max_hold)
        self._holder: Optional[object] = None
        self._expiry: Optional[Any] = None
        self._waiting: Deque['tuple[object, defer.Deferred]'] = collections.deque()
        #: Rotations that had to wait for another one.
        self.waited = 0

    @property
    def busy(self) -> bool:
        """True while a rotation holds the gate."""
        return self._holder is not None

    def acquire(self) -> 'tuple[object, defer.Deferred]':
        """Ask to rotate: ``(token, deferred)``; the Deferred fires when it is this one's turn.

        Cancelling the Deferred leaves the queue. Pass the token to :meth:`release`.
        """
        token = object()
        d: defer.Deferred = defer.Deferred(canceller=lambda _d: self._leave(token))
        if self._holder is None:
            self._grant(token)
            d.callback(None)
        else:
            self.waited += 1
            self._waiting.append((token, d))
        return token, d

    def release(self, token: object) -> None:
        """The rotation of ``token`` is over (or will not happen); idempotent."""
        if token is self._holder:
            cancel_call(self._expiry)
            self._expiry = None
            self._holder = None
            self._next()
        else:
            self._leave(token)

    def _grant(self, token: object) -> None:
        self._holder = token
        self._expiry = self._clock.callLater(self.max_hold, self._expired, token)

    def _expired(self, token: object) -> None:
        self._expiry = None
        if token is self._holder:
            log.debug('a planned rotation took over %g s; the next one may start', self.max_hold)
            self._holder = None
            self._next()

    def _next(self) -> None:
        while self._waiting and self._holder is None:
            token, d = self._waiting.popleft()
            self._grant(token)
            d.callback(None)

    def _leave(self, token: object) -> None:
        self._waiting = collections.deque(item for item in self._waiting if item[0] is not token)


_gates: 'dict[int, RotationGate]' = {}


def rotation_gate(clock: Any) -> RotationGate:
    """The process-wide gate of ``clock`` (one per reactor; tests' clocks get their own)."""
    gate = _gates.get(id(clock))
    if gate is None or gate._clock is not clock:
        gate = _gates[id(clock)] = RotationGate(clock)
    return gate


class Upkeep:
    """The watchdog and rotation timer of one connection (see the module docstring).

    Args:
        connection: the owning :class:`~binance.connection.StreamConnection`;
            its ``clock``, ``name``, ``streams``, ``options``, ``protocol``,
            ``deliver`` and ``reconnect_now`` are used.
        silence_bound: seconds of silence allowed, ``None`` for no watchdog.
        rotate_after: the latest age of a socket in seconds, ``None`` for no rotation.
        rotate_jitter: the share of ``rotate_after`` that may be taken off.
        gate: the :class:`RotationGate` (the process-wide one if ``None``).
        rng: random numbers for the jitter.
    """

    def __init__(self, connection: Any, silence_bound: Optional[float],
                 rotate_after: Optional[float], rotate_jitter: float,
                 gate: Optional[RotationGate] = None,
                 rng: Callable[[], float] = random.random) -> None:
        self._connection = connection
        self._clock = connection.clock
        self.silence_bound = silence_bound
        self.rotate_after = rotate_after
        self.rotate_jitter = rotate_jitter
        self._gate = gate
        self._rng = rng
        self._watchdog: Optional[SilenceWatchdog] = None
        self._protocol: Optional[Any] = None
        self._rotation_call: Optional[Any] = None
        self._turn: Optional['tuple[object, defer.Deferred]'] = None
        self._rotating: Optional[object] = None
        #: Planned rotations started so far.
        self.rotations = 0

    def __repr__(self) -> str:
        return '<Upkeep bound={} rotate_after={}>'.format(self.silence_bound, self.rotate_after)

    @property
    def watchdog(self) -> Optional[SilenceWatchdog]:
        """The connection's watchdog once a socket opened (``None`` without a bound)."""
        return self._watchdog

    # -- the socket's life ---------------------------------------------------------------

    def opened(self, protocol: Any) -> None:
        """A socket opened: watch it and arm its rotation."""
        self._protocol = protocol
        self._start_watchdog()
        if self.rotate_after is not None:
            cancel_call(self._rotation_call)
            age = rotation_age(self.rotate_after, self.rotate_jitter, self._rng)
            self._rotation_call = self._clock.callLater(age, self._rotation_due, protocol)

    def closed(self) -> None:
        """The socket closed or is being replaced: stop watching it."""
        self._protocol = None
        if self._watchdog is not None:
            self._watchdog.stop()
        cancel_call(self._rotation_call)
        self._rotation_call = None
        self._leave_queue()

    def paused(self) -> None:
        """Reading is paused: nothing can arrive, which is not silence."""
        if self._watchdog is not None:
            self._watchdog.stop()

    def resumed(self) -> None:
        """Reading resumed: the silence is counted from now."""
        if self._protocol is not None:
            self._start_watchdog()

    def switched(self) -> None:
        """The replaced socket is gone: a rotation under way is over."""
        if self._rotating is not None:
            self._gate_now().release(self._rotating)
            self._rotating = None

    def stop(self) -> None:
        """The connection stopped or gave up."""
        self.closed()
        self.switched()

    # -- internals -------------------------------------------------------------------------

    def _gate_now(self) -> RotationGate:
        if self._gate is None:
            self._gate = rotation_gate(self._clock)
        return self._gate

    def _start_watchdog(self) -> None:
        if self.silence_bound is None or self._protocol is None:
            return
        if self._watchdog is None:
            self._watchdog = SilenceWatchdog(self._clock, self.silence_bound, self._poll,
                                             self._silent)
        self._watchdog.start()

    def _poll(self) -> bool:
        protocol = self._protocol
        return protocol is not None and protocol.poll_data()

    def _silent(self, silence: Silence) -> None:
        """No data for longer than the streams allow: report (once per spell) and reconnect.

        The first report of a silent spell is a WARNING and a
        :class:`~binance.watchdog.SilentStreamWarning`; later ones (the stream
        stays silent across reconnects) are INFO lines. With the option
        ``silent_notices`` the callback also receives
        :func:`~binance.watchdog.silent_stream_notice`.
        """
        connection = self._connection
        streams = connection.streams
        if len(streams) == 1:
            what = streams[0]
        elif streams:
            what = '{} streams ({}...)'.format(len(streams), streams[0])
        else:
            what = connection.name
        text = ('{}: no data on {} for {:.0f} s, longer than its streams allow ({:g} s): not '
                'served here (a retired name, a wrong route?) or the server stopped sending; '
                'reconnecting').format(connection.name, what, silence.seconds, silence.bound)
        if silence.first:
            log.warning(text)
            warnings.warn(text, SilentStreamWarning, stacklevel=2)
        else:
            log.info('%s (silent %d times in a row; next bound %g s)', text,
                     silence.episode_reports, self._watchdog.current_bound
                     if self._watchdog is not None else silence.bound)
        if connection.options.silent_notices:
            connection.deliver(silent_stream_notice(streams[0] if len(streams) == 1
                                                    else connection.name, silence))
        connection.reconnect_now('no data for {:.0f} s'.format(silence.seconds), label='silent')

    def _rotation_due(self, protocol: Any) -> None:
        self._rotation_call = None
        if protocol is not self._protocol:
            return
        self._turn = turn = self._gate_now().acquire()
        turn[1].addCallback(self._rotate, turn[0], protocol)
        turn[1].addErrback(lambda failure: failure.trap(defer.CancelledError))

    def _rotate(self, _ignored: Any, token: object, protocol: Any) -> None:
        self._turn = None
        connection = self._connection
        if protocol is not self._protocol or connection.protocol is not protocol:
            self._gate_now().release(token)
            return
        self.rotations += 1
        self._rotating = token
        age = self._clock.seconds() - protocol.opened_at if protocol.opened_at else 0.0
        connection.reconnect_now('planned rotation at {:.0f} s of age'.format(age),
                                 label='rotation')

    def _leave_queue(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None and not turn[1].called:
            turn[1].cancel()
