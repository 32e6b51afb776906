"""Faults reach the connections of every venue; ``kind`` selects a venue or an endpoint."""
import pytest
import requests
import websocket

from sim_server_helpers import connections_of, read_until_closed
from tests.conftest import wait_for


@pytest.fixture
def four(sim, connect):
    """One connection per venue: spot, USD-M, COIN-M, options (in this order)."""
    option = sim.venue('options').market.symbols[0].lower()
    clients = [connect(sim.stream_url + 'ws/bnbbtc@depth'), connect(sim.fstream_url + 'public/ws/btcusdt@depth'),
               connect(sim.dstream_url + 'ws/btcusd_perp@depth'),
               connect(sim.fstream_url + 'public/ws/' + option + '@depth@500ms')]
    wait_for(lambda: len(connections_of(sim)) == 4, 5, message='registration')
    return clients


def _venues(sim):
    return sorted(c.venue for c in connections_of(sim))


@pytest.mark.parametrize('kind, left', [('usdm', ['coinm', 'options', 'spot']), ('options', ['coinm', 'spot', 'usdm']),
                                        ('fstream', ['coinm', 'spot']), ('dstream', ['options', 'spot', 'usdm']),
                                        ('stream', ['coinm', 'options', 'usdm'])])
def test_drop_all_by_venue_or_endpoint(sim, four, kind, left):
    assert sim.faults.drop_all(kind=kind) == 4 - len(left)
    wait_for(lambda: _venues(sim) == left, 5, message='the selected connections to go')


def test_server_shutdown_reaches_a_futures_connection(sim, four):
    assert sim.faults.server_shutdown(lead=0.05, kind='coinm') == 1
    coinm = four[2]
    event = coinm.recv_json()
    assert event['e'] == 'serverShutdown'
    assert read_until_closed(coinm) == 1001
    wait_for(lambda: _venues(sim) == ['options', 'spot', 'usdm'], 5, message='only the COIN-M connection to go')


def test_freeze_and_thaw_an_options_connection(sim, four):
    assert sim.faults.freeze_all(kind='options') == 1
    frozen = [c for c in connections_of(sim) if c.frozen]
    assert [c.venue for c in frozen] == ['options']
    assert sim.faults.thaw(kind='options') == 1
    assert not any(c.frozen for c in connections_of(sim))


def test_control_endpoint_targets_a_venue(sim, four):
    response = requests.post(sim.control_url + '/faults/drop_all', params={'kind': 'usdm'}, timeout=10)
    assert response.json() == {'result': 1}
    listed = requests.get(sim.control_url + '/connections', timeout=10).json()
    wait_for(lambda: len(connections_of(sim)) == 3, 5, message='the drop')
    assert {(c['venue'], c.get('route')) for c in listed} >= {('coinm', None), ('options', 'public')}


def test_refused_handshakes_on_every_host(sim):
    sim.faults.refuse_connections(30, status=503)
    for url in (sim.fstream_url + 'market/ws/btcusdt@aggTrade', sim.dstream_url + 'ws/btcusd_perp@aggTrade',
                sim.fstream_url + 'private/ws?listenKey=x'):
        with pytest.raises(websocket.WebSocketBadStatusException) as info:
            websocket.create_connection(url, timeout=5)
        assert info.value.status_code == 503
