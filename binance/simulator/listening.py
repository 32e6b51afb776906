"""Who receives an account's user data events, and until when.

An account is identified by its *scope* ``(api_key, account)``. This module
holds the subscriber registry and the two credentials that grant a stream:

* :class:`ListenKeys`: Binance US / futures listen keys. A key lives for the
  ``listen_key_validity`` interval, extended by keepalive (or by asking for a
  key again while one is live); connections on ``/ws/<listenKey>`` get the bare
  events, and ``listenKeyExpired`` when the key lapses.
* :class:`ListenTokens`: margin listen tokens for the WebSocket API. A
  :class:`TokenSubscription` ends at its token's expiration unless a newer
  token of the same account extends it.

No sockets here: deliveries go through callables, timers through the clock.
Keys and tokens are secrets and never logged.
"""
import logging
import secrets
import string
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

import orjson

from . import apierrors

log = logging.getLogger(__name__)

Event = Dict[str, Any]
Deliver = Callable[[Event], None]
#: ``(api_key, account)``: one wallet of one API key.
Scope = Tuple[str, str]

_ALNUM = string.ascii_letters + string.digits
_FULL_DAY_MS = 86400 * 1000
LISTEN_KEY_LENGTH = 60
LISTEN_TOKEN_LENGTH = 70


def random_text(length: int) -> str:
    """Letters and digits from the system's secure random source."""
    return ''.join(secrets.choice(_ALNUM) for _ in range(length))


class Subscription:
    """One consumer of an account's user data events; ``cancel()`` stops the delivery."""

    def __init__(self, registry: 'Subscribers', scope: Scope, deliver: Deliver) -> None:
        self._registry = registry
        self.scope = scope
        self.deliver = deliver
        self.active = True

    @property
    def api_key(self) -> str:
        """The API key owning the account."""
        return self.scope[0]

    @property
    def account(self) -> str:
        """The account scope name (``spot``, ``margin``, ``isolated:<SYMBOL>``)."""
        return self.scope[1]

    def cancel(self) -> None:
        """Stop delivering events (idempotent)."""
        if self.active:
            self.active = False
            self._registry.remove(self)

    def __repr__(self) -> str:
        return '<{} account={} active={}>'.format(type(self).__name__, self.account, self.active)


class Subscribers:
    """Subscriptions per account scope, in subscription order."""

    def __init__(self) -> None:
        self._by_scope: Dict[Scope, List[Subscription]] = {}

    def __repr__(self) -> str:
        return '<Subscribers {}>'.format(sum(len(s) for s in self._by_scope.values()))

    def add(self, sub: Subscription) -> Subscription:
        """Register ``sub`` (made with this registry); returns it."""
        self._by_scope.setdefault(sub.scope, []).append(sub)
        return sub

    def subscribe(self, scope: Scope, deliver: Deliver) -> Subscription:
        """A new plain subscription to ``scope``."""
        return self.add(Subscription(self, scope, deliver))

    def remove(self, sub: Subscription) -> None:
        """Forget ``sub`` (called by :meth:`Subscription.cancel`)."""
        subs = self._by_scope.get(sub.scope, [])
        if sub in subs:
            subs.remove(sub)

    def count(self, scope: Scope) -> int:
        """How many subscriptions receive ``scope``'s events."""
        return len(self._by_scope.get(scope, []))

    def publish(self, scope: Scope, event: Event) -> None:
        """Hand ``event`` to every active subscription of ``scope``.

        A consumer that raises is logged; the others still get the event.
        """
        for sub in list(self._by_scope.get(scope, [])):
            if not sub.active:
                continue
            try:
                sub.deliver(event)
            except Exception:
                log.exception('delivering a %s event failed', event.get('e'))


@dataclass
class _ListenKey:
    key: str = field(repr=False)
    scope: Scope
    timer: Any = None
    attached: List[Tuple[Callable[[bytes], None], Callable[[], None], Subscription]] = \
        field(default_factory=list)


