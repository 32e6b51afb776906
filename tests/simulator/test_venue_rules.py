"""Connection rules per venue on a fake clock: pings, pong timeout, message rate, stream limit, age."""
import pytest
import websocket
from twisted.internet import task

from binance.simulator import DEFAULT_INTERVALS, SimulatorConfig
from sim_server_helpers import RawConnection, advance, connections_of, read_until_closed
from tests.conftest import wait_for

PING, PONG, CLOSE, TEXT = (websocket.ABNF.OPCODE_PING, websocket.ABNF.OPCODE_PONG, websocket.ABNF.OPCODE_CLOSE,
                           websocket.ABNF.OPCODE_TEXT)
OPTION_PATH = '/fstream/public/ws/{}@depth@500ms'


@pytest.fixture
def clocked_sim(make_sim):
    def factory(**kwargs):
        clock = task.Clock()
        clock.advance(1790000000)
        sim = make_sim(clock=clock, trade_rate=0, **kwargs)
        sim.test_clock = clock
        return sim
    return factory


def _path(sim, venue):
    if venue == 'spot':
        return '/ws/bnbbtc@trade'
    if venue == 'usdm':
        return '/fstream/public/ws/btcusdt@depth'
    if venue == 'coinm':
        return '/dstream/ws/btcusd_perp@depth'
    return OPTION_PATH.format(sim.venue('options').market.symbols[0].lower())


def _pinged_before_sync(conn):
    """Whether a server ping arrived before the pong to our own ping (frames come in order)."""
    conn.send_frame(PING, b'sync')
    pinged = False
    while True:
        _, opcode, _, payload = conn.read_frame()
        if opcode == PONG and payload == b'sync':
            return pinged
        pinged = pinged or opcode == PING


@pytest.mark.parametrize('venue, ping, pong_timeout', [
    ('spot', 20, 60), ('usdm', 180, 600), ('coinm', 180, 600), ('options', 300, 900)])
def test_ping_cadence_and_pong_timeout_per_venue(clocked_sim, venue, ping, pong_timeout):
    sim = clocked_sim(time_scale=0.01, intervals={'message_window': 0})
    ping, pong_timeout = ping * 0.01, pong_timeout * 0.01
    conn = RawConnection(sim.port, _path(sim, venue))
    try:
        wait_for(lambda: len(connections_of(sim)) == 1, 5, message='registration')
        assert connections_of(sim)[0].venue == venue
        advance(sim.test_clock, ping * 0.99)
        assert not _pinged_before_sync(conn), 'no ping before the interval'
        advance(sim.test_clock, ping * 0.02)
        assert _pinged_before_sync(conn), 'a ping at the interval'
        # never answered: dropped once the first ping is pong_timeout old, not before
        advance(sim.test_clock, pong_timeout - ping * 0.02 - ping * 0.01)
        assert len(connections_of(sim)) == 1
        advance(sim.test_clock, ping * 0.05)
        wait_for(lambda: not connections_of(sim), 5, message='the drop after the pong timeout')
    finally:
        conn.close()


@pytest.mark.parametrize('venue, limit', [('spot', 5), ('usdm', 10), ('coinm', 10), ('options', 10)])
def test_incoming_message_limit_per_venue(clocked_sim, connect, venue, limit):
    sim = clocked_sim()
    client = connect(sim.stream_url.rstrip('/') + _path(sim, venue))
    for i in range(limit):
        assert client.request({'method': 'GET_PROPERTY', 'params': ['combined'], 'id': i})['id'] == i
    advance(sim.test_clock, 0.999)
    client.send_json({'method': 'GET_PROPERTY', 'params': ['combined'], 'id': 99})
    assert read_until_closed(client) == 1008
    # a new second, a new allowance
    again = connect(sim.stream_url.rstrip('/') + _path(sim, venue))
    for second in range(2):
        for i in range(limit):
            assert again.request({'method': 'GET_PROPERTY', 'params': ['combined'], 'id': i})['id'] == i
        advance(sim.test_clock, 1.0)


@pytest.mark.parametrize('venue, limit', [('usdm', 1024), ('coinm', 1024), ('options', 200)])
def test_stream_limit_per_venue(clocked_sim, connect, venue, limit):
    sim = clocked_sim()
    client = connect(sim.stream_url.rstrip('/') + _path(sim, venue))
    names = ['x{}@depth'.format(i) for i in range(limit - 1)]
    assert client.request({'method': 'SUBSCRIBE', 'params': names, 'id': 1}) == {'result': None, 'id': 1}
    assert len(client.request({'method': 'LIST_SUBSCRIPTIONS', 'id': 2})['result']) == limit
    client.send_json({'method': 'SUBSCRIBE', 'params': ['one@more'], 'id': 3})
    assert read_until_closed(client) == 1008


