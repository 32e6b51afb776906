"""binance.signing against Binance's documented HMAC test vectors."""
import pytest
from hypothesis import given, settings, strategies as st

from binance import signing

# Secret and vectors from Binance's REST and WebSocket API signing examples.
SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j'
REST_QUERY = ('symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1'
              '&recvWindow=5000&timestamp=1499827319559')
REST_SIGNATURE = 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71'
MIXED_QUERY = 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC'
MIXED_BODY = 'quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559'
MIXED_SIGNATURE = '0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77'
WS_API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A'
WS_SIGNATURE = 'cc15477742bd704c29492d96c7ead9414dfd8e0ec4a00f947bb5bb454ddbd08a'

REST_PARAMS = {'symbol': 'LTCBTC', 'side': 'BUY', 'type': 'LIMIT', 'timeInForce': 'GTC',
               'quantity': 1, 'price': 0.1, 'recvWindow': 5000, 'timestamp': 1499827319559}


def test_rest_vector():
    assert signing.hmac_sha256_hex(SECRET, REST_QUERY) == REST_SIGNATURE


def test_sign_query_reproduces_documented_request():
    assert signing.sign_query(REST_PARAMS, SECRET) == REST_QUERY + '&signature=' + REST_SIGNATURE


def test_sign_query_keeps_order_of_pair_list():
    pairs = list(REST_PARAMS.items())
    assert signing.sign_query(pairs, SECRET).endswith(REST_SIGNATURE)
    reordered = pairs[1:] + pairs[:1]
    assert not signing.sign_query(reordered, SECRET).endswith(REST_SIGNATURE)


def test_mixed_query_and_body_vector():
    assert signing.hmac_sha256_hex(SECRET, MIXED_QUERY + MIXED_BODY) == MIXED_SIGNATURE


def test_ws_api_vector_sorts_params_and_skips_signature():
    params = {'symbol': 'BTCUSDT', 'side': 'SELL', 'type': 'LIMIT', 'timeInForce': 'GTC',
              'quantity': '0.01000000', 'price': '52000.00', 'newOrderRespType': 'ACK',
              'recvWindow': 100, 'timestamp': 1645423376532, 'apiKey': WS_API_KEY,
              'signature': 'ignored'}
    payload = signing.ws_api_signature_payload(params)
    assert payload.startswith('apiKey=' + WS_API_KEY + '&newOrderRespType=ACK&price=52000.00')
    assert 'signature' not in payload
    assert signing.hmac_sha256_hex(SECRET, payload) == WS_SIGNATURE


def test_encode_params_percent_encodes_non_ascii_and_reserved():
    assert signing.encode_params({'symbol': '１２３４５６'}) == \
        'symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96'
    assert signing.encode_params([('a', 'x y&z=1'), ('b', 'A-Z_.~')]) == 'a=x%20y%26z%3D1&b=A-Z_.~'


def test_encode_params_values():
    assert signing.encode_params({'symbols': ['BTCUSDT', 'BNBBTC'], 'flag': True, 'skip': None}) == \
        'symbols=%5B%22BTCUSDT%22%2C%22BNBBTC%22%5D&flag=true'
    assert signing.encode_params(None) == ''
    assert signing.sign_query({}, SECRET) == 'signature=' + signing.hmac_sha256_hex(SECRET, '')


@pytest.mark.parametrize('given_sig,ok', [
    (REST_SIGNATURE, True),
    (REST_SIGNATURE.upper(), True),
    (REST_SIGNATURE[:-1] + '0', False),
    ('', False),
    (None, False),
    ('é' * 64, False),
])
def test_verify_signature(given_sig, ok):
    assert signing.verify_signature(SECRET, REST_QUERY, given_sig) is ok


def test_verify_signature_wrong_secret():
    assert not signing.verify_signature(SECRET[::-1], REST_QUERY, REST_SIGNATURE)


def test_split_signature_from_query_and_body():
    raw = (REST_QUERY + '&signature=' + REST_SIGNATURE).encode()
    assert signing.split_signature(raw) == (REST_QUERY.encode(), REST_SIGNATURE)
    body = (MIXED_BODY + '&signature=' + MIXED_SIGNATURE).encode()
    payload, sig = signing.split_signature(MIXED_QUERY.encode(), body)
    assert payload == (MIXED_QUERY + MIXED_BODY).encode()
    assert signing.verify_signature(SECRET, payload, sig)
    assert signing.split_signature(b'a=1') == (b'a=1', None)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(min_size=1).filter(lambda n: n != 'signature'), st.text()),
                max_size=6))
def test_signed_query_verifies_after_split(pairs):
    query = signing.sign_query(pairs, SECRET).encode('ascii')
    payload, sig = signing.split_signature(query)
    assert signing.verify_signature(SECRET, payload, sig)
