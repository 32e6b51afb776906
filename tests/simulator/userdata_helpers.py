"""Helpers for the REST, WebSocket API and user data tests: signed calls and socket reads."""
import itertools
import json

import requests
import websocket

from binance import _reactor, signing
from binance.simulator import DEFAULT_API_KEY, DEFAULT_API_SECRET

_ids = itertools.count(1)


def now_ms(sim):
    """The simulator's clock in ms (what signed requests must carry)."""
    return _reactor.blocking_call(sim.now_ms)


def on_reactor(fn, *args, **kwargs):
    """Run ``fn`` on the reactor thread and return its result."""
    return _reactor.blocking_call(fn, *args, **kwargs)


def call(sim, method, path, params=None, api_key=None, signed=False, secret=DEFAULT_API_SECRET,
         timestamp=None, base=None):
    """One REST request to the simulator; parameters in the query (GET) or form body.

    ``path`` is below the server root, e.g. ``/api/v3/ping``. With ``signed``,
    ``timestamp`` (the simulator's clock unless given) and ``signature`` are added.
    """
    params = list((params or {}).items()) if isinstance(params, dict) else list(params or [])
    if signed:
        params.append(('timestamp', now_ms(sim) if timestamp is None else timestamp))
        payload = signing.sign_query(params, secret)
    else:
        payload = signing.encode_params(params)
    headers = {}
    if api_key is not None:
        headers['X-MBX-APIKEY'] = api_key
    url = (base or sim.base_url) + path
    if method == 'GET':
        return requests.get(url + ('?' + payload if payload else ''), headers=headers, timeout=10)
    headers['Content-Type'] = 'application/x-www-form-urlencoded'
    return requests.request(method, url, data=payload.encode('ascii'), headers=headers, timeout=10)


def signed(sim, method, path, params=None, api_key=DEFAULT_API_KEY, **kwargs):
    """A signed request with the default account."""
    return call(sim, method, path, params, api_key=api_key, signed=True, **kwargs)


def assert_error(response, status, code):
    """``response`` is Binance's error body with this HTTP status and code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {'code', 'msg'}
    assert body['code'] == code, body
    assert isinstance(body['msg'], str) and body['msg']
    return body


def connect(url, timeout=10):
    """A websocket-client connection with a read timeout."""
    return websocket.create_connection(url, timeout=timeout)


def recv_json(ws, timeout=10.0):
    """The next text message, decoded (fails the test after ``timeout`` seconds)."""
    ws.settimeout(timeout)
    return json.loads(ws.recv())


def ws_request(ws, method, params=None, request_id=None):
    """Send a WebSocket API request and return its response (no events may come in between)."""
    request_id = next(_ids) if request_id is None else request_id
    message = {'id': request_id, 'method': method}
    if params is not None:
        message['params'] = params
    ws.send(json.dumps(message))
    response = recv_json(ws)
    assert response.get('id') == request_id, response
    return response


def signature_params(sim, api_key=DEFAULT_API_KEY, secret=DEFAULT_API_SECRET, timestamp=None, **extra):
    """``userDataStream.subscribe.signature`` parameters, signed the WebSocket API way."""
    params = dict(extra, apiKey=api_key, timestamp=now_ms(sim) if timestamp is None else timestamp)
    params['signature'] = signing.hmac_sha256_hex(secret, signing.ws_api_signature_payload(params))
    return params

