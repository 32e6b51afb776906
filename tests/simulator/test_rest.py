"""The simulator's REST endpoints over real HTTP: answers, errors, weights, signing, listen keys."""
import logging
from decimal import Decimal

import pytest
import requests
from twisted.internet.task import Clock

from binance import signing
from binance.simulator import DEFAULT_API_KEY, DEFAULT_API_SECRET
from userdata_helpers import assert_error, call, now_ms, on_reactor, signed

OTHER_KEY = 'otherKey0123456789'
OTHER_SECRET = 'otherSecret0123456789'


# -- public endpoints ---------------------------------------------------------


def test_ping_and_time(sim):
    response = call(sim, 'GET', '/api/v3/ping')
    assert response.status_code == 200 and response.json() == {}
    assert response.headers['Content-Type'].startswith('application/json')
    before = now_ms(sim)
    server_time = call(sim, 'GET', '/api/v3/time').json()['serverTime']
    assert before <= server_time <= now_ms(sim)


def test_weight_header_counts_per_endpoint(sim):
    first = int(call(sim, 'GET', '/api/v3/ping').headers['X-MBX-USED-WEIGHT-1M'])
    second = call(sim, 'GET', '/api/v3/exchangeInfo')
    assert int(second.headers['X-MBX-USED-WEIGHT-1M']) == first + 20
    assert second.headers['X-MBX-USED-WEIGHT'] == second.headers['X-MBX-USED-WEIGHT-1M']
    third = call(sim, 'GET', '/api/v3/depth', {'symbol': 'BNBBTC', 'limit': 1000})
    assert int(third.headers['X-MBX-USED-WEIGHT-1M']) == first + 20 + 50


def test_exchange_info(sim):
    info = call(sim, 'GET', '/api/v3/exchangeInfo').json()
    assert {'timezone', 'serverTime', 'rateLimits', 'exchangeFilters', 'symbols'} <= set(info)
    names = [s['symbol'] for s in info['symbols']]
    assert {'BNBBTC', 'ETHBTC', 'NEOBTC', 'BTCUSDT', 'ETHUSDT'} <= set(names)
    one = call(sim, 'GET', '/api/v3/exchangeInfo', {'symbol': 'ETHBTC'}).json()
    assert [s['symbol'] for s in one['symbols']] == ['ETHBTC']
    assert one['symbols'][0]['baseAsset'] == 'ETH' and one['symbols'][0]['quoteAsset'] == 'BTC'
    two = call(sim, 'GET', '/api/v3/exchangeInfo', {'symbols': ['BTCUSDT', 'BNBBTC']}).json()
    assert [s['symbol'] for s in two['symbols']] == ['BTCUSDT', 'BNBBTC']


@pytest.mark.parametrize('params', [{'symbol': 'NOPE'}, {'symbols': '["BNBBTC","NOPE"]'}])
def test_exchange_info_unknown_symbol(sim, params):
    assert_error(call(sim, 'GET', '/api/v3/exchangeInfo', params), 400, -1121)


def test_exchange_info_malformed_symbols(sim):
    assert_error(call(sim, 'GET', '/api/v3/exchangeInfo', {'symbols': 'not json'}), 400, -1130)


def test_depth_limits(sim):
    default = call(sim, 'GET', '/api/v3/depth', {'symbol': 'BNBBTC'}).json()
    assert set(default) == {'lastUpdateId', 'bids', 'asks'}
    assert 0 < len(default['bids']) <= 100 and 0 < len(default['asks']) <= 100
    small_response = call(sim, 'GET', '/api/v3/depth', {'symbol': 'BNBBTC', 'limit': 3})
    small = small_response.json()
    assert len(small['bids']) == 3 and len(small['asks']) == 3
    bid, ask = Decimal(small['bids'][0][0]), Decimal(small['asks'][0][0])
    assert bid < ask
    assert [Decimal(p) for p, _ in small['bids']] == sorted((Decimal(p) for p, _ in small['bids']),
                                                         reverse=True)
    huge = call(sim, 'GET', '/api/v3/depth', {'symbol': 'BNBBTC', 'limit': 6000})
    assert huge.status_code == 200 and len(huge.json()['bids']) <= 5000
    used = int(huge.headers['X-MBX-USED-WEIGHT-1M']) - int(small_response.headers['X-MBX-USED-WEIGHT-1M'])
    assert used == 250


