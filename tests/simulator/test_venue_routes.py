"""The derivatives venues over real sockets: each stream on its route, silent elsewhere.

The simulator runs on a task.Clock moved by the test; a LIST_SUBSCRIPTIONS
answer marks the end of what was sent (a connection sends in order), so
"silent" is checked without waiting.
"""
import pytest
from twisted.internet import task

from sim_server_helpers import advance, connections_of, events_until_answered, stream_names
from tests.conftest import wait_for

PUBLIC = ['btcusdt@bookTicker', 'btcusdt@depth@100ms', 'btcusdt@depth5@100ms', 'btcusdt@depth', 'btcusdt@trade',
          '!bookTicker']
MARKET = ['btcusdt@aggTrade', 'btcusdt@markPrice@1s', 'btcusdt@kline_1m', 'btcusdt@miniTicker', 'btcusdt@ticker',
          '!ticker@arr', '!miniTicker@arr', '!markPrice@arr@1s']


@pytest.fixture
def venue_sim(make_sim):
    clock = task.Clock()
    clock.advance(1790000000)
    sim = make_sim(seed=11, clock=clock, trade_rate=300)
    sim.test_clock = clock
    return sim


def _run(sim, seconds=2.5, step=0.1):
    for _ in range(int(round(seconds / step))):
        advance(sim.test_clock, step)


def _combined(sim, connect, url, streams):
    before = {c.conn_id for c in connections_of(sim)}
    client = connect(url + '?streams=' + '/'.join(streams))
    wait_for(lambda: {c.conn_id for c in connections_of(sim)} - before, 5, message='the connection to register')
    return client


def _delivered(sim, connect, url, streams, seconds=2.5):
    client = _combined(sim, connect, url, streams)
    _run(sim, seconds)
    events, subscribed = events_until_answered(client)
    assert subscribed == streams, 'every name is accepted'
    return stream_names(events), events


def test_public_route_delivers_public_streams_only(venue_sim, connect):
    got, events = _delivered(venue_sim, connect, venue_sim.fstream_url + 'public/stream', PUBLIC + MARKET)
    assert got == set(PUBLIC)
    assert all(set(e) == {'stream', 'data'} for e in events)


def test_market_route_delivers_market_streams_only(venue_sim, connect):
    got, _ = _delivered(venue_sim, connect, venue_sim.fstream_url + 'market/stream', MARKET + PUBLIC)
    assert got == set(MARKET)


def test_private_route_delivers_no_market_stream(venue_sim, connect):
    got, _ = _delivered(venue_sim, connect, venue_sim.fstream_url + 'private/stream', MARKET + PUBLIC)
    assert got == set()


def test_unrouted_url_delivers_public_streams_only(venue_sim, connect):
    got, _ = _delivered(venue_sim, connect, venue_sim.fstream_url + 'stream', MARKET + PUBLIC)
    assert got == set(PUBLIC)


@pytest.mark.parametrize('path, live', [('public/ws/', 'btcusdt@bookTicker'), ('market/ws/', 'btcusdt@aggTrade'),
                                        ('ws/', 'btcusdt@bookTicker')])
def test_raw_paths_and_subscribe_on_each_route(venue_sim, connect, path, live):
    silent = 'btcusdt@aggTrade' if live == 'btcusdt@bookTicker' else 'btcusdt@bookTicker'
    client = connect(venue_sim.fstream_url + path + silent)
    wait_for(lambda: len(connections_of(venue_sim)) == 1, 5, message='registration')
    _run(venue_sim, 1)
    events, subscribed = events_until_answered(client, 1)
    assert (events, subscribed) == ([], [silent]), 'a stream on the wrong route is accepted and silent'
    # SUBSCRIBE accepts any valid name and acks it; only the route's own streams deliver
    assert client.request({'method': 'SUBSCRIBE', 'params': [live, 'ethusdt@forceOrder@x'], 'id': 2}) == {
        'result': None, 'id': 2}
    _run(venue_sim, 1)
    events, subscribed = events_until_answered(client, 3)
    assert subscribed == [silent, live, 'ethusdt@forceOrder@x']
    assert events and {e['e'] for e in events} == {live.split('@')[1]}
    assert all(e['s'] == 'BTCUSDT' for e in events)
    assert client.request({'method': 'SUBSCRIBE', 'params': ['bad name'], 'id': 4})['error']['code'] == 2


