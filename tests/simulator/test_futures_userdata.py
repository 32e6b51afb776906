"""Listen keys of the derivatives venues: the REST trio, validity, and the private streams that deliver them."""
import pytest
from twisted.internet import task

from binance.simulator import DEFAULT_API_KEY
from sim_server_helpers import advance, connections_of, events_until_answered, read_until_closed
from tests.conftest import wait_for
from userdata_helpers import assert_error, call, on_reactor

PATHS = {'usdm': '/fapi/v1/listenKey', 'coinm': '/dapi/v1/listenKey', 'options': '/eapi/v1/listenKey'}


@pytest.fixture
def key_sim(make_sim):
    clock = task.Clock()
    clock.advance(1790000000)
    sim = make_sim(seed=3, clock=clock, trade_rate=0, time_scale=0.001, intervals={'ping': 0})
    sim.test_clock = clock
    return sim


def _key(sim, venue):
    response = call(sim, 'POST', PATHS[venue], api_key=DEFAULT_API_KEY)
    assert response.status_code == 200, response.text
    assert list(response.json()) == ['listenKey']
    return response.json()['listenKey']


def _publish(sim, venue, event):
    on_reactor(sim.accounts.publish, DEFAULT_API_KEY, event, venue)


def _order_update(n):
    return {'e': 'ORDER_TRADE_UPDATE', 'E': 1790000000000 + n, 'T': 1790000000000 + n, 'o': {'s': 'BTCUSDT', 'i': n}}


@pytest.mark.parametrize('venue', sorted(PATHS))
def test_listen_key_rest_trio(key_sim, venue):
    path = PATHS[venue]
    key = _key(key_sim, venue)
    assert len(key) >= 60 and key.isalnum()
    assert _key(key_sim, venue) == key, 'POST returns the live key'
    keepalive = call(key_sim, 'PUT', path, api_key=DEFAULT_API_KEY)
    assert keepalive.status_code == 200
    assert keepalive.json() == ({'listenKey': key} if venue == 'usdm' else {})
    assert call(key_sim, 'PUT', path, {'listenKey': key}, api_key=DEFAULT_API_KEY).status_code == 200
    body = assert_error(call(key_sim, 'PUT', path, {'listenKey': 'x' * 64}, api_key=DEFAULT_API_KEY), 400, -1125)
    assert body['msg'] == 'This listenKey does not exist. Please use POST {} to recreate listenKey.'.format(path)
    assert call(key_sim, 'DELETE', path, api_key=DEFAULT_API_KEY).json() == {}
    assert_error(call(key_sim, 'PUT', path, api_key=DEFAULT_API_KEY), 400, -1125)
    assert_error(call(key_sim, 'DELETE', path, api_key=DEFAULT_API_KEY), 400, -1125)
    assert _key(key_sim, venue) != key, 'a new key after DELETE'


@pytest.mark.parametrize('venue', sorted(PATHS))
def test_listen_keys_need_an_api_key(key_sim, venue):
    assert_error(call(key_sim, 'POST', PATHS[venue]), 401, -2014)
    assert_error(call(key_sim, 'POST', PATHS[venue], api_key='unknown'), 401, -2015)
    assert_error(call(key_sim, 'GET', PATHS[venue], api_key=DEFAULT_API_KEY), 405, -1020)


def test_each_venue_has_its_own_key(key_sim):
    keys = {venue: _key(key_sim, venue) for venue in PATHS}
    assert len(set(keys.values())) == 3
    spot = call(key_sim, 'POST', '/api/v3/userDataStream', api_key=DEFAULT_API_KEY)
    assert spot.status_code == 410, 'binance.com removed the spot listen keys'


def test_usdm_private_stream_delivers_and_expires(key_sim, connect):
    key = _key(key_sim, 'usdm')
    client = connect(key_sim.fstream_url + 'private/ws?listenKey=' + key)
    wait_for(lambda: len(connections_of(key_sim)) == 1, 5, message='registration')
    _publish(key_sim, 'usdm', _order_update(1))
    assert client.recv_json() == _order_update(1)
    # valid 60 min (3.6 s at this time scale); PUT extends it by the full validity
    advance(key_sim.test_clock, 3.5)
    assert call(key_sim, 'PUT', PATHS['usdm'], api_key=DEFAULT_API_KEY).status_code == 200
    advance(key_sim.test_clock, 3.5)
    _publish(key_sim, 'usdm', _order_update(2))
    assert client.recv_json() == _order_update(2)
    advance(key_sim.test_clock, 0.2)
    assert client.recv_json() == {'e': 'listenKeyExpired', 'E': 1790000007200, 'listenKey': key}
    _publish(key_sim, 'usdm', _order_update(3))
    events, _ = events_until_answered(client)
    assert events == [], 'nothing after listenKeyExpired; the connection stays open'
    assert_error(call(key_sim, 'PUT', PATHS['usdm'], api_key=DEFAULT_API_KEY), 400, -1125)


