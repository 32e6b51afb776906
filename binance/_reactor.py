"""The one Twisted reactor of the process, and how other threads reach it.

Twisted's global reactor can run once per process. The library runs it in one
daemon thread, started the first time something needs it, and never stops it
on its own: managers come and go (a notebook re-running a cell), the reactor
stays. If the application already runs the reactor itself (a Twisted program),
the library uses that one and starts no thread.

A Twisted program that sets up its sockets *before* its own ``reactor.run()``
must say so with :func:`use_application_reactor` (also importable from
:mod:`binance.websockets`) first: otherwise the library, seeing no running
reactor, runs it in its thread, and the program's ``reactor.run()`` then
fails with ``ReactorAlreadyRunning``. With it, the work waits in Twisted's
queue until the application runs the reactor::

    from binance.websockets import BinanceSocketManager, use_application_reactor
    use_application_reactor()
    bm = BinanceSocketManager(client)
    bm.start_trade_socket('BNBBTC', on_trade)
    bm.start()
    reactor.run()

When the application calls ``reactor.stop()``, every registered shutdown hook
runs (managers close and their threads end, so the program can exit), and from
then on :func:`ensure_running` raises :class:`ReactorStoppedError`.
"""
import logging
import queue
import threading
from typing import Any, Callable, Optional

from twisted.internet import defer, reactor
from twisted.internet.error import ReactorNotRunning
from twisted.python import threadable
from twisted.python.failure import Failure

from .exceptions import ReactorStoppedError

log = logging.getLogger(__name__)

_lock = threading.Lock()
_thread: Optional[threading.Thread] = None
_shutdown_hooks: 'dict[int, Callable[[], None]]' = {}
_trigger_installed = False
_application_reactor = False

#: Seconds :func:`ensure_running` waits for a freshly started reactor thread.
START_TIMEOUT = 10.0


def in_reactor_thread() -> bool:
    """True when called on the thread that runs the reactor."""
    return bool(reactor.running) and threadable.isInIOThread()


def has_stopped() -> bool:
    """True once the reactor ran and was stopped (it cannot run again)."""
    return bool(getattr(reactor, '_startedBefore', False)) and bool(getattr(reactor, '_stopped', False))


def raise_if_stopped() -> None:
    """Fail clearly when the reactor can no longer run.

    Raises:
        ReactorStoppedError: the application stopped the reactor earlier in
            this process; Twisted cannot run it again.
    """
    if has_stopped():
        raise ReactorStoppedError(
            'the Twisted reactor was stopped (reactor.stop()); it cannot be restarted '
            'in this process, so no new sockets can be opened. Restart the process or '
            'kernel, and call reactor.stop() only when the program is about to exit.')


def owns_reactor_thread() -> bool:
    """True when the library, not the application, runs the reactor."""
    return _thread is not None


def use_application_reactor() -> None:
    """Declare that the application runs the reactor itself, now or later.

    From then on the library never starts its reactor thread: work handed to
    the reactor (sockets started, ``bm.start()``) is queued and runs once the
    application calls ``reactor.run()``. Call it before the first manager is
    started; calling it again is harmless. Calls that wait for the reactor's
    answer (:func:`blocking_call`) wait until the application runs it.

    Raises:
        RuntimeError: the library already runs the reactor in its own thread.
    """
    global _application_reactor
    with _lock:
        if _thread is not None:
            raise RuntimeError('the library already runs the Twisted reactor in its own thread; '
                               'call use_application_reactor() before starting any manager')
        _application_reactor = True


def uses_application_reactor() -> bool:
    """True after :func:`use_application_reactor`."""
    return _application_reactor


