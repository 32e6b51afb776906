"""How a socket's messages reach its callback: inline, or through a bounded queue and a worker.

Inline (the default) calls the callback on the reactor thread as each
message is decoded: the fastest path, but a callback that takes 5 ms holds up
every socket of the process for those 5 ms. A socket that expects a slow
callback chooses a queue instead (:class:`DeliveryOptions`): the reactor
thread only appends the decoded message to the socket's queue, and the
socket's own worker thread calls the callback, in order. What happens when
the callback falls ``maxsize`` messages behind is the socket's
:class:`DeliveryPolicy`:

``block``
    never drop: the socket stops reading (``pauseProducing`` on its
    transport, so TCP flow control pushes back on the server) until the
    worker has caught up to half the queue, then reads again
    (``resumeProducing``). The reactor thread never waits: what was already
    read when the queue filled up is still queued, so the queue may exceed
    ``maxsize`` by what one read from the socket holds. While reading is
    paused nothing arrives, not even pings, so the connection's heartbeat
    must be paused with it (the connection does that); a consumer that stays
    behind for over a minute makes Binance drop the connection, which then
    reconnects.
``drop_oldest``
    keep the newest ``maxsize`` messages: each message beyond them pushes
    out the oldest one still queued.
``keep_latest``
    conflation: per stream (``message['stream']`` on combined sockets; one
    stream on a raw socket) only the newest message waits; a newer one
    replaces it in place, so streams keep their order and each stream's
    messages stay in order. For snapshots that supersede each other (partial
    book depth, tickers), never for trades, diff depth or user data.

Notices the library itself sends the callback (the error dict after the last
retry, gap notices) go through :meth:`QueuedDelivery.put_notice` and are never
dropped nor conflated. A callback that raises is logged with its traceback;
the worker goes on. :meth:`QueuedDelivery.stop` ends the worker (after the
message it is delivering) and :meth:`QueuedDelivery.join` waits for it, so no
thread outlives ``close()``.

Counters (:meth:`QueuedDelivery.counters`): messages queued, delivered,
dropped, conflated; queue depth and high-water mark; pauses; callback errors;
queue lag (time from queueing to the callback) as a histogram.
"""
import enum
import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Hashable, List, Optional, Set, Union

from . import _checks
from .telemetry import LogHistogram

__all__ = ['DeliveryPolicy', 'DeliveryOptions', 'QueuedDelivery', 'stream_key', 'INLINE',
           'QUEUE', 'DEFAULT_MAXSIZE']

log = logging.getLogger(__name__)

#: Delivery mode: the callback runs on the reactor thread.
INLINE = 'inline'
#: Delivery mode: a bounded queue served by the socket's worker thread.
QUEUE = 'queue'
#: Messages a queue holds before its policy applies.
DEFAULT_MAXSIZE = 10000


class DeliveryPolicy(enum.Enum):
    """What a full queue does with one more message."""

    BLOCK = 'block'
    DROP_OLDEST = 'drop_oldest'
    KEEP_LATEST = 'keep_latest'


def _policy(value: Any, name: str = 'policy') -> DeliveryPolicy:
    if isinstance(value, DeliveryPolicy):
        return value
    if isinstance(value, str):
        try:
            return DeliveryPolicy(value)
        except ValueError:
            pass
        raise ValueError('{} must be one of {}, got {!r}'.format(
            name, ', '.join(repr(p.value) for p in DeliveryPolicy), value))
    raise TypeError('{} must be a DeliveryPolicy or its name, got {!r}'.format(name, value))


