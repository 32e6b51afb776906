"""The WebSocket API at /ws-api/v3: request/response shapes and user data subscriptions."""
import json
from decimal import Decimal

import pytest
from twisted.internet.task import Clock

from binance.simulator import DEFAULT_API_KEY, DEFAULT_API_SECRET
from binance.simulator.accounts import MARGIN, isolated_scope
from tests.conftest import wait_for
from userdata_helpers import (call, connect, now_ms, on_reactor, recv_json, signature_params, signed,
                              ws_request)


@pytest.fixture
def api(sim):
    """An open WebSocket API connection to the default simulator."""
    ws = connect(sim.ws_api_url)
    yield ws
    ws.close()


def _token(sim, **params):
    response = signed(sim, 'POST', '/sapi/v1/userListenToken', params)
    assert response.status_code == 200, response.text
    return response.json()


def _error(response, status, code):
    assert set(response) == {'id', 'status', 'error', 'rateLimits'}, response
    assert response['status'] == status and response['error']['code'] == code, response
    assert isinstance(response['error']['msg'], str) and response['error']['msg']
    return response['error']


def _subscribed(sim, count, account='spot'):
    wait_for(lambda: on_reactor(sim.accounts.subscriber_count, DEFAULT_API_KEY, account) == count,
             message='{} subscription(s)'.format(count))


# -- plain requests -----------------------------------------------------------------------


def test_ping_time_and_response_shape(sim, api):
    pong = ws_request(api, 'ping', request_id='a-string-id')
    assert set(pong) == {'id', 'status', 'result', 'rateLimits'}
    assert pong['status'] == 200 and pong['result'] == {}
    limit = pong['rateLimits'][0]
    assert (limit['rateLimitType'], limit['interval'], limit['intervalNum'], limit['limit']) == \
        ('REQUEST_WEIGHT', 'MINUTE', 1, 6000)
    before = now_ms(sim)
    answer = ws_request(api, 'time', request_id=7)
    assert before <= answer['result']['serverTime'] <= now_ms(sim)
    assert answer['rateLimits'][0]['count'] == limit['count'] + 1


def test_weight_is_shared_with_rest(sim, api):
    count = ws_request(api, 'ping')['rateLimits'][0]['count']
    rest = call(sim, 'GET', '/api/v3/exchangeInfo')
    assert int(rest.headers['X-MBX-USED-WEIGHT-1M']) == count + 20
    assert ws_request(api, 'ping')['rateLimits'][0]['count'] == count + 21


def test_null_id_and_params_omitted(api):
    api.send(json.dumps({'id': None, 'method': 'ping'}))
    answer = recv_json(api)
    assert answer['id'] is None and answer['status'] == 200


@pytest.mark.parametrize('frame,code', [
    ('not json', -1135),
    ('[1, 2]', -1135),
    ('{"id": 1}', -1102),
    ('{"id": 1, "method": "ping", "params": [1]}', -1135),
    ('{"id": 1, "method": "order.teleport", "params": {}}', -1020),
])
def test_malformed_requests(api, frame, code):
    api.send(frame)
    _error(recv_json(api), 400, code)


def test_session_status_and_subscriptions(sim, api):
    status = ws_request(api, 'session.status')['result']
    assert status['userDataStream'] is False and status['apiKey'] is None
    assert ws_request(api, 'session.subscriptions')['result'] == []
    ws_request(api, 'userDataStream.subscribe.signature', signature_params(sim))
    assert ws_request(api, 'session.subscriptions')['result'] == [{'subscriptionId': 0}]
    assert ws_request(api, 'session.status')['result']['userDataStream'] is True


def test_subscribe_without_logon_is_refused(api):
    _error(ws_request(api, 'userDataStream.subscribe'), 401, -1002)


# -- userDataStream.subscribe.signature ----------------------------------------------------


