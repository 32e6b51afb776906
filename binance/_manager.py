"""The machinery under :class:`~binance.websockets.BinanceSocketManager`.

:class:`ManagerBase` owns what every socket method relies on and nothing
venue-specific: the manager's lifetime as a thread (``start``, ``run``,
``close``), its sockets by ``conn_key``, its :class:`~binance.options.ConnectionOptions`
and TLS trust, and the reactor shutdown hook. It also offers the public API
that user-data sessions, composite sockets and tools build on instead of
private attributes:

* :attr:`~ManagerBase.client`, :attr:`~ManagerBase.options`,
  :attr:`~ManagerBase.user_timeout`;
* :meth:`~ManagerBase.new_connection`: a :class:`~binance.connection.StreamConnection`
  with the manager's options and trust;
* :meth:`~ManagerBase.open_connection` (optionally with a session) and
  :meth:`~ManagerBase.open_socket` (any socket, e.g. a
  :class:`~binance.composite.CompositeSocket`): register under a key and start;
* :meth:`~ManagerBase.connection`: look a socket up by its key.

Every public method may be called from any thread; work that touches sockets
is handed to the reactor thread.
"""
import logging
import sys
import threading
import weakref
from typing import Any, Callable, Dict, List, Optional, Union

from . import _checks, _reactor
from ._attempts import budgets
from .connection import StreamConnection, StreamSession
from .options import (DEFAULT_HEARTBEAT_TIMEOUT, DEFAULT_STABLE_AFTER, MAX_MESSAGE_SIZE,
                      ConnectionOptions)
from .telemetry import ServerClock, SocketStats, Telemetry

__all__ = ['ManagerBase', 'ConnKey', 'Callback']

log = logging.getLogger('binance.websockets')

Callback = Callable[[Any], Any]
ConnKey = Union[str, bool]

_started_managers: 'weakref.WeakSet[ManagerBase]' = weakref.WeakSet()
_exit_hook_lock = threading.Lock()
_exit_hook_installed = False


def _close_after_interrupt() -> None:
    """At interpreter exit, before threads are joined: after Ctrl-C, close every manager.

    A started manager keeps the process alive until ``close()``; when the main
    thread ended with ``KeyboardInterrupt`` the user asked to stop, so the
    program must not hang waiting for the manager threads.
    """
    if getattr(sys, 'last_type', None) is KeyboardInterrupt:
        for manager in list(_started_managers):
            manager.close()


def _install_exit_hook() -> None:
    global _exit_hook_installed
    register = getattr(threading, '_register_atexit', None)
    with _exit_hook_lock:
        if _exit_hook_installed or register is None:
            return
        try:
            register(_close_after_interrupt)
        except RuntimeError:  # the interpreter is already shutting down
            return
        _exit_hook_installed = True


