"""User data sockets: account, order and balance events, whatever transport the venue needs.

:class:`~binance.websockets.BinanceSocketManager` calls :func:`open_user_socket`,
:func:`open_margin_socket` and :func:`open_isolated_margin_socket`. Each builds
a :class:`~binance.connection.StreamConnection` with a session (the
connection's extension point) that hides the transport, so the user's callback
gets the bare event dicts python-binance delivered:

* **binance.com and the testnet** (:class:`SignatureSubscription`): connect to
  the WebSocket API (``manager.WS_API_URL``), subscribe with
  ``userDataStream.subscribe.signature`` (HMAC-SHA256 over the sorted
  parameters), unwrap every ``{"subscriptionId", "event"}``, subscribe again
  after every reconnect and unsubscribe on stop. A subscription request left
  unanswered for ``REQUEST_TIMEOUT`` seconds (10) counts as a failed attempt.
* **Venues with listen keys** (Binance US, :class:`ListenKeyStream`): ``POST``
  for the key off the reactor thread, connect to ``STREAM_URL + 'ws/<key>'``
  and keep the key alive every ``user_timeout`` seconds; on ``-1125``,
  ``listenKeyExpired`` or a changed key, reconnect with the new key. The key
  is never deleted on stop: other processes of the account share it.
* **Margin and isolated margin** (:class:`ListenTokenSubscription`): a listen
  token from ``POST /sapi/v1/userListenToken`` and
  ``userDataStream.subscribe.listenToken``, renewed ahead of its expiry on the
  same connection, and replaced after ``eventStreamTerminated``. A renewal the
  server refuses (or leaves unanswered) while the current token still works
  keeps the socket and is retried with backoff.

After every reconnect (or switch to a new socket or subscription) the
callback first gets a ``userDataGap`` notice; unless ``reconcile=False``, the
library then fetches what changed meanwhile over REST (off the reactor
thread) and delivers it as the usual events, each once, followed by a
``userDataReconciled`` notice (:mod:`binance._usergap`, :mod:`binance.reconcile`).
User data sockets use ``options.user_heartbeat_timeout`` (10 s by default)
instead of the market sockets' heartbeat.

Keys, tokens and signatures never appear in logs, reprs, errors or
``conn_key`` values.
"""
import logging
from typing import Any, Callable, Dict, Optional, Set

from twisted.internet import defer, threads
from twisted.python.failure import Failure

from . import reconcile as _reconcile
from . import signing, venues
from ._timers import cancel_call
from ._usergap import GapRecovery, _SwitchoverFilter, reconcile_setting
from ._userkeepers import ListenKeyKeepalive, ListenTokenRenewer, Runner
from .connection import StreamConnection, StreamSession
from .exceptions import BinanceAPIException, BinanceWebsocketError

__all__ = [
    'open_user_socket', 'open_margin_socket', 'open_isolated_margin_socket',
    'UserSocketCredentialsError', 'SignatureSubscription', 'ListenKeyStream',
    'ListenTokenSubscription', 'USER_CONN_KEY', 'MARGIN_CONN_KEY', 'ISOLATED_MARGIN_PREFIX',
]

log = logging.getLogger(__name__)

USER_CONN_KEY = 'user'
MARGIN_CONN_KEY = 'margin'
ISOLATED_MARGIN_PREFIX = 'isolated_margin_'

# Binance error codes the sessions react to.
_INVALID_TIMESTAMP = -1021
_ALREADY_SUBSCRIBED = -2035
_AUTH_ERRORS = (-1022, -2014, -2015, -1002)


class UserSocketCredentialsError(BinanceWebsocketError, ValueError):
    """A user data socket was requested without the credentials it needs."""


