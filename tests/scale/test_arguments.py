"""Every option and constructor argument of the scale features is checked at the call: a
TypeError or ValueError whose message names the argument."""
import pytest

from binance._multiplex import connection_plan
from binance._rebuild import Subscriptions
from binance._upkeep import RotationGate
from binance.composite import CompositeSocket
from binance.connection import StreamConnection
from binance.options import ConnectionOptions
from binance.websockets import BinanceSocketManager

URL = 'ws://127.0.0.1:9443/ws/bnbbtc@trade'


@pytest.mark.parametrize('field, value, error', [
    ('attempt_budget', 270, TypeError),
    ('delivery', 3, TypeError),
    ('delivery', 'fast', ValueError),
    ('rotate_after', '23h', TypeError),
    ('rotate_after', 0, ValueError),
    ('rotate_after', float('inf'), ValueError),
    ('rotate_jitter', '0.1', TypeError),
    ('rotate_jitter', 1.0, ValueError),
    ('rotate_jitter', -0.1, ValueError),
    ('silence_bounds', 10, TypeError),
    ('silence_bounds', {'kline': 0}, ValueError),  # the message names the stream type
    ('silence_bounds', {'kline': '10'}, TypeError),
    ('silent_notices', 'yes', TypeError),
    ('telemetry', 1, TypeError),
    ('user_heartbeat_timeout', '10', TypeError),
    ('user_heartbeat_timeout', -1, ValueError),
    ('reconcile_user_data', None, TypeError),
    ('max_url_length', 8000.0, TypeError),
    ('max_url_length', 100, ValueError),
    ('subscribe_rate', '4', TypeError),
    ('subscribe_rate', 0, ValueError),
])
def test_connection_options(field, value, error):
    word = "'kline'" if isinstance(value, dict) else field
    with pytest.raises(error, match=word):
        ConnectionOptions(**{field: value})


@pytest.mark.parametrize('kwargs, error, word', [
    ({'delivery': 'fastest'}, ValueError, 'delivery'),
    ({'delivery': 5}, TypeError, 'delivery'),
    ({'streams': 'bnbbtc@trade'}, TypeError, 'streams'),
    ({'streams': ['bnbbtc@trade', 3]}, TypeError, 'streams'),
    ({'queue': object()}, TypeError, 'queue'),
    ({'stats': object()}, TypeError, 'stats'),
])
def test_stream_connection(kwargs, error, word, memory_reactor):
    with pytest.raises(error, match=word):
        StreamConnection(URL, print, reactor=memory_reactor, **kwargs)


@pytest.mark.parametrize('kwargs, error, word', [
    ({'streams': 'a@trade'}, TypeError, 'streams'),
    ({'per_second': 0}, ValueError, 'per_second'),
    ({'per_second': '2'}, TypeError, 'per_second'),
    ({'capacity': 0}, ValueError, 'capacity'),
    ({'capacity': 1.5}, TypeError, 'capacity'),
    ({'timeout': -1}, ValueError, 'timeout'),
    ({'strict': 'yes'}, TypeError, 'strict'),
])
def test_subscriptions(kwargs, error, word):
    with pytest.raises(error, match=word):
        Subscriptions(**kwargs)


def test_composite_rotation_gate_and_plan(memory_reactor):
    with pytest.raises(TypeError, match='queue'):
        CompositeSocket('x', print, queue='block')
    with pytest.raises(TypeError, match='callback'):
        CompositeSocket('x', None)
    with pytest.raises(ValueError, match='max_hold'):
        RotationGate(memory_reactor, max_hold=0)
    assert connection_plan(lambda p: 'ws://h/' + p, ['a@trade'], max_streams=1,
                           max_url_length=256)[0].in_url == ['a@trade']


CALLS = [
    lambda bm, d: bm.start_trade_socket('BNBBTC', print, delivery=d),
    lambda bm, d: bm.start_depth_socket('BNBBTC', print, delivery=d),
    lambda bm, d: bm.start_ticker_socket(print, delivery=d),
    lambda bm, d: bm.start_multiplex_socket(['bnbbtc@trade'], print, delivery=d),
    lambda bm, d: bm.start_aggtrade_futures_socket('BTCUSDT', print, delivery=d),
    lambda bm, d: bm.start_coin_futures_multiplex_socket(['btcusd_perp@aggTrade'], print,
                                                         delivery=d),
    lambda bm, d: bm.start_options_ticker_socket('BTC-261225-90000-C', print, delivery=d),
]


@pytest.mark.parametrize('call', CALLS)
@pytest.mark.parametrize('value, error', [('sometimes', ValueError), (2.5, TypeError)])
def test_every_market_socket_refuses_a_bad_delivery_at_the_call(reactor_thread, call, value,
                                                                 error):
    bm = BinanceSocketManager(None)
    opened = []
    bm.open_socket = lambda key, socket: opened.append(key)
    with pytest.raises(error, match='delivery'):
        call(bm, value)
    assert not opened and not bm.stats()['sockets']
