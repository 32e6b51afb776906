"""The futures and options sockets over real loopback sockets against the simulator's venues.

The simulator serves USD-M futures and options on ``/fstream/public/...`` and
``/fstream/market/...`` like Binance since 2026-04-23: a stream opened on the
wrong route, or on the legacy unrouted URL, is accepted and stays silent. So a
message arriving proves the socket was routed right.
"""
import pytest

from binance import _reactor
from binance.connection import ConnectionState
from manager_support import Inbox
from tests.conftest import wait_for


@pytest.fixture
def derivatives(make_sim, manager_for):
    """(simulator, started manager pointed at it, an option symbol)."""
    sim = make_sim(seed=21, trade_rate=40)
    option = _reactor.blocking_call(lambda: sim.venue('options').market.symbols)[0]
    return sim, manager_for(sim), option


def server_paths(sim, kind=None):
    return sorted(c['path'] for c in sim.faults.connections() if kind in (None, c['kind']))


COMBINED = [
    ('start_aggtrade_futures_socket', 'BTCUSDT', (), 'btcusdt@aggTrade', 'aggTrade', 'market'),
    ('start_symbol_mark_price_socket', 'BTCUSDT', (), 'btcusdt@markPrice@1s', 'markPriceUpdate',
     'market'),
    ('start_all_mark_price_socket', None, (), '!markPrice@arr@1s', 'markPriceUpdate', 'market'),
    ('start_symbol_ticker_futures_socket', 'BTCUSDT', (), 'btcusdt@bookTicker', 'bookTicker',
     'public'),
    ('start_individual_symbol_ticker_futures_socket', 'ETHUSDT', (), 'ethusdt@ticker', '24hrTicker',
     'market'),
    ('start_all_ticker_futures_socket', None, (), '!bookTicker', 'bookTicker', 'public'),
    ('start_futures_depth_socket', 'BTCUSDT', (None, 100), 'btcusdt@depth@100ms', 'depthUpdate',
     'public'),
    ('start_futures_depth_socket', 'BNBUSDT', (5,), 'bnbusdt@depth5', 'depthUpdate', 'public'),
    ('start_coin_futures_depth_socket', 'BTCUSD_PERP', (), 'btcusd_perp@depth', 'depthUpdate', None),
]


def event_of(data):
    return (data[0] if isinstance(data, list) else data).get('e')


@pytest.mark.parametrize('method, symbol, extra, stream, event, route', COMBINED,
                         ids=[c[0] + '-' + c[3] for c in COMBINED])
def test_each_futures_socket_delivers_the_combined_form_from_its_route(derivatives, method, symbol,
                                                                      extra, stream, event, route):
    sim, bm, _ = derivatives
    inbox = Inbox()
    args = ([symbol] if symbol else []) + [inbox] + list(extra)
    key = getattr(bm, method)(*args)
    assert key == ('dstream/' if route is None else 'fstream/') + 'stream?streams=' + stream
    message = inbox.wait(lambda msgs: msgs, timeout=15)[0]
    assert set(message) == {'stream', 'data'} and message['stream'] == stream
    assert event_of(message['data']) == event
    expected = '/dstream/stream' if route is None else '/fstream/{}/stream'.format(route)
    assert server_paths(sim) == [expected]


RAW = [
    ('start_options_ticker_socket', (), '@optionTicker', '24hrTicker', 'public'),
    ('start_options_recent_trades_socket', (), '@optionTrade', 'trade', 'public'),
    ('start_options_kline_socket', ('1m',), '@kline_1m', 'kline', 'market'),
    ('start_options_depth_socket', ('10',), '@depth10@500ms', 'depthUpdate', 'public'),
]


@pytest.mark.parametrize('method, extra, suffix, event, route', RAW, ids=[r[0] for r in RAW])
def test_each_options_socket_delivers_the_raw_payload_from_its_route(derivatives, method, extra,
                                                                    suffix, event, route):
    sim, bm, option = derivatives
    inbox = Inbox()
    key = getattr(bm, method)(option, inbox, *extra)
    assert key == 'options/ws/' + option.lower() + suffix
    message = inbox.wait(lambda msgs: msgs, timeout=15)[0]
    assert message['e'] == event and message['s'] == option
    assert server_paths(sim) == ['/fstream/{}/ws/{}{}'.format(route, option.lower(), suffix)]