def test_private_combined_stream_events_filter_and_subscribe(key_sim, connect):
    key = _key(key_sim, 'usdm')
    filtered = connect(key_sim.fstream_url + 'private/stream?listenKey=' + key + '&events=ACCOUNT_UPDATE')
    subscriber = connect(key_sim.fstream_url + 'private/stream')
    assert subscriber.request({'method': 'SUBSCRIBE', 'params': [key], 'id': 1}) == {'result': None, 'id': 1}
    wait_for(lambda: len(connections_of(key_sim)) == 2, 5, message='registration')
    account = {'e': 'ACCOUNT_UPDATE', 'E': 5, 'T': 5, 'a': {'m': 'ORDER', 'B': [], 'P': []}}
    _publish(key_sim, 'usdm', _order_update(1))
    _publish(key_sim, 'usdm', account)
    assert filtered.recv_json() == {'stream': key, 'data': account}
    assert [m['data']['e'] for m in events_until_answered(subscriber)[0]] == ['ORDER_TRADE_UPDATE', 'ACCOUNT_UPDATE']
    on_reactor(key_sim.faults.expire_listen_key, key)
    assert filtered.recv_json()['data']['e'] == 'listenKeyExpired', 'always delivered'


@pytest.mark.parametrize('venue, path', [
    ('usdm', 'fstream/private/ws/{key}'),           # path form: USD-M keys belong in the query
    ('usdm', 'fstream/ws/{key}'),                   # unrouted: no user data since 2026-04-23
    ('usdm', 'fstream/public/ws?listenKey={key}'),
    ('usdm', 'dstream/ws/{key}'),
    ('usdm', 'ws/{key}'),
    ('coinm', 'fstream/private/ws?listenKey={key}'),
    ('options', 'fstream/ws/{key}'),
])
def test_listen_keys_elsewhere_are_accepted_and_silent(key_sim, connect, venue, path):
    key = _key(key_sim, venue)
    client = connect(key_sim.stream_url + path.format(key=key))
    wait_for(lambda: len(connections_of(key_sim)) == 1, 5, message='registration')
    _publish(key_sim, venue, _order_update(1))
    events, subscribed = events_until_answered(client)
    assert events == [] and subscribed == [key]


@pytest.mark.parametrize('venue, path', [('options', 'fstream/private/ws/{key}'), ('coinm', 'dstream/ws/{key}'),
                                         ('options', 'fstream/private/ws?listenKey={key}')])
def test_options_and_coin_futures_user_data(key_sim, connect, venue, path):
    key = _key(key_sim, venue)
    client = connect(key_sim.stream_url + path.format(key=key))
    wait_for(lambda: len(connections_of(key_sim)) == 1, 5, message='registration')
    _publish(key_sim, venue, _order_update(7))
    assert client.recv_json() == _order_update(7)
    listed = key_sim.faults.connections()[0]
    assert key not in listed['path'] and listed['venue'] == ('options' if 'fstream' in path else 'coinm')


def test_delete_closes_the_private_connections(key_sim, connect):
    key = _key(key_sim, 'usdm')
    client = connect(key_sim.fstream_url + 'private/ws?listenKey=' + key)
    wait_for(lambda: len(connections_of(key_sim)) == 1, 5, message='registration')
    assert call(key_sim, 'DELETE', PATHS['usdm'], api_key=DEFAULT_API_KEY).status_code == 200
    assert read_until_closed(client) == 1000


def test_unknown_keys_stay_silent(key_sim, connect):
    client = connect(key_sim.fstream_url + 'private/ws?listenKey=' + 'y' * 64)
    assert events_until_answered(client) == ([], [])
    assert client.request({'method': 'SUBSCRIBE', 'params': ['z' * 64], 'id': 2})['error']['code'] == 2
