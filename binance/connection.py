"""One stream key kept alive: connect, reconnect, heartbeat settings, dispatch.

A :class:`StreamConnection` is what survives reconnects (the factory side of
Twisted's protocol/factory split). It owns the URL, the user's callback, its
:class:`~binance.options.ConnectionOptions` (retry policy, heartbeat,
handshake timeout, ``stable_after``, message size limit), the TLS trust and a
named :class:`ConnectionState`:

``NEW`` -> ``CONNECTING`` -> ``OPEN`` -> (lost) -> ``BACKING_OFF`` ->
``CONNECTING`` -> ... ; ``GAVE_UP`` after too many failed retries in a row;
``STOPPED`` after :meth:`StreamConnection.stop`. Every move is checked against
:data:`TRANSITIONS`.

Each attempt has its own factory; its protocol reports how the attempt ended
as one :class:`~binance.protocol.AttemptOutcome` value, and the connection
decides what follows. When a socket opens, the connection builds the function
that takes its messages (:meth:`StreamConnection._delivery_path`, see
:mod:`binance._delivery`).

Rules kept here:

* A lost or failed connection is retried with the backoff policy. A
  connection counts as a success, and resets the count, only once it
  delivered a data message or stayed open for ``stable_after`` seconds: a
  server that accepts and closes at once is retried with growing delays and
  given up on like one that refuses (Binance bans clients that open more than
  300 connections in 5 minutes). After
  ``policy.max_retries`` failed retries in a row the callback receives exactly
  one ``{'e': 'error', 'm': 'Max reconnect retries reached'}`` and nothing is
  retried any more.
* A refused handshake carrying ``Retry-After`` (HTTP 429, 418, 503) delays
  the next retry at least that long (at most :data:`MAX_RETRY_AFTER`).
* ``serverShutdown`` (raw ``{"e": "serverShutdown"}`` or combined stream
  ``!serverShutdown``) makes the connection open a new socket at once; the
  old one keeps delivering until the new one is open (no gap in the data).
  That is not a failure and the event is not delivered.
* A callback that raises is logged with its traceback; the socket goes on.
* Every method runs on the reactor thread; every timer goes through the
  injected reactor, so tests drive time with ``MemoryReactorClock``.

Extension point for user-data sockets
-------------------------------------
Pass a :class:`StreamSession` (subclass it) as ``session=``; it is attached to
the connection (``session.connection``) and called on the reactor thread:

* ``connect_url(url)`` before every attempt: return the URL to dial, or a
  Deferred firing with it (for instance after fetching a listen key off the
  reactor thread). A failure counts as a failed attempt.
* ``on_open(protocol)`` once the socket is open: send a subscription with
  ``self.connection.send({...})``.
* ``on_message(message)`` for each decoded message before the callback:
  return what the callback should get (e.g. the unwrapped ``event``), or
  ``None`` to swallow it (a request's response, a keepalive answer).
* ``on_close()`` when an open socket closed (a reconnect may follow).
* ``on_stop()`` once, when the connection stops for good or gives up: release
  timers and server-side resources.

A session whose new socket is not ready at once (a subscription must be
confirmed first) sets ``holds_outgoing = True``: after
:meth:`~StreamConnection.reconnect_now` the replaced socket then keeps
delivering until the session calls :meth:`~StreamConnection.release_outgoing`,
which closes it with a closing handshake so what it still carries arrives;
``on_close()`` runs when it is gone (while :attr:`~StreamConnection.protocol`
is the new socket). Messages of both sockets reach ``on_message`` meanwhile.

From the session, ``self.connection`` offers :meth:`~StreamConnection.send`,
:meth:`~StreamConnection.deliver` (call the user's callback safely),
:meth:`~StreamConnection.reconnect_now` (e.g. on ``listenKeyExpired``; not a
failure), :meth:`~StreamConnection.fail_attempt` (the socket opened but, for
example, the subscription was refused: counts as a failed retry),
:meth:`~StreamConnection.give_up` and :attr:`~StreamConnection.clock`.
URLs a session returns are never logged (they may carry a listen key); logs
name the connection by its ``name``.
"""
import enum
import logging
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple, Union