def test_subscribe_signature_and_every_event_kind_wrapped_in_order(sim, api):
    answer = ws_request(api, 'userDataStream.subscribe.signature', signature_params(sim))
    assert answer['status'] == 200 and answer['result'] == {'subscriptionId': 0}
    order = signed(sim, 'POST', '/api/v3/order', {
        'symbol': 'BNBBTC', 'side': 'BUY', 'type': 'MARKET', 'quantity': '1'}).json()
    on_reactor(sim.accounts.deposit, DEFAULT_API_KEY, 'USDT', '25')
    on_reactor(sim.accounts.emit_list_status, DEFAULT_API_KEY, 'BNBBTC')
    trades = len(order['fills'])
    frames = [recv_json(api) for _ in range(trades + 5)]
    assert all(set(f) == {'subscriptionId', 'event'} and f['subscriptionId'] == 0 for f in frames)
    events = [f['event'] for f in frames]
    assert [(e['e'], e.get('x')) for e in events] == (
        [('executionReport', 'NEW')] + [('executionReport', 'TRADE')] * trades +
        [('outboundAccountPosition', None), ('balanceUpdate', None), ('outboundAccountPosition', None),
         ('listStatus', None)])
    assert events[trades]['X'] == 'FILLED' and events[0]['i'] == order['orderId']
    assert events[trades + 2] == {'e': 'balanceUpdate', 'E': events[trades + 2]['E'], 'a': 'USDT',
                                  'd': '25.00000000', 'T': events[trades + 2]['T']}


def test_subscribe_signature_with_recv_window(sim, api):
    params = signature_params(sim, timestamp=now_ms(sim) - 10000, recvWindow=20000)
    assert ws_request(api, 'userDataStream.subscribe.signature', params)['status'] == 200


@pytest.mark.parametrize('change,status,code', [
    (lambda p: p.update(signature='0' * 64), 400, -1022),
    (lambda p: p.update(apiKey='unknownKey'), 401, -2015),
    (lambda p: p.pop('apiKey'), 400, -1102),
    (lambda p: p.pop('signature'), 400, -1102),
    (lambda p: p.pop('timestamp'), 400, -1102),
])
def test_subscribe_signature_rejections(sim, api, change, status, code):
    params = signature_params(sim)
    change(params)
    _error(ws_request(api, 'userDataStream.subscribe.signature', params), status, code)
    assert ws_request(api, 'session.subscriptions')['result'] == []


def test_subscribe_signature_with_wrong_secret_or_old_timestamp(sim, api):
    wrong = signature_params(sim, secret='wrong' + DEFAULT_API_SECRET)
    _error(ws_request(api, 'userDataStream.subscribe.signature', wrong), 400, -1022)
    stale = signature_params(sim, timestamp=now_ms(sim) - 60000)
    _error(ws_request(api, 'userDataStream.subscribe.signature', stale), 400, -1021)
    future = signature_params(sim, timestamp=now_ms(sim) + 5000)
    _error(ws_request(api, 'userDataStream.subscribe.signature', future), 400, -1021)


def test_one_subscription_per_account_per_connection(sim, api):
    ws_request(api, 'userDataStream.subscribe.signature', signature_params(sim))
    _error(ws_request(api, 'userDataStream.subscribe.signature', signature_params(sim)), 400, -2035)


def test_two_connections_both_receive(sim, api):
    other = connect(sim.ws_api_url)
    try:
        for ws in (api, other):
            assert ws_request(ws, 'userDataStream.subscribe.signature',
                              signature_params(sim))['result'] == {'subscriptionId': 0}
        on_reactor(sim.accounts.deposit, DEFAULT_API_KEY, 'BTC', '1')
        assert recv_json(api)['event']['e'] == recv_json(other)['event']['e'] == 'balanceUpdate'
    finally:
        other.close()


def test_unsubscribe(sim, api):
    ws_request(api, 'userDataStream.subscribe.signature', signature_params(sim))
    _error(ws_request(api, 'userDataStream.unsubscribe', {'subscriptionId': 5}), 400, -2036)
    api.send(json.dumps({'id': 'u', 'method': 'userDataStream.unsubscribe', 'params': {'subscriptionId': 0}}))
    terminated, answer = recv_json(api), recv_json(api)
    assert terminated['subscriptionId'] == 0 and terminated['event']['e'] == 'eventStreamTerminated'
    assert answer['id'] == 'u' and answer['status'] == 200 and answer['result'] == {}
    _subscribed(sim, 0)
    on_reactor(sim.accounts.deposit, DEFAULT_API_KEY, 'BTC', '1')
    assert ws_request(api, 'ping')['result'] == {}  # the next frame is the answer, not an event
    again = ws_request(api, 'userDataStream.subscribe.signature', signature_params(sim))
    assert again['result'] == {'subscriptionId': 1}