class ListenKeys:
    """Listen keys: creation, keepalive, close, expiry and the connections using them.

    Args:
        subscribers: the registry events are published through.
        clock: ``IReactorTime`` for expiry timers.
        validity: returns the (scaled) validity in seconds.
        now_ms: returns the server time in ms.
    """

    def __init__(self, subscribers: Subscribers, clock: Any, validity: Callable[[], float],
                 now_ms: Callable[[], int]) -> None:
        self._subscribers = subscribers
        self._clock = clock
        self._validity = validity
        self._now_ms = now_ms
        self._keys: Dict[str, _ListenKey] = {}
        self._live: Dict[Scope, str] = {}

    def __repr__(self) -> str:
        return '<ListenKeys live={}>'.format(len(self._keys))

    def create(self, scope: Scope) -> str:
        """The scope's live key (validity extended), or a new one."""
        key = self._live.get(scope)
        if key is not None and key in self._keys:
            self._arm(self._keys[key])
            return key
        entry = _ListenKey(key=random_text(LISTEN_KEY_LENGTH), scope=scope)
        self._keys[entry.key] = entry
        self._live[scope] = entry.key
        self._arm(entry)
        log.debug('listen key created (%s account)', scope[1])
        return entry.key

    def _arm(self, entry: _ListenKey) -> None:
        _cancel_timer(entry.timer)
        entry.timer = self._clock.callLater(self._validity(), self._expire, entry)

    def _owned(self, api_key: str, key: Optional[str], account: Optional[str]) -> _ListenKey:
        entry = self._keys.get(key or '')
        if entry is None or entry.scope[0] != api_key or (account is not None and entry.scope[1] != account):
            raise apierrors.invalid_listen_key()
        return entry

    def keepalive(self, api_key: str, key: Optional[str], account: Optional[str] = None) -> None:
        """Extend a live key by the full validity.

        Raises:
            ApiError: -1125 for an unknown or expired key, or one of another account.
        """
        self._arm(self._owned(api_key, key, account))

    def close(self, api_key: str, key: Optional[str], account: Optional[str] = None) -> None:
        """Invalidate a key and close its connections (no ``listenKeyExpired``).

        Raises:
            ApiError: -1125 for an unknown or expired key.
        """
        for _send, close, _sub in self._drop(self._owned(api_key, key, account)):
            _call_quietly(close)

    def is_key(self, key: str) -> bool:
        """True while ``key`` is valid."""
        return key in self._keys

    def account_of(self, key: str) -> Optional[str]:
        """The account a valid key belongs to (``scope[1]``), or None."""
        entry = self._keys.get(key)
        return None if entry is None else entry.scope[1]

    def live_key(self, scope: Scope) -> Optional[str]:
        """The scope's valid key, or None."""
        key = self._live.get(scope)
        return key if key in self._keys else None

    def attach(self, key: str, send: Callable[[bytes], None], close: Callable[[], None],
               accept: Optional[Callable[[Event], bool]] = None) -> Optional[Callable[[], None]]:
        """Deliver a key's events as JSON bytes to ``send``; returns ``detach`` or None for an unknown key.

        ``accept(event)``, if given, picks the events delivered (``listenKeyExpired`` always is).
        """
        entry = self._keys.get(key)
        if entry is None:
            return None

        def deliver(event: Event) -> None:
            if accept is None or accept(event):
                send(orjson.dumps(event))

        sub = self._subscribers.subscribe(entry.scope, deliver)
        attachment = (send, close, sub)
        entry.attached.append(attachment)

        def detach() -> None:
            sub.cancel()
            if attachment in entry.attached:
                entry.attached.remove(attachment)

        return detach

    def expire(self, key: Optional[str] = None) -> int:
        """Expire ``key`` now (every key when None); returns how many expired."""
        if key is None:
            entries = list(self._keys.values())
        else:
            entries = [e for e in (self._keys.get(key),) if e is not None]
        for entry in entries:
            self._expire(entry)
        return len(entries)

    def _expire(self, entry: _ListenKey) -> None:
        attached = self._drop(entry)
        log.info('listen key expired (%s account, %d connection(s))', entry.scope[1], len(attached))
        payload = orjson.dumps({'e': 'listenKeyExpired', 'E': self._now_ms(), 'listenKey': entry.key})
        for send, _close, _sub in attached:
            _call_quietly(send, payload)

    def _drop(self, entry: _ListenKey) -> List[Any]:
        _cancel_timer(entry.timer)
        entry.timer = None
        self._keys.pop(entry.key, None)
        if self._live.get(entry.scope) == entry.key:
            del self._live[entry.scope]
        attached, entry.attached = entry.attached, []
        for _send, _close, sub in attached:
            sub.cancel()
        return attached

    def stop(self) -> None:
        """Cancel every expiry timer."""
        for entry in self._keys.values():
            _cancel_timer(entry.timer)
            entry.timer = None


class TokenSubscription(Subscription):
    """A subscription made with a listen token; it ends when the token expires.

    Subscribing again with a newer token of the same account extends it
    (:meth:`extend`), as Binance does. On expiry the subscription is cancelled
    and ``on_terminated`` runs (the WebSocket API then sends
    ``eventStreamTerminated``).
    """

    def __init__(self, tokens: 'ListenTokens', scope: Scope, deliver: Deliver,
                 on_terminated: Callable[[], None]) -> None:
        super().__init__(tokens.subscribers, scope, deliver)
        self._tokens = tokens
        self.on_terminated = on_terminated
        self.expiration_ms = 0
        self.timer: Any = None

    def extend(self, token: str) -> int:
        """Move the end of this subscription to ``token``'s expiration; returns it (ms).

        Raises:
            ApiError: -1209 when the token is unknown, expired or of another account.
        """
        return self._tokens.extend(self, token)

    def cancel(self) -> None:
        """Stop delivering events, without ``on_terminated``."""
        super().cancel()
        _cancel_timer(self.timer)
        self._tokens.forget(self)

    def terminate(self) -> None:
        """End now, as on token expiry (``on_terminated`` runs)."""
        if not self.active:
            return
        self.cancel()
        try:
            self.on_terminated()
        except Exception:
            log.exception('listen-token termination handler failed')


