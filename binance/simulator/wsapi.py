"""The simulator's WebSocket API at ``/ws-api/v3``: requests, responses and user data.

Requests are ``{"id", "method", "params"}`` text frames; responses
``{"id", "status", "result" | "error", "rateLimits"}``. User data arrives as
``{"subscriptionId": N, "event": {...}}``. Methods:

* ``ping``, ``time``, ``session.status``, ``session.subscriptions``;
* ``userDataStream.subscribe.signature`` (``apiKey``, ``timestamp``,
  ``signature`` over the sorted parameters, optional ``recvWindow``);
* ``userDataStream.subscribe.listenToken`` (``listenToken``; subscribing
  again with a newer token of the same account extends the subscription);
* ``userDataStream.unsubscribe`` (optional ``subscriptionId``; none means all);
* with ``legacy_listen_keys`` (Binance US), also ``userDataStream.start``,
  ``userDataStream.ping`` and ``userDataStream.stop`` (``apiKey``,
  ``listenKey``), the listen-key trio binance.com removed.

A subscription ends with ``eventStreamTerminated`` when its listen token
expires or when it is unsubscribed. :class:`WsApiSession` holds the logic
without any socket; :class:`WsApiProtocol` is the thin connection glue.
"""
import logging
from typing import Any, Callable, Dict, List, Optional

import orjson
from twisted.web.resource import Resource

from .. import signing
from . import apierrors, auth
from .accounts import SPOT
from .apierrors import ApiError
from .listening import Subscription, TokenSubscription
from .server import SimulatorWebSocketProtocol, websocket_resource
from .weights import limiter_for

log = logging.getLogger(__name__)

#: Most subscriptions one connection may hold at once.
MAX_ACTIVE_SUBSCRIPTIONS = 1000
#: Most subscriptions one connection may make over its lifetime.
MAX_TOTAL_SUBSCRIPTIONS = 65535

_NO_ID = object()