def test_options_share_the_fstream_routes(venue_sim, connect):
    option = venue_sim.venue('options').market.options_of('BTCUSDT')[1].lower()
    public = [option + '@optionTrade', option + '@bookTicker', option + '@depth10@100ms', option + '@depth@500ms',
              option + '@optionTicker']
    market = [option + '@kline_1m', 'btcusdt@optionMarkPrice', '!index@arr']
    got, events = _delivered(venue_sim, connect, venue_sim.fstream_url + 'public/stream', public + market)
    assert got == set(public)
    got, events = _delivered(venue_sim, connect, venue_sim.fstream_url + 'market/stream', public + market)
    assert got == set(market)
    index = next(e['data'] for e in events if e['stream'] == '!index@arr')
    usdm = venue_sim.venue('usdm').market
    assert {entry['s'] for entry in index} == {'BTCUSDT', 'ETHUSDT'}
    assert float(index[0]['p']) == pytest.approx(usdm.index_price_e8('BTCUSDT') / 1e8, rel=0.01)


def test_coin_futures_on_dstream_have_no_routes(venue_sim, connect):
    streams = [s.replace('btcusdt', 'btcusd_perp') for s in PUBLIC + MARKET]
    got, events = _delivered(venue_sim, connect, venue_sim.dstream_url + 'stream', streams)
    assert got == set(streams)
    with_pair = ('btcusd_perp@bookTicker', 'btcusd_perp@depth@100ms', 'btcusd_perp@ticker', 'btcusd_perp@miniTicker')
    assert {e['data']['ps'] for e in events if e['stream'] in with_pair} == {'BTCUSD'}


def test_each_host_serves_its_own_symbols(venue_sim, connect):
    got, _ = _delivered(venue_sim, connect, venue_sim.fstream_url + 'public/stream',
                        ['btcusd_perp@bookTicker', 'bnbbtc@trade', 'ethusdt@bookTicker'])
    assert got == {'ethusdt@bookTicker'}
    got, _ = _delivered(venue_sim, connect, venue_sim.dstream_url + 'stream', ['btcusdt@bookTicker',
                                                                                  'ethusd_perp@bookTicker'])
    assert got == {'ethusd_perp@bookTicker'}
    got, _ = _delivered(venue_sim, connect, venue_sim.stream_url + 'stream', ['btcusdt@bookTicker',
                                                                                 'btcusd_perp@bookTicker'])
    assert got == {'btcusdt@bookTicker'}


def test_spot_retired_streams_stay_silent_while_futures_serve_them(venue_sim, connect):
    got, _ = _delivered(venue_sim, connect, venue_sim.stream_url + 'stream',
                        ['!ticker@arr', '!bookTicker', '!miniTicker@arr'])
    assert got == {'!miniTicker@arr'}
    got, _ = _delivered(venue_sim, connect, venue_sim.fstream_url + 'market/stream', ['!ticker@arr'])
    assert got == {'!ticker@arr'}


def test_raw_futures_payloads_arrive_unwrapped(venue_sim, connect):
    client = connect(venue_sim.fstream_url + 'market/ws/btcusdt@aggTrade/btcusdt@markPrice@1s')
    wait_for(lambda: len(connections_of(venue_sim)) == 1, 5, message='registration')
    _run(venue_sim, 1.5)
    events, _ = events_until_answered(client)
    assert {e['e'] for e in events} == {'aggTrade', 'markPriceUpdate'}
    assert all('nq' in e for e in events if e['e'] == 'aggTrade')


def test_connections_list_their_venue_and_route(venue_sim, connect):
    option = venue_sim.venue('options').market.symbols[0].lower()
    connect(venue_sim.fstream_url + 'public/ws/btcusdt@depth')
    connect(venue_sim.fstream_url + 'public/ws/' + option + '@optionTicker')
    connect(venue_sim.dstream_url + 'ws/btcusd_perp@aggTrade')
    connect(venue_sim.stream_url + 'ws/bnbbtc@trade')
    wait_for(lambda: len(connections_of(venue_sim)) == 4, 5, message='registration')
    listed = [(c['kind'], c['venue'], c.get('route')) for c in venue_sim.faults.connections()]
    assert listed == [('fstream', 'usdm', 'public'), ('fstream', 'options', 'public'), ('dstream', 'coinm', None),
                      ('stream', 'spot', None)]
