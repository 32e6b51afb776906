"""Live SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY, GET_PROPERTY and their errors."""
import pytest

from sim_server_helpers import publish
from tests.conftest import wait_for

INVALID_STREAM = {'code': 2, 'msg': 'Invalid request: invalid stream'}


@pytest.fixture
def sim(scripted_sim):
    return scripted_sim()


@pytest.fixture
def raw(sim, connect):
    return connect(sim.stream_url + 'ws')


def test_subscribe_answers_null_and_starts_the_stream(sim, raw):
    assert raw.request({'method': 'SUBSCRIBE', 'params': ['bnbbtc@aggTrade', 'bnbbtc@depth'], 'id': 1}) == {
        'result': None, 'id': 1}
    assert sim.feed.count('bnbbtc@aggTrade') == 1
    publish(sim, 'bnbbtc@depth', b'{"e":"depthUpdate","u":5}')
    assert raw.recv_json() == {'e': 'depthUpdate', 'u': 5}
    assert raw.request({'method': 'LIST_SUBSCRIPTIONS', 'id': 3}) == {
        'result': ['bnbbtc@aggTrade', 'bnbbtc@depth'], 'id': 3}


def test_unsubscribe_stops_the_stream(sim, raw):
    raw.request({'method': 'SUBSCRIBE', 'params': ['bnbbtc@aggTrade', 'bnbbtc@depth'], 'id': 1})
    assert raw.request({'method': 'UNSUBSCRIBE', 'params': ['bnbbtc@depth'], 'id': 312}) == {
        'result': None, 'id': 312}
    assert sim.feed.count('bnbbtc@depth') == 0
    publish(sim, 'bnbbtc@depth', b'{"e":"depthUpdate"}')
    assert raw.request({'method': 'LIST_SUBSCRIPTIONS', 'id': 4}) == {'result': ['bnbbtc@aggTrade'], 'id': 4}


def test_string_and_null_ids_are_echoed(raw):
    assert raw.request({'method': 'LIST_SUBSCRIPTIONS', 'id': 'abc123'}) == {'result': [], 'id': 'abc123'}
    assert raw.request({'method': 'LIST_SUBSCRIPTIONS', 'id': None}) == {'result': [], 'id': None}
    big = (1 << 63) - 1
    assert raw.request({'method': 'LIST_SUBSCRIPTIONS', 'id': big}) == {'result': [], 'id': big}


@pytest.mark.parametrize('bad_id', [1.5, True, 'has-dash', 'x' * 37, 1 << 63, {'a': 1}])
def test_bad_ids_are_refused(raw, bad_id):
    assert raw.request({'method': 'SUBSCRIBE', 'params': ['bnbbtc@trade'], 'id': bad_id}) == {
        'error': {'code': 2, 'msg': 'Invalid request: request ID must be an unsigned integer'}, 'id': None}


def test_missing_id_is_refused(raw):
    assert raw.request({'method': 'LIST_SUBSCRIPTIONS'})['error']['code'] == 2


def test_properties(sim, raw):
    assert raw.request({'method': 'GET_PROPERTY', 'params': ['combined'], 'id': 2}) == {'result': False, 'id': 2}
    assert raw.request({'method': 'SET_PROPERTY', 'params': ['combined', True], 'id': 5}) == {
        'result': None, 'id': 5}
    assert raw.request({'method': 'GET_PROPERTY', 'params': ['combined'], 'id': 6}) == {'result': True, 'id': 6}
    raw.request({'method': 'SUBSCRIBE', 'params': ['ethbtc@trade'], 'id': 7})
    publish(sim, 'ethbtc@trade', b'{"e":"trade"}')
    assert raw.recv_json() == {'stream': 'ethbtc@trade', 'data': {'e': 'trade'}}


def test_combined_endpoint_starts_combined(sim, connect):
    client = connect(sim.stream_url + 'stream?streams=bnbbtc@trade')
    assert client.request({'method': 'GET_PROPERTY', 'params': ['combined'], 'id': 1}) == {'result': True, 'id': 1}
    assert client.request({'method': 'SET_PROPERTY', 'params': ['combined', False], 'id': 2})['result'] is None
    publish(sim, 'bnbbtc@trade', b'{"e":"trade"}')
    assert client.recv_json() == {'e': 'trade'}


@pytest.mark.parametrize('request_, error', [
    ({'method': 'GET_PROPERTY', 'params': ['speed'], 'id': 1}, {'code': 0, 'msg': 'Unknown property'}),
    ({'method': 'SET_PROPERTY', 'params': ['combined', 'yes'], 'id': 1},
     {'code': 1, 'msg': 'Invalid value type: expected Boolean'}),
    ({'method': 'SET_PROPERTY', 'params': [5, True], 'id': 1},
     {'code': 2, 'msg': 'Invalid request: property name must be a string'}),
    ({'method': 'GET_PROPERTY', 'params': [], 'id': 1},
     {'code': 2, 'msg': 'Invalid request: property name must be a string'}),
    ({'method': 'SET_PROPERTY', 'params': ['combined', True, 1], 'id': 1},
     {'code': 2, 'msg': 'Invalid request: too many parameters'}),
    ({'method': 'LIST_SUBSCRIPTIONS', 'params': ['x'], 'id': 1},
     {'code': 2, 'msg': 'Invalid request: too many parameters'}),
    ({'method': 'SUBSCRIBE', 'params': ['not asdfads'], 'id': 1}, INVALID_STREAM),
    ({'method': 'SUBSCRIBE', 'params': ['bnbbtc@trade', 7], 'id': 1}, INVALID_STREAM),
    ({'method': 'UNSUBSCRIBE', 'params': ['no stream'], 'id': 1}, INVALID_STREAM),
])
def test_error_shapes(raw, request_, error):
    assert raw.request(request_) == {'error': error, 'id': 1}


