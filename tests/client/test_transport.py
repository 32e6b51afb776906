"""Client behaviour at the HTTP level: exact bytes, errors, timeouts, secrecy.

Uses a scripted loopback HTTP server; the simulator-backed tests are in
test_against_simulator.py.
"""
import logging
import threading

import pytest
import requests

from binance import signing
from binance.client import Client, LISTEN_KEYS_RETIRED_MESSAGE
from binance.exceptions import BinanceAPIException, BinanceRequestException

VECTOR_SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j'
VECTOR_PAYLOAD = ('symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1'
                  '&recvWindow=5000&timestamp=1499827319559')
VECTOR_SIGNATURE = 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71'


def vector_client(http_server):
    class VectorClient(Client):
        API_URL = http_server.url + '/api'

    client = VectorClient('vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A',
                          VECTOR_SECRET)
    client.timestamp = lambda: 1499827319559
    return client


def test_signed_post_sends_documented_vector_bytes_in_body(http_server):
    client = vector_client(http_server)
    client.create_order(symbol='LTCBTC', side='BUY', type='LIMIT', timeInForce='GTC',
                        quantity=1, price=0.1, recvWindow=5000)
    sent = http_server.requests[-1]
    assert sent['method'] == 'POST' and sent['path'] == '/api/v3/order'
    assert sent['query'] == ''
    assert sent['body'] == (VECTOR_PAYLOAD + '&signature=' + VECTOR_SIGNATURE).encode()
    assert sent['headers']['Content-Type'] == 'application/x-www-form-urlencoded'
    assert sent['headers']['X-MBX-APIKEY'].startswith('vmPUZE6m')


def test_signed_get_sends_vector_in_query_string_unchanged(http_server):
    client = vector_client(http_server)
    client.request('GET', 'v3/order', signed=True, symbol='LTCBTC', side='BUY', type='LIMIT',
                   timeInForce='GTC', quantity=1, price=0.1, recvWindow=5000)
    sent = http_server.requests[-1]
    assert sent['query'] == VECTOR_PAYLOAD + '&signature=' + VECTOR_SIGNATURE
    assert sent['body'] == b''


def test_non_ascii_values_are_percent_encoded_before_signing(http_server):
    client = vector_client(http_server)
    client.request('GET', 'v3/order', signed=True, symbol='这是测试币456', newClientOrderId='a b&c')
    sent = http_server.requests[-1]
    payload, signature = signing.split_signature(sent['query'].encode())
    assert payload.decode('ascii') == (
        'symbol=%E8%BF%99%E6%98%AF%E6%B5%8B%E8%AF%95%E5%B8%81456&newClientOrderId=a%20b%26c'
        '&timestamp=1499827319559')
    assert signing.verify_signature(VECTOR_SECRET, payload, signature)


def test_recv_window_default_is_added_before_timestamp(http_server):
    client = vector_client(http_server)
    client.recv_window = 5000
    client.request('POST', 'v3/order', signed=True, symbol='LTCBTC', side='BUY', type='LIMIT',
                   timeInForce='GTC', quantity=1, price=0.1)
    assert http_server.requests[-1]['body'].endswith(('&signature=' + VECTOR_SIGNATURE).encode())


def test_unsigned_request_sends_no_timestamp_or_signature(http_server, scripted_client):
    scripted_client.get_order_book(symbol='BNBBTC', limit=5)
    sent = http_server.requests[-1]
    assert (sent['method'], sent['path'], sent['query']) == ('GET', '/api/v3/depth',
                                                             'symbol=BNBBTC&limit=5')


def test_creating_a_client_makes_no_request(http_server):
    class Aimed(Client):
        API_URL = http_server.url + '/api'
    Aimed('key', 'secret')
    Aimed()
    assert http_server.requests == []


def test_signed_call_without_secret_fails_before_any_request(http_server, scripted_client):
    keyless = type(scripted_client)('only-a-key')
    with pytest.raises(ValueError, match='api_secret'):
        keyless.get_account()
    with pytest.raises(ValueError, match='API key'):
        type(scripted_client)().stream_get_listen_key()
    assert http_server.requests == []


def test_non_json_success_raises_request_exception(http_server, scripted_client):
    http_server.answer = (200, {'Content-Type': 'text/html'}, b'<html>maintenance</html>')
    with pytest.raises(BinanceRequestException) as info:
        scripted_client.ping()
    assert 'GET /api/v3/ping' in str(info.value)


def test_error_body_becomes_api_exception_with_endpoint_without_query(http_server, scripted_client):
    http_server.answer = (400, {'Content-Type': 'application/json'},
                          b'{"code":-1121,"msg":"Invalid symbol."}')
    with pytest.raises(BinanceAPIException) as info:
        scripted_client.get_order_book(symbol='NOPE', limit=5)
    exc = info.value
    assert (exc.status_code, exc.code, exc.message) == (400, -1121, 'Invalid symbol.')
    assert exc.endpoint == 'GET /api/v3/depth'
    assert exc.retry_after is None
    assert 'NOPE' not in str(exc) and 'GET /api/v3/depth' in str(exc)


@pytest.mark.parametrize('status', [429, 418])
def test_retry_after_is_reported(http_server, scripted_client, status):
    http_server.answer = (status, {'Content-Type': 'application/json', 'Retry-After': '17'},
                          b'{"code":-1003,"msg":"Too much request weight used"}')
    with pytest.raises(BinanceAPIException) as info:
        scripted_client.get_exchange_info()
    assert info.value.status_code == status
    assert info.value.retry_after == 17.0
    assert 'retry after 17 s' in str(info.value)