def _as_int(value: Any) -> int:
    """``value`` as an int, 0 when it is missing or not a number (a malformed answer)."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return 0


def _error_event(message: str) -> Dict[str, str]:
    """The error dict user callbacks already know from python-binance."""
    return {'e': 'error', 'm': message}


def _stop_with_error(connection: StreamConnection, text: str) -> None:
    """A refusal that retrying cannot fix: tell the user once and stop the socket."""
    log.error('%s: %s', connection.name, text)
    connection.deliver(_error_event(text))
    connection.stop()


class _GapAware(StreamSession):
    """A user data session with a :class:`~binance._usergap.GapRecovery` (or ``None``)."""

    _recovery: Optional[GapRecovery] = None

    @property
    def recovery(self) -> Optional[GapRecovery]:
        """The gap notices and reconciliation of this socket (``None``: none)."""
        return self._recovery

    def attach(self, connection: StreamConnection) -> None:
        """Bind to the connection; gap notices and rebuilt events go to its callback."""
        super().attach(connection)
        if self._recovery is not None:
            self._recovery.bind(connection.deliver)

    def _delivered_before(self, event: Any) -> bool:
        """True for an event delivered already (by an earlier socket or a reconciliation)."""
        return self._recovery is not None and not self._recovery.observe(event)

    def _live(self, gapless: bool) -> None:
        """A subscription became live (see :meth:`GapRecovery.live`)."""
        if self._recovery is not None:
            self._recovery.live(gapless=gapless)

    def _stop_recovery(self) -> None:
        if self._recovery is not None:
            self._recovery.stop()


class _WsApiSession(_GapAware):
    """Shared WebSocket API plumbing: requests, responses and event envelopes.

    Events of subscriptions this session replaced or ended are dropped, so a
    renewal that briefly overlaps two subscriptions delivers nothing twice.
    """

    label = 'user data'
    holds_outgoing = True
    #: Seconds a subscription request may stay unanswered before the socket
    #: counts as a failed attempt (class-wide default; ``request_timeout=``
    #: sets it per session).
    REQUEST_TIMEOUT = 10.0

    def __init__(self, manager: Any, request_timeout: Optional[float] = None,
                 recovery: Optional[GapRecovery] = None) -> None:
        self._manager = manager
        self._recovery = recovery
        self.request_timeout = self.REQUEST_TIMEOUT if request_timeout is None else request_timeout
        self._switchover = _SwitchoverFilter()
        self._next_id = 1
        self._pending: Dict[Any, Callable[[Dict[str, Any]], None]] = {}
        self._deadlines: Dict[Any, Any] = {}
        self._current: Optional[int] = None
        self._retired: Set[int] = set()
        self._open = False
        self._stopped = False
        # A replaced socket still subscribed covers the switch: nothing can be missed.
        self._covered = False

    def __repr__(self) -> str:
        return '<{} subscription={} open={}>'.format(type(self).__name__, self._current, self._open)

    @property
    def subscription_id(self) -> Optional[int]:
        """The active subscription's id on the current socket, or ``None``."""
        return self._current

    def connect_url(self, url: str) -> Any:
        """Read ``WS_API_URL`` at connect time, so a class override applies at once."""
        return self._manager.ws_api_url()

    def _request(self, method: str, params: Optional[Dict[str, Any]],
                 on_answer: Callable[[Dict[str, Any]], None], timed: bool = False) -> bool:
        """Send a request; ``timed`` ones fail the attempt when no answer comes in time."""
        request_id = self._next_id
        self._next_id += 1
        request: Dict[str, Any] = {'id': request_id, 'method': method}
        if params is not None:
            request['params'] = params
        self._pending[request_id] = on_answer
        assert self.connection is not None
        sent = self.connection.send(request)
        if not sent:
            self._pending.pop(request_id, None)
        elif timed and self.request_timeout and self.request_timeout > 0:
            self._deadlines[request_id] = self.connection.clock.callLater(
                self.request_timeout, self._unanswered, request_id, method)
        return sent

    def _forget_requests(self) -> None:
        """Drop every request in flight and its deadline (the socket is gone or new)."""
        self._pending.clear()
        deadlines, self._deadlines = self._deadlines, {}
        for call in deadlines.values():
            cancel_call(call)

    def _unanswered(self, request_id: Any, method: str) -> None:
        """A timed request got no answer: a server that ignores us must not leave us waiting."""
        self._deadlines.pop(request_id, None)
        if self._pending.pop(request_id, None) is None:
            return
        connection = self.connection
        if self._stopped or not self._open or connection is None:
            return
        text = '{} got no answer within {:g} s'.format(method, self.request_timeout)
        if self._current is not None:
            # A renewal on a socket that is still subscribed: keep delivering.
            self._renewal_refused(text)
            return
        # The socket is useless without its subscription. A replaced socket held
        # for the switch is released now (it drains what it still has) rather
        # than kept for as long as the retries take.
        connection.release_outgoing()
        connection.fail_attempt(text)

    def _renewal_refused(self, text: str) -> None:
        """A new subscription on an already subscribed socket failed (subclasses retry)."""
        log.warning('%s: %s; the current subscription goes on', self._name(), text)

    def on_open(self, protocol: Any) -> None:
        """The socket opened: subscribe (a replaced socket delivers until that is done)."""
        replacing = self.connection is not None and self.connection.replacing
        if replacing:
            self._switchover.start()
        self._covered = replacing and self._current is not None
        self._open = True
        self._forget_requests()
        self._current = None
        self._retired.clear()
        self.subscribe()

    def subscribe(self) -> None:
        """Send the subscription request (subclasses)."""
        raise NotImplementedError

    def on_message(self, message: Any) -> Any:
        """Unwrap events, route responses, swallow what the callback should not see."""
        if type(message) is not dict:
            return message
        event = message.get('event')
        if event is not None and ('subscriptionId' in message or len(message) == 1):
            sid = message.get('subscriptionId')
            if sid is not None and sid in self._retired:
                return None
            if type(event) is dict:
                kind = event.get('e')
                if kind == 'eventStreamTerminated':
                    self._terminated(sid)
                    return None
                if kind == 'serverShutdown' and self.connection is not None:
                    # The connection handles the bare form; this is the wrapped one.
                    self.connection.reconnect_now('the server announced a shutdown')
                    return None
            if self._switchover.duplicate(event):
                return None
            if self._delivered_before(event):
                return None
            return event
        if 'id' in message and ('status' in message or 'result' in message or 'error' in message):
            request_id = message.get('id')
            if self._deadlines:
                cancel_call(self._deadlines.pop(request_id, None))
            handler = self._pending.pop(request_id, None)
            if handler is not None:
                handler(message)
            else:
                log.debug('%s: answer to an unknown request id', self._name())
            return None
        return message

    def on_close(self) -> None:
        """A socket closed: every subscription on it is gone."""
        self._covered = False
        if self._switchover.socket_closed(self.connection):
            return  # the replaced socket; the current one goes on
        self._open = False
        self._forget_requests()
        self._current = None
        self._retired.clear()

    def on_stop(self) -> None:
        """Unsubscribe (when a socket is open) and release timers."""
        self._stopped = True
        self._switchover.stop()
        self._stop_recovery()
        in_flight = bool(self._pending)
        self._forget_requests()
        if not self._open:
            return
        if self._current is not None:
            self._request('userDataStream.unsubscribe', {'subscriptionId': self._current},
                          lambda answer: None)
        elif in_flight:
            # A subscription is in flight: without an id, unsubscribe ends every
            # subscription of this connection.
            self._request('userDataStream.unsubscribe', None, lambda answer: None)

    def _terminated(self, sid: Optional[int]) -> None:
        """The server ended a subscription (``eventStreamTerminated``)."""
        raise NotImplementedError

    def _subscribed(self, answer: Dict[str, Any]) -> Optional[int]:
        result = answer.get('result')
        sid = result.get('subscriptionId') if isinstance(result, dict) else None
        previous = self._current
        self._current = sid
        if previous is not None and sid is not None and previous != sid:
            # A renewal opened a second subscription; end the first one.
            self._retired.add(previous)
            self._request('userDataStream.unsubscribe', {'subscriptionId': previous},
                          lambda _answer: None)
        log.debug('%s: subscribed', self._name())
        if self.connection is not None:
            self.connection.release_outgoing()
        if previous is None:
            # A new subscription, not a renewal: events may have been missed since the
            # last one, unless the replaced socket stayed subscribed until now.
            self._live(gapless=self._covered)
        self._covered = False
        return sid

    def _refused(self, answer: Dict[str, Any]) -> BinanceAPIException:
        error = answer.get('error')
        if not isinstance(error, dict):
            error = {}
        return BinanceAPIException(_as_int(answer.get('status')), _as_int(error.get('code')),
                                   str(error.get('msg') or 'subscription refused'),
                                   endpoint='WebSocket API')

    def _fatal(self, text: str) -> None:
        assert self.connection is not None
        _stop_with_error(self.connection, text)

    def _name(self) -> str:
        return self.connection.name if self.connection is not None else self.label

    @staticmethod
    def _ok(answer: Dict[str, Any]) -> bool:
        return answer.get('status') == 200 and 'error' not in answer