@dataclass(frozen=True)
class DeliveryOptions:
    """How one socket delivers: ``mode`` ``'inline'`` or ``'queue'``, with ``policy`` and ``maxsize``.

    Attributes:
        mode: ``'inline'`` (on the reactor thread) or ``'queue'`` (a worker thread).
        policy: a :class:`DeliveryPolicy` or its name, for queues.
        maxsize: messages a queue holds before the policy applies.

    Raises:
        TypeError, ValueError: a field has a wrong type or value.
    """

    mode: str = INLINE
    policy: DeliveryPolicy = DeliveryPolicy.BLOCK
    maxsize: int = DEFAULT_MAXSIZE

    def __post_init__(self) -> None:
        if self.mode not in (INLINE, QUEUE):
            raise ValueError("mode must be 'inline' or 'queue', got {!r}".format(self.mode))
        object.__setattr__(self, 'policy', _policy(self.policy))
        _checks.positive_int('maxsize', self.maxsize)

    @property
    def queued(self) -> bool:
        """True for a queue served by a worker thread."""
        return self.mode == QUEUE

    @classmethod
    def coerce(cls, value: Any, name: str = 'delivery') -> 'DeliveryOptions':
        """A :class:`DeliveryOptions` from what a user may pass as ``delivery=``.

        ``None`` or ``'inline'``: inline; ``'queue'``: a queue that blocks;
        a policy name (``'block'``, ``'drop_oldest'``, ``'keep_latest'``) or a
        :class:`DeliveryPolicy`: a queue with that policy; a
        :class:`DeliveryOptions` as it is.

        Raises:
            TypeError: ``value`` has none of these types (the message names ``name``).
            ValueError: an unknown string.
        """
        if value is None:
            return cls()
        if isinstance(value, DeliveryOptions):
            return value
        if isinstance(value, DeliveryPolicy):
            return cls(QUEUE, value)
        if isinstance(value, str):
            if value in (INLINE, QUEUE):
                return cls(value)
            try:
                return cls(QUEUE, DeliveryPolicy(value))
            except ValueError:
                raise ValueError("{} must be 'inline', 'queue' or a policy ({}), got {!r}".format(
                    name, ', '.join(repr(p.value) for p in DeliveryPolicy), value)) from None
        raise TypeError('{} must be None, a string such as \'queue\' or a DeliveryOptions, '
                        'got {!r}'.format(name, type(value).__name__))

    def queue_for(self, callback: Callable[[Any], Any], name: str) -> Optional['QueuedDelivery']:
        """A :class:`QueuedDelivery` of ``callback`` as these options say, ``None`` if inline.

        For a socket of several connections (one queue for all of them).
        """
        if not self.queued:
            return None
        return QueuedDelivery(callback, policy=self.policy, maxsize=self.maxsize, name=name)


def stream_key(message: Any) -> Hashable:
    """The stream a message belongs to, for ``keep_latest``: ``message['stream']``, else ``None``."""
    if type(message) is dict:
        return message.get('stream')
    return None


class _Notice:
    """The key of one notice in a ``keep_latest`` queue: equal to nothing else."""

    __slots__ = ()


_STOP = object()