class WsApiSession:
    """One WebSocket API connection's state, independent of the transport.

    Args:
        sim: the simulator (``accounts``, ``config``, ``clock``, ``now_ms``).
        send: writes one text message (JSON bytes).
        peer_host: the client's IP, for request weight.
    """

    def __init__(self, sim: Any, send: Callable[[bytes], None], peer_host: str) -> None:
        self.sim = sim
        self._send = send
        self.peer_host = peer_host
        self.connected_ms = sim.now_ms()
        self.subscriptions: Dict[int, Subscription] = {}
        self._next_id = 0
        self._methods: Dict[str, Any] = {
            'ping': (1, WsApiSession._ping),
            'time': (1, WsApiSession._time),
            'session.status': (2, WsApiSession._session_status),
            'session.subscriptions': (2, WsApiSession._session_subscriptions),
            'userDataStream.subscribe': (2, WsApiSession._subscribe_logon),
            'userDataStream.subscribe.signature': (2, WsApiSession._subscribe_signature),
            'userDataStream.subscribe.listenToken': (2, WsApiSession._subscribe_listen_token),
            'userDataStream.unsubscribe': (2, WsApiSession._unsubscribe),
        }
        if sim.config.legacy_listen_keys:
            # Binance US still manages listen keys over the WebSocket API too.
            self._methods.update({
                'userDataStream.start': (2, WsApiSession._listen_key_start),
                'userDataStream.ping': (2, WsApiSession._listen_key_ping),
                'userDataStream.stop': (2, WsApiSession._listen_key_stop),
            })

    def __repr__(self) -> str:
        return '<WsApiSession peer={} subscriptions={}>'.format(self.peer_host, len(self.subscriptions))

    # -- requests ----------------------------------------------------------------

    def handle_text(self, payload: bytes) -> None:
        """Answer one request frame."""
        request_id: Any = None
        try:
            try:
                request = orjson.loads(payload)
            except orjson.JSONDecodeError:
                raise ApiError(400, -1135, 'Invalid JSON request.') from None
            if not isinstance(request, dict):
                raise ApiError(400, -1135, 'Invalid JSON request.')
            request_id = request.get('id')
            if request_id is not None and not isinstance(request_id, (int, str)):
                request_id = None
                raise ApiError(400, -1102, "Mandatory parameter 'id' was not sent, was empty/null, "
                                           "or malformed.")
            method = request.get('method')
            if not isinstance(method, str) or not method:
                raise apierrors.mandatory('method')
            params = request.get('params', {})
            if params is None:
                params = {}
            if not isinstance(params, dict):
                raise ApiError(400, -1135, "Invalid 'params' in JSON request; expected an object.")
            entry = self._methods.get(method)
            if entry is None:
                raise ApiError(400, -1020, 'Unknown method.')
            weight, handler = entry
            self._charge(weight)
            result = handler(self, params)
        except ApiError as exc:
            self._answer_error(request_id, exc)
            return
        except Exception:
            log.exception('WebSocket API request failed')
            self._answer_error(request_id, apierrors.internal())
            return
        self._answer(request_id, result)

    def _charge(self, weight: int) -> None:
        limiter = limiter_for(self.sim)
        try:
            limiter.charge(self.peer_host, weight, self.sim.clock.seconds())
        except ApiError as exc:
            log.info('WebSocket API request from %s: %d (request weight)', self.peer_host, exc.status)
            raise

    def _rate_limits(self) -> List[Dict[str, Any]]:
        limiter = limiter_for(self.sim)
        return [{'rateLimitType': 'REQUEST_WEIGHT', 'interval': 'MINUTE', 'intervalNum': 1,
                 'limit': limiter.limit, 'count': limiter.used(self.peer_host, self.sim.clock.seconds())}]

    def _answer(self, request_id: Any, result: Any) -> None:
        self._send(orjson.dumps({'id': request_id, 'status': 200, 'result': result,
                                 'rateLimits': self._rate_limits()}))

    def _answer_error(self, request_id: Any, exc: ApiError) -> None:
        error: Dict[str, Any] = exc.body()
        if exc.retry_after is not None:
            now = self.sim.now_ms()
            error['data'] = {'serverTime': now, 'retryAfter': now + exc.retry_after * 1000}
        self._send(orjson.dumps({'id': request_id, 'status': exc.status, 'error': error,
                                 'rateLimits': self._rate_limits()}))

    # -- simple methods -------------------------------------------------------------

    def _ping(self, params: Dict[str, Any]) -> Any:
        return {}

    def _time(self, params: Dict[str, Any]) -> Any:
        return {'serverTime': self.sim.now_ms()}

    def _session_status(self, params: Dict[str, Any]) -> Any:
        return {'apiKey': None, 'authorizedSince': None, 'connectedSince': self.connected_ms,
                'returnRateLimits': True, 'serverTime': self.sim.now_ms(),
                'userDataStream': bool(self.subscriptions)}

    def _session_subscriptions(self, params: Dict[str, Any]) -> Any:
        return [{'subscriptionId': sid} for sid in sorted(self.subscriptions)]

    # -- user data ------------------------------------------------------------------

    def _subscribe_logon(self, params: Dict[str, Any]) -> Any:
        # Needs session.logon with an Ed25519 key, which the simulator does not model.
        raise ApiError(401, -1002, 'You are not authorized to execute this request.')

    def _subscribe_signature(self, params: Dict[str, Any]) -> Any:
        api_key = params.get('apiKey')
        if not isinstance(api_key, str) or not api_key:
            raise apierrors.mandatory('apiKey')
        signature = params.get('signature')
        if not isinstance(signature, str) or not signature:
            raise apierrors.mandatory('signature')
        payload = signing.ws_api_signature_payload(params)
        accounts = self.sim.accounts
        auth.check_signed(accounts.api_keys, api_key, params, payload, signature, self.sim.now_ms())
        if any(sub.scope == (api_key, SPOT) for sub in self.subscriptions.values()):
            raise apierrors.subscription_active()
        sid = self._new_id()
        self.subscriptions[sid] = accounts.subscribe(api_key, self._deliverer(sid), SPOT)
        log.debug('WebSocket API subscription %d (signature)', sid)
        return {'subscriptionId': sid}

    def _subscribe_listen_token(self, params: Dict[str, Any]) -> Any:
        token = params.get('listenToken')
        if not isinstance(token, str) or not token:
            raise apierrors.mandatory('listenToken')
        accounts = self.sim.accounts
        scope = accounts.listen_token_account(token)
        for sid, sub in self.subscriptions.items():
            if isinstance(sub, TokenSubscription) and sub.scope == scope:
                return {'subscriptionId': sid, 'expirationTime': sub.extend(token)}
        sid = self._new_id()
        sub = accounts.subscribe_listen_token(token, self._deliverer(sid), lambda: self._terminated(sid))
        self.subscriptions[sid] = sub
        log.debug('WebSocket API subscription %d (listen token, %s account)', sid, sub.account)
        return {'subscriptionId': sid, 'expirationTime': sub.expiration_ms}

    def _unsubscribe(self, params: Dict[str, Any]) -> Any:
        sid = params.get('subscriptionId', _NO_ID)
        if sid is _NO_ID or sid is None:
            targets = sorted(self.subscriptions)
        else:
            if isinstance(sid, str) and sid.isdigit():
                sid = int(sid)
            if not isinstance(sid, int) or isinstance(sid, bool) or sid not in self.subscriptions:
                raise apierrors.subscription_inactive()
            targets = [sid]
        for target in targets:
            sub = self.subscriptions.pop(target)
            sub.cancel()
            self._send_terminated(target)
        return {}

    # -- legacy listen keys (only with legacy_listen_keys) ------------------------

    def _listen_key_owner(self, params: Dict[str, Any]) -> str:
        api_key = params.get('apiKey')
        if not isinstance(api_key, str) or not api_key:
            raise apierrors.mandatory('apiKey')
        auth.check_api_key(self.sim.accounts.api_keys, api_key)
        return api_key

    def _listen_key_param(self, params: Dict[str, Any]) -> str:
        key = params.get('listenKey')
        if not isinstance(key, str) or not key:
            raise apierrors.mandatory('listenKey')
        return key

    def _listen_key_start(self, params: Dict[str, Any]) -> Any:
        return {'listenKey': self.sim.accounts.create_listen_key(self._listen_key_owner(params))}

    def _listen_key_ping(self, params: Dict[str, Any]) -> Any:
        owner = self._listen_key_owner(params)
        self.sim.accounts.keepalive_listen_key(owner, self._listen_key_param(params), SPOT)
        return {}

    def _listen_key_stop(self, params: Dict[str, Any]) -> Any:
        owner = self._listen_key_owner(params)
        self.sim.accounts.close_listen_key(owner, self._listen_key_param(params), SPOT)
        return {}

    def _new_id(self) -> int:
        if len(self.subscriptions) >= MAX_ACTIVE_SUBSCRIPTIONS or self._next_id >= MAX_TOTAL_SUBSCRIPTIONS:
            raise ApiError(400, -1000, 'Too many subscriptions on this connection.')
        sid = self._next_id
        self._next_id += 1
        return sid

    def _deliverer(self, sid: int) -> Callable[[Dict[str, Any]], None]:
        send = self._send

        def deliver(event: Dict[str, Any]) -> None:
            send(orjson.dumps({'subscriptionId': sid, 'event': event}))

        return deliver

    def _terminated(self, sid: int) -> None:
        if self.subscriptions.pop(sid, None) is not None:
            log.debug('WebSocket API subscription %d ended (listen token expired)', sid)
            self._send_terminated(sid)

    def _send_terminated(self, sid: int) -> None:
        self._send(orjson.dumps({'subscriptionId': sid,
                                 'event': {'e': 'eventStreamTerminated', 'E': self.sim.now_ms()}}))

    def close(self) -> None:
        """The connection is gone: stop every subscription, silently."""
        subs, self.subscriptions = self.subscriptions, {}
        for sub in subs.values():
            sub.cancel()


class WsApiProtocol(SimulatorWebSocketProtocol):
    """One ``/ws-api/v3`` connection: Binance's connection rules plus a :class:`WsApiSession`.

    The WebSocket API is limited by request weight, not by the market
    streams' 5 messages per second, so that rule is off here.
    """

    kind = 'ws-api'
    rate_limited = False

    session: Optional[WsApiSession] = None

    def on_open(self) -> None:
        self.session = WsApiSession(self.sim, self.send_text_bytes, self.peer_host)

    def handle_text(self, payload: bytes) -> None:
        if self.session is not None:
            self.session.handle_text(payload)

    def on_close(self) -> None:
        if self.session is not None:
            self.session.close()

    def describe(self) -> Dict[str, Any]:
        info = super().describe()
        info['subscriptions'] = len(self.session.subscriptions) if self.session is not None else 0
        return info


def install(root: Resource, sim: Any) -> Resource:
    """Mount the WebSocket API at ``/ws-api/v3`` on ``root``; returns its resource."""
    resource = websocket_resource(sim, WsApiProtocol)
    container = Resource()
    container.putChild(b'v3', resource)
    root.putChild(b'ws-api', container)
    return resource