class SignatureSubscription(_WsApiSession):
    """Spot user data over the WebSocket API with ``userDataStream.subscribe.signature``.

    Args:
        manager: the socket manager (its ``ws_api_url()`` and ``client``).
        run: runs a blocking call off the reactor (clock resynchronisation).
    """

    def __init__(self, manager: Any, run: Runner = threads.deferToThread,
                 request_timeout: Optional[float] = None,
                 recovery: Optional[GapRecovery] = None) -> None:
        super().__init__(manager, request_timeout, recovery)
        self._client = manager.client
        self._run = run
        self._resynced = False

    def subscribe(self) -> None:
        """Send ``userDataStream.subscribe.signature`` signed with the client's secret."""
        client = self._client
        params: Dict[str, Any] = {'apiKey': client.API_KEY, 'timestamp': client.timestamp()}
        if getattr(client, 'recv_window', None) is not None:
            params['recvWindow'] = client.recv_window
        params['signature'] = signing.hmac_sha256_hex(
            client.API_SECRET, signing.ws_api_signature_payload(params))
        self._request('userDataStream.subscribe.signature', params, self._answered, timed=True)

    def _answered(self, answer: Dict[str, Any]) -> None:
        if self._ok(answer):
            self._resynced = False
            self._subscribed(answer)
            return
        exc = self._refused(answer)
        if exc.code == _ALREADY_SUBSCRIBED and self._current is not None:
            return  # a late duplicate request; the socket is subscribed
        if exc.code == _INVALID_TIMESTAMP and not self._resynced:
            # The local clock is off: measure the server's and sign again, once.
            self._resynced = True
            log.info('%s: timestamp refused; resynchronising the clock', self._name())
            d = defer.maybeDeferred(self._run, self._client.sync_time)
            d.addCallbacks(lambda _offset: self._resubscribe_if_open(),
                           lambda failure: self._give_up_attempt(failure))
            return
        if exc.code in _AUTH_ERRORS:
            self._fatal('user data subscription refused: {} (code {}); check the API key and '
                        'secret given to Client'.format(exc.message, exc.code))
            return
        assert self.connection is not None
        self.connection.fail_attempt('user data subscription refused: {} (code {})'.format(
            exc.message, exc.code))

    def _resubscribe_if_open(self) -> None:
        if self._open and not self._stopped:
            self.subscribe()

    def _give_up_attempt(self, failure: Failure) -> None:
        if self._open and self.connection is not None:
            self.connection.fail_attempt('clock resynchronisation failed: {}'.format(
                failure.getErrorMessage()))

    def _terminated(self, sid: Optional[int]) -> None:
        if sid is not None and sid != self._current:
            return
        log.info('%s: the server ended the subscription; subscribing again', self._name())
        self._current = None
        if self._open and not self._stopped:
            self.subscribe()


