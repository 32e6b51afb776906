"""The simulator's REST endpoints: dispatch, weights and the basic spot endpoints.

This module answers every REST request: it finds the route, charges its
request weight, runs the handler and turns Binance errors into their JSON
bodies. It serves ``ping``, ``time``, ``exchangeInfo``, ``depth``, the
legacy listen-key trio (HTTP 410 unless ``legacy_listen_keys``) and margin
listen tokens itself; the other endpoints live in the ``rest_*`` modules
(market data, orders, wallet, margin, futures and options), each with a
``ROUTES`` table. Every answer carries
``X-MBX-USED-WEIGHT-1M``; weight over the limit gives 429 and, for IPs that
keep going, 418, both with ``Retry-After``. Errors are Binance's
``{"code", "msg"}`` bodies.

Signed requests are checked over the exact bytes received: the raw query
string concatenated with the raw body, without the ``signature`` pair.
"""
import logging
from typing import Any, Dict, Mapping, Optional, Tuple
from urllib.parse import parse_qsl

import orjson
from twisted.web.resource import Resource

from .. import signing
from .._weights import spot_depth_weight
from . import apierrors, auth, rest_listenkeys
from .accounts import MARGIN, SPOT, isolated_scope
from .apierrors import ApiError
from .rest_route import Call, Handler, Route  # noqa: F401 (Call, Handler: re-exported)
from .weights import limiter_for, order_counter_for

log = logging.getLogger(__name__)

#: The page nginx serves for retired endpoints (binance.com's listen keys since 2026-02-20).
GONE_BODY = (b'<html>\r\n<head><title>410 Gone</title></head>\r\n<body>\r\n'
             b'<center><h1>410 Gone</h1></center>\r\n<hr><center>nginx</center>\r\n'
             b'</body>\r\n</html>\r\n')
DEPTH_DEFAULT_LIMIT = 100
DEPTH_MAX_LIMIT = 5000


def depth_weight(params: Mapping[str, str]) -> int:
    """``GET /api/v3/depth`` weight by ``limit`` (Binance's tiers)."""
    try:
        limit = int(params.get('limit') or DEPTH_DEFAULT_LIMIT)
    except ValueError:
        limit = DEPTH_DEFAULT_LIMIT
    return spot_depth_weight(limit)


