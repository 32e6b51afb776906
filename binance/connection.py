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
import functools
import logging
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Union

import orjson
from autobahn.websocket.util import parse_url
from twisted.internet import defer

from . import _checks
from ._delivery import PayloadHandler, Skips, describe_unexpected, payload_path
from ._timers import cancel_call
from .backoff import BackoffPolicy
from .options import (DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_HEARTBEAT_TIMEOUT, DEFAULT_STABLE_AFTER,
                      MAX_MESSAGE_SIZE, ConnectionOptions)
from .protocol import AttemptOutcome, StreamClientFactory, StreamClientProtocol
from .tls import client_tls_options, load_trust_root

__all__ = ['ConnectionState', 'StreamConnection', 'StreamSession', 'TRANSITIONS',
           'MAX_RETRIES_MESSAGE', 'DEFAULT_HEARTBEAT_TIMEOUT', 'DEFAULT_STABLE_AFTER',
           'DEFAULT_HANDSHAKE_TIMEOUT']

log = logging.getLogger(__name__)

#: The message the callback receives once when a socket gives up (as python-binance sent it).
MAX_RETRIES_MESSAGE = 'Max reconnect retries reached'
#: Longest ``Retry-After`` honoured, in seconds (Binance's connection-attempt window).
MAX_RETRY_AFTER = 300.0


#: Longest name a log line gives a connection; a multiplex key of 1024 streams is far longer.
_MAX_LOG_NAME = 120


def _log_name(name: str) -> str:
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


class StreamConnection:
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
                 on_give_up: Optional[Callable[[], None]] = None, reactor: Any = None) -> None:
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
        if session is None:
            parse_url(url)  # raises ValueError now rather than on the reactor thread
        if ca_file is not None:
            load_trust_root(ca_file)
        if reactor is None:
            from twisted.internet import reactor
        self.url = url
        self.name = _log_name(name or 'stream')
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
        """Seconds of silence before the socket is replaced (``options.heartbeat_timeout``)."""
        return self.options.heartbeat_timeout

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
        self._set_state(ConnectionState.STOPPED)
        self._retire_outgoing()
        self._stop_session()
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

    def deliver(self, message: Any) -> None:
        """Call the user's callback; an exception is logged, never raised."""
        try:
            self._callback(message)
        except Exception:
            log.exception('%s: the callback raised; the socket keeps running', self.name)

    def reconnect_now(self, reason: str) -> None:
        """Replace the open socket with a new one at once; not counted as a failure.

        Make before break: the old socket keeps delivering until the new one
        is open, then it is closed with a closing handshake, still delivering
        what the server sent on it before it saw the close; so a server
        rotation loses no message (one published during the switch may
        arrive twice, and the two sockets' messages may interleave then).
        """
        old = self._protocol
        if old is None or self._state is not ConnectionState.OPEN:
            return
        log.info('%s: %s; opening a new socket now', self.name, reason)
        self._retire_outgoing()  # a socket still held from an earlier switch
        self._outgoing = old
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
            self._open(self.url)
            return
        d = defer.maybeDeferred(self._session.connect_url, self.url)
        d.addCallbacks(self._url_ready, self._url_failed,
                       callbackArgs=(generation,), errbackArgs=(generation,))

    def _url_ready(self, url: str, generation: int) -> None:
        if generation == self._generation and self._state is ConnectionState.CONNECTING:
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
        if self._session is not None:
            self._call_session('on_open', protocol)

    def _delivery_path(self, protocol: StreamClientProtocol) -> PayloadHandler:
        """The function that takes the messages of ``protocol``, built when it opens.

        Without a session: :func:`binance._delivery.payload_path` around the
        callback. Until the socket delivered its first message the callback
        is wrapped so that this delivery proves the connection a success
        (see :meth:`_proven_by`); then the socket switches to a handler
        around the bare callback, so later messages pay nothing for it.
        With a session every message takes the protocol's general path to
        :meth:`_dispatch`, since the session sees each one first.
        """
        general = protocol._on_payload
        if self._session is not None:
            return general
        callback = self._callback

        def on_shutdown() -> None:
            self.reconnect_now('the server announced a shutdown')

        build = functools.partial(
            payload_path, name=self.name, general=general, reject=protocol._reject,
            combined='streams' in protocol.factory.params, on_shutdown=on_shutdown,
            lists=self.list_messages, skip=self._skipped)
        steady = build(callback)

        def first_delivery(message: Any) -> None:
            if protocol._on_payload is proving:
                protocol._on_payload = steady
            self._proven_by(protocol)
            callback(message)

        proving = build(first_delivery)
        return proving

    def _dispatch(self, message: Any, protocol: Optional[StreamClientProtocol] = None) -> None:
        """Route one decoded message of the general path: shutdown notice, session, callback.

        Args:
            message: the decoded message.
            protocol: the socket it came on; its first delivered message
                proves it a success.
        """
        if type(message) is dict and (message.get('e') == 'serverShutdown'
                                      or message.get('stream') == '!serverShutdown'):
            self.reconnect_now('the server announced a shutdown')
            return
        session = self._session
        if session is not None:
            try:
                message = session.on_message(message)
            except Exception:
                log.exception('%s: the session failed on a message; skipped', self.name)
                return
            if message is None:
                return
        if type(message) is not dict and not (self.list_messages and type(message) is list):
            self._skipped('unexpected JSON', describe_unexpected(message))
            return
        if not self._proven and protocol is not None:
            self._proven_by(protocol)
        self.deliver(message)

    def _skipped(self, kind: str, detail: str) -> None:
        """A message was not delivered (see :class:`binance._delivery.Skips`)."""
        self.skips.skip(kind, detail)

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
            # The socket being replaced ended before its successor opened.
            self._outgoing = None
            if self._session is not None:
                self._call_session('on_close')
            return
        if factory is not self._factory:
            return  # a replaced attempt finishing late
        was_open = self._protocol is not None
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
        self._retry_or_give_up(outcome.retry_after)

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
        self._set_state(ConnectionState.GAVE_UP)
        self._retire_outgoing()
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
            if self._session is not None:
                self._call_session('on_close')

    def _forget_attempt(self, was_open: bool) -> None:
        self._factory = None
        self._connector = None
        self._protocol = None
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