class ListenTokenSubscription(_WsApiSession):
    """Margin or isolated margin user data with a listen token on the WebSocket API.

    A fresh token is fetched (off the reactor) before every connection; the
    :class:`~binance._userkeepers.ListenTokenRenewer` renews it ahead of its
    expiry and the session subscribes with the new token on the open socket,
    which extends (or replaces) the subscription with no gap. After
    ``eventStreamTerminated`` the socket reconnects with a new token.

    Args:
        manager: the socket manager (its ``ws_api_url()`` and ``client``).
        isolated_symbol: the isolated margin pair, ``None`` for cross margin.
        run: runs a blocking call off the reactor.
    """

    def __init__(self, manager: Any, isolated_symbol: Optional[str] = None,
                 run: Runner = threads.deferToThread,
                 request_timeout: Optional[float] = None,
                 recovery: Optional[GapRecovery] = None) -> None:
        super().__init__(manager, request_timeout, recovery)
        self.label = 'isolated margin data' if isolated_symbol else 'margin data'
        self._client = manager.client
        self._symbol = isolated_symbol
        self._run = run
        self._token: Optional[str] = None
        self._renewer: Optional[ListenTokenRenewer] = None

    def attach(self, connection: StreamConnection) -> None:
        """Bind to the connection and build the renewal timer on its clock."""
        super().attach(connection)
        self._renewer = ListenTokenRenewer(self._client, self._symbol, self._renewed,
                                           connection.clock, self._run)

    def connect_url(self, url: str) -> Any:
        """Fetch a fresh listen token, then dial the WebSocket API."""
        assert self._renewer is not None
        d = self._renewer.fetch()

        def ready(token: str) -> str:
            self._token = token
            return self._manager.ws_api_url()
        d.addCallback(ready)
        return d

    def subscribe(self) -> None:
        """Send ``userDataStream.subscribe.listenToken`` with the current token."""
        if self._token is not None:
            self._request('userDataStream.subscribe.listenToken', {'listenToken': self._token},
                          self._answered, timed=True)

    def _answered(self, answer: Dict[str, Any]) -> None:
        if self._ok(answer):
            self._subscribed(answer)
            if self._renewer is not None:
                self._renewer.confirmed()
            return
        exc = self._refused(answer)
        assert self.connection is not None
        if self._current is not None:
            # A renewal was refused while the previous token's subscription
            # still delivers: keep the socket, fetch another token later.
            self._renewal_refused('{} renewal refused: {} (code {})'.format(
                self.label, exc.message, exc.code))
            return
        if exc.code in _AUTH_ERRORS:
            self._fatal('{} subscription refused: {} (code {})'.format(
                self.label, exc.message, exc.code))
            return
        # -1209 (token expired or unknown) and anything else: a new socket
        # fetches a new token.
        self.connection.fail_attempt('{} subscription refused: {} (code {})'.format(
            self.label, exc.message, exc.code))

    def _renewal_refused(self, text: str) -> None:
        if self._renewer is not None and not self._stopped:
            self._renewer.retry_later(text)
        else:
            super()._renewal_refused(text)

    def _renewed(self, token: str) -> None:
        self._token = token
        if self._open and not self._stopped:
            log.debug('%s: renewing the listen token subscription', self._name())
            self.subscribe()

    def _terminated(self, sid: Optional[int]) -> None:
        if sid is not None and self._current is not None and sid != self._current:
            return
        self._current = None
        if self.connection is not None and not self._stopped:
            self.connection.reconnect_now('the listen token subscription ended')

    def on_stop(self) -> None:
        """Unsubscribe and stop renewing."""
        super().on_stop()
        if self._renewer is not None:
            self._renewer.stop()