def test_an_options_url_with_too_many_streams_is_closed(clocked_sim, connect):
    sim = clocked_sim()
    symbol = sim.venue('options').market.symbols[0].lower()
    names = [symbol + '@optionTicker'] + ['{}@depth{}@100ms'.format(symbol, n) for n in (5, 10)]
    names += [symbol + '@kline_{}'.format(i) for i in ('1m', '3m', '5m', '15m', '30m', '1h')]
    client = connect(sim.fstream_url + 'public/stream?streams=' + '/'.join(names))
    wait_for(lambda: len(connections_of(sim)) == 1, 5, message='registration')
    assert connections_of(sim)[0].venue == 'options'
    assert client.request({'method': 'LIST_SUBSCRIPTIONS', 'id': 1})['result'] == names
    sim.config.options_max_streams_per_connection = len(names) - 1
    crowded = connect(sim.fstream_url + 'public/stream?streams=' + '/'.join(names))
    assert read_until_closed(crowded) == 1008


def test_mixed_futures_and_options_urls_follow_usdm_rules(clocked_sim, connect):
    sim = clocked_sim()
    symbol = sim.venue('options').market.symbols[0].lower()
    connect(sim.fstream_url + 'public/stream?streams=btcusdt@depth/' + symbol + '@optionTicker')
    connect(sim.fstream_url + 'public/ws')
    wait_for(lambda: len(connections_of(sim)) == 2, 5, message='registration')
    assert [c.venue for c in sorted(connections_of(sim), key=lambda c: c.conn_id)] == ['usdm', 'usdm']


@pytest.mark.parametrize('venue', ['usdm', 'coinm', 'options'])
def test_derivatives_close_at_24_hours_without_server_shutdown(clocked_sim, venue):
    sim = clocked_sim(time_scale=0.001, intervals={'ping': 0, 'message_window': 0})
    conn = RawConnection(sim.port, _path(sim, venue))
    try:
        wait_for(lambda: len(connections_of(sim)) == 1, 5, message='registration')
        advance(sim.test_clock, 86.3)
        assert len(connections_of(sim)) == 1
        advance(sim.test_clock, 0.2)
        frames = []
        while True:
            _, opcode, _, payload = conn.read_frame()
            frames.append((opcode, payload))
            if opcode == CLOSE:
                break
        assert frames == [(CLOSE, b'\x03\xe9Server shutdown')], 'no serverShutdown event, then 1001'
    finally:
        conn.close()


def test_spot_still_announces_the_24_hour_close(clocked_sim):
    sim = clocked_sim(time_scale=0.001, intervals={'ping': 0, 'message_window': 0})
    conn = RawConnection(sim.port, _path(sim, 'spot'))
    try:
        wait_for(lambda: len(connections_of(sim)) == 1, 5, message='registration')
        advance(sim.test_clock, 86.5)
        _, opcode, _, payload = conn.read_frame()
        assert opcode == TEXT and b'"e":"serverShutdown"' in payload
        assert conn.read_frame()[1:] == (CLOSE, False, b'\x03\xe9Server shutdown')
    finally:
        conn.close()


def test_venue_intervals_are_overridden_alone_or_with_every_venue():
    config = SimulatorConfig(time_scale=0.5, intervals={'futures_ping': 7, 'pong_timeout': 3})
    assert config.interval('ping') == 10.0
    assert config.interval('ping', 'futures') == 7.0
    assert config.interval('ping', 'options') == 150.0
    assert config.interval('pong_timeout', 'futures') == config.interval('pong_timeout', 'options') == 3.0
    assert config.interval('max_connection_age', 'options') == 43200.0
    assert {'futures_ping', 'futures_pong_timeout', 'options_ping', 'options_pong_timeout'} <= set(DEFAULT_INTERVALS)
    with pytest.raises(KeyError):
        config.interval('no_such_rule', 'futures')
    assert (config.futures_max_incoming_messages, config.futures_max_streams_per_connection,
            config.options_max_incoming_messages, config.options_max_streams_per_connection) == (10, 1024, 10, 200)
