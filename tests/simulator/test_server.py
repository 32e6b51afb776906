"""Market-stream transport: raw and combined endpoints, fan-out, registration, pings."""
import orjson
import pytest
import requests
import websocket

from binance import _reactor
from sim_server_helpers import connections_of, publish, read_until_closed
from tests.conftest import wait_for

TRADE = b'{"e":"trade","E":1,"s":"BNBBTC","t":7,"p":"0.1","q":"2","T":1,"m":true,"M":true}'


def test_urls_follow_the_contract(scripted_sim):
    sim = scripted_sim()
    port = sim.port
    assert sim.stream_url == 'ws://127.0.0.1:{}/'.format(port)
    assert sim.ws_api_url == 'ws://127.0.0.1:{}/ws-api/v3'.format(port)
    assert sim.api_url == 'http://127.0.0.1:{}/api'.format(port)
    assert sim.margin_api_url == 'http://127.0.0.1:{}/sapi'.format(port)
    assert sim.control_url == 'http://127.0.0.1:{}/control'.format(port)
    assert sim.fstream_url == sim.options_stream_url == 'ws://127.0.0.1:{}/fstream/'.format(port)
    assert sim.dstream_url == 'ws://127.0.0.1:{}/dstream/'.format(port)
    assert sim.futures_api_url == 'http://127.0.0.1:{}/fapi'.format(port)
    assert sim.futures_data_url == 'http://127.0.0.1:{}/futures/data'.format(port)
    assert sim.futures_coin_api_url == 'http://127.0.0.1:{}/dapi'.format(port)
    assert sim.options_api_url == 'http://127.0.0.1:{}/eapi'.format(port)
    assert sim.ca_cert is None
    assert [name for name, _ in sim.urls()] == [
        'stream_url', 'ws_api_url', 'api_url', 'margin_api_url', 'fstream_url', 'options_stream_url',
        'dstream_url', 'futures_api_url', 'futures_data_url', 'futures_coin_api_url', 'options_api_url',
        'control_url']
    assert dict(sim.urls())['dstream_url'] == sim.dstream_url


def test_venues_of_a_simulator(scripted_sim):
    sim = scripted_sim(seed=42)
    assert list(sim.venues) == ['spot', 'usdm', 'coinm', 'options']
    assert sim.venue('spot').market is sim.market and sim.venue('spot').feed is sim.feed
    assert sim.venue('usdm').market.seed == 'usdm:42'
    assert sim.venue('coinm').market.symbols == ('BTCUSD_PERP', 'ETHUSD_PERP')
    assert sim.venue('usdm').feed.running and sim.venue('options').feed.running
    with pytest.raises(KeyError, match='no venue'):
        sim.venue('margin')
    _reactor.blocking_call(sim.stop)
    assert not any(venue.feed.running for venue in sim.venues.values())


def test_config_intervals_scale_unless_overridden(scripted_sim):
    sim = scripted_sim(time_scale=0.01, intervals={'ping': 0.5})
    assert sim.config.interval('ping') == 0.5
    assert abs(sim.config.interval('pong_timeout') - 0.6) < 1e-9
    assert abs(sim.config.interval('max_connection_age') - 864.0) < 1e-6
    assert abs(sim.config.interval('connection_window') - 3.0) < 1e-9
    assert abs(sim.config.interval('listen_key_validity') - 36.0) < 1e-9
    assert abs(sim.config.interval('listen_token_validity') - 864.0) < 1e-6
    assert abs(sim.config.interval('message_window') - 0.01) < 1e-9
    assert sim.config.max_connection_attempts == 300
    assert 'NhqPtmd' not in repr(sim.config)


def test_raw_stream_sends_event_bytes_unchanged(scripted_sim, connect):
    sim = scripted_sim()
    client = connect(sim.stream_url + 'ws/bnbbtc@trade')
    wait_for(lambda: sim.feed.count('bnbbtc@trade') == 1, 5, message='subscription')
    publish(sim, 'bnbbtc@trade', TRADE)
    client.ws.settimeout(5)
    assert client.ws.recv() == TRADE.decode()


def test_raw_path_may_hold_several_streams(scripted_sim, connect):
    sim = scripted_sim()
    client = connect(sim.stream_url + 'ws/bnbbtc@trade/ethbtc@depth')
    wait_for(lambda: sim.feed.count('ethbtc@depth') == 1, 5, message='subscription')
    publish(sim, 'ethbtc@depth', b'{"e":"depthUpdate"}')
    publish(sim, 'bnbbtc@trade', TRADE)
    assert client.recv_json() == {'e': 'depthUpdate'}
    assert client.recv_json()['e'] == 'trade'
    assert client.request({'method': 'LIST_SUBSCRIPTIONS', 'id': 1}) == {
        'result': ['bnbbtc@trade', 'ethbtc@depth'], 'id': 1}