class QueuedDelivery:
    """A bounded queue of one socket's messages and the worker thread calling its callback.

    :meth:`put`, :meth:`put_notice`, :meth:`add_producer`,
    :meth:`remove_producer` and :meth:`stop` are called on the reactor thread;
    :meth:`join` and :meth:`counters` from any thread.

    Args:
        callback: the user's callback, called on the worker thread.
        policy: a :class:`DeliveryPolicy` or its name.
        maxsize: messages queued before the policy applies.
        name: how logs and the thread name the socket (its ``conn_key``).
        key: the stream of a message, for ``keep_latest`` (:func:`stream_key`).
        call_from_thread: runs a function on the reactor thread
            (``reactor.callFromThread`` if ``None``); used to resume reading.
        clock: monotonic seconds, for the queue lag.
        observe: called on the worker thread with one message in
            ``observe_every`` just before its callback (event-time latency,
            :meth:`binance.telemetry.SocketStats.sample`).
        observe_every: messages between two ``observe`` calls.

    Raises:
        TypeError: ``callback`` or ``key`` is not callable; a bad ``policy``
            or ``maxsize`` type.
        ValueError: a bad ``policy`` name, ``maxsize`` or ``observe_every``.
    """

    def __init__(self, callback: Callable[[Any], Any], *,
                 policy: Union[DeliveryPolicy, str] = DeliveryPolicy.BLOCK,
                 maxsize: int = DEFAULT_MAXSIZE, name: str = 'stream',
                 key: Callable[[Any], Hashable] = stream_key,
                 call_from_thread: Optional[Callable[..., Any]] = None,
                 clock: Callable[[], float] = time.monotonic,
                 observe: Optional[Callable[[Any], Any]] = None,
                 observe_every: int = 8) -> None:
        if not callable(callback):
            raise TypeError('callback must be callable, got {!r}'.format(type(callback).__name__))
        if not callable(key):
            raise TypeError('key must be callable, got {!r}'.format(type(key).__name__))
        _checks.positive_int('observe_every', observe_every)
        if call_from_thread is None:
            from twisted.internet import reactor
            call_from_thread = reactor.callFromThread
        self.policy = _policy(policy)
        self.maxsize = _checks.positive_int('maxsize', maxsize)
        self.low_water = self.maxsize // 2
        self.name = name
        self._callback = callback
        self._key = key
        self._call_from_thread = call_from_thread
        self._clock = clock
        self._observe = observe
        self._observe_every = observe_every
        self._latest = self.policy is DeliveryPolicy.KEEP_LATEST
        self._fifo: 'queue.SimpleQueue[Any]' = queue.SimpleQueue()  # entries, or keys (latest)
        self._pending: Dict[Hashable, List[Any]] = {}  # keep_latest: key -> [time, message]
        self._lock = threading.Lock()  # keep_latest: guards _pending
        self._producers: Set[Any] = set()
        self._paused = False
        self._resume_asked = False
        self._told_paused = False
        self._closed = False
        self._halt = False
        self._thread: Optional[threading.Thread] = None
        # Each counter is written by one thread only (reactor or worker).
        self.queued = 0
        self.delivered = 0
        self.dropped = 0
        self.conflated = 0
        self.discarded = 0  # put after stop (reactor thread)
        self._left = 0  # still queued when the worker stopped (worker thread)
        self.errors = 0
        self.pauses = 0
        self.high_water = 0
        self.lag = LogHistogram()

    def __repr__(self) -> str:
        return '<QueuedDelivery {} {} depth={}>'.format(self.name, self.policy.value, self.depth)

    # -- state -----------------------------------------------------------------------

    @property
    def depth(self) -> int:
        """Messages waiting for the callback."""
        return len(self._pending) if self._latest else self._fifo.qsize()

    @property
    def paused(self) -> bool:
        """True while reading is paused because the queue is full (``block``)."""
        return self._paused

    @property
    def running(self) -> bool:
        """True while the worker thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def counters(self) -> Dict[str, Any]:
        """The counters as a plain dict (``lag_ms``: queue lag percentiles in ms)."""
        return {'policy': self.policy.value, 'maxsize': self.maxsize, 'queued': self.queued,
                'delivered': self.delivered, 'dropped': self.dropped,
                'conflated': self.conflated, 'discarded': self.discarded + self._left,
                'depth': self.depth,
                'high_water': self.high_water, 'paused': self._paused, 'pauses': self.pauses,
                'errors': self.errors, 'lag_ms': self.lag.summary(0.001)}

    # -- the reactor side --------------------------------------------------------------

    def start(self) -> None:
        """Start the worker thread (once); messages queued before are delivered then.

        Raises:
            RuntimeError: the delivery was stopped.
        """
        if self._closed:
            raise RuntimeError('{!r} was stopped'.format(self))
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, daemon=True,
                                            name='binance-delivery:{}'.format(self.name))
            self._thread.start()

    def put(self, message: Any) -> None:
        """Queue one message under the socket's policy (reactor thread)."""
        if not self._accept():
            return
        if self._latest:
            try:
                key = self._key(message)
            except Exception:  # a key function that fails must not fail the reactor thread
                log.exception('%s: the keep_latest key function failed; message kept', self.name)
                key = _Notice()
            self._put_latest(message, key)
            return
        fifo = self._fifo
        fifo.put((self._clock(), message, False))
        depth = fifo.qsize()
        if depth > self.high_water:
            self.high_water = depth
        if depth > self.maxsize:
            if self.policy is DeliveryPolicy.DROP_OLDEST:
                self._drop_oldest()
            elif not self._paused:
                self._pause()

    def put_notice(self, message: Any) -> None:
        """Queue a message of the library's own (an error dict, a notice): never dropped."""
        if not self._accept():
            return
        if self._latest:
            self._put_latest(message, _Notice())
        else:
            self._fifo.put((self._clock(), message, True))

    def add_producer(self, producer: Any) -> None:
        """Pause ``producer`` (``pauseProducing``/``resumeProducing``) whenever the queue is full."""
        self._producers.add(producer)
        if self._paused:
            producer.pauseProducing()

    def remove_producer(self, producer: Any) -> None:
        """Forget ``producer`` (its socket closed)."""
        self._producers.discard(producer)

    def stop(self, drain: bool = False) -> None:
        """End the worker; returns at once (reactor thread). Idempotent.

        Args:
            drain: deliver what is queued first; otherwise the worker ends
                after the message it is delivering and the rest is discarded.
        """
        if self._closed:
            return
        self._closed = True
        if not drain:
            self._halt = True
        self._fifo.put(_STOP)
        if self._paused:
            self._resume_now()  # a closing socket must read the server's close frame

    def join(self, timeout: Optional[float] = None) -> bool:
        """Wait for the worker to end.

        Called on the worker's own thread (a callback closing its manager) it
        returns at once: the worker ends after that callback.

        Returns:
            True when no worker thread is left (or the caller is the worker).
        """
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def _accept(self) -> bool:
        if self._closed:
            self.discarded += 1
            return False
        self.queued += 1
        return True

    def _put_latest(self, message: Any, key: Hashable) -> None:
        with self._lock:
            pending = self._pending
            entry = pending.get(key)
            if entry is not None:
                entry[0] = self._clock()
                entry[1] = message
                self.conflated += 1
                return
            pending[key] = [self._clock(), message]
            depth = len(pending)
            if depth > self.high_water:
                self.high_water = depth
            if depth > self.maxsize:
                for oldest in pending:
                    if not isinstance(oldest, _Notice):
                        del pending[oldest]  # its key stays in the FIFO: the worker skips it
                        self.dropped += 1
                        break
        self._fifo.put(key)

    def _drop_oldest(self) -> None:
        for _ in range(self._fifo.qsize()):  # notices in front move back; the first data goes
            try:
                entry = self._fifo.get_nowait()
            except queue.Empty:
                return  # the worker took it meanwhile
            if entry is _STOP or entry[2]:
                self._fifo.put(entry)  # a notice is never dropped: it moves to the back
                continue
            self.dropped += 1
            return

    def _pause(self) -> None:
        self._paused = True
        self.pauses += 1
        if not self._told_paused:
            self._told_paused = True
            log.info('%s: the callback is %d messages behind; reading paused until it catches '
                     'up (delivery policy block)', self.name, self.maxsize)
        for producer in list(self._producers):
            producer.pauseProducing()

    def _resume(self) -> None:
        """Reactor thread, asked by the worker once the queue is down to ``low_water``."""
        self._resume_asked = False
        if self._paused and self.depth <= self.low_water:
            self._resume_now()

    def _resume_now(self) -> None:
        self._paused = False
        for producer in list(self._producers):
            producer.resumeProducing()

    # -- the worker --------------------------------------------------------------------

    def _run(self) -> None:
        get = self._fifo.get
        latest = self._latest
        countdown = self._observe_every
        while True:
            item = get()
            if item is _STOP:
                break
            if self._halt:
                self._left += 1
                break
            if latest:
                with self._lock:
                    entry = self._pending.pop(item, None)
                if entry is None:
                    continue  # conflated away or dropped
                queued_at, message = entry
            else:
                queued_at, message, _notice = item
            self.lag.record(int((self._clock() - queued_at) * 1e6))
            if self._observe is not None:
                countdown -= 1
                if not countdown:
                    countdown = self._observe_every
                    self._call_observe(message)
            try:
                self._callback(message)
            except Exception:
                self.errors += 1
                log.exception('%s: the callback raised; the socket keeps running', self.name)
            self.delivered += 1
            if self._paused and not self._resume_asked and self.depth <= self.low_water:
                self._resume_asked = True
                self._call_from_thread(self._resume)
        self._discard_rest()

    def _call_observe(self, message: Any) -> None:
        try:
            self._observe(message)  # type: ignore[misc]
        except Exception:
            log.exception('%s: telemetry failed on a message', self.name)

    def _discard_rest(self) -> None:
        """After a stop without draining: count what was left as discarded."""
        left = 0
        while True:
            try:
                item = self._fifo.get_nowait()
            except queue.Empty:
                break
            if item is not _STOP:
                left += 1
        if self._latest:
            with self._lock:
                left = len(self._pending)
                self._pending.clear()
        self._left += left