import orjson
from autobahn.websocket.util import parse_url
from twisted.internet import defer

from . import _checks
from ._attempts import AttemptBudget, budget_for, budget_key
from ._delivery import Skips
from ._handoff import Handoff
from ._paths import MessagePaths, _ReadingSwitch
from ._timers import cancel_call
from ._upkeep import Upkeep
from .backoff import BackoffPolicy
from .delivery import DeliveryOptions, QueuedDelivery
from .options import (DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_HEARTBEAT_TIMEOUT, DEFAULT_STABLE_AFTER,
                      MAX_MESSAGE_SIZE, ConnectionOptions)
from .protocol import AttemptOutcome, StreamClientFactory, StreamClientProtocol
from .streams import url_streams
from .tls import client_tls_options, load_trust_root

__all__ = ['ConnectionState', 'StreamConnection', 'StreamSession', 'TRANSITIONS', 'url_streams',
           'MAX_RETRIES_MESSAGE', 'DEFAULT_HEARTBEAT_TIMEOUT', 'DEFAULT_STABLE_AFTER',
           'DEFAULT_HANDSHAKE_TIMEOUT']

log = logging.getLogger(__name__)

#: The message the callback receives once when a socket gives up (as python-binance sent it).
MAX_RETRIES_MESSAGE = 'Max reconnect retries reached'
#: Longest ``Retry-After`` honoured, in seconds (Binance's connection-attempt window).
MAX_RETRY_AFTER = 300.0


#: Longest name a log line gives a connection; a multiplex key of 1024 streams is far longer.
_MAX_LOG_NAME = 120


def log_name(name: str) -> str:
    """``name`` as log lines show it: cut short when long, with its length."""
    if len(name) <= _MAX_LOG_NAME:
        return name
    return '{}... ({} characters)'.format(name[:_MAX_LOG_NAME - 30], len(name))


class ConnectionState(enum.Enum):
    """Where a :class:`StreamConnection` is in its life."""

    NEW = 'new'
    CONNECTING = 'connecting'
    OPEN = 'open'
    BACKING_OFF = 'backing off'
    GAVE_UP = 'gave up'
    STOPPED = 'stopped'


_S = ConnectionState
#: Every state a connection may move to from each state; any other move is a bug.
TRANSITIONS: Dict[ConnectionState, FrozenSet[ConnectionState]] = {
    _S.NEW: frozenset({_S.CONNECTING, _S.STOPPED}),
    _S.CONNECTING: frozenset({_S.OPEN, _S.BACKING_OFF, _S.GAVE_UP, _S.STOPPED}),
    # OPEN -> CONNECTING: reconnect_now() (server shutdown, new listen key).
    _S.OPEN: frozenset({_S.CONNECTING, _S.BACKING_OFF, _S.GAVE_UP, _S.STOPPED}),
    _S.BACKING_OFF: frozenset({_S.CONNECTING, _S.GAVE_UP, _S.STOPPED}),
    _S.GAVE_UP: frozenset({_S.STOPPED}),
    _S.STOPPED: frozenset(),
}
del _S


class StreamSession:
    """Hooks for connections whose messages need more than decoding.

    The default implementation changes nothing; subclass it and override
    what you need (see the module docstring). :attr:`connection` is set by
    the connection that owns the session.
    """

    connection: Optional['StreamConnection'] = None
    #: Keep a replaced socket until :meth:`StreamConnection.release_outgoing`.
    holds_outgoing = False
    #: The socket carries market streams (a session that subscribes them):
    #: the silent-stream watchdog, the market heartbeat and the de-duplication
    #: of a switch apply as without a session. False for user data.
    market_data = False

    def attach(self, connection: 'StreamConnection') -> None:
        """Called once by the owning connection."""
        self.connection = connection

    def connect_url(self, url: str) -> Union[str, defer.Deferred]:
        """The URL for the next attempt (or a Deferred firing with it)."""
        return url

    def on_open(self, protocol: StreamClientProtocol) -> None:
        """The socket is open."""

    def on_message(self, message: Any) -> Any:
        """Transform ``message`` for the callback; ``None`` swallows it."""
        return message

    def on_close(self) -> None:
        """An open socket closed; a reconnect may follow."""

    def on_stop(self) -> None:
        """The connection stopped for good or gave up."""