def test_combined_stream_wraps_by_concatenation(scripted_sim, connect):
    sim = scripted_sim()
    client = connect(sim.stream_url + 'stream?streams=bnbbtc@trade/ethbtc@trade')
    wait_for(lambda: sim.feed.count('ethbtc@trade') == 1, 5, message='subscription')
    publish(sim, 'ethbtc@trade', TRADE)
    client.ws.settimeout(5)
    raw = client.ws.recv()
    assert raw == '{"stream":"ethbtc@trade","data":' + TRADE.decode() + '}'
    assert orjson.loads(raw)['data']['t'] == 7


def test_fan_out_shares_one_frame_per_event(scripted_sim, connect):
    sim = scripted_sim()
    clients = [connect(sim.stream_url + 'ws/bnbbtc@trade') for _ in range(3)]
    combined = connect(sim.stream_url + 'stream?streams=bnbbtc@trade')
    wait_for(lambda: sim.feed.count('bnbbtc@trade') == 4, 5, message='subscriptions')
    for i in range(50):
        publish(sim, 'bnbbtc@trade', b'{"e":"trade","t":%d}' % i)
    for client in clients:
        assert [client.recv_json()['t'] for _ in range(50)] == list(range(50))
    assert [combined.recv_json()['data']['t'] for _ in range(50)] == list(range(50))


def test_large_event_uses_extended_length(scripted_sim, connect):
    sim = scripted_sim()
    client = connect(sim.stream_url + 'ws/bnbbtc@depth')
    wait_for(lambda: sim.feed.count('bnbbtc@depth') == 1, 5, message='subscription')
    for size in (126, 70000):
        payload = b'{"pad":"' + b'x' * size + b'"}'
        publish(sim, 'bnbbtc@depth', payload)
        client.ws.settimeout(5)
        assert client.ws.recv() == payload.decode()


def test_unknown_and_upper_case_symbols_open_and_stay_silent(scripted_sim, connect):
    sim = scripted_sim(intervals={'ping': 0.1})
    for path in ('ws/xrpxrp@trade', 'ws/BNBBTC@trade'):
        client = connect(sim.stream_url + path)
        # the connection is open and answered pings, but no data frame arrives
        opcode, _ = client.recv_frame(timeout=5)
        assert opcode == websocket.ABNF.OPCODE_PING
        publish(sim, 'bnbbtc@trade', TRADE)
        client.ws.pong(b'')
        assert client.request({'method': 'LIST_SUBSCRIPTIONS', 'id': 9})['id'] == 9


def test_connections_are_registered_and_unregistered(scripted_sim, connect):
    sim = scripted_sim()
    client = connect(sim.stream_url + 'ws/bnbbtc@trade')
    wait_for(lambda: len(connections_of(sim)) == 1, 5, message='registration')
    conn = connections_of(sim)[0]
    assert conn.path == '/ws/bnbbtc@trade' and conn.kind == 'stream'
    client.close()
    wait_for(lambda: not connections_of(sim), 5, message='unregistration')
    wait_for(lambda: sim.feed.count('bnbbtc@trade') == 0, 5, message='feed unsubscription')


def test_stop_closes_every_connection(scripted_sim, connect):
    sim = scripted_sim()
    client = connect(sim.stream_url + 'ws/bnbbtc@trade')
    wait_for(lambda: len(connections_of(sim)) == 1, 5, message='registration')
    _reactor.blocking_call(sim.stop)
    client.ws.settimeout(5)
    try:
        data = client.ws.recv()
    except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
        data = ''
    assert data == ''


# -- with the real market feed -------------------------------------------------------

def _streams_of(client, count):
    return [client.recv_json(timeout=10)['stream'] for _ in range(count)]


def test_real_feed_retired_streams_stay_silent_by_default(make_sim, connect):
    sim = make_sim(seed=5, trade_rate=200)
    client = connect(sim.stream_url + 'stream?streams=!bookTicker/bnbbtc@bookTicker/!ticker@arr')
    # 30 book tickers of one symbol arrive; the all-market ones (every symbol) never do
    assert set(_streams_of(client, 30)) == {'bnbbtc@bookTicker'}


def test_real_feed_retired_streams_live_when_switched_on(make_sim, connect):
    sim = make_sim(seed=5, trade_rate=200, retired_streams_live=True)
    client = connect(sim.stream_url + 'ws/!bookTicker')
    symbols = {client.recv_json(timeout=10)['s'] for _ in range(60)}
    assert len(symbols) > 1  # book tickers of several symbols on one stream