@pytest.mark.parametrize('params,code', [
    ({}, -1102),
    ({'symbol': 'NOPE'}, -1121),
    ({'symbol': 'BNBBTC', 'limit': 'ten'}, -1100),
    ({'symbol': 'BNBBTC', 'limit': '-5'}, -1100),
    ({'symbol': 'BNBBTC', 'limit': '0'}, -1130),
])
def test_depth_errors(sim, params, code):
    assert_error(call(sim, 'GET', '/api/v3/depth', params), 400, code)


def test_unknown_endpoint_and_method(sim):
    assert call(sim, 'GET', '/api/v3/nothingHere').status_code == 404
    wrong = call(sim, 'POST', '/api/v3/ping')
    assert wrong.status_code == 405
    assert set(wrong.json()) == {'code', 'msg'}


# -- request weight: 429 and 418 ------------------------------------------------


def test_weight_limit_429_then_418_ban_and_window_reset(make_sim):
    clock = Clock()
    clock.advance(1_000_000)
    sim = make_sim(clock=clock, request_weight_limit=10, time_scale=0.5)
    for used in range(1, 11):
        ok = call(sim, 'GET', '/api/v3/ping')
        assert ok.status_code == 200 and ok.headers['X-MBX-USED-WEIGHT-1M'] == str(used)
    window = sim.config.interval('request_weight_window')
    assert window == 30
    over = call(sim, 'GET', '/api/v3/ping')
    body = assert_error(over, 429, -1003)
    assert 'request weight' in body['msg']
    assert 1 <= int(over.headers['Retry-After']) <= window
    assert over.headers['X-MBX-USED-WEIGHT-1M'] == '10'
    assert_error(call(sim, 'GET', '/api/v3/ping'), 429, -1003)
    banned = call(sim, 'GET', '/api/v3/ping')
    assert_error(banned, 418, -1003)
    ban = int(banned.headers['Retry-After'])
    assert ban == 60  # two minutes, scaled by time_scale 0.5
    # a new window does not lift the ban ...
    on_reactor(clock.advance, window)
    assert_error(call(sim, 'GET', '/api/v3/ping'), 418, -1003)
    # ... its end does
    on_reactor(clock.advance, ban)
    again = call(sim, 'GET', '/api/v3/ping')
    assert again.status_code == 200 and again.headers['X-MBX-USED-WEIGHT-1M'] == '1'


def test_weight_window_resets_without_ban(make_sim):
    clock = Clock()
    clock.advance(1_000_000)
    sim = make_sim(clock=clock, request_weight_limit=25)
    assert call(sim, 'GET', '/api/v3/exchangeInfo').status_code == 200
    over = call(sim, 'GET', '/api/v3/exchangeInfo')
    assert_error(over, 429, -1003)
    on_reactor(clock.advance, int(over.headers['Retry-After']))
    assert call(sim, 'GET', '/api/v3/exchangeInfo').status_code == 200


# -- signed endpoints ---------------------------------------------------------------


def test_signed_account(sim):
    response = signed(sim, 'GET', '/api/v3/account')
    assert response.status_code == 200, response.text
    account = response.json()
    assert account['accountType'] == 'SPOT' and account['canTrade'] is True
    balances = {b['asset']: b for b in account['balances']}
    assert Decimal(balances['BTC']['free']) > 0 and set(balances['BTC']) == {'asset', 'free', 'locked'}


def test_signature_covers_exact_bytes_with_percent_encoding(sim):
    # A non-ASCII value is percent-encoded before signing; the server checks the raw bytes.
    response = signed(sim, 'GET', '/api/v3/account', {'note': 'テスト 1+1'})
    assert response.status_code == 200, response.text


def test_signature_in_body_and_mixed_query(sim):
    query = signing.encode_params({'symbol': 'BNBBTC', 'orderId': 999999})
    body = signing.encode_params({'timestamp': now_ms(sim), 'recvWindow': 5000})
    signature = signing.hmac_sha256_hex(DEFAULT_API_SECRET, query + body)
    response = requests.get(sim.api_url + '/v3/order?' + query,
                            headers={'X-MBX-APIKEY': DEFAULT_API_KEY}, timeout=10)
    assert_error(response, 400, -1102)  # GET: parameters in the query only; no timestamp there
    response = requests.delete(sim.api_url + '/v3/order?' + query,
                               data=body + '&signature=' + signature.upper(),
                               headers={'X-MBX-APIKEY': DEFAULT_API_KEY,
                                        'Content-Type': 'application/x-www-form-urlencoded'},
                               timeout=10)
    assert_error(response, 400, -2011)  # signature accepted (any case); the order is unknown