def test_invalid_subscribe_changes_nothing(sim, raw):
    raw.request({'method': 'SUBSCRIBE', 'params': ['bnbbtc@trade', 'bad stream'], 'id': 1})
    assert raw.request({'method': 'LIST_SUBSCRIPTIONS', 'id': 2}) == {'result': [], 'id': 2}
    assert sim.feed.count('bnbbtc@trade') == 0


def test_unknown_method_names_the_variants(raw):
    raw.ws.send('{"method":"SUBSCRIBEE","params":[],"id":1}')
    answer = raw.recv_json()
    assert answer['id'] == 1 and answer['error']['code'] == 2
    assert answer['error']['msg'] == (
        'Invalid request: unknown variant `SUBSCRIBEE`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, '
        '`LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` at line 1 column 22')


def test_missing_method(raw):
    raw.ws.send('{"params":["bnbbtc@trade"],"id":4}')
    assert raw.recv_json() == {
        'error': {'code': 2, 'msg': 'Invalid request: missing field `method` at line 1 column 34'}, 'id': 4}


def test_invalid_json(raw):
    raw.ws.send('{"method": SUBSCRIBE}')
    answer = raw.recv_json()
    assert answer['id'] is None and answer['error']['code'] == 3
    assert answer['error']['msg'].startswith('Invalid JSON: expected value at line 1 column ')


def test_unknown_symbols_and_upper_case_are_accepted_but_silent(sim, raw):
    assert raw.request({'method': 'SUBSCRIBE', 'params': ['xrpxrp@trade', 'BNBBTC@trade'], 'id': 1}) == {
        'result': None, 'id': 1}
    assert sim.feed.count('xrpxrp@trade') == 0 and sim.feed.count('BNBBTC@trade') == 0
    assert raw.request({'method': 'LIST_SUBSCRIPTIONS', 'id': 2}) == {
        'result': ['xrpxrp@trade', 'BNBBTC@trade'], 'id': 2}


def test_retired_streams_accepted_and_silent_by_default(sim, raw):
    assert raw.request({'method': 'SUBSCRIBE', 'params': ['!ticker@arr', '!bookTicker'], 'id': 1}) == {
        'result': None, 'id': 1}
    assert sim.feed.count('!ticker@arr') == 0 and sim.feed.count('!bookTicker') == 0


def test_retired_streams_live_when_switched_on(scripted_sim, connect):
    sim = scripted_sim(retired_streams_live=True)
    client = connect(sim.stream_url + 'ws/!ticker@arr')
    wait_for(lambda: sim.feed.count('!ticker@arr') == 1, 5, message='subscription')
    publish(sim, '!ticker@arr', b'[{"e":"24hrTicker"}]')
    assert client.recv_json() == [{'e': '24hrTicker'}]


def test_stream_limit_per_connection(scripted_sim, connect):
    sim = scripted_sim(max_streams_per_connection=3)
    client = connect(sim.stream_url + 'stream?streams=bnbbtc@trade/ethbtc@trade')
    assert client.request({'method': 'SUBSCRIBE', 'params': ['neobtc@trade'], 'id': 1})['result'] is None
    client.send_json({'method': 'SUBSCRIBE', 'params': ['ltcbtc@trade'], 'id': 2})
    opcode, data = client.recv_frame()
    assert opcode == 8 and int.from_bytes(data[:2], 'big') == 1008


def test_default_stream_limit_is_1024(scripted_sim, connect):
    sim = scripted_sim()
    assert sim.config.max_streams_per_connection == 1024
    names = ['s{}@trade'.format(i) for i in range(1024)]
    client = connect(sim.stream_url + 'ws')
    for start in (0, 512):
        assert client.request({'method': 'SUBSCRIBE', 'params': names[start:start + 512], 'id': start})[
            'result'] is None
    assert len(client.request({'method': 'LIST_SUBSCRIPTIONS', 'id': 9})['result']) == 1024
    client.send_json({'method': 'SUBSCRIBE', 'params': ['one@more'], 'id': 10})
    opcode, data = client.recv_frame()
    assert opcode == 8 and int.from_bytes(data[:2], 'big') == 1008


def test_url_with_too_many_streams_is_closed(scripted_sim, connect):
    sim = scripted_sim(max_streams_per_connection=2)
    client = connect(sim.stream_url + 'stream?streams=a@trade/b@trade/c@trade')
    opcode, data = client.recv_frame()
    assert opcode == 8 and int.from_bytes(data[:2], 'big') == 1008


def test_parse_request_plain_values():
    from binance.simulator.stream_requests import RequestError, parse_request
    assert parse_request(b'{"method":"SUBSCRIBE","params":["a@trade"],"id":"x1"}') == (
        'SUBSCRIBE', ['a@trade'], 'x1')
    with pytest.raises(RequestError) as info:
        parse_request(b'{"method":"SUBSCRIBE","params":"a@trade","id":1}')
    assert info.value.code == 2 and info.value.request_id == 1
    with pytest.raises(RequestError) as info:
        parse_request(b'[1]')
    assert info.value.code == 2 and info.value.request_id is None
    with pytest.raises(RequestError) as info:
        parse_request(b'{\n"method": }')
    assert info.value.msg == 'Invalid JSON: expected value at line 2 column 11'