@dataclass
class _ListenToken:
    token: str = field(repr=False)
    scope: Scope
    expiration_ms: int
    timer: Any = None


class ListenTokens:
    """Listen tokens and the subscriptions made with them.

    Args:
        subscribers: the registry events are published through.
        clock: ``IReactorTime`` for expiry timers.
        validity: returns the (scaled) default and maximum validity in seconds.
        now_ms: returns the server time in ms.
    """

    def __init__(self, subscribers: Subscribers, clock: Any, validity: Callable[[], float],
                 now_ms: Callable[[], int]) -> None:
        self.subscribers = subscribers
        self._clock = clock
        self._validity = validity
        self._now_ms = now_ms
        self._tokens: Dict[str, _ListenToken] = {}
        self._subscriptions: List[TokenSubscription] = []

    def __repr__(self) -> str:
        return '<ListenTokens live={} subscriptions={}>'.format(len(self._tokens), len(self._subscriptions))

    def create(self, scope: Scope, validity_ms: Optional[int] = None) -> Tuple[str, int]:
        """A new token: ``(token, expirationTime)``.

        ``validity_ms`` is in Binance's uncompressed milliseconds (at most
        24 h) and scales like the ``listen_token_validity`` interval, which is
        also the default.

        Raises:
            ApiError: -1130 for a validity that is not positive or above 24 h.
        """
        maximum = self._validity()
        seconds = maximum
        if validity_ms is not None:
            if validity_ms <= 0 or validity_ms > _FULL_DAY_MS:
                raise apierrors.invalid_value('validity')
            seconds = min(maximum, maximum * validity_ms / _FULL_DAY_MS)
        entry = _ListenToken(token=random_text(LISTEN_TOKEN_LENGTH), scope=scope,
                             expiration_ms=self._now_ms() + int(seconds * 1000))
        entry.timer = self._clock.callLater(seconds, self._tokens.pop, entry.token, None)
        self._tokens[entry.token] = entry
        log.debug('listen token created (%s account)', scope[1])
        return entry.token, entry.expiration_ms

    def scope_of(self, token: Optional[str]) -> Scope:
        """The scope of a valid token.

        Raises:
            ApiError: -1209 for an unknown or expired token.
        """
        entry = self._tokens.get(token or '')
        if entry is None:
            raise apierrors.invalid_listen_token()
        return entry.scope

    def subscribe(self, token: Optional[str], deliver: Deliver,
                  on_terminated: Callable[[], None]) -> TokenSubscription:
        """Subscribe to the token's account until the token expires.

        Raises:
            ApiError: -1209 for an unknown or expired token.
        """
        sub = TokenSubscription(self, self.scope_of(token), deliver, on_terminated)
        self.subscribers.add(sub)
        self._subscriptions.append(sub)
        self.extend(sub, token or '')
        return sub

    def extend(self, sub: TokenSubscription, token: str) -> int:
        """Make ``sub`` last until ``token`` expires (never shorter); returns the end (ms)."""
        entry = self._tokens.get(token)
        if entry is None or entry.scope != sub.scope or not sub.active:
            raise apierrors.invalid_listen_token()
        sub.expiration_ms = max(sub.expiration_ms, entry.expiration_ms)
        _cancel_timer(sub.timer)
        delay = max(0.0, (sub.expiration_ms - self._now_ms()) / 1000.0)
        sub.timer = self._clock.callLater(delay, sub.terminate)
        return sub.expiration_ms

    def forget(self, sub: TokenSubscription) -> None:
        """Drop a cancelled subscription."""
        if sub in self._subscriptions:
            self._subscriptions.remove(sub)

    def expire_all(self) -> int:
        """Expire every token now and terminate their subscriptions; returns how many ended."""
        for entry in self._tokens.values():
            _cancel_timer(entry.timer)
        self._tokens.clear()
        subs = list(self._subscriptions)
        for sub in subs:
            sub.terminate()
        return len(subs)

    def stop(self) -> None:
        """Cancel every timer."""
        for entry in self._tokens.values():
            _cancel_timer(entry.timer)
            entry.timer = None
        for sub in self._subscriptions:
            _cancel_timer(sub.timer)
            sub.timer = None


def _cancel_timer(timer: Any) -> None:
    if timer is not None and timer.active():
        timer.cancel()


def _call_quietly(fn: Callable[..., Any], *args: Any) -> None:
    try:
        fn(*args)
    except Exception:
        log.debug('connection callback failed', exc_info=True)