def test_a_mixed_route_multiplex_is_one_socket_over_both_routes(derivatives):
    sim, bm, option = derivatives
    inbox = Inbox()
    futures = bm.start_futures_multiplex_socket(
        ['btcusdt@aggTrade', 'btcusdt@bookTicker', 'ethusdt@kline_1m'], inbox)
    options = bm.start_options_multiplex_socket([option + '@optionTicker', option + '@kline_1m'],
                                                inbox)
    want = {'btcusdt@aggTrade', 'btcusdt@bookTicker', 'ethusdt@kline_1m',
            option.lower() + '@optionTicker', option.lower() + '@kline_1m'}
    inbox.wait(lambda msgs: {m['stream'] for m in msgs} == want, timeout=15,
               what='every stream of both multiplex sockets')
    assert server_paths(sim) == ['/fstream/market/stream'] * 2 + ['/fstream/public/stream'] * 2
    assert len(bm.connection(futures).parts) == 2 and len(bm.connection(options).parts) == 2


@pytest.mark.parametrize('route', ['public', 'market'])
def test_each_route_of_a_mixed_multiplex_reconnects_on_its_own(derivatives, route):
    sim, bm, _ = derivatives
    inbox = Inbox()
    key = bm.start_futures_multiplex_socket(['btcusdt@aggTrade', 'btcusdt@bookTicker'], inbox)
    socket = bm.connection(key)
    wait_for(lambda: socket.state is ConnectionState.OPEN, message='both routes open')
    inbox.wait(lambda msgs: len({m['stream'] for m in msgs}) == 2, timeout=15)
    dropped = [c['id'] for c in sim.faults.connections() if c['route'] == route]
    assert sim.faults.drop_one(conn_id=dropped[0]) == 1
    wait_for(lambda: socket.reconnect_count == 1 and socket.state is ConnectionState.OPEN,
             timeout=10, message='the {} route to reconnect'.format(route))
    stream = 'btcusdt@bookTicker' if route == 'public' else 'btcusdt@aggTrade'
    seen = len(inbox.snapshot())
    inbox.wait(lambda msgs: any(m['stream'] == stream for m in msgs[seen:]), timeout=15,
               what='{} again after the reconnect'.format(stream))
    assert [p.reconnect_count for p in socket.parts].count(1) == 1


def test_the_legacy_unrouted_url_stays_silent_and_the_manager_never_dials_it(derivatives):
    import websocket
    sim, bm, _ = derivatives
    legacy = websocket.create_connection(sim.fstream_url + 'ws/btcusdt@aggTrade', timeout=3)
    try:
        with pytest.raises(websocket.WebSocketTimeoutException):
            legacy.recv()  # accepted, and silent for market-route streams, like Binance today
    finally:
        legacy.close()
    inbox = Inbox()
    for start in (lambda: bm.start_aggtrade_futures_socket('BTCUSDT', inbox),
                  lambda: bm.start_all_mark_price_socket(inbox),
                  lambda: bm.start_futures_depth_socket('ETHUSDT', inbox)):
        start()
    inbox.wait(lambda msgs: len({m['stream'] for m in msgs}) == 3, timeout=15)
    assert all(path.startswith(('/fstream/public/', '/fstream/market/'))
               for path in server_paths(sim, 'fstream'))


def test_coin_futures_multiplex_and_depth_share_nothing_with_usdm(derivatives):
    sim, bm, _ = derivatives
    inbox = Inbox()
    bm.start_coin_futures_multiplex_socket(['btcusd_perp@aggTrade', 'ethusd_perp@bookTicker'], inbox)
    inbox.wait(lambda msgs: len({m['stream'] for m in msgs}) == 2, timeout=15)
    assert server_paths(sim) == ['/dstream/stream']