class ManagerBase(threading.Thread):
    """Lifetime, sockets by key and connection options of a socket manager.

    Args:
        client: a :class:`binance.client.Client`, or ``None`` for market data only.
        user_timeout: seconds between listen-key keepalives, where a venue still
            uses listen keys.
        options: the connection settings of every socket; see
            :class:`~binance.options.ConnectionOptions`. Keyword only.
        heartbeat_timeout, max_message_size, stable_after: the same fields as
            separate keyword arguments (as before ``options`` existed); one that
            differs from its default overrides the field of ``options``.
        ca_file: PEM file of the CA certificates to trust for ``wss://``
            (for example the simulator's ``ca_cert``); certifi's roots when
            ``None``. Read when the manager is created and started, not on
            the reactor thread. Keyword only.

    Raises:
        ReactorStoppedError: the reactor was stopped earlier in this process.
        TypeError: an argument has the wrong type (``user_timeout='x'``,
            ``heartbeat_timeout='30'``, ``max_message_size=1.5``, ``ca_file=3``).
        ValueError: ``user_timeout``, ``heartbeat_timeout``, ``max_message_size``
            or ``stable_after`` is not positive (or not finite).
        OSError: ``ca_file`` cannot be read.
    """

    DEFAULT_USER_TIMEOUT = 30 * 60

    def __init__(self, client: Any, user_timeout: float = DEFAULT_USER_TIMEOUT, *,
                 heartbeat_timeout: Optional[float] = DEFAULT_HEARTBEAT_TIMEOUT,
                 ca_file: Optional[str] = None,
                 max_message_size: int = MAX_MESSAGE_SIZE,
                 stable_after: float = DEFAULT_STABLE_AFTER,
                 options: Optional[ConnectionOptions] = None) -> None:
        _reactor.raise_if_stopped()
        user_timeout = _checks.positive_number('user_timeout', user_timeout)
        if options is not None and not isinstance(options, ConnectionOptions):
            raise TypeError('options must be a ConnectionOptions or None, got {}'.format(
                type(options).__name__))
        options = (options or ConnectionOptions()).merged(
            heartbeat_timeout=heartbeat_timeout, max_message_size=max_message_size,
            stable_after=stable_after)
        ca_file = _checks.optional_path('ca_file', ca_file)
        super().__init__(name='BinanceSocketManager')
        self._client = client
        self._user_timeout = user_timeout
        self._options = options
        self._ca_file = ca_file
        self._load_trust_root()
        self._conns: Dict[str, Any] = {}
        self._telemetry = Telemetry(ServerClock(self._clock_offset)) if options.telemetry else None
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._keeper: Optional[threading.Thread] = None
        self._hook: Optional[int] = None
        self._register_hook()

    # -- what sessions, composite sockets and tools use -----------------------------------

    @property
    def client(self) -> Any:
        """The :class:`~binance.client.Client` given to the constructor (or ``None``)."""
        return self._client

    @property
    def options(self) -> ConnectionOptions:
        """The :class:`~binance.options.ConnectionOptions` of every socket."""
        return self._options

    @property
    def user_timeout(self) -> float:
        """Seconds between listen-key keepalives."""
        return self._user_timeout

    @property
    def ca_file(self) -> Optional[str]:
        """The PEM file of trusted CAs for ``wss://``, or ``None`` for certifi's."""
        return self._ca_file

    def new_connection(self, url: str, callback: Callback, *, name: str,
                       session: Optional[StreamSession] = None, list_messages: bool = False,
                       on_give_up: Optional[Callable[[], None]] = None, delivery: Any = None,
                       streams: Optional[List[str]] = None, queue: Any = None,
                       telemetry_key: Optional[str] = None,
                       options: Optional[ConnectionOptions] = None) -> StreamConnection:
        """A :class:`~binance.connection.StreamConnection` with this manager's options and trust.

        Not registered nor started; see :meth:`open_socket` (or
        :meth:`~binance.composite.CompositeSocket.add_part`). ``options``
        replaces the manager's for this connection (user data sockets use
        their own heartbeat).

        Args:
            delivery: the socket's delivery option (``None``: the manager's).
            streams: the stream names it carries, when not in its URL.
            queue: a queued delivery shared by the parts of one socket.
            telemetry_key: the ``conn_key`` its counters belong to (``name`` by default).
            The others: see :class:`~binance.connection.StreamConnection`.

        Raises:
            TypeError, ValueError: see :class:`~binance.connection.StreamConnection`.
        """
        return StreamConnection(url, callback, name=name, options=options or self._options,
                                session=session, list_messages=list_messages,
                                on_give_up=on_give_up, ca_file=self._ca_file,
                                delivery=delivery, streams=streams, queue=queue,
                                stats=self.socket_stats(telemetry_key or name))

    def socket_stats(self, conn_key: str) -> Optional[SocketStats]:
        """The telemetry counters of ``conn_key`` (created on first use); ``None`` when off."""
        return self._telemetry.socket(conn_key) if self._telemetry is not None else None

    def stats(self) -> Dict[str, Any]:
        """A snapshot of every socket's telemetry, as plain dicts (any thread).

        ``{'sockets': {conn_key: {...}}, 'totals': {...}, 'budgets': {host: {...}}}``:
        per socket its state, messages, bytes, connects, reconnects by reason,
        last message age, event-time latency percentiles (ms) and queue
        counters; per stream of a multiplex the same; per venue host the
        connection-attempt budget. See the "Staying up at scale" page.
        """
        if self._telemetry is None:
            snapshot: Dict[str, Any] = {'sockets': {}, 'totals': None}
        else:
            snapshot = self._telemetry.snapshot()
        with self._lock:
            conns = dict(self._conns)
        for key, socket in conns.items():
            entry = snapshot['sockets'].setdefault(key, {})
            entry['state'] = socket.state.value
        snapshot['budgets'] = {str(key): budget.snapshot() for key, budget in budgets().items()}
        return snapshot

    def _clock_offset(self) -> float:
        """Server minus local time in ms, as the client last measured it (0 without a client)."""
        offset = getattr(self._client, 'timestamp_offset', 0)
        return offset if isinstance(offset, (int, float)) and not isinstance(offset, bool) else 0

    def open_connection(self, conn_key: str, url: str, callback: Callback, *,
                        session: Optional[StreamSession] = None,
                        list_messages: bool = False, delivery: Any = None,
                        options: Optional[ConnectionOptions] = None) -> ConnKey:
        """Open a connection (with a session, for user data) under ``conn_key``.

        Args:
            conn_key: the key :meth:`connection` and ``stop_socket`` take; also
                how logs name the connection (never a secret).
            url: the URL to dial (with a session: the default it is given).
            callback: called with each message, on the reactor thread.
            session: a :class:`~binance.connection.StreamSession`.
            list_messages: the stream sends JSON arrays.
            delivery: the socket's delivery option (``None``: the manager's).
            options: this connection's options instead of the manager's.

        Returns:
            ``conn_key``, or False if a socket with that key is already open.

        Raises:
            ReactorStoppedError: the reactor was stopped earlier in this process.
            TypeError, ValueError: bad arguments.
        """
        _reactor.raise_if_stopped()
        if self.connection(conn_key) is not None:
            return False
        connection = self.new_connection(url, callback, name=conn_key, session=session,
                                         list_messages=list_messages, delivery=delivery,
                                         options=options)
        return self.open_socket(conn_key, connection)

    def open_socket(self, conn_key: str, socket: Any) -> ConnKey:
        """Register ``socket`` under ``conn_key`` and start it on the reactor thread.

        Args:
            conn_key: the key.
            socket: a :class:`~binance.connection.StreamConnection` or a
                :class:`~binance.composite.CompositeSocket` (anything with
                ``start()``, ``stop()``, ``state``, ``reconnect_count`` and
                ``has_session``).

        Returns:
            ``conn_key``, or False if a socket with that key is already open.

        Raises:
            ReactorStoppedError: the reactor was stopped earlier in this process.
            TypeError: ``conn_key`` is not a string.
        """
        _checks.text('conn_key', conn_key)
        _reactor.raise_if_stopped()
        with self._lock:
            if conn_key in self._conns:
                return False
            self._conns[conn_key] = socket
        self._register_hook()
        self._call(socket.start)
        return conn_key

    def connection(self, conn_key: str) -> Optional[Any]:
        """The socket registered under ``conn_key``, or ``None``."""
        with self._lock:
            return self._conns.get(conn_key)

    # -- lifetime ----------------------------------------------------------------------

    def stop_socket(self, conn_key: str) -> None:
        """Close the socket ``conn_key`` for good; the same stream may be started again.

        An unknown key, and ``False`` (what a ``start_*`` call returns for a
        stream that was already open), change nothing.

        Raises:
            TypeError: ``conn_key`` is not a string.
        """
        if conn_key is False:
            return
        if not isinstance(conn_key, str):
            raise TypeError('conn_key must be the string a start_* method returned, got {}'
                            .format(type(conn_key).__name__))
        with self._lock:
            socket = self._conns.pop(conn_key, None)
        if socket is not None:
            self._call(socket.stop)
            if self._telemetry is not None:
                self._telemetry.remove(conn_key)

    def close(self) -> None:
        """Close every socket of this manager and end its thread, so the program may exit.

        The manager stays usable: sockets started afterwards connect, and a
        :meth:`start` keeps the process alive again until the next ``close()``.
        """
        sockets, closed = self._take_all()
        if sockets and not _reactor.has_stopped():
            self._call(self._stop_all, sockets)
        if self._telemetry is not None:
            for name in self._telemetry.names():
                self._telemetry.remove(name)
        if not _reactor.in_reactor_thread():
            # Queued sockets' workers end after the message they are delivering.
            for socket in sockets:
                join = getattr(socket, 'join_delivery', None)
                if join is not None and not join(5.0):
                    log.warning('%s: the delivery worker is still in the callback after 5 s; '
                                'not waiting for it', getattr(socket, 'name', socket))
        closed.set()

    def start(self) -> None:
        """Make sure the reactor runs and keep the process alive until :meth:`close`.

        The first call starts the manager's own thread. A ``threading.Thread``
        runs only once, so a call after :meth:`close` (the seed's way to
        connect new sockets after closing) starts a fresh internal thread
        named ``BinanceSocketManager-restarted`` that plays the same part;
        the manager's own thread stays finished (``is_alive()`` is False).

        Raises:
            ReactorStoppedError: the reactor was stopped earlier in this process.
            RuntimeError: the manager is already started and not closed.
        """
        _reactor.ensure_running()
        self._load_trust_root()
        with self._lock:
            if self.ident is not None:
                if not self._closed.is_set():
                    raise RuntimeError('this BinanceSocketManager is already started; '
                                       'close() it before starting it again')
                self._closed = threading.Event()
                self._keeper = threading.Thread(target=self._closed.wait,
                                                name='BinanceSocketManager-restarted')
                keeper: Optional[threading.Thread] = self._keeper
            else:
                keeper = None
        _started_managers.add(self)
        _install_exit_hook()
        if keeper is not None:
            keeper.start()
        else:
            super().start()

    def run(self) -> None:
        """The manager's thread: keeps the process alive until :meth:`close`.

        Also ends when the reactor shuts down, and when the main thread ends
        with ``KeyboardInterrupt`` (Ctrl-C), so such programs exit.
        """
        self._closed.wait()

    # -- internals ---------------------------------------------------------------------

    def _trust_urls(self) -> List[str]:
        """The base URLs whose ``wss://`` connections need the trust root (subclasses)."""
        return []

    def _take_all(self) -> 'tuple[List[Any], threading.Event]':
        """Unregister every socket and the shutdown hook; returns the sockets and the close event."""
        with self._lock:
            sockets = list(self._conns.values())
            self._conns.clear()
            hook, self._hook = self._hook, None
            closed = self._closed
        if hook is not None:
            _reactor.remove_shutdown_hook(hook)
        return sockets, closed

    @staticmethod
    def _call(fn: Callable[..., Any], *args: Any) -> None:
        _reactor.call_soon(fn, *args)

    def _stop_all(self, sockets: List[Any]) -> None:
        """Stop ``sockets`` (reactor thread); release the client's REST connections
        if one of them used it (user data fetches keys and tokens over REST)."""
        for socket in sockets:
            socket.stop()
        if any(socket.has_session for socket in sockets):
            self._release_client()

    def _release_client(self) -> None:
        close = getattr(self._client, 'close_connection', None)
        if callable(close):
            try:
                close()
            except Exception:
                log.exception('closing the REST connections of the client failed')

    def _register_hook(self) -> None:
        with self._lock:
            if self._hook is None:
                self._hook = _reactor.add_shutdown_hook(self._on_reactor_shutdown)

    def _load_trust_root(self) -> None:
        """Parse the CA certificates now, off the reactor thread (cached per file).

        certifi's bundle takes milliseconds to parse; done at the first
        ``wss://`` connect it would stall every socket on the reactor thread.
        """
        if self._ca_file is not None or any(
                str(url).startswith('wss:') for url in self._trust_urls()):
            from .tls import load_trust_root
            load_trust_root(self._ca_file)

    def _on_reactor_shutdown(self) -> None:
        """The reactor is shutting down (reactor.stop()); runs on the reactor thread.

        :meth:`close` would skip stopping the sockets, the reactor having
        stopped already; stopped here directly, they end without logging a
        reconnect.
        """
        sockets, closed = self._take_all()
        self._stop_all(sockets)
        closed.set()
