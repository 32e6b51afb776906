"""The simulator's order-book faults on every venue the depth caches follow.

A lost diff event must look lost to a client of each venue: spot ``U`` jumps
past the previous ``u + 1``, futures ``pu`` is not the previous ``u``; the
snapshot faults answer the venue's own depth endpoint.
"""
import orjson
import pytest
from twisted.internet import task

from binance import _reactor


class Events:
    """Feed listener keeping the decoded diff events of one stream."""

    def __init__(self):
        self.events = []

    def __call__(self, stream, payload):
        self.events.append(orjson.loads(payload))


@pytest.fixture
def clocked_sim(make_sim):
    clock = task.Clock()
    clock.advance(1_700_000_000)
    return make_sim(seed=5, trade_rate=300, clock=clock, intervals={'ping': 0}), clock


def _events(sim, clock, venue, stream, steps):
    listener = Events()
    feed = sim.venue(venue).feed
    _reactor.blocking_call(feed.subscribe, stream, listener)
    for _ in range(steps):
        _reactor.blocking_call(clock.advance, 0.1)
    return feed, listener


@pytest.mark.parametrize('venue, symbol', [('usdm', 'BTCUSDT'), ('coinm', 'BTCUSD_PERP')])
def test_a_lost_futures_event_breaks_the_pu_chain(clocked_sim, venue, symbol):
    sim, clock = clocked_sim
    stream = symbol.lower() + '@depth@100ms'
    feed, listener = _events(sim, clock, venue, stream, 30)
    before = len(listener.events)
    assert before >= 5
    chain = listener.events
    assert all(b['pu'] == a['u'] for a, b in zip(chain, chain[1:])), 'an intact stream chains'
    hidden_to = sim.faults.skip_depth_updates(symbol, 2, venue=venue)
    for _ in range(30):
        _reactor.blocking_call(clock.advance, 0.1)
    _reactor.blocking_call(feed.unsubscribe, stream, listener)
    last_seen, after = listener.events[before - 1], listener.events[before]
    assert after['pu'] != last_seen['u'], 'the client can tell an event was lost'
    assert after['pu'] == hidden_to and after['U'] > hidden_to
    rest = listener.events[before:]
    assert all(b['pu'] == a['u'] for a, b in zip(rest, rest[1:])), 'and the chain goes on'


def test_a_lost_spot_event_makes_u_jump(clocked_sim):
    sim, clock = clocked_sim
    feed, listener = _events(sim, clock, 'spot', 'bnbbtc@depth@100ms', 30)
    before = len(listener.events)
    hidden_to = sim.faults.skip_depth_updates('BNBBTC', 3)
    for _ in range(30):
        _reactor.blocking_call(clock.advance, 0.1)
    _reactor.blocking_call(feed.unsubscribe, 'bnbbtc@depth@100ms', listener)
    last_seen, after = listener.events[before - 1], listener.events[before]
    assert after['U'] > last_seen['u'] + 1 and after['U'] > hidden_to


def test_snapshot_faults_answer_the_futures_depth_endpoint(make_sim):
    import requests
    sim = make_sim(seed=6, trade_rate=50)
    url = sim.futures_api_url + '/v1/depth?symbol=BTCUSDT&limit=5'
    assert requests.get(url, timeout=10).status_code == 200
    assert sim.faults.fail_depth_snapshots(2, status=503, venue='usdm') == 2
    spot = requests.get(sim.api_url + '/v3/depth?symbol=BNBBTC&limit=5', timeout=10)
    assert spot.status_code == 200, 'another venue is not affected'
    assert [requests.get(url, timeout=10).status_code for _ in range(3)] == [503, 503, 200]
    sim.faults.stale_depth_snapshots(1, venue='coinm')
    coin = sim.futures_coin_api_url + '/v1/depth?symbol=BTCUSD_PERP&limit=5'
    stale = requests.get(coin, timeout=10).json()
    assert len(stale['bids']) == 5 and stale['lastUpdateId'] > 0
    with pytest.raises(KeyError, match='no venue'):
        sim.faults.skip_depth_updates('BTCUSDT', venue='margin')