class RestApi:
    """The endpoint handlers of one simulator (no Twisted here but the request object)."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.routes: Dict[Tuple[str, str], Route] = {
            ('GET', '/api/v3/ping'): Route(RestApi.ping),
            ('GET', '/api/v3/time'): Route(RestApi.time),
            ('GET', '/api/v3/exchangeInfo'): Route(RestApi.exchange_info, 20),
            ('GET', '/api/v3/depth'): Route(RestApi.depth, depth_weight),
            ('POST', '/api/v3/userDataStream'): Route(RestApi.listen_key_create, 2, True),
            ('PUT', '/api/v3/userDataStream'): Route(RestApi.listen_key_keepalive, 2, True),
            ('DELETE', '/api/v3/userDataStream'): Route(RestApi.listen_key_close, 2, True),
            ('POST', '/sapi/v1/userDataStream'): Route(RestApi.listen_key_create, 1, True),
            ('PUT', '/sapi/v1/userDataStream'): Route(RestApi.listen_key_keepalive, 1, True),
            ('DELETE', '/sapi/v1/userDataStream'): Route(RestApi.listen_key_close, 1, True),
            ('POST', '/sapi/v1/userDataStream/isolated'): Route(RestApi.listen_key_create, 1, True),
            ('PUT', '/sapi/v1/userDataStream/isolated'): Route(RestApi.listen_key_keepalive, 1, True),
            ('DELETE', '/sapi/v1/userDataStream/isolated'): Route(RestApi.listen_key_close, 1, True),
            ('POST', '/sapi/v1/userListenToken'): Route(RestApi.listen_token, 1),
        }
        for module in _endpoint_modules():
            self.routes.update(module.ROUTES)
        self._paths = {path for _method, path in self.routes}

    def add_routes(self, routes: Mapping[Tuple[str, str], Any]) -> None:
        """Serve more endpoints: ``(method, path) -> Route`` (or ``(handler, weight)``).

        Call before :func:`install` mounts the prefixes.
        """
        for key, route in routes.items():
            self.routes[key] = route if isinstance(route, Route) else Route(*route)
        self._paths = {path for _method, path in self.routes}

    @property
    def prefixes(self) -> Tuple[str, ...]:
        """The first path segments served (``api``, ``sapi``, ``fapi``...)."""
        return tuple(sorted({path.split('/')[1] for _method, path in self.routes}))

    def __repr__(self) -> str:
        return '<RestApi routes={}>'.format(len(self.routes))

    @property
    def accounts(self) -> Any:
        """The simulator's :class:`~binance.simulator.accounts.Accounts`."""
        return self.sim.accounts

    # -- dispatch ------------------------------------------------------------------

    def handle(self, call: Call, ip: str) -> Tuple[int, Dict[str, str], bytes]:
        """Answer one request: ``(status, headers, body)``."""
        route = self.routes.get((call.method, call.path))
        if route is None:
            status = 405 if call.path in self._paths else 404
            err = ApiError(status, -1020, 'This operation is not supported.' if status == 405
                           else 'Unknown endpoint.')
            return status, _json_headers(), orjson.dumps(err.body())
        if route.legacy_listen_key and not self.sim.config.legacy_listen_keys:
            return 410, {'Content-Type': 'text/html'}, GONE_BODY
        now = self.sim.clock.seconds()
        headers = _json_headers()
        pool = 'uid' if route.per_account else _weight_pool(call.path)
        key = (call.api_key or ip) if route.per_account else ip
        limiter = limiter_for(self.sim, pool)
        try:
            used = limiter.charge(key, route.weight_of(call.params), now)
        except ApiError as exc:
            headers.update(_weight_headers(pool, limiter.used(key, now)))
            headers['Retry-After'] = str(exc.retry_after)
            log.info('%s %s from %s: HTTP %d (request weight)', call.method, call.path, ip, exc.status)
            return exc.status, headers, orjson.dumps(exc.body())
        headers.update(_weight_headers(pool, used))
        try:
            if route.counts_order:
                self._count_order(call, now, headers)
            result = route.handler(self, call)
        except ApiError as exc:
            if exc.retry_after is not None:
                headers['Retry-After'] = str(exc.retry_after)
            return exc.status, headers, orjson.dumps(exc.body())
        except Exception:
            log.exception('%s %s failed', call.method, call.path)
            exc = apierrors.internal()
            return exc.status, headers, orjson.dumps(exc.body())
        return 200, headers, orjson.dumps(result)

    def _count_order(self, call: Call, now: float, headers: Dict[str, str]) -> None:
        """Charge the account's ORDERS limits (the key must be valid first)."""
        auth.check_api_key(self.accounts.api_keys, call.api_key)
        counts = order_counter_for(self.sim).charge(call.api_key or '', now)
        for interval, count in counts.items():
            headers['X-MBX-ORDER-COUNT-' + interval] = str(count)

    def _signed(self, call: Call) -> str:
        """Check the signature and timing; returns the API key."""
        payload, signature = signing.split_signature(call.raw_query, call.raw_body)
        auth.check_signed(self.accounts.api_keys, call.api_key, call.params, payload, signature,
                          call.now_ms)
        return call.api_key or ''

    def _keyed(self, call: Call) -> str:
        """USER_STREAM endpoints: a valid API key, no signature."""
        auth.check_api_key(self.accounts.api_keys, call.api_key)
        return call.api_key or ''

    # -- public ----------------------------------------------------------------------

    def ping(self, call: Call) -> Any:
        """``GET /api/v3/ping``."""
        return {}

    def time(self, call: Call) -> Any:
        """``GET /api/v3/time``."""
        return {'serverTime': call.now_ms}

    def exchange_info(self, call: Call) -> Any:
        """``GET /api/v3/exchangeInfo`` with optional ``symbol`` or ``symbols``."""
        info = self.sim.market.exchange_info
        info = dict(info() if callable(info) else info)
        info['serverTime'] = call.now_ms
        wanted = _requested_symbols(call.params)
        if wanted is not None:
            by_name = {entry['symbol']: entry for entry in info.get('symbols', [])}
            missing = [name for name in wanted if name not in by_name]
            if missing:
                raise apierrors.bad_symbol()
            info['symbols'] = [by_name[name] for name in wanted]
        return info

    def depth(self, call: Call) -> Any:
        """``GET /api/v3/depth``: ``symbol`` and ``limit`` (default 100, at most 5000 levels)."""
        symbol = call.params.get('symbol')
        if not symbol:
            raise apierrors.mandatory('symbol')
        raw_limit = call.params.get('limit')
        limit = DEPTH_DEFAULT_LIMIT
        if raw_limit not in (None, ''):
            if not raw_limit.isdigit() or len(raw_limit) > 20:
                raise apierrors.illegal_chars('limit')
            limit = min(int(raw_limit), DEPTH_MAX_LIMIT)
            if limit < 1:
                raise apierrors.invalid_value('limit')
        self.accounts.assets(symbol)
        return self.sim.market.depth_snapshot(symbol, limit)

    # -- user data: listen keys and tokens --------------------------------------------

    def _listen_key_account(self, call: Call) -> str:
        if call.path.startswith('/api/'):
            return SPOT
        if call.path.endswith('/isolated'):
            symbol = call.params.get('symbol')
            if not symbol:
                raise apierrors.mandatory('symbol')
            self.accounts.assets(symbol)
            return isolated_scope(symbol)
        return MARGIN

    def listen_key_create(self, call: Call) -> Any:
        """``POST .../userDataStream``: the live key (extended) or a new one."""
        api_key = self._keyed(call)
        return {'listenKey': self.accounts.create_listen_key(api_key, self._listen_key_account(call))}

    def listen_key_keepalive(self, call: Call) -> Any:
        """``PUT .../userDataStream``: extend ``listenKey``."""
        api_key = self._keyed(call)
        account = self._listen_key_account(call)
        self.accounts.keepalive_listen_key(api_key, _listen_key_param(call), account)
        return {}

    def listen_key_close(self, call: Call) -> Any:
        """``DELETE .../userDataStream``: invalidate ``listenKey``."""
        api_key = self._keyed(call)
        account = self._listen_key_account(call)
        self.accounts.close_listen_key(api_key, _listen_key_param(call), account)
        return {}

    def listen_token(self, call: Call) -> Any:
        """``POST /sapi/v1/userListenToken`` (signed): ``isIsolated``, ``symbol``, ``validity``."""
        api_key = self._signed(call)
        params = call.params
        isolated = params.get('isIsolated', 'false').lower()
        if isolated not in ('true', 'false'):
            raise apierrors.invalid_value('isIsolated')
        account = MARGIN
        if isolated == 'true':
            symbol = params.get('symbol')
            if not symbol:
                raise apierrors.mandatory('symbol')
            self.accounts.assets(symbol)
            account = isolated_scope(symbol)
        validity = params.get('validity')
        validity_ms = None
        if validity not in (None, ''):
            if not validity.isdigit():
                raise apierrors.illegal_chars('validity')
            validity_ms = int(validity)
        token, expiration = self.accounts.create_listen_token(api_key, account, validity_ms)
        return {'token': token, 'expirationTime': expiration}


