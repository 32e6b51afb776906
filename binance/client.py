"""The REST client: ``from binance.client import Client``.

A synchronous client built on one :class:`requests.Session` with every
public method of python-binance 0.7.11's ``Client``, calling today's
endpoints. The methods are declared family by family in :mod:`binance.rest`
(one :class:`~binance.rest.endpoint.Endpoint` record each); this module holds
what they share: base URLs, signing, sending, errors and rate limits.
:meth:`Client.request` calls any other endpoint.

Base URLs are class attributes, read at request time, so pointing every
request at another server (a local :mod:`binance.simulator`, for instance)
is one assignment per API::

    Client.API_URL = sim.api_url
    Client.MARGIN_API_URL = sim.margin_api_url
    Client.FUTURES_URL = sim.futures_api_url

Secrets stay secret: the API secret, signatures, listen keys and tokens never
appear in this module's log lines, in :func:`repr` or in exception text.
"""
import decimal
import logging
import threading
import time
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import urlsplit

import requests

from . import signing, venues
from ._redact import RedactingLogFilter
from .exceptions import (BinanceAPIException, BinanceEndpointRemovedError, BinanceRateLimitError,
                         BinanceRequestException)
from .rest.constants import ClientConstants
from .rest.endpoint import API, DAPI, DDATA, EAPI, FAPI, FDATA, SAPI, WWW, Endpoint, calls
from .rest.limits import RateLimits
from .rest.futures import Futures
from .rest.futures_coin import FuturesCoin
from .rest.margin import Margin
from .rest.market import MarketData
from .rest.options import Options
from .rest.savings import Savings
from .rest.subaccounts import SubAccounts
from .rest.trading import Trading
from .rest.wallet import Wallet

__all__ = ['Client', 'LISTEN_KEYS_RETIRED_MESSAGE']

log = logging.getLogger(__name__)

#: Explanation attached to the HTTP 410 Binance gives for spot listen keys.
LISTEN_KEYS_RETIRED_MESSAGE = (
    'Binance retired spot listen keys (POST/PUT/DELETE /api/v3/userDataStream) on 2026-02-20 '
    'and now answers HTTP 410. BinanceSocketManager.start_user_socket() no longer needs one: '
    'on binance.com it subscribes through the WebSocket API (userDataStream.subscribe.signature) '
    'with your API key and secret. Listen keys remain only on venues that still offer them '
    "(Binance US: Client(tld='us')).")

#: The class attributes that point each REST API elsewhere: API -> (attribute
#: of production clients, attribute of ``testnet=True`` clients or ``None``).
_URL_ATTRIBUTES: Mapping[str, Tuple[str, Optional[str]]] = {
    API: ('API_URL', 'API_TESTNET_URL'),
    SAPI: ('MARGIN_API_URL', 'MARGIN_API_TESTNET_URL'),
    FAPI: ('FUTURES_URL', 'FUTURES_TESTNET_URL'),
    FDATA: ('FUTURES_DATA_URL', 'FUTURES_DATA_TESTNET_URL'),
    DAPI: ('FUTURES_COIN_URL', 'FUTURES_COIN_TESTNET_URL'),
    DDATA: ('FUTURES_COIN_DATA_URL', 'FUTURES_COIN_DATA_TESTNET_URL'),
    EAPI: ('OPTIONS_URL', 'OPTIONS_TESTNET_URL'),
    WWW: ('WEBSITE_URL', None),
}


def _default_urls() -> Dict[str, str]:
    """Each attribute's default: production URLs as 0.7.11's templates, test network URLs as they are."""
    defaults = {}
    for api, (production, testnet) in _URL_ATTRIBUTES.items():
        defaults[production] = venues.tld_template(venues.rest_url(api))
        if testnet is not None:
            defaults[testnet] = venues.rest_url(api, testnet=True)
    return defaults


_DEFAULT_URLS = _default_urls()

# Binance error codes the client reacts to.
_INVALID_TIMESTAMP = -1021