class ListenKeyStream(_GapAware):
    """Spot user data over a listen key, for venues that still have them (Binance US).

    Before every connection the key is fetched with ``POST`` (which returns
    the account's live key, extended, or a new one) off the reactor; a
    :class:`~binance._userkeepers.ListenKeyKeepalive` then ``PUT``s it every
    ``user_timeout`` seconds. ``listenKeyExpired`` or a replaced key makes the
    socket reconnect with the current key. Stopping never deletes the key.

    Args:
        manager: the socket manager (its ``stream_url()``, ``client`` and ``user_timeout``).
        run: runs a blocking call off the reactor.
    """

    holds_outgoing = True

    def __init__(self, manager: Any, run: Runner = threads.deferToThread,
                 recovery: Optional[GapRecovery] = None) -> None:
        self._manager = manager
        self._client = manager.client
        self._run = run
        self._recovery = recovery
        self._switchover = _SwitchoverFilter()
        self._old_key_dead = False  # the socket being replaced no longer receives events
        self._key: Optional[str] = None
        self._keepalive: Optional[ListenKeyKeepalive] = None
        self._stopped = False

    def __repr__(self) -> str:
        return '<ListenKeyStream keepalive={!r}>'.format(self._keepalive)

    @property
    def keepalive(self) -> Optional[ListenKeyKeepalive]:
        """The keepalive timer (for inspection)."""
        return self._keepalive

    def attach(self, connection: StreamConnection) -> None:
        """Bind to the connection and build the keepalive on its clock."""
        super().attach(connection)
        self._keepalive = ListenKeyKeepalive(self._client, self._manager.user_timeout,
                                             self._key_replaced, connection.clock, self._run)

    def connect_url(self, url: str) -> Any:
        """``POST`` for the listen key (off the reactor), then ``STREAM_URL + 'ws/<key>'``."""
        d = self._run(self._client.stream_get_listen_key)
        d.addCallbacks(self._key_ready, self._key_refused)
        return d

    def _key_refused(self, failure: Failure) -> Failure:
        if self._stopped:
            return failure  # stopped while the POST was in flight: the user hears nothing more
        exc = failure.value
        if (isinstance(exc, BinanceAPIException) and self.connection is not None
                and (exc.code in _AUTH_ERRORS or exc.status_code == 410)):
            # A wrong API key or a venue without listen keys: retrying cannot help.
            _stop_with_error(self.connection, 'user data listen key refused: {}'.format(exc))
        return failure

    def _key_ready(self, key: str) -> str:
        assert self._keepalive is not None
        if not self._stopped:
            # POST extended the key's validity: restart the keepalive cadence from now.
            self._key = key
            self._keepalive.start(key)
        base = self._manager.stream_url()
        return '{}/ws/{}'.format(base.rstrip('/'), key)

    def on_open(self, protocol: Any) -> None:
        """Events flow as soon as the socket is open: let a replaced socket drain."""
        assert self.connection is not None
        replacing = self.connection.replacing
        if replacing:
            self._switchover.start()
            self.connection.release_outgoing()
        self._live(gapless=replacing and not self._old_key_dead)
        self._old_key_dead = False

    def on_message(self, message: Any) -> Any:
        """Pass events through; ``listenKeyExpired`` triggers a reconnect with a new key."""
        if type(message) is dict and message.get('e') == 'listenKeyExpired':
            assert self.connection is not None
            self._old_key_dead = True
            self.connection.reconnect_now('the listen key expired')
            return None
        if type(message) is dict and self._switchover.duplicate(message):
            return None
        if self._delivered_before(message):
            return None
        return message

    def on_close(self) -> None:
        """A socket closed (a reconnect may follow)."""
        self._switchover.socket_closed(self.connection)

    def _key_replaced(self, key: str) -> None:
        self._key = key
        if self.connection is not None and not self._stopped:
            self._old_key_dead = True
            self.connection.reconnect_now('the listen key was replaced')

    def on_stop(self) -> None:
        """Stop the keepalive; the key itself is left alone (it may be shared)."""
        self._stopped = True
        self._switchover.stop()
        self._stop_recovery()
        if self._keepalive is not None:
            self._keepalive.stop()