def test_unsubscribe_all_and_close_stop_delivery(sim, api):
    ws_request(api, 'userDataStream.subscribe.signature', signature_params(sim))
    token = _token(sim)['token']
    ws_request(api, 'userDataStream.subscribe.listenToken', {'listenToken': token})
    api.send(json.dumps({'id': 9, 'method': 'userDataStream.unsubscribe'}))
    frames = [recv_json(api) for _ in range(3)]
    assert [f.get('subscriptionId') for f in frames[:2]] == [0, 1]
    assert frames[2]['id'] == 9 and frames[2]['result'] == {}
    ws_request(api, 'userDataStream.subscribe.signature', signature_params(sim))
    _subscribed(sim, 1)
    api.close()
    _subscribed(sim, 0)


# -- userDataStream.subscribe.listenToken --------------------------------------------------


def test_listen_token_subscription_receives_margin_events_only(sim, api):
    token = _token(sim)
    answer = ws_request(api, 'userDataStream.subscribe.listenToken', {'listenToken': token['token']})
    assert answer['result'] == {'subscriptionId': 0, 'expirationTime': token['expirationTime']}
    on_reactor(sim.accounts.deposit, DEFAULT_API_KEY, 'BTC', '1')             # spot: not for us
    on_reactor(sim.accounts.deposit, DEFAULT_API_KEY, 'BNB', '3', account=MARGIN)
    event = recv_json(api)
    assert event['subscriptionId'] == 0 and event['event']['e'] == 'balanceUpdate'
    assert event['event']['a'] == 'BNB'


def test_isolated_listen_token(sim, api):
    token = _token(sim, isIsolated='true', symbol='ETHBTC')['token']
    ws_request(api, 'userDataStream.subscribe.listenToken', {'listenToken': token})
    on_reactor(sim.accounts.deposit, DEFAULT_API_KEY, 'ETH', '1', account=MARGIN)
    on_reactor(sim.accounts.deposit, DEFAULT_API_KEY, 'ETH', '2', account=isolated_scope('ETHBTC'))
    assert recv_json(api)['event']['d'] == '2.00000000'


@pytest.mark.parametrize('params,code', [({'listenToken': 'bogus'}, -1209), ({}, -1102)])
def test_bad_listen_token(api, params, code):
    _error(ws_request(api, 'userDataStream.subscribe.listenToken', params), 400, code)


def test_listen_token_expiry_sends_event_stream_terminated(make_sim):
    clock = Clock()
    clock.advance(1_000_000)
    # no pings and no age limit: one clock jump of a day would otherwise end the connection
    sim = make_sim(clock=clock, intervals={'ping': 0, 'max_connection_age': 0})
    validity = sim.config.interval('listen_token_validity')
    token = _token(sim)
    assert token['expirationTime'] == (1_000_000 + validity) * 1000
    ws = connect(sim.ws_api_url)
    try:
        ws_request(ws, 'userDataStream.subscribe.listenToken', {'listenToken': token['token']})
        on_reactor(clock.advance, validity - 0.5)
        # still subscribed: a termination would have come before this response
        assert ws_request(ws, 'session.subscriptions')['result'] == [{'subscriptionId': 0}]
        on_reactor(clock.advance, 0.5)
        terminated = recv_json(ws)
        assert terminated['subscriptionId'] == 0
        assert terminated['event']['e'] == 'eventStreamTerminated'
        assert terminated['event']['E'] == token['expirationTime']
        assert ws_request(ws, 'session.subscriptions')['result'] == []
        _error(ws_request(ws, 'userDataStream.subscribe.listenToken', {'listenToken': token['token']}),
               400, -1209)
    finally:
        ws.close()