# urllib3 logs every request line (path and query string) at DEBUG; a signed
# GET carries its signature there.
logging.getLogger('urllib3.connectionpool').addFilter(RedactingLogFilter())


class Client(ClientConstants, MarketData, Trading, Wallet, Margin, SubAccounts, Savings, Futures,
             FuturesCoin, Options):
    """Binance REST client with python-binance 0.7.11's methods, on today's endpoints.

    Creating a client makes no network call (0.7.11 called ``ping`` and
    ``get_server_time`` here). Calls are synchronous and thread-safe (one
    :class:`requests.Session`, whose connection pool is). Request weight and
    order counts reported by each API are in :attr:`rate_limits`; after a 429
    or 418 answer the client refuses requests to that API base until
    ``Retry-After`` has passed (:class:`~binance.exceptions.BinanceRateLimitError`).

    Args:
        api_key: the API key, sent in the ``X-MBX-APIKEY`` header.
        api_secret: the API secret, used to sign requests; never logged.
        requests_params: extra keyword arguments for every
            :meth:`requests.Session.request` call (``timeout``, ``proxies``,
            ``verify``...).
        tld: top-level domain of the venue: ``'com'`` (binance.com) or
            ``'us'`` (Binance US, which still uses listen keys).
        testnet: use the test networks (spot, futures, options) instead of production.

    Raises:
        TypeError: ``tld`` is not a non-empty string.

    Example::

        client = Client(api_key, api_secret)
        book = client.get_order_book(symbol='BNBBTC', limit=5)
    """

    # REST bases (see base_url). The defaults are binance.venues' URLs, written
    # as 0.7.11 wrote them ('{}' is the tld); left at its default, an attribute
    # means "the client's venue".
    API_URL = _DEFAULT_URLS['API_URL']
    MARGIN_API_URL = _DEFAULT_URLS['MARGIN_API_URL']
    #: python-binance 0.7.11's wallet API; Binance retired it (its calls now go to ``/sapi``).
    WITHDRAW_API_URL = API_URL.rsplit('/', 1)[0] + '/wapi'
    WEBSITE_URL = _DEFAULT_URLS['WEBSITE_URL']
    FUTURES_URL = _DEFAULT_URLS['FUTURES_URL']
    FUTURES_DATA_URL = _DEFAULT_URLS['FUTURES_DATA_URL']
    FUTURES_COIN_URL = _DEFAULT_URLS['FUTURES_COIN_URL']
    FUTURES_COIN_DATA_URL = _DEFAULT_URLS['FUTURES_COIN_DATA_URL']
    #: European options (``eapi``), which replaced the vanilla options (``vapi``) of 0.7.11.
    OPTIONS_URL = _DEFAULT_URLS['OPTIONS_URL']
    #: The bases a client with ``testnet=True`` uses. The spot test network
    #: offers ``/api`` only; margin calls fail there.
    API_TESTNET_URL = _DEFAULT_URLS['API_TESTNET_URL']
    MARGIN_API_TESTNET_URL = _DEFAULT_URLS['MARGIN_API_TESTNET_URL']
    FUTURES_TESTNET_URL = _DEFAULT_URLS['FUTURES_TESTNET_URL']
    FUTURES_DATA_TESTNET_URL = _DEFAULT_URLS['FUTURES_DATA_TESTNET_URL']
    FUTURES_COIN_TESTNET_URL = _DEFAULT_URLS['FUTURES_COIN_TESTNET_URL']
    FUTURES_COIN_DATA_TESTNET_URL = _DEFAULT_URLS['FUTURES_COIN_DATA_TESTNET_URL']
    OPTIONS_TESTNET_URL = _DEFAULT_URLS['OPTIONS_TESTNET_URL']
    # API versions, as 0.7.11 named them; the methods' paths carry today's
    # versions (v1 of /api was retired in 2026).
    PUBLIC_API_VERSION = 'v3'
    PRIVATE_API_VERSION = 'v3'
    WITHDRAW_API_VERSION = 'v3'
    MARGIN_API_VERSION = 'v1'
    FUTURES_API_VERSION = 'v1'
    FUTURES_API_VERSION2 = 'v2'
    OPTIONS_API_VERSION = 'v1'

    #: Seconds to wait for a connection and for each read, unless
    #: ``requests_params`` gives a ``timeout``.
    REQUEST_TIMEOUT = 10.0

    def __init__(self, api_key: Optional[str] = None, api_secret: Optional[str] = None,
                 requests_params: Optional[Dict[str, Any]] = None, tld: str = 'com',
                 testnet: bool = False) -> None:
        if not isinstance(tld, str) or not tld:
            raise TypeError('tld must be a non-empty str such as \'com\' or \'us\', not {!r}'
                            .format(tld))
        self.API_KEY = api_key
        self.API_SECRET = api_secret
        self.tld = tld
        self.testnet = testnet
        self._requests_params = dict(requests_params or {})
        #: Milliseconds added to the local clock for ``timestamp`` (see :meth:`sync_time`).
        self.timestamp_offset = 0
        #: ``recvWindow`` sent with every signed request unless the call gives one.
        self.recv_window: Optional[int] = None
        #: ``None``: decided by :attr:`tld`; ``True``/``False`` force the user data model.
        self.use_listen_keys: Optional[bool] = None
        #: The last HTTP response (python-binance kept it too, e.g. for the
        #: ``X-MBX-USED-WEIGHT-1M`` header); shared by every thread using this client.
        self.response: Optional[requests.Response] = None
        #: Weight and order counts reported per API base, and pauses after 429/418.
        self.rate_limits = RateLimits()
        self._offset_lock = threading.Lock()
        self.session = self._init_session()

    def __repr__(self) -> str:
        return '<{} tld={!r} testnet={} api_key={} api_secret={}>'.format(
            type(self).__name__, self.tld, self.testnet,
            _mask(self.API_KEY), 'set' if self.API_SECRET else 'None')

    def _init_session(self) -> requests.Session:
        session = requests.Session()
        session.headers.update({'Accept': 'application/json',
                                'User-Agent': 'binance-sockets/python'})
        if self.API_KEY:
            session.headers['X-MBX-APIKEY'] = self.API_KEY
        return session

    def close_connection(self) -> None:
        """Close every pooled (keep-alive) HTTP connection of this client.

        The client stays usable: a later call opens a new connection. A call
        in flight on another thread finishes, and its connection is closed
        instead of being kept.
        """
        # Since urllib3 2, PoolManager.clear() (what Session.close() does)
        # only forgets its pools and leaves their connections open until the
        # pools are garbage collected, which the last response (kept in
        # self.response) prevents. Close each pool explicitly first.
        for adapter in getattr(self.session, 'adapters', {}).values():
            managers = [getattr(adapter, 'poolmanager', None)]
            managers.extend(getattr(adapter, 'proxy_manager', {}).values())
            for manager in managers:
                pools = getattr(manager, 'pools', None)
                for key in list(pools.keys()) if pools is not None else ():
                    pool = pools.get(key)
                    if pool is not None:
                        pool.close()
        self.session.close()

    # -- configuration ---------------------------------------------------

    @property
    def api_url(self) -> str:
        """The ``/api`` base URL this client talks to (read at each request)."""
        return self.base_url(API)

    @property
    def margin_api_url(self) -> str:
        """The ``/sapi`` base URL this client talks to (read at each request)."""
        return self.base_url(SAPI)

    @property
    def futures_api_url(self) -> str:
        """The USD-M futures ``/fapi`` base URL (read at each request)."""
        return self.base_url(FAPI)

    @property
    def futures_data_api_url(self) -> str:
        """The USD-M futures ``/futures/data`` base URL."""
        return self.base_url(FDATA)

    @property
    def futures_coin_api_url(self) -> str:
        """The COIN-M futures ``/dapi`` base URL."""
        return self.base_url(DAPI)

    @property
    def futures_coin_data_api_url(self) -> str:
        """The COIN-M futures ``/futures/data`` base URL."""
        return self.base_url(DDATA)

    @property
    def options_api_url(self) -> str:
        """The European options ``/eapi`` base URL."""
        return self.base_url(EAPI)

    @property
    def website_url(self) -> str:
        """The website (``https://www.binance.com``), for :meth:`get_products`."""
        return self.base_url(WWW)

    def base_url(self, api: str) -> str:
        """The base URL of one API: ``'api'``, ``'sapi'``, ``'fapi'``, ``'fdata'``,
        ``'dapi'``, ``'ddata'``, ``'eapi'`` or ``'www'``.

        The class attribute of that API (``API_URL``, ``FUTURES_URL``...;
        ``API_TESTNET_URL``... with ``testnet=True``) wins when it was set to
        something else, on the class, a subclass or the instance, with
        ``{}`` replaced by :attr:`tld` as in 0.7.11. Left at its default, the
        URL is the one :func:`binance.venues.rest_url` gives for
        :attr:`tld` and :attr:`testnet`.

        Raises:
            ValueError: unknown ``api``.
        """
        attributes = _URL_ATTRIBUTES.get(api) if isinstance(api, str) else None
        if attributes is None:
            raise ValueError('api must be one of {}, not {!r}'.format(
                ', '.join(repr(name) for name in _URL_ATTRIBUTES), api))
        production, testnet = attributes
        attribute = testnet if self.testnet and testnet else production
        url = getattr(self, attribute)
        if url != _DEFAULT_URLS[attribute]:
            return url.format(self.tld)
        return venues.rest_url(api, self.tld, self.testnet)

    @property
    def stream_url(self) -> str:
        """The market-stream base of this client's venue (:func:`binance.venues.for_client`).

        ``wss://stream.binance.us:9443/`` for ``tld='us'``, the testnet's with
        ``testnet=True``.
        """
        return venues.for_client(self).stream_url

    @property
    def ws_api_url(self) -> Optional[str]:
        """The WebSocket API of this client's venue."""
        return venues.for_client(self).ws_api_url

    @property
    def uses_listen_keys(self) -> bool:
        """Whether the venue delivers spot user data over listen keys.

        True for Binance US (``tld='us'``), False for binance.com and the
        testnet, which use the WebSocket API (the venue's ``user_data`` in
        :mod:`binance.venues`). Set :attr:`use_listen_keys` to force either
        model (a simulator started with ``legacy_listen_keys``).
        """
        if self.use_listen_keys is not None:
            return bool(self.use_listen_keys)
        return venues.for_client(self).user_data == venues.LISTEN_KEY

    def has_credentials(self) -> bool:
        """True when both an API key and an API secret were given."""
        return bool(self.API_KEY) and bool(self.API_SECRET)

    # -- time --------------------------------------------------------------

    def timestamp(self) -> int:
        """The ``timestamp`` for a signed request: local time corrected by the server offset, in ms."""
        return int(time.time() * 1000) + self.timestamp_offset

    @calls('GET /api/v3/time')
    def sync_time(self) -> int:
        """Measure the server clock's offset and use it for every later signed request.

        The offset is taken against the middle of the round trip.

        Returns:
            The new offset in milliseconds (server minus local).

        Raises:
            BinanceAPIException, BinanceRequestException: the time request failed.
        """
        before = time.time() * 1000
        server_time = self.get_server_time()['serverTime']
        after = time.time() * 1000
        offset = int(round(server_time - (before + after) / 2))
        with self._offset_lock:
            self.timestamp_offset = offset
        log.debug('server time offset is now %d ms', offset)
        return offset

    # -- the generic request -------------------------------------------------

    @calls('any endpoint')
    def request(self, method: str, path: str, signed: bool = False, api: str = 'api',
                **params: Any) -> Any:
        """Call any REST endpoint and return its decoded JSON answer.

        Args:
            method: ``'GET'``, ``'POST'``, ``'PUT'`` or ``'DELETE'``.
            path: the path below the API base, with its version, e.g.
                ``'v3/ticker/price'`` or ``'v1/margin/account'``.
            signed: add ``timestamp`` (and ``recvWindow``) and an HMAC-SHA256
                ``signature``; needs the API secret. A ``-1021`` answer (clock
                outside ``recvWindow``) makes the client resynchronise its
                clock with the server and retry once.
            api: the API base: ``'api'`` (``/api``), ``'sapi'``, ``'fapi'``
                (USD-M futures), ``'fdata'`` (``/futures/data``), ``'dapi'``
                (COIN-M), ``'ddata'``, ``'eapi'`` (options) or ``'www'``.
            **params: the endpoint's parameters, sent in the given order;
                ``None`` values are left out.

        Returns:
            The decoded JSON answer (dict or list).

        Raises:
            BinanceAPIException: Binance answered with an error status.
            BinanceRateLimitError: ``api`` is paused after a 429 or 418 answer.
            BinanceRequestException: no answer, or an answer that is not JSON.
            ValueError: ``signed`` without an API secret, or an unknown ``api``.

        Example::

            client.request('GET', 'v3/ticker/price', symbol='BNBBTC')
        """
        return self._request(method, api, path, params, signed=signed)

    def _request(self, method: str, api: str, path: str, params: Mapping[str, Any],
                 signed: bool = False, requests_params: Optional[Dict[str, Any]] = None) -> Any:
        base = self.base_url(api).rstrip('/')
        url = '{}/{}'.format(base, path.lstrip('/'))
        method = method.upper()
        params = {name: _wire_value(value) for name, value in params.items()}
        if not signed:
            return self._send(method, url, signing.encode_params(params), base, requests_params)
        if not self.API_SECRET:
            raise ValueError('{} {} is a signed endpoint: create the Client with api_key and '
                             'api_secret'.format(method, _endpoint_path(url)))
        try:
            return self._send(method, url, self._signed_payload(params), base, requests_params)
        except BinanceAPIException as exc:
            if exc.code != _INVALID_TIMESTAMP or isinstance(exc, BinanceRateLimitError):
                raise
            log.info('%s: timestamp outside recvWindow; resynchronising the clock and retrying once',
                     exc.endpoint)
        self.sync_time()
        return self._send(method, url, self._signed_payload(params), base, requests_params)

    def _call_endpoint(self, endpoint: Endpoint, params: Dict[str, Any]) -> Any:
        """Run one method of the endpoint table (see :mod:`binance.rest.endpoint`)."""
        if endpoint.removed:
            raise BinanceEndpointRemovedError(endpoint.name, endpoint.was or endpoint.http,
                                              endpoint.removed)
        requests_params = params.pop('requests_params', None)
        if requests_params is not None and not isinstance(requests_params, dict):
            raise TypeError('requests_params must be a dict, not {}'.format(
                type(requests_params).__name__))
        for old, new in endpoint.rename.items():
            if old in params and new not in params:
                params[new] = params.pop(old)
        params.update(endpoint.fixed)
        missing = [name for name in endpoint.required if params.get(name) in (None, '')]
        if missing:
            old_names = {new: old for old, new in endpoint.rename.items()}
            raise ValueError('Client.{}() needs the parameter{} {} ({})'.format(
                endpoint.name, 's' if len(missing) > 1 else '', ', '.join(
                    repr(name) + (' (or {!r})'.format(old_names[name]) if name in old_names else '')
                    for name in missing), endpoint.http))
        if endpoint.adapt_params is not None:
            params = endpoint.adapt_params(params)
        if endpoint.needs_key:
            self._require_api_key('Client.{}()'.format(endpoint.name))
        answer = self._request(endpoint.method, endpoint.base, endpoint.path, params,
                               signed=endpoint.signed, requests_params=requests_params)
        return endpoint.to_old(answer) if endpoint.to_old is not None else answer

    def _signed_payload(self, params: Dict[str, Any]) -> str:
        pairs: List[Tuple[str, Any]] = [(k, v) for k, v in params.items()
                                        if k not in ('timestamp', 'signature')]
        if 'recvWindow' not in params and self.recv_window is not None:
            pairs.append(('recvWindow', self.recv_window))
        pairs.append(('timestamp', self.timestamp()))
        return signing.sign_query(pairs, self.API_SECRET or '')

    def _send(self, method: str, url: str, payload: str, base: str,
              requests_params: Optional[Dict[str, Any]] = None) -> Any:
        """Send ``payload`` (already encoded, maybe signed) exactly as given."""
        endpoint = '{} {}'.format(method, _endpoint_path(url))
        paused = self.rate_limits.check(base)
        if paused is not None:
            status, left = paused
            raise BinanceRateLimitError(
                status, -1003, 'not sent: {} is paused for {:.0f} more s after HTTP {} '
                '(Binance asks clients to wait Retry-After seconds, and bans IPs that keep '
                'sending)'.format(base, max(left, 1), status), retry_after=round(left, 3),
                endpoint=endpoint)
        kwargs = dict(self._requests_params)
        kwargs.update(requests_params or {})
        kwargs.setdefault('timeout', self.REQUEST_TIMEOUT)
        headers = dict(kwargs.pop('headers', None) or {})
        if method == 'GET':
            # Binance wants GET parameters in the query string. requests keeps
            # an already percent-encoded query as it is, so the bytes signed
            # are the bytes sent.
            if payload:
                url = '{}?{}'.format(url, payload)
        elif payload:
            # Other methods carry the parameters in the body, which keeps
            # signatures and listen keys out of URLs (and URL logging).
            kwargs['data'] = payload.encode('ascii')
            headers['Content-Type'] = 'application/x-www-form-urlencoded'
        try:
            response = self.session.request(method, url, headers=headers, **kwargs)
        except requests.Timeout:
            raise _request_error(endpoint, 'no answer within the timeout ({})'.format(
                kwargs['timeout'])) from None
        except requests.RequestException as exc:
            # The exception text contains the URL (and a GET's signature).
            raise _request_error(endpoint, 'request failed ({})'.format(type(exc).__name__)) from None
        self.response = response
        pause = self.rate_limits.record(base, response.status_code, response.headers)
        log.debug('%s -> HTTP %d', endpoint, response.status_code)
        if pause:
            log.warning('%s -> HTTP %d: no request to %s for %g s (Retry-After)', endpoint,
                        response.status_code, base, pause)
        return _handle_response(endpoint, response)

    def _require_api_key(self, what: str) -> None:
        if not self.API_KEY:
            raise ValueError('{} needs an API key: create the Client with api_key'.format(what))

    # -- user data: spot listen keys (venues that still have them) -----------

    @calls('POST /api/v3/userDataStream (Binance US; retired on binance.com: HTTP 410)')
    def stream_get_listen_key(self) -> str:
        """Create (or extend) the account's spot listen key; returns the key.

        Only venues with listen keys answer (Binance US). binance.com retired
        them on 2026-02-20; the :class:`BinanceAPIException` raised for its
        HTTP 410 explains what to use instead.

        Raises:
            ValueError: the client has no API key.
        """
        self._require_api_key('stream_get_listen_key()')
        return self._listen_key_call('POST')['listenKey']

    @calls('PUT /api/v3/userDataStream (Binance US; retired on binance.com: HTTP 410)')
    def stream_keepalive(self, listenKey: str) -> Dict[str, Any]:  # noqa: N803 (python-binance's name)
        """Extend a spot listen key's validity by 60 minutes (``PUT``)."""
        self._require_api_key('stream_keepalive()')
        return self._listen_key_call('PUT', listenKey=listenKey)

    @calls('DELETE /api/v3/userDataStream (Binance US; retired on binance.com: HTTP 410)')
    def stream_close(self, listenKey: str) -> Dict[str, Any]:  # noqa: N803
        """Close a spot listen key (``DELETE``).

        Other processes using the same account share its one listen key;
        closing it ends their streams too.
        """
        self._require_api_key('stream_close()')
        return self._listen_key_call('DELETE', listenKey=listenKey)

    def _listen_key_call(self, method: str, **params: Any) -> Dict[str, Any]:
        return self._listen_key_request(method, 'api', self.PUBLIC_API_VERSION + '/userDataStream',
                                        params, LISTEN_KEYS_RETIRED_MESSAGE)

    def _listen_key_request(self, method: str, api: str, path: str, params: Dict[str, Any],
                            retired_message: str) -> Any:
        """A listen-key call; Binance's HTTP 410 for retired keys gets ``retired_message``."""
        try:
            return self._request(method, api, path, params)
        except BinanceAPIException as exc:
            if exc.status_code != 410:
                raise
            raise BinanceAPIException(410, exc.code, retired_message,
                                      endpoint=exc.endpoint, response=exc.response) from None

    # -- user data: margin listen tokens ---------------------------------------

    @calls('POST /sapi/v1/userListenToken')
    def margin_create_listen_token(self, isolated_symbol: Optional[str] = None,
                                   validity: Optional[int] = None) -> Dict[str, Any]:
        """Create a margin listen token (``POST /sapi/v1/userListenToken``, signed).

        The token subscribes to margin user data on the WebSocket API with
        ``userDataStream.subscribe.listenToken``.

        Args:
            isolated_symbol: the isolated margin pair (``'BNBBTC'``); ``None``
                for cross margin.
            validity: requested validity in milliseconds (Binance's default
                and maximum is 24 h).

        Returns:
            ``{"token": ..., "expirationTime": <ms>}``.

        Raises:
            ValueError: the client has no API key or secret.
        """
        self._require_api_key('margin_create_listen_token()')
        params: Dict[str, Any] = {}
        if isolated_symbol:
            params['symbol'] = isolated_symbol
            params['isIsolated'] = 'true'
        if validity is not None:
            params['validity'] = validity
        return self.request('POST', self.MARGIN_API_VERSION + '/userListenToken', signed=True,
                            api='sapi', **params)