@pytest.mark.parametrize('api_key,status,code', [
    (None, 401, -2014),
    ('', 401, -2014),
    ('unknownKey', 401, -2015),
])
def test_bad_api_key(sim, api_key, status, code):
    response = call(sim, 'GET', '/api/v3/account', api_key=api_key, signed=True)
    assert_error(response, status, code)


def test_wrong_secret_is_invalid_signature(sim):
    response = signed(sim, 'GET', '/api/v3/account', secret='not-the-secret')
    assert_error(response, 400, -1022)


def test_missing_signature_and_timestamp(sim):
    headers = {'api_key': DEFAULT_API_KEY}
    assert_error(call(sim, 'GET', '/api/v3/account', {'timestamp': now_ms(sim)}, **headers), 400, -1102)
    assert_error(call(sim, 'GET', '/api/v3/account', {'signature': 'ab' * 32}, **headers), 400, -1102)


def test_timestamp_and_recv_window(sim):
    now = now_ms(sim)
    assert_error(signed(sim, 'GET', '/api/v3/account', timestamp=now - 10000), 400, -1021)
    late = signed(sim, 'GET', '/api/v3/account', {'recvWindow': 20000}, timestamp=now - 10000)
    assert late.status_code == 200, late.text
    body = assert_error(signed(sim, 'GET', '/api/v3/account', timestamp=now + 5000), 400, -1021)
    assert 'ahead' in body['msg']
    assert_error(signed(sim, 'GET', '/api/v3/account', {'recvWindow': 60001}), 400, -1131)
    fine = signed(sim, 'GET', '/api/v3/account', {'recvWindow': '60000'})
    assert fine.status_code == 200
    micro = signed(sim, 'GET', '/api/v3/account', timestamp=now_ms(sim) * 1000)
    assert micro.status_code == 200, micro.text


def test_second_api_key(make_sim):
    sim = make_sim(api_keys={DEFAULT_API_KEY: DEFAULT_API_SECRET, OTHER_KEY: OTHER_SECRET})
    assert signed(sim, 'GET', '/api/v3/account', api_key=OTHER_KEY, secret=OTHER_SECRET).status_code == 200
    assert_error(signed(sim, 'GET', '/api/v3/account', api_key=OTHER_KEY), 400, -1022)


# -- orders -----------------------------------------------------------------------------


def _best(sim, symbol='BNBBTC'):
    book = call(sim, 'GET', '/api/v3/depth', {'symbol': symbol, 'limit': 5}).json()
    return Decimal(book['bids'][0][0]), Decimal(book['asks'][0][0])


def test_limit_order_rests_then_cancel(sim):
    bid, _ask = _best(sim)
    price = '{:f}'.format(bid - Decimal('0.000500'))
    placed = signed(sim, 'POST', '/api/v3/order', {
        'symbol': 'BNBBTC', 'side': 'BUY', 'type': 'LIMIT', 'timeInForce': 'GTC',
        'quantity': '2', 'price': price, 'newClientOrderId': 'myOrder1'})
    assert placed.status_code == 200, placed.text
    order = placed.json()
    assert order['status'] == 'NEW' and order['clientOrderId'] == 'myOrder1'
    assert order['executedQty'] == '0.00000000' and order['fills'] == []
    queried = signed(sim, 'GET', '/api/v3/order', {'symbol': 'BNBBTC', 'orderId': order['orderId']}).json()
    assert queried['status'] == 'NEW' and queried['isWorking'] is True
    account = signed(sim, 'GET', '/api/v3/account').json()
    btc = {b['asset']: b for b in account['balances']}['BTC']
    assert Decimal(btc['locked']) == 2 * Decimal(price)
    cancelled = signed(sim, 'DELETE', '/api/v3/order', {'symbol': 'BNBBTC', 'origClientOrderId': 'myOrder1'})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()['status'] == 'CANCELED'
    assert cancelled.json()['origClientOrderId'] == 'myOrder1'
    account = signed(sim, 'GET', '/api/v3/account').json()
    assert Decimal({b['asset']: b for b in account['balances']}['BTC']['locked']) == 0
    again = signed(sim, 'DELETE', '/api/v3/order', {'symbol': 'BNBBTC', 'orderId': order['orderId']})
    assert_error(again, 400, -2011)