def _listen_key_param(call: Call) -> str:
    key = call.params.get('listenKey')
    if not key:
        raise apierrors.mandatory('listenKey')
    return key


def _requested_symbols(params: Mapping[str, str]) -> Optional[list]:
    if params.get('symbol'):
        return [params['symbol']]
    raw = params.get('symbols')
    if not raw:
        return None
    try:
        names = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise apierrors.invalid_value('symbols') from None
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise apierrors.invalid_value('symbols')
    return names


def _json_headers() -> Dict[str, str]:
    return {'Content-Type': 'application/json;charset=UTF-8'}


def _weight_pool(path: str) -> str:
    """Which weight budget a path spends: ``api`` (shared with the WebSocket API), ``sapi``,
    ``fapi``, ``dapi``, ``eapi``..."""
    segment = path.split('/', 2)[1] if path.count('/') >= 1 else ''
    return 'fapi' if segment == 'futures' else segment or 'api'


def _weight_headers(pool: str, used: int) -> Dict[str, str]:
    if pool == 'sapi':
        return {'X-SAPI-USED-IP-WEIGHT-1M': str(used)}
    if pool == 'uid':
        return {'X-SAPI-USED-UID-WEIGHT-1M': str(used)}
    return {'X-MBX-USED-WEIGHT-1M': str(used), 'X-MBX-USED-WEIGHT': str(used)}


def parse_params(raw_query: bytes, raw_body: bytes) -> Dict[str, str]:
    """Decode form parameters; a name in both the query string and the body takes the query's value."""
    params: Dict[str, str] = {}
    for raw in (raw_body, raw_query):
        if raw:
            params.update(parse_qsl(raw.decode('utf-8', 'replace'), keep_blank_values=True))
    return params


class RestResource(Resource):
    """Serves every path below one prefix (``/api`` or ``/sapi``) through :class:`RestApi`."""

    isLeaf = True

    def __init__(self, api: RestApi, prefix: str) -> None:
        super().__init__()
        self._api = api
        self._prefix = prefix

    def render(self, request: Any) -> bytes:
        uri = request.uri
        raw_query = uri.split(b'?', 1)[1] if b'?' in uri else b''
        raw_body = b''
        if request.method != b'GET' and request.content is not None:
            raw_body = request.content.read()
        segments = [s.decode('utf-8', 'replace') for s in request.postpath]
        path = '/' + self._prefix + ('/' + '/'.join(segments) if segments else '')
        header = request.getHeader(b'X-MBX-APIKEY')
        call = Call(method=request.method.decode('ascii', 'replace').upper(), path=path.rstrip('/'),
                    params=parse_params(raw_query, raw_body), raw_query=raw_query, raw_body=raw_body,
                    api_key=header.decode('utf-8', 'replace') if header is not None else None,
                    now_ms=self._api.sim.now_ms())
        status, headers, body = self._api.handle(call, request.getClientAddress().host)
        request.setResponseCode(status)
        for name, value in headers.items():
            request.setHeader(name.encode('ascii'), value.encode('ascii'))
        return body


def _endpoint_modules() -> Tuple[Any, ...]:
    from . import (rest_derivatives, rest_futures_market, rest_margin, rest_market, rest_orders,
                   rest_wallet)
    return (rest_market, rest_orders, rest_wallet, rest_margin, rest_derivatives, rest_futures_market)


def install(root: Resource, sim: Any) -> RestApi:
    """Mount every REST prefix (``/api``, ``/sapi``, ``/fapi``...) on ``root``; returns the handlers."""
    api = RestApi(sim)
    api.add_routes(rest_listenkeys.routes())
    for prefix in api.prefixes:
        root.putChild(prefix.encode('ascii'), RestResource(api, prefix))
    return api