def test_non_json_error_is_api_exception_with_code_zero(http_server, scripted_client):
    http_server.answer = (502, {'Content-Type': 'text/html'}, b'<html>Bad Gateway</html>')
    with pytest.raises(BinanceAPIException) as info:
        scripted_client.ping()
    assert (info.value.status_code, info.value.code) == (502, 0)


def test_410_on_listen_key_endpoint_explains_the_retirement(http_server, scripted_client):
    http_server.answer = (410, {'Content-Type': 'text/html'},
                          b'<html><head><title>410 Gone</title></head></html>')
    for call in (scripted_client.stream_get_listen_key,
                 lambda: scripted_client.stream_keepalive(listenKey='abc'),
                 lambda: scripted_client.stream_close(listenKey='abc')):
        with pytest.raises(BinanceAPIException) as info:
            call()
        assert info.value.status_code == 410
        assert info.value.message == LISTEN_KEYS_RETIRED_MESSAGE
        assert 'start_user_socket' in str(info.value) and '2026-02-20' in str(info.value)
    # Listen keys travel in the body, never in a URL.
    assert http_server.requests[-1]['query'] == ''
    assert http_server.requests[-1]['body'] == b'listenKey=abc'


def test_timeout_applies_to_every_call(http_server):
    http_server.hang = True

    class Aimed(Client):
        API_URL = http_server.url + '/api'
        REQUEST_TIMEOUT = 0.3

    client = Aimed('key', 'secret-value-123456')
    with pytest.raises(BinanceRequestException) as info:
        client.get_account()
    assert 'GET /api/v3/account' in str(info.value)
    assert 'signature' not in str(info.value) and 'secret-value' not in str(info.value)
    # requests_params overrides the default
    client = Aimed(requests_params={'timeout': 0.2})
    with pytest.raises(BinanceRequestException, match='0.2'):
        client.ping()


def test_connection_refused_is_a_request_exception_without_url():
    probe = ScriptedPort()

    class Aimed(Client):
        API_URL = 'http://127.0.0.1:{}/api'.format(probe.port)

    client = Aimed('key', 'secret-value-123456')
    with pytest.raises(BinanceRequestException) as info:
        client.get_account()
    text = str(info.value)
    assert 'GET /api/v3/account' in text and 'signature' not in text and '127.0.0.1' not in text
    assert info.value.__suppress_context__


class ScriptedPort:
    """A loopback port with nothing listening on it (bound then closed)."""

    def __init__(self):
        import socket
        sock = socket.socket()
        sock.bind(('127.0.0.1', 0))
        self.port = sock.getsockname()[1]
        sock.close()


def test_repr_and_errors_never_show_the_secret(http_server, scripted_client):
    secret = scripted_client.API_SECRET
    assert secret not in repr(scripted_client) and secret not in str(scripted_client)
    assert 'api_secret=set' in repr(scripted_client)
    assert scripted_client.API_KEY not in repr(scripted_client)
    http_server.answer = (400, {'Content-Type': 'application/json'},
                          b'{"code":-1022,"msg":"Signature for this request is not valid."}')
    with pytest.raises(BinanceAPIException) as info:
        scripted_client.get_account()
    sent = http_server.requests[-1]['query']
    signature = sent.rsplit('signature=', 1)[1]
    assert signature not in str(info.value) and secret not in str(info.value)


def test_signed_get_logs_no_signature(http_server, scripted_client, caplog):
    caplog.set_level(logging.DEBUG)
    scripted_client.get_account()
    signature = http_server.requests[-1]['query'].rsplit('signature=', 1)[1]
    text = '\n'.join(r.getMessage() for r in caplog.records)
    assert 'v3/account' in text  # urllib3 and the client did log the request
    assert signature not in text and scripted_client.API_SECRET not in text


def test_base_urls_follow_class_attributes_and_tld():
    assert Client().api_url == 'https://api.binance.com/api'
    assert Client(tld='us').api_url == 'https://api.binance.us/api'
    assert Client(tld='us').margin_api_url == 'https://api.binance.us/sapi'
    assert Client(testnet=True).api_url == 'https://testnet.binance.vision/api'
    assert Client.API_URL == 'https://api.binance.{}/api'
    assert Client.MARGIN_API_URL == 'https://api.binance.{}/sapi'
    assert Client(tld='us').uses_listen_keys and not Client().uses_listen_keys
    assert not Client(testnet=True).uses_listen_keys


def test_class_attribute_override_applies_to_existing_instances(http_server, monkeypatch):
    client = Client()
    monkeypatch.setattr(Client, 'API_URL', http_server.url + '/api')
    client.ping()
    assert http_server.requests[-1]['path'] == '/api/v3/ping'


def test_concurrent_calls_share_one_session(http_server, scripted_client):
    errors = []

    def call():
        try:
            scripted_client.ping()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == [] and len(http_server.requests) == 8
    assert isinstance(scripted_client.session, requests.Session)


def test_helpers_hit_the_documented_paths(http_server, scripted_client):
    scripted_client.get_klines(symbol='BNBBTC', interval='1m', limit=2)
    scripted_client.get_exchange_info(symbols=['BNBBTC', 'ETHBTC'])
    scripted_client.margin_create_listen_token(isolated_symbol='BNBBTC')
    got = [(r['method'], r['path'], r['query'], r['body']) for r in http_server.requests]
    assert got[0] == ('GET', '/api/v3/klines', 'symbol=BNBBTC&interval=1m&limit=2', b'')
    assert got[1] == ('GET', '/api/v3/exchangeInfo',
                      'symbols=%5B%22BNBBTC%22%2C%22ETHBTC%22%5D', b'')
    assert got[2][:3] == ('POST', '/sapi/v1/userListenToken', '')
    assert got[2][3].startswith(b'symbol=BNBBTC&isIsolated=true&timestamp=')