def test_market_order_fills_against_book(sim):
    before = signed(sim, 'GET', '/api/v3/account').json()
    placed = signed(sim, 'POST', '/api/v3/order', {
        'symbol': 'BNBBTC', 'side': 'BUY', 'type': 'MARKET', 'quantity': '1'})
    assert placed.status_code == 200, placed.text
    order = placed.json()
    assert order['status'] == 'FILLED' and order['executedQty'] == '1.00000000'
    assert sum(Decimal(f['qty']) for f in order['fills']) == 1
    cost = sum(Decimal(f['qty']) * Decimal(f['price']) for f in order['fills'])
    assert Decimal(order['cummulativeQuoteQty']) == cost
    after = signed(sim, 'GET', '/api/v3/account').json()
    free = lambda acc, asset: Decimal({b['asset']: b for b in acc['balances']}[asset]['free'])  # noqa: E731
    assert free(after, 'BNB') - free(before, 'BNB') == 1
    assert free(before, 'BTC') - free(after, 'BTC') == cost


@pytest.mark.parametrize('params,code', [
    ({'side': 'BUY', 'type': 'LIMIT', 'quantity': '1', 'price': '0.008'}, -1102),        # no timeInForce
    ({'side': 'BUY', 'type': 'MARKET'}, -1102),                                         # no quantity
    ({'side': 'BUY', 'type': 'MARKET', 'quantity': '0.001'}, -1013),                    # LOT_SIZE
    ({'side': 'BUY', 'type': 'LIMIT', 'timeInForce': 'GTC', 'quantity': '1',
      'price': '0.0080001'}, -1013),                                                    # PRICE_FILTER
    ({'side': 'SELL', 'type': 'MARKET', 'quantity': '1000000'}, -2010),                 # balance
    ({'side': 'UP', 'type': 'MARKET', 'quantity': '1'}, -1117),
    ({'side': 'BUY', 'type': 'STOP', 'quantity': '1'}, -1116),
])
def test_order_errors(sim, params, code):
    assert_error(signed(sim, 'POST', '/api/v3/order', dict(params, symbol='BNBBTC')), 400, code)


def test_query_unknown_order(sim):
    assert_error(signed(sim, 'GET', '/api/v3/order', {'symbol': 'BNBBTC', 'orderId': 424242}), 400, -2013)


# -- listen keys --------------------------------------------------------------------------


@pytest.mark.parametrize('method', ['POST', 'PUT', 'DELETE'])
@pytest.mark.parametrize('path', ['/api/v3/userDataStream', '/sapi/v1/userDataStream',
                                  '/sapi/v1/userDataStream/isolated'])
def test_listen_key_endpoints_gone_on_binance_com(sim, method, path):
    response = call(sim, method, path, {'listenKey': 'x'}, api_key=DEFAULT_API_KEY)
    assert response.status_code == 410
    assert response.headers['Content-Type'].startswith('text/html')
    assert '410 Gone' in response.text


def test_listen_key_lifecycle(make_sim):
    sim = make_sim(legacy_listen_keys=True)
    assert_error(call(sim, 'POST', '/api/v3/userDataStream'), 401, -2014)
    assert_error(call(sim, 'POST', '/api/v3/userDataStream', api_key='unknownKey'), 401, -2015)
    created = call(sim, 'POST', '/api/v3/userDataStream', api_key=DEFAULT_API_KEY)
    # weight 2 each, failed requests included
    assert created.status_code == 200 and created.headers['X-MBX-USED-WEIGHT-1M'] == '6'
    key = created.json()['listenKey']
    assert len(key) == 60 and key.isalnum()
    assert call(sim, 'POST', '/api/v3/userDataStream', api_key=DEFAULT_API_KEY).json() == {'listenKey': key}
    kept = call(sim, 'PUT', '/api/v3/userDataStream', {'listenKey': key}, api_key=DEFAULT_API_KEY)
    assert kept.status_code == 200 and kept.json() == {}
    assert_error(call(sim, 'PUT', '/api/v3/userDataStream', api_key=DEFAULT_API_KEY), 400, -1102)
    assert_error(call(sim, 'PUT', '/api/v3/userDataStream', {'listenKey': 'nope'}, api_key=DEFAULT_API_KEY),
                 400, -1125)
    closed = call(sim, 'DELETE', '/api/v3/userDataStream', {'listenKey': key}, api_key=DEFAULT_API_KEY)
    assert closed.status_code == 200 and closed.json() == {}
    assert_error(call(sim, 'PUT', '/api/v3/userDataStream', {'listenKey': key}, api_key=DEFAULT_API_KEY),
                 400, -1125)
    assert_error(call(sim, 'DELETE', '/api/v3/userDataStream', {'listenKey': key}, api_key=DEFAULT_API_KEY),
                 400, -1125)
    fresh = call(sim, 'POST', '/api/v3/userDataStream', api_key=DEFAULT_API_KEY).json()['listenKey']
    assert fresh != key