def test_new_token_extends_the_same_subscription(make_sim):
    sim = make_sim(intervals={'listen_token_validity': 600})
    ws = connect(sim.ws_api_url)
    try:
        first = _token(sim, validity=3600000)
        second = _token(sim)
        assert second['expirationTime'] > first['expirationTime']
        a = ws_request(ws, 'userDataStream.subscribe.listenToken', {'listenToken': first['token']})
        b = ws_request(ws, 'userDataStream.subscribe.listenToken', {'listenToken': second['token']})
        assert a['result']['subscriptionId'] == b['result']['subscriptionId'] == 0
        assert b['result']['expirationTime'] == second['expirationTime']
        assert ws_request(ws, 'session.subscriptions')['result'] == [{'subscriptionId': 0}]
    finally:
        ws.close()


def test_expire_tokens_fault(sim, api):
    ws_request(api, 'userDataStream.subscribe.listenToken', {'listenToken': _token(sim)['token']})
    ws_request(api, 'userDataStream.subscribe.signature', signature_params(sim))
    assert on_reactor(sim.accounts.expire_listen_tokens) == 1
    terminated = recv_json(api)
    assert terminated == {'subscriptionId': 0, 'event': terminated['event']}
    assert terminated['event']['e'] == 'eventStreamTerminated'
    # the signature subscription is untouched
    on_reactor(sim.accounts.deposit, DEFAULT_API_KEY, 'BTC', '1')
    assert recv_json(api)['subscriptionId'] == 1


def test_many_requests_are_not_limited_to_five_per_second(api):
    for _ in range(12):
        api.send(json.dumps({'id': 1, 'method': 'ping'}))
    assert [recv_json(api)['status'] for _ in range(12)] == [200] * 12


def test_weight_limit_answers_429(make_sim):
    sim = make_sim(request_weight_limit=3)
    ws = connect(sim.ws_api_url)
    try:
        for _ in range(3):
            assert ws_request(ws, 'ping')['status'] == 200
        error = _error(ws_request(ws, 'ping'), 429, -1003)
        assert error['data']['retryAfter'] > error['data']['serverTime']
    finally:
        ws.close()


def test_decimal_amounts_are_strings(sim, api):
    ws_request(api, 'userDataStream.subscribe.signature', signature_params(sim))
    on_reactor(sim.accounts.deposit, DEFAULT_API_KEY, 'BTC', '0.1')
    recv_json(api)
    position = recv_json(api)['event']
    assert position['e'] == 'outboundAccountPosition'
    assert Decimal(position['B'][0]['f']) == Decimal('10.1')


def test_listen_key_methods_only_on_legacy_venues(make_sim):
    com = make_sim()
    ws = connect(com.ws_api_url)
    try:
        _error(ws_request(ws, 'userDataStream.start', {'apiKey': DEFAULT_API_KEY}), 400, -1020)
    finally:
        ws.close()
    us = make_sim(legacy_listen_keys=True)
    ws = connect(us.ws_api_url)
    try:
        key = ws_request(ws, 'userDataStream.start', {'apiKey': DEFAULT_API_KEY})['result']['listenKey']
        rest_key = call(us, 'POST', '/api/v3/userDataStream', api_key=DEFAULT_API_KEY).json()['listenKey']
        assert key == rest_key
        ping = ws_request(ws, 'userDataStream.ping', {'apiKey': DEFAULT_API_KEY, 'listenKey': key})
        assert ping['status'] == 200 and ping['result'] == {}
        _error(ws_request(ws, 'userDataStream.ping', {'apiKey': DEFAULT_API_KEY, 'listenKey': 'x'}), 400, -1125)
        _error(ws_request(ws, 'userDataStream.start', {'apiKey': 'unknownKey'}), 401, -2015)
        _error(ws_request(ws, 'userDataStream.stop', {'apiKey': DEFAULT_API_KEY}), 400, -1102)
        assert ws_request(ws, 'userDataStream.stop', {'apiKey': DEFAULT_API_KEY, 'listenKey': key})['status'] == 200
        assert not on_reactor(us.accounts.is_listen_key, key)
    finally:
        ws.close()