def _wire_value(value: Any) -> Any:
    """Floats and Decimals as plain decimals: Binance refuses ``1e-05``."""
    if isinstance(value, float):
        return format(decimal.Decimal(repr(value)), 'f')
    if isinstance(value, decimal.Decimal):
        return format(value, 'f')
    return value


def _mask(value: Optional[str]) -> str:
    if not value:
        return 'None'
    return repr(value[:4] + '...') if len(value) > 8 else "'***'"


def _endpoint_path(url: str) -> str:
    return urlsplit(url).path


def _request_error(endpoint: str, what: str) -> BinanceRequestException:
    exc = BinanceRequestException('{}: {}'.format(endpoint, what))
    exc.endpoint = endpoint  # type: ignore[attr-defined]
    return exc


def _retry_after(response: requests.Response) -> Optional[float]:
    if response.status_code not in (418, 429):
        return None
    value = response.headers.get('Retry-After')
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _handle_response(endpoint: str, response: requests.Response) -> Any:
    """Decode a JSON answer or raise the matching exception."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
        decoded = False
    else:
        decoded = True
    if 200 <= status < 300:
        if not decoded:
            raise _request_error(endpoint, 'invalid response (HTTP {}, not JSON)'.format(status))
        return body
    if decoded and isinstance(body, dict) and 'code' in body:
        code = _as_int(body.get('code'))
        message = str(body.get('msg', ''))
    else:
        code = 0
        message = 'HTTP {} {}'.format(status, response.reason or '').strip()
    raise BinanceAPIException(status, code, message, retry_after=_retry_after(response),
                              endpoint=endpoint, response=response)


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