class StreamConnection(MessagePaths):
    """Keeps one stream key connected and delivers its messages to a callback.

    Args:
        url: ``ws://`` or ``wss://`` URL (with a session: the default passed
            to ``session.connect_url``).
        callback: called with each decoded message, on the reactor thread.
        name: how logs name this connection (the ``conn_key``, cut short when
            long); never a secret.
        options: the retry policy, heartbeat, handshake timeout, ``stable_after``
            and message size limit as one :class:`~binance.options.ConnectionOptions`;
            the keyword arguments below that differ from their defaults
            override its fields.
        policy: the reconnect policy; the options' ``retry`` if ``None``.
        heartbeat_timeout: seconds of silence before the socket is dropped and
            replaced; ``None`` turns the check off.
        handshake_timeout: seconds allowed to connect and shake hands.
        stable_after: seconds an open socket must last, if it delivers no data
            message, before it counts as a successful connection (resetting
            the retry count).
        max_message_size: largest message accepted, in bytes; a bigger one
            fails the connection (close code 1009) and is never delivered.
        ca_file: PEM file of CAs to trust for ``wss://``; certifi's roots if ``None``.
        session: a :class:`StreamSession` for user-data sockets.
        list_messages: the stream sends JSON arrays (all-market ``@arr``
            streams); otherwise only JSON objects are delivered and anything
            else (``123``, ``null``, ``[]``) is skipped.
        on_give_up: called once, instead of delivering the error message to
            the callback, when the connection gives up (a composite socket
            reports for all its parts).
        delivery: how messages reach the callback (``'inline'``, ``'queue'``,
            a policy name or a :class:`~binance.delivery.DeliveryOptions`);
            the options' ``delivery`` if ``None``.
        streams: the stream names the socket carries, for the silent-stream
            watchdog; read from ``url`` if ``None`` (none with a session).
        stats: the :class:`~binance.telemetry.SocketStats` to count into, or
            ``None``.
        queue: a :class:`~binance.delivery.QueuedDelivery` shared with other
            connections (the parts of one socket), which its owner starts and
            stops; ``delivery`` is then ignored.
        reactor: provides ``connectTCP``, ``connectSSL`` and ``callLater``;
            the global reactor if ``None``.

    Raises:
        TypeError: ``callback`` is not callable, or an argument has the wrong type.
        ValueError: bad URL, or a timeout, ``stable_after`` or
            ``max_message_size`` that is not positive.
        OSError: ``ca_file`` cannot be read.
    """

    def __init__(self, url: str, callback: Callable[[Any], Any], *, name: Optional[str] = None,
                 options: Optional[ConnectionOptions] = None,
                 policy: Optional[BackoffPolicy] = None,
                 heartbeat_timeout: Optional[float] = DEFAULT_HEARTBEAT_TIMEOUT,
                 handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT,
                 stable_after: float = DEFAULT_STABLE_AFTER,
                 max_message_size: int = MAX_MESSAGE_SIZE,
                 ca_file: Optional[str] = None, session: Optional[StreamSession] = None,
                 list_messages: bool = False,
                 on_give_up: Optional[Callable[[], None]] = None, delivery: Any = None,
                 streams: Optional[Sequence[str]] = None, stats: Any = None,
                 queue: Optional[QueuedDelivery] = None, reactor: Any = None) -> None:
        if not callable(callback):
            raise TypeError('callback must be callable')
        url = _checks.text('url', url)
        if name is not None:
            name = _checks.text('name', name)
        if options is not None and not isinstance(options, ConnectionOptions):
            raise TypeError('options must be a ConnectionOptions or None, got {}'.format(
                type(options).__name__))
        if policy is not None and not isinstance(policy, BackoffPolicy):
            raise TypeError('policy must be a BackoffPolicy or None, got {}'.format(
                type(policy).__name__))
        if session is not None and not isinstance(session, StreamSession):
            raise TypeError('session must be a StreamSession or None, got {}'.format(
                type(session).__name__))
        if on_give_up is not None and not callable(on_give_up):
            raise TypeError('on_give_up must be callable or None, got {}'.format(
                type(on_give_up).__name__))
        options = (options or ConnectionOptions()).merged(
            heartbeat_timeout=heartbeat_timeout, handshake_timeout=handshake_timeout,
            stable_after=stable_after, max_message_size=max_message_size)
        if policy is not None:
            options = options.replace(retry=policy)
        ca_file = _checks.optional_path('ca_file', ca_file)
        list_messages = _checks.flag('list_messages', list_messages)
        delivery = options.delivery if delivery is None else DeliveryOptions.coerce(delivery)
        if streams is not None:
            if not isinstance(streams, (list, tuple)) or not all(
                    isinstance(name, str) for name in streams):
                raise TypeError('streams must be a list of stream names or None')
        elif session is None:
            streams = url_streams(url)
        if stats is not None and not callable(getattr(stats, 'on_chunk', None)):
            raise TypeError('stats must be a SocketStats or None, got {}'.format(
                type(stats).__name__))
        if queue is not None:
            if not isinstance(queue, QueuedDelivery):
                raise TypeError('queue must be a QueuedDelivery or None, got {}'.format(
                    type(queue).__name__))
            delivery = DeliveryOptions('queue', queue.policy, queue.maxsize)
        if session is None:
            parse_url(url)  # raises ValueError now rather than on the reactor thread
        if ca_file is not None:
            load_trust_root(ca_file)
        if reactor is None:
            from twisted.internet import reactor
        self.url = url
        self.name = log_name(name or 'stream')
        #: The :class:`~binance.options.ConnectionOptions` every attempt uses.
        self.options = options
        self.ca_file = ca_file
        self.list_messages = list_messages
        #: Messages received but not delivered (invalid JSON, binary, unexpected types).
        self.skips = Skips(self.name)
        self.opened_count = 0
        self._callback = callback
        self._on_give_up = on_give_up
        self._reactor = reactor
        self._session = session
        self._state = ConnectionState.NEW
        self._retry = 0
        self._retry_at_open = 0
        self._generation = 0
        self._timer: Optional[Any] = None
        self._stable_timer: Optional[Any] = None
        self._proven = False
        self._factory: Optional[StreamClientFactory] = None
        self._connector: Optional[Any] = None
        self._protocol: Optional[StreamClientProtocol] = None
        self._session_stopped = False
        self._outgoing: Optional[StreamClientProtocol] = None
        self._stop_waiters: List[defer.Deferred] = []
        #: How messages reach the callback (a :class:`~binance.delivery.DeliveryOptions`).
        self.delivery = delivery
        #: The stream names this socket carries (for the watchdog; empty for user data).
        self.streams: Tuple[str, ...] = tuple(streams or ())
        #: The :class:`~binance.telemetry.SocketStats` counted into, or ``None``.
        self.stats = stats
        if stats is not None:
            # A session may carry streams its URL does not name: count those per message.
            stats.expect_streams(self.streams if session is None else ())
        self._market = session is None or session.market_data
        self._queue: Optional[QueuedDelivery] = queue
        self._owns_queue = queue is None
        self._sink: Callable[[Any], Any] = callback if queue is None else queue.put
        self._budget_wait: Optional[defer.Deferred] = None
        self._grant: Optional[Any] = None
        self._attempt_budget: Optional[AttemptBudget] = None
        self._handoff: Optional[Handoff] = None
        bounds = options.silence_bounds
        bound = (bounds.bound_for_streams(self.streams)
                 if bounds is not None and self._market and self.streams else None)
        self._upkeep = Upkeep(self, bound, options.rotate_after, options.rotate_jitter)
        if session is not None:
            session.attach(self)

    def __repr__(self) -> str:
        return '<StreamConnection {} {}>'.format(self.name, self._state.value)

    # -- what callers see --------------------------------------------------------------

    @property
    def state(self) -> ConnectionState:
        """The current :class:`ConnectionState`."""
        return self._state

    @property
    def clock(self) -> Any:
        """The ``IReactorTime`` used for every timer of this connection."""
        return self._reactor

    @property
    def policy(self) -> BackoffPolicy:
        """The reconnect policy (``options.retry``)."""
        return self.options.retry

    @property
    def heartbeat_timeout(self) -> Optional[float]:
        """Seconds of silence before the socket is replaced: ``options.heartbeat_timeout``,
        or ``options.user_heartbeat_timeout`` for user data."""
        if self._market:
            return self.options.heartbeat_timeout
        return self.options.user_heartbeat

    @property
    def samples_on_receive(self) -> bool:
        """True when latency is sampled as messages are read (inline delivery with telemetry);
        a queued socket samples as its worker calls the callback."""
        return self.stats is not None and not self.delivery.queued

    @property
    def upkeep(self) -> Upkeep:
        """The silent-stream watchdog and planned rotation of this connection."""
        return self._upkeep

    @property
    def queue(self) -> Optional[QueuedDelivery]:
        """The queue and worker of a queued socket (once started), else ``None``."""
        return self._queue

    @property
    def stable_after(self) -> float:
        """Seconds open that count as a success (``options.stable_after``)."""
        return self.options.stable_after

    @property
    def retry_number(self) -> int:
        """Number of the retry scheduled or under way; 0 until the first failure
        and again after every successful connection (one that delivered data or
        stayed open for ``stable_after`` seconds)."""
        return self._retry

    @property
    def reconnect_count(self) -> int:
        """How many times the socket opened again after its first connection."""
        return max(0, self.opened_count - 1)

    @property
    def has_session(self) -> bool:
        """True for a connection with a :class:`StreamSession` (user data)."""
        return self._session is not None

    @property
    def protocol(self) -> Optional[StreamClientProtocol]:
        """The open socket, or ``None``."""
        return self._protocol

    def start(self) -> None:
        """Connect for the first time (reactor thread).

        A connection stopped before it started (``stop_socket`` from another
        thread overtook the queued start) stays stopped, quietly.

        Raises:
            RuntimeError: the connection was already started.
        """
        if self._state is ConnectionState.STOPPED:
            return
        if self._state is not ConnectionState.NEW:
            raise RuntimeError('{!r} was already started'.format(self))
        if self.delivery.queued and self._owns_queue:
            self._start_queue()
        elif self._queue is not None and self.stats is not None:
            self.stats.queue = self._queue.counters
        self._connect()

    def stop(self) -> defer.Deferred:
        """Close the socket for good; no reconnect follows (reactor thread).

        Returns:
            A Deferred that fires once the TCP connection is gone.
        """
        if self._state is ConnectionState.STOPPED:
            return self._stopped_deferred()
        self._generation += 1
        self._cancel_timer()
        self._cancel_stable_timer()
        self._cancel_budget_wait()
        self._set_state(ConnectionState.STOPPED)
        self._handoff = None
        self._retire_outgoing()
        self._upkeep.stop()
        self._stop_session()
        if self._queue is not None and self._owns_queue:
            self._queue.stop()
        if self._factory is None:
            return defer.succeed(None)
        waiter = self._stopped_deferred()
        if self._protocol is not None:
            self._protocol.sendClose(code=1000)
        else:
            self._abort_attempt(self._factory)
        return waiter

    def send(self, message: Union[bytes, str, dict, list]) -> bool:
        """Send a text message on the open socket; dicts and lists are JSON-encoded.

        Returns:
            False when no socket is open (nothing was sent).
        """
        if self._protocol is None:
            return False
        if isinstance(message, (dict, list)):
            message = orjson.dumps(message)
        elif isinstance(message, str):
            message = message.encode('utf-8')
        self._protocol.sendMessage(message, isBinary=False)
        return True

    def reconnect_now(self, reason: str, label: str = 'switch') -> None:
        """Replace the open socket with a new one at once; not counted as a failure.

        Make before break: the old socket keeps delivering until the new one
        is open, then it is closed with a closing handshake, still delivering
        what the server sent on it before it saw the close; so a server
        rotation loses no message. On market sockets what the new socket
        receives meanwhile is held and, once the old one is gone, delivered
        without what the old one already delivered (:mod:`binance._handoff`):
        no message twice, none lost, in order.

        Args:
            reason: for the log.
            label: the short reason telemetry counts (``'rotation'``...).
        """
        old = self._protocol
        if old is None or self._state is not ConnectionState.OPEN:
            return
        log.info('%s: %s; opening a new socket now', self.name, reason)
        self._retire_outgoing()  # a socket still held from an earlier switch
        self._outgoing = old
        if self._market:
            self._begin_handoff(old)
        if self.stats is not None:
            self.stats.on_reconnect(label)
        self._cancel_stable_timer()
        self._forget_attempt(was_open=False)
        self._connect()

    @property
    def replacing(self) -> bool:
        """True while a socket that reconnect_now() replaced is still delivering."""
        return self._outgoing is not None

    def release_outgoing(self) -> None:
        """Close the socket a reconnect_now() replaced, letting it deliver what it still has.

        For sessions with ``holds_outgoing``, once the new socket is ready.
        """
        old = self._outgoing
        if old is not None:
            old.sendClose(code=1000)

    def fail_attempt(self, reason: str) -> None:
        """Drop the open socket and count it as a failed retry (e.g. a refused subscription)."""
        if self._protocol is None:
            return
        log.warning('%s: %s', self.name, reason)
        self._cancel_stable_timer()
        self._proven = True  # settled: a failure, whatever arrives before the drop
        self._retry = self._retry_at_open
        self._protocol.detach()
        self._protocol.dropConnection(abort=True)

    def give_up(self, reason: str) -> None:
        """Stop retrying now, deliver the error message once and close the socket."""
        if self._state in (ConnectionState.GAVE_UP, ConnectionState.STOPPED):
            return
        log.error('%s: %s', self.name, reason)
        self._give_up()
        if self._protocol is not None:
            self._protocol.detach()
            self._protocol.sendClose(code=1000)
        elif self._factory is not None:
            self._abort_attempt(self._factory)

    # -- the attempt cycle -------------------------------------------------------------

    def _connect(self) -> None:
        self._timer = None
        self._generation += 1
        generation = self._generation
        self._set_state(ConnectionState.CONNECTING)
        if self._session is None:
            self._when_allowed(self.url, generation)
            return
        d = defer.maybeDeferred(self._session.connect_url, self.url)
        d.addCallbacks(self._url_ready, self._url_failed,
                       callbackArgs=(generation,), errbackArgs=(generation,))

    def _url_ready(self, url: str, generation: int) -> None:
        if generation == self._generation and self._state is ConnectionState.CONNECTING:
            self._when_allowed(url, generation)

    def _when_allowed(self, url: str, generation: int) -> None:
        """Dial ``url`` once the venue's attempt budget grants an attempt."""
        try:
            budget = self.options.attempt_budget or budget_for(budget_key(url), self._reactor)
        except ValueError:
            budget = None  # no host: _open fails below and says so
        self._attempt_budget = budget
        if budget is None:
            self._open_checked(url, generation)
            return
        self._budget_wait = wait = budget.request(self.name)
        wait.addCallbacks(self._attempt_granted, self._attempt_cancelled,
                          callbackArgs=(url, generation))

    def _attempt_granted(self, grant: Any, url: str, generation: int) -> None:
        self._budget_wait = None
        if generation == self._generation and self._state is ConnectionState.CONNECTING:
            self._grant = grant
            self._open_checked(url, generation)

    def _attempt_reached_server(self) -> None:
        """The handshake was answered (or failed): the budget counts the attempt from now."""
        grant, self._grant = self._grant, None
        if grant is not None:
            grant.done()

    def _attempt_cancelled(self, failure: Any) -> None:
        self._budget_wait = None
        failure.trap(defer.CancelledError)

    def _cancel_budget_wait(self) -> None:
        wait, self._budget_wait = self._budget_wait, None
        if wait is not None and not wait.called:
            wait.cancel()

    def _open_checked(self, url: str, generation: int) -> None:
        try:
            self._open(url)
        except Exception as exc:
            # Only the exception type: the URL may carry a listen key.
            log.warning('%s: cannot connect (%s)', self.name, type(exc).__name__)
            self._retry_or_give_up()

    def _url_failed(self, failure: Any, generation: int) -> None:
        if generation == self._generation and self._state is ConnectionState.CONNECTING:
            log.warning('%s: could not prepare the connection: %s', self.name,
                        failure.getErrorMessage())
            self._retry_or_give_up()

    def _open(self, url: str) -> None:
        options = self.options
        factory = StreamClientFactory(self, url, self._reactor, options)
        self._factory = factory
        if factory.isSecure:
            tls = client_tls_options(factory.host, self.ca_file)
            self._connector = self._reactor.connectSSL(factory.host, factory.port, factory, tls,
                                                       timeout=options.handshake_timeout)
        else:
            self._connector = self._reactor.connectTCP(factory.host, factory.port, factory,
                                                       timeout=options.handshake_timeout)

    def _protocol_opened(self, protocol: StreamClientProtocol) -> None:
        if protocol.factory is not self._factory or self._state is not ConnectionState.CONNECTING:
            protocol.detach()
            protocol.dropConnection(abort=True)
            return
        self._attempt_reached_server()
        if self._session is None or not self._session.holds_outgoing:
            # Not _retire_outgoing(): detaching would drop what is still in
            # flight on the old socket, published before the new one subscribed.
            self.release_outgoing()
        self._protocol = protocol
        self._retry_at_open = self._retry
        # Opening is not yet success: the first message delivered to the
        # callback or stable_after seconds open reset the retry count.
        self._proven = False
        self._cancel_stable_timer()
        self._stable_timer = self._reactor.callLater(self.stable_after, self._proven_by, protocol)
        self.opened_count += 1
        self._set_state(ConnectionState.OPEN)
        if self.opened_count > 1:
            log.info('%s: reconnected', self.name)
        else:
            log.debug('%s: connected', self.name)
        if self.stats is not None:
            self.stats.on_open()
        if self._queue is not None:
            self._queue.add_producer(_ReadingSwitch(self, protocol))
        self._upkeep.opened(protocol)
        if self._session is not None:
            self._call_session('on_open', protocol)

    def _proven_by(self, protocol: StreamClientProtocol) -> None:
        """The open socket delivered data or lasted stable_after seconds: a success."""
        if protocol is not self._protocol or self._proven:
            return
        self._proven = True
        self._cancel_stable_timer()
        self._retry = 0

    def _attempt_ended(self, factory: StreamClientFactory, outcome: AttemptOutcome) -> None:
        """An attempt's factory reports how it ended (once per attempt)."""
        outgoing = self._outgoing
        if outgoing is not None and factory is outgoing.factory:
            # The socket being replaced is gone (drained after our close, or lost).
            self._outgoing = None
            self._remove_producer(outgoing)
            self._finish_handoff()
            self._upkeep.switched()
            if self._session is not None:
                self._call_session('on_close')
            return
        if factory is not self._factory:
            return  # a replaced attempt finishing late
        self._attempt_reached_server()
        was_open = self._protocol is not None
        if was_open:
            self._remove_producer(self._protocol)
        self._cancel_stable_timer()
        self._forget_attempt(was_open)
        if self._state is ConnectionState.STOPPED:
            waiters, self._stop_waiters = self._stop_waiters, []
            for waiter in waiters:
                waiter.callback(None)
            return
        if self._state is ConnectionState.GAVE_UP:
            return
        self._log_end(was_open, outcome)
        status = outcome.status
        budget = self._attempt_budget
        retry_after = outcome.retry_after
        if status in (429, 418) and retry_after is not None and budget is not None:
            # Binance counts attempts per IP address: every socket of the venue waits,
            # in the budget's queue (a 418 ban may last days: no cap of one socket's).
            budget.pause(retry_after, 'HTTP {} (connection attempts limited)'.format(status))
            retry_after = None
        if self.stats is not None:
            self.stats.on_reconnect(_end_label(was_open, outcome))
        self._retry_or_give_up(retry_after)

    def _retry_or_give_up(self, retry_after: Optional[float] = None) -> None:
        if self.policy.exhausted(self._retry):
            log.error('%s: %d reconnect attempts in a row failed; giving up',
                      self.name, self._retry)
            self._give_up()
            return
        self._retry += 1
        delay = self.policy.delay(self._retry)
        if retry_after is not None and retry_after > delay:
            # The server said when it will take connections again (HTTP 429/418/503):
            # coming back earlier would only burn an attempt of the 300 per 5 minutes.
            delay = min(retry_after, MAX_RETRY_AFTER)
            log.warning('%s: the server asked to retry after %g s', self.name, delay)
        self._set_state(ConnectionState.BACKING_OFF)
        log.debug('%s: retry %d in %.2f s', self.name, self._retry, delay)
        self._timer = self._reactor.callLater(delay, self._connect)

    def _give_up(self) -> None:
        self._cancel_timer()
        self._cancel_stable_timer()
        self._cancel_budget_wait()
        self._set_state(ConnectionState.GAVE_UP)
        self._handoff = None
        self._retire_outgoing()
        self._upkeep.stop()
        self._stop_session()
        if self._on_give_up is not None:
            try:
                self._on_give_up()
            except Exception:
                log.exception('%s: on_give_up failed', self.name)
        else:
            self.deliver({'e': 'error', 'm': MAX_RETRIES_MESSAGE})

    # -- helpers -----------------------------------------------------------------------

    def _set_state(self, state: ConnectionState) -> None:
        if state not in TRANSITIONS[self._state]:
            raise RuntimeError('{!r}: no transition from {} to {}'.format(
                self, self._state.value, state.value))
        self._state = state

    def _cancel_timer(self) -> None:
        cancel_call(self._timer)
        self._timer = None

    def _cancel_stable_timer(self) -> None:
        cancel_call(self._stable_timer)
        self._stable_timer = None

    def _stopped_deferred(self) -> defer.Deferred:
        if self._factory is None:
            return defer.succeed(None)
        waiter: defer.Deferred = defer.Deferred()
        self._stop_waiters.append(waiter)
        return waiter

    def _retire_outgoing(self) -> None:
        """Close the socket a reconnect_now() replaced, if it is still there."""
        old, self._outgoing = self._outgoing, None
        if old is not None:
            old.detach()
            old.sendClose(code=1000)
            self._remove_producer(old)
            self._finish_handoff()
            self._upkeep.switched()
            if self._session is not None:
                self._call_session('on_close')

    def _forget_attempt(self, was_open: bool) -> None:
        self._factory = None
        self._connector = None
        self._protocol = None
        self._upkeep.closed()
        if was_open and self._session is not None:
            self._call_session('on_close')

    def _abort_attempt(self, factory: StreamClientFactory) -> None:
        proto = factory.last_protocol
        transport = getattr(proto, 'transport', None)
        if transport is not None:
            transport.abortConnection()
        elif self._connector is not None:
            self._connector.stopConnecting()

    def _stop_session(self) -> None:
        if self._session is not None and not self._session_stopped:
            self._session_stopped = True
            self._call_session('on_stop')

    def _call_session(self, hook: str, *args: Any) -> None:
        try:
            getattr(self._session, hook)(*args)
        except Exception:
            log.exception('%s: session %s failed', self.name, hook)

    def _log_end(self, was_open: bool, outcome: AttemptOutcome) -> None:
        if outcome.tls_failure is not None:
            log.error('%s: TLS handshake failed, the server certificate was not accepted (%s); '
                      'if the server uses a private CA, pass its PEM file as ca_file',
                      self.name, outcome.tls_failure)
        elif was_open:
            log.warning('%s: connection lost (%s); reconnecting', self.name, outcome.reason)
        else:
            log.warning('%s: connection failed (%s)', self.name, outcome.reason)


def _end_label(was_open: bool, outcome: AttemptOutcome) -> str:
    """The short reason telemetry counts for an attempt that ended."""
    if outcome.status is not None and outcome.status != 101:
        return 'refused (HTTP {})'.format(outcome.status)
    if outcome.tls_failure is not None:
        return 'TLS failure'
    if 'heartbeat' in (outcome.reason or ''):
        return 'heartbeat'
    return 'lost' if was_open else 'failed'