def ensure_running() -> None:
    """Make sure the reactor runs, starting the library's thread if needed.

    After :func:`use_application_reactor` no thread is started: the
    application runs the reactor (perhaps later).

    Raises:
        ReactorStoppedError: the application stopped the reactor earlier in
            this process; Twisted cannot run it again.
    """
    global _thread
    with _lock:
        raise_if_stopped()
        _install_shutdown_trigger()
        if (reactor.running or _application_reactor
                or (_thread is not None and _thread.is_alive())):
            started = None
        else:
            started = threading.Event()
            reactor.callWhenRunning(started.set)
            _install_threadsafe_stop()
            _thread = threading.Thread(target=_run, name='binance-reactor', daemon=True)
            _thread.start()
    if started is not None and not started.wait(START_TIMEOUT):
        raise ReactorStoppedError('the Twisted reactor did not start within {:g} s'.format(START_TIMEOUT))


def _run() -> None:
    try:
        reactor.run(installSignalHandlers=False)
    except Exception:  # pragma: no cover - reactor.run does not raise in practice
        log.exception('the reactor thread ended with an error')


def _install_threadsafe_stop() -> None:
    """Let scripts call ``reactor.stop()`` from their own thread, as the seed shows.

    ``reactor.stop()`` is not thread-safe: called from the main thread it only
    sets flags, and the reactor notices whenever it next wakes up, which may be
    never on a quiet connection. The wrapper hands the call to the reactor
    thread (waking it) and still raises ``ReactorNotRunning`` as the original
    does when there is nothing to stop.
    """
    original = reactor.stop
    if getattr(original, '_binance_threadsafe', False):
        return

    def stop() -> None:
        if threadable.isInIOThread():
            return original()
        if not reactor.running or getattr(reactor, '_stopped', False):
            raise ReactorNotRunning("Can't stop reactor that isn't running.")
        reactor.callFromThread(_stop_quietly, original)
        return None

    stop._binance_threadsafe = True  # type: ignore[attr-defined]
    stop.__doc__ = original.__doc__
    reactor.stop = stop


def _stop_quietly(original: Callable[[], None]) -> None:
    try:
        original()
    except ReactorNotRunning:
        pass


def _install_shutdown_trigger() -> None:
    global _trigger_installed
    if not _trigger_installed:
        reactor.addSystemEventTrigger('before', 'shutdown', _run_shutdown_hooks)
        _trigger_installed = True


def _run_shutdown_hooks() -> None:
    for hook in list(_shutdown_hooks.values()):
        try:
            hook()
        except Exception:
            log.exception('shutdown hook %r failed', hook)


def add_shutdown_hook(hook: Callable[[], None]) -> int:
    """Run ``hook`` on the reactor thread when the reactor shuts down; returns a handle."""
    handle = id(hook)
    _shutdown_hooks[handle] = hook
    return handle


def remove_shutdown_hook(handle: int) -> None:
    """Forget a hook registered with :func:`add_shutdown_hook`."""
    _shutdown_hooks.pop(handle, None)


def call_soon(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``fn(*args, **kwargs)`` on the reactor thread: now if already there, else next."""
    if in_reactor_thread():
        fn(*args, **kwargs)
    else:
        reactor.callFromThread(fn, *args, **kwargs)


def blocking_call(fn: Callable[..., Any], *args: Any, timeout: Optional[float] = 30.0,
                  **kwargs: Any) -> Any:
    """Run ``fn`` on the reactor thread and wait for its result.

    If ``fn`` returns a Deferred, waits for it to fire. Called on the reactor
    thread itself, runs ``fn`` directly and returns what it returns.

    Raises:
        TimeoutError: no result within ``timeout`` seconds.
        Exception: whatever ``fn`` raised (or its Deferred failed with).
    """
    if in_reactor_thread():
        return fn(*args, **kwargs)
    ensure_running()
    results: 'queue.Queue[Any]' = queue.Queue(maxsize=1)

    def run() -> None:
        d = defer.maybeDeferred(fn, *args, **kwargs)
        d.addBoth(results.put)

    reactor.callFromThread(run)
    try:
        result = results.get(timeout=timeout)
    except queue.Empty:
        raise TimeoutError('no answer from the reactor thread within {} s'.format(timeout)) from None
    if isinstance(result, Failure):
        result.raiseException()
    return result