def test_real_feed_unknown_and_upper_case_symbols_stay_silent(make_sim, connect):
    sim = make_sim(seed=5, trade_rate=200)
    client = connect(sim.stream_url + 'stream?streams=BNBBTC@trade/xrpxrp@trade/bnbbtc@trade')
    assert set(_streams_of(client, 30)) == {'bnbbtc@trade'}


def test_legacy_listen_key_stream_forwards_user_events(make_sim, connect):
    from binance.simulator import DEFAULT_API_KEY
    sim = make_sim(legacy_listen_keys=True)
    key = _reactor.blocking_call(sim.accounts.create_listen_key, DEFAULT_API_KEY)
    raw = connect(sim.stream_url + 'ws/' + key)
    combined = connect(sim.stream_url + 'stream?streams=' + key)
    wait_for(lambda: len(connections_of(sim)) == 2, 5, message='registration')
    _reactor.blocking_call(sim.accounts.deposit, DEFAULT_API_KEY, 'BNB', '1.5')
    assert raw.recv_json()['e'] == 'balanceUpdate'
    wrapped = combined.recv_json()
    assert wrapped['stream'] == key and wrapped['data']['e'] == 'balanceUpdate'
    listing = requests.get(sim.control_url + '/connections', timeout=5).text
    assert key not in listing and '/ws/<hidden>' in listing
    _reactor.blocking_call(sim.accounts.close_listen_key, DEFAULT_API_KEY, key)
    assert read_until_closed(raw) == 1000


def test_running_context_manager():
    from binance.simulator import running
    with running(seed=2) as sim:
        ws = websocket.create_connection(sim.stream_url + 'ws/bnbbtc@trade', timeout=5)
        ws.close()
        port = sim.port
    assert not sim.started
    import socket
    with socket.socket() as sock:
        assert sock.connect_ex(('127.0.0.1', port)) != 0


def test_permessage_deflate_when_enabled(scripted_sim):
    import zlib

    from sim_server_helpers import RawConnection
    sim = scripted_sim(permessage_deflate=True)
    conn = RawConnection(sim.port, '/ws/bnbbtc@trade', extensions='permessage-deflate; client_max_window_bits')
    try:
        assert conn.headers['sec-websocket-extensions'] == (
            'permessage-deflate; server_no_context_takeover; client_max_window_bits=15')
        wait_for(lambda: sim.feed.count('bnbbtc@trade') == 1, 5, message='subscription')
        publish(sim, 'bnbbtc@trade', TRADE)
        sock = conn.sock
        sock.settimeout(5)
        b0, b1 = conn._read(2)
        assert b0 & 0x40  # RSV1: compressed
        body = conn._read(b1 & 0x7F)
        assert zlib.decompressobj(-15).decompress(body + b'\x00\x00\xff\xff') == TRADE
        # without context takeover every message decompresses on its own
        publish(sim, 'bnbbtc@trade', TRADE)
        b0, b1 = conn._read(2)
        assert zlib.decompressobj(-15).decompress(conn._read(b1 & 0x7F) + b'\x00\x00\xff\xff') == TRADE
    finally:
        conn.close()


def test_config_object_or_settings_not_both():
    from binance.simulator import Simulator, SimulatorConfig
    config = SimulatorConfig(seed=3, time_scale=0.5)
    assert Simulator(config=config).config is config
    with pytest.raises(TypeError):
        Simulator(config=config, seed=4)
    with pytest.raises(TypeError):
        Simulator(no_such_setting=1)


def test_events_of_one_turn_go_out_in_order_before_a_close(scripted_sim, connect):
    from binance.simulator.frames import text_frame
    sim = scripted_sim()
    client = connect(sim.stream_url + 'ws/bnbbtc@trade')
    wait_for(lambda: sim.feed.count('bnbbtc@trade') == 1, 5, message='subscription')
    conn = connections_of(sim)[0]

    def burst_then_close():
        for i in range(5):
            sim.feed.publish('bnbbtc@trade', b'{"t":%d}' % i)
        conn.write_raw(text_frame(b'{"t":5}'))
        conn.send_text_bytes(b'{"t":6}')
        conn.close_with(1000, '')
    _reactor.blocking_call(burst_then_close)
    assert [client.recv_json()['t'] for _ in range(7)] == list(range(7))
    assert read_until_closed(client) == 1000


def test_start_off_the_reactor_thread_is_refused(reactor_thread):
    from binance.simulator import Simulator
    with pytest.raises(RuntimeError, match='reactor thread'):
        Simulator().start()