def test_margin_listen_keys_are_separate(make_sim):
    sim = make_sim(legacy_listen_keys=True)
    spot = call(sim, 'POST', '/api/v3/userDataStream', api_key=DEFAULT_API_KEY).json()['listenKey']
    margin = call(sim, 'POST', '/sapi/v1/userDataStream', api_key=DEFAULT_API_KEY).json()['listenKey']
    isolated = call(sim, 'POST', '/sapi/v1/userDataStream/isolated', {'symbol': 'BNBBTC'},
                    api_key=DEFAULT_API_KEY).json()['listenKey']
    assert len({spot, margin, isolated}) == 3
    assert_error(call(sim, 'PUT', '/sapi/v1/userDataStream', {'listenKey': spot}, api_key=DEFAULT_API_KEY),
                 400, -1125)
    assert_error(call(sim, 'POST', '/sapi/v1/userDataStream/isolated', api_key=DEFAULT_API_KEY), 400, -1102)


# -- listen tokens ---------------------------------------------------------------------------


def test_listen_token(sim):
    before = now_ms(sim)
    response = signed(sim, 'POST', '/sapi/v1/userListenToken')
    assert response.status_code == 200, response.text
    token = response.json()
    assert set(token) == {'token', 'expirationTime'}
    assert before + 86400 * 1000 <= token['expirationTime'] <= now_ms(sim) + 86400 * 1000
    shorter = signed(sim, 'POST', '/sapi/v1/userListenToken', {'validity': 3600000}).json()
    assert shorter['expirationTime'] <= now_ms(sim) + 3600000
    assert shorter['token'] != token['token']


def test_listen_token_validity_scales(make_sim):
    sim = make_sim(time_scale=0.001)
    before = now_ms(sim)
    token = signed(sim, 'POST', '/sapi/v1/userListenToken', {'validity': 3600000}).json()
    assert before + 3600 <= token['expirationTime'] <= now_ms(sim) + 3600


@pytest.mark.parametrize('params,code', [
    ({'isIsolated': 'true'}, -1102),
    ({'isIsolated': 'true', 'symbol': 'NOPE'}, -1121),
    ({'isIsolated': 'maybe'}, -1130),
    ({'validity': 86400001}, -1130),
    ({'validity': 'soon'}, -1100),
])
def test_listen_token_errors(sim, params, code):
    assert_error(signed(sim, 'POST', '/sapi/v1/userListenToken', params), 400, code)


def test_listen_token_needs_signature(sim):
    assert_error(call(sim, 'POST', '/sapi/v1/userListenToken', {'timestamp': now_ms(sim)},
                      api_key=DEFAULT_API_KEY), 400, -1102)
    assert_error(call(sim, 'POST', '/sapi/v1/userListenToken', signed=True), 401, -2014)
    isolated = signed(sim, 'POST', '/sapi/v1/userListenToken', {'isIsolated': 'true', 'symbol': 'BNBBTC'})
    assert isolated.status_code == 200


def test_internal_failure_answers_json_500(sim, monkeypatch):
    def broken(symbol, limit=100):
        raise RuntimeError('simulated bug')

    monkeypatch.setattr(sim.market, 'depth_snapshot', broken)
    assert_error(call(sim, 'GET', '/api/v3/depth', {'symbol': 'BNBBTC'}), 500, -1000)
    assert call(sim, 'GET', '/api/v3/ping').status_code == 200


def test_access_log_shows_no_signature_or_listen_key(make_sim, caplog):
    from twisted.logger import globalLogPublisher
    sim = make_sim(seed=1, legacy_listen_keys=True)
    seen = []
    globalLogPublisher.addObserver(seen.append)
    try:
        with caplog.at_level(logging.DEBUG):
            response = signed(sim, 'GET', '/api/v3/account')
            assert response.status_code == 200, response.text
            signature = response.request.url.rsplit('signature=', 1)[1]
            key = call(sim, 'POST', '/api/v3/userDataStream', api_key=DEFAULT_API_KEY).json()['listenKey']
            assert call(sim, 'PUT', '/api/v3/userDataStream', {'listenKey': key},
                        api_key=DEFAULT_API_KEY).status_code == 200
            requests.get(sim.stream_url.replace('ws://', 'http://') + 'ws/' + key, timeout=10)
    finally:
        globalLogPublisher.removeObserver(seen.append)
    from twisted.logger import formatEvent
    # The server's own records only: the test's HTTP client (urllib3) logs its URLs itself.
    ours = [r.getMessage() for r in caplog.records if r.name.startswith('binance')]
    text = '\n'.join([formatEvent(e) for e in seen] + ours)
    assert 'GET /api/v3/account 200' in text  # the access log still says what happened
    assert signature not in text and key not in text and DEFAULT_API_SECRET not in text