# -- what the socket manager calls ----------------------------------------------------


def _require_credentials(manager: Any, what: str, secret: bool = True) -> Any:
    client = manager.client
    if client is None:
        raise UserSocketCredentialsError(
            '{} needs a Client with an API key and secret: '
            'BinanceSocketManager(Client(api_key, api_secret))'.format(what))
    if not getattr(client, 'API_KEY', None):
        raise UserSocketCredentialsError(
            '{} needs an API key: create the Client with api_key and api_secret'.format(what))
    if secret and not getattr(client, 'API_SECRET', None):
        raise UserSocketCredentialsError(
            '{} needs the API secret to sign its subscription: create the Client with '
            'api_key and api_secret'.format(what))
    return client


def _uses_listen_keys(client: Any) -> bool:
    """The client's venue keeps spot listen keys (Binance US), unless the client says otherwise.

    ``client.use_listen_keys`` (``True``/``False``) forces either model, e.g.
    for a simulator started with ``legacy_listen_keys``.
    """
    forced = getattr(client, 'use_listen_keys', None)
    if forced is not None:
        return bool(forced)
    return venues.for_client(client, venues.SPOT).user_data == venues.LISTEN_KEY


def _recovery(manager: Any, account: str, reconcile: Any,
              isolated_symbol: Optional[str] = None) -> GapRecovery:
    """The gap notices and reconciliation of a new user socket (``reconcile=`` read here)."""
    options = getattr(manager, 'options', None)
    default = getattr(options, 'reconcile_user_data', True)
    enabled, symbols = reconcile_setting(reconcile, default)
    return GapRecovery(manager.client, account, enabled=enabled, symbols=symbols,
                       isolated_symbol=isolated_symbol)


def open_user_socket(manager: Any, callback: Callable[[Any], Any], reconcile: Any = None) -> str:
    """Start the spot user data socket for ``manager``; returns its ``conn_key``.

    Args:
        manager: the socket manager.
        callback: called with each event and notice.
        reconcile: see :meth:`binance.websockets.BinanceSocketManager.start_user_socket`.

    Raises:
        UserSocketCredentialsError: the manager's client lacks the API key or secret.
        TypeError, ValueError: a bad ``reconcile``.
    """
    client = _require_credentials(manager, 'start_user_socket()', secret=False)
    recovery = _recovery(manager, _reconcile.SPOT, reconcile)
    if _uses_listen_keys(client):
        session: StreamSession = ListenKeyStream(manager, recovery=recovery)
    else:
        _require_credentials(manager, 'start_user_socket()')
        session = SignatureSubscription(manager, recovery=recovery)
    return _register(manager, USER_CONN_KEY, session, callback)


def open_margin_socket(manager: Any, callback: Callable[[Any], Any], reconcile: Any = None) -> str:
    """Start the cross margin user data socket; returns its ``conn_key``.

    Args:
        manager: the socket manager.
        callback: called with each event and notice.
        reconcile: see :meth:`binance.websockets.BinanceSocketManager.start_user_socket`.

    Raises:
        UserSocketCredentialsError: the manager's client lacks the API key or secret.
        TypeError, ValueError: a bad ``reconcile``.
    """
    _require_credentials(manager, 'start_margin_socket()')
    recovery = _recovery(manager, _reconcile.MARGIN, reconcile)
    return _register(manager, MARGIN_CONN_KEY, ListenTokenSubscription(manager, recovery=recovery),
                     callback)


def open_isolated_margin_socket(manager: Any, symbol: str, callback: Callable[[Any], Any],
                                reconcile: Any = None) -> str:
    """Start the isolated margin user data socket of ``symbol``; returns its ``conn_key``.

    Args:
        manager: the socket manager.
        symbol: the isolated margin pair.
        callback: called with each event and notice.
        reconcile: see :meth:`binance.websockets.BinanceSocketManager.start_user_socket`.

    Raises:
        UserSocketCredentialsError: the manager's client lacks the API key or secret.
        TypeError, ValueError: ``symbol`` is not a non-empty string, or a bad ``reconcile``.
    """
    if not isinstance(symbol, str):
        raise TypeError('symbol must be a string such as "BNBBTC", got {!r}'.format(
            type(symbol).__name__))
    if not symbol or not symbol.isalnum():
        raise ValueError('symbol must be letters and digits, such as "BNBBTC", got {!r}'.format(
            symbol))
    symbol = symbol.upper()
    _require_credentials(manager, 'start_isolated_margin_socket()')
    recovery = _recovery(manager, _reconcile.ISOLATED_MARGIN, reconcile, isolated_symbol=symbol)
    return _register(manager, ISOLATED_MARGIN_PREFIX + symbol,
                     ListenTokenSubscription(manager, isolated_symbol=symbol, recovery=recovery),
                     callback)


def _register(manager: Any, conn_key: str, session: StreamSession,
              callback: Callable[[Any], Any]) -> str:
    """Hand a connection with ``session`` to the manager under ``conn_key``.

    The URL given here is only the default; the session computes the real
    one at each connect (``connect_url``). The connection's heartbeat is the
    manager's ``options.user_heartbeat_timeout``.
    """
    options = getattr(manager, 'options', None)
    if options is not None and options.user_heartbeat_timeout != options.heartbeat_timeout:
        options = options.replace(heartbeat_timeout=options.user_heartbeat_timeout)
        return manager.open_connection(conn_key, manager.WS_API_URL, callback, session=session,
                                       options=options)
    return manager.open_connection(conn_key, manager.WS_API_URL, callback, session=session)