# -- Binance's documented HMAC example, checked by the server ------------------------------

DOC_TIMESTAMP_MS = 1499827319559
DOC_QUERY = ('symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1'
             '&recvWindow=5000&timestamp=1499827319559')
DOC_QUERY_SIGNATURE = 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71'
DOC_MIXED_QUERY = 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC'
DOC_MIXED_BODY = 'quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559'
DOC_MIXED_SIGNATURE = '0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77'


def _one_char_changed(text, index=-1):
    """``text`` with the character at ``index`` replaced by another one."""
    index %= len(text)
    new = '0' if text[index] != '0' else '1'
    return text[:index] + new + text[index + 1:]


def _post_order(sim, query, body=None):
    """POST /api/v3/order with this raw query (and form body), as the default account."""
    headers = {'X-MBX-APIKEY': DEFAULT_API_KEY}
    if body is None:
        return requests.post(sim.api_url + '/v3/order?' + query, headers=headers, timeout=10)
    headers['Content-Type'] = 'application/x-www-form-urlencoded'
    return requests.post(sim.api_url + '/v3/order?' + query, data=body, headers=headers, timeout=10)


@pytest.fixture
def doc_time_sim(make_sim):
    """A simulator whose clock reads the documented example's timestamp."""
    clock = Clock()
    clock.advance(DOC_TIMESTAMP_MS / 1000.0)
    sim = make_sim(clock=clock)
    assert abs(now_ms(sim) - DOC_TIMESTAMP_MS) <= 1
    return sim


def test_documented_query_string_signature_is_accepted(doc_time_sim):
    sim = doc_time_sim
    response = _post_order(sim, DOC_QUERY + '&signature=' + DOC_QUERY_SIGNATURE)
    assert response.status_code == 200, response.text
    order = response.json()
    assert order['symbol'] == 'LTCBTC' and order['side'] == 'BUY' and order['type'] == 'LIMIT'
    assert order['transactTime'] == now_ms(sim)
    # the signature is not case sensitive
    upper = _post_order(sim, DOC_QUERY + '&signature=' + DOC_QUERY_SIGNATURE.upper())
    assert upper.status_code == 200, upper.text
    # one character changed in the signature, or in the signed payload
    assert_error(_post_order(sim, DOC_QUERY + '&signature=' + _one_char_changed(DOC_QUERY_SIGNATURE)),
                 400, -1022)
    assert_error(_post_order(sim, DOC_QUERY.replace('price=0.1', 'price=0.2')
                             + '&signature=' + DOC_QUERY_SIGNATURE), 400, -1022)


def test_documented_mixed_query_and_body_signature_is_accepted(doc_time_sim):
    sim = doc_time_sim
    response = _post_order(sim, DOC_MIXED_QUERY, DOC_MIXED_BODY + '&signature=' + DOC_MIXED_SIGNATURE)
    assert response.status_code == 200, response.text
    order = response.json()
    assert order['symbol'] == 'LTCBTC' and order['side'] == 'BUY'
    # the payload is the query and the body concatenated without '&': that signature differs
    assert DOC_MIXED_SIGNATURE != DOC_QUERY_SIGNATURE
    assert_error(_post_order(sim, DOC_MIXED_QUERY, DOC_MIXED_BODY + '&signature=' + DOC_QUERY_SIGNATURE),
                 400, -1022)
    assert_error(_post_order(sim, DOC_MIXED_QUERY,
                             DOC_MIXED_BODY + '&signature=' + _one_char_changed(DOC_MIXED_SIGNATURE, 0)),
                 400, -1022)
    assert_error(_post_order(sim, DOC_MIXED_QUERY.replace('LTCBTC', 'LTCBTD'),
                             DOC_MIXED_BODY + '&signature=' + DOC_MIXED_SIGNATURE), 400, -1022)
