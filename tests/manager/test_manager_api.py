"""The drop-in surface of BinanceSocketManager: names, defaults, and bad input at the call."""
import inspect
import threading

import pytest

from binance.enums import KLINE_INTERVAL_1MINUTE
from binance.websockets import BinanceSocketManager, retired_stream_notice


@pytest.fixture
def bm(reactor_thread):
    manager = BinanceSocketManager(None)
    yield manager
    manager.close()


def test_class_attributes_users_override():
    assert BinanceSocketManager.STREAM_URL == 'wss://stream.binance.com:9443/'
    assert BinanceSocketManager.WS_API_URL == 'wss://ws-api.binance.com:443/ws-api/v3'
    assert (BinanceSocketManager.WEBSOCKET_DEPTH_5, BinanceSocketManager.WEBSOCKET_DEPTH_10,
            BinanceSocketManager.WEBSOCKET_DEPTH_20) == ('5', '10', '20')
    assert BinanceSocketManager.DEFAULT_USER_TIMEOUT == 30 * 60
    assert issubclass(BinanceSocketManager, threading.Thread)


@pytest.mark.parametrize('name, params', [
    ('__init__', ['self', 'client', 'user_timeout', 'heartbeat_timeout', 'ca_file',
                  'max_message_size', 'stable_after', 'options']),
    ('start_depth_socket', ['self', 'symbol', 'callback', 'depth', 'interval']),
    ('start_kline_socket', ['self', 'symbol', 'callback', 'interval']),
    ('start_miniticker_socket', ['self', 'callback', 'update_time']),
    ('start_trade_socket', ['self', 'symbol', 'callback']),
    ('start_aggtrade_socket', ['self', 'symbol', 'callback']),
    ('start_symbol_ticker_socket', ['self', 'symbol', 'callback']),
    ('start_ticker_socket', ['self', 'callback']),
    ('start_symbol_book_ticker_socket', ['self', 'symbol', 'callback']),
    ('start_book_ticker_socket', ['self', 'callback']),
    ('start_multiplex_socket', ['self', 'streams', 'callback']),
    ('start_user_socket', ['self', 'callback']),
    ('start_margin_socket', ['self', 'callback']),
    ('start_isolated_margin_socket', ['self', 'symbol', 'callback']),
    ('stop_socket', ['self', 'conn_key']),
    ('close', ['self']),
    ('start', ['self']),
    ('run', ['self']),
])
def test_method_names_and_argument_order(name, params):
    signature = inspect.signature(getattr(BinanceSocketManager, name)).parameters
    assert list(signature)[:len(params)] == params
    if name != '__init__':
        # Anything beyond 0.7.11's arguments is keyword only (``delivery=``, ``reconcile=``).
        extra = [p for p in list(signature.values())[len(params):]]
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in extra), extra
        assert {p.name for p in extra} <= {'delivery', 'reconcile'}


def test_defaults_and_keyword_only_options():
    sig = inspect.signature(BinanceSocketManager.__init__).parameters
    assert sig['user_timeout'].default == 30 * 60
    assert sig['heartbeat_timeout'].kind is inspect.Parameter.KEYWORD_ONLY
    assert sig['heartbeat_timeout'].default == 30.0
    assert sig['ca_file'].kind is inspect.Parameter.KEYWORD_ONLY and sig['ca_file'].default is None
    for name in ('max_message_size', 'stable_after'):
        assert sig[name].kind is inspect.Parameter.KEYWORD_ONLY
    assert sig['max_message_size'].default == 16 * 1024 * 1024
    assert sig['stable_after'].default == 5.0
    assert inspect.signature(BinanceSocketManager.start_kline_socket).parameters[
        'interval'].default == KLINE_INTERVAL_1MINUTE
    depth = inspect.signature(BinanceSocketManager.start_depth_socket).parameters
    assert depth['depth'].default is None and depth['interval'].default is None
    assert inspect.signature(BinanceSocketManager.start_miniticker_socket).parameters[
        'update_time'].default == 1000


@pytest.mark.parametrize('call, error', [
    (lambda bm: bm.start_trade_socket('', print), ValueError),
    (lambda bm: bm.start_trade_socket(None, print), TypeError),
    (lambda bm: bm.start_trade_socket(42, print), TypeError),
    (lambda bm: bm.start_aggtrade_socket('BNB BTC', print), ValueError),
    (lambda bm: bm.start_symbol_ticker_socket(['BNBBTC'], print), TypeError),
    (lambda bm: bm.start_symbol_book_ticker_socket('', print), ValueError),
    (lambda bm: bm.start_kline_socket('BNBBTC', print, interval='7m'), ValueError),
    (lambda bm: bm.start_kline_socket('BNBBTC', print, interval=None), ValueError),
    (lambda bm: bm.start_depth_socket('BNBBTC', print, depth=15), ValueError),
    (lambda bm: bm.start_depth_socket('BNBBTC', print, depth='1'), ValueError),
    (lambda bm: bm.start_depth_socket('BNBBTC', print, interval=1000), ValueError),
    (lambda bm: bm.start_depth_socket('BNBBTC', print, interval=100.0), ValueError),
    (lambda bm: bm.start_miniticker_socket(print, update_time=10 ** 20), ValueError),
    (lambda bm: bm.start_multiplex_socket(['BNBBTC@trade'], print), ValueError),
    (lambda bm: bm.start_multiplex_socket(['bnbbtc@trade', 'bnbbtc@nosuch'], print), ValueError),
    (lambda bm: bm.start_multiplex_socket(['bnbbtc@depth@100.0ms'], print), ValueError),
    (lambda bm: bm.start_trade_socket('B' * 100000, print), ValueError),
    (lambda bm: bm.start_miniticker_socket(print, update_time=0), ValueError),
    (lambda bm: bm.start_miniticker_socket(print, update_time='1s'), TypeError),
    (lambda bm: bm.start_multiplex_socket([], print), ValueError),
    (lambda bm: bm.start_multiplex_socket('bnbbtc@trade', print), TypeError),
    (lambda bm: bm.start_multiplex_socket(['bnbbtc@trade', None], print), TypeError),
    (lambda bm: bm.start_multiplex_socket(['bnbbtc@trade', ''], print), ValueError),
    (lambda bm: bm.start_isolated_margin_socket('', print), ValueError),
])
def test_bad_input_raises_at_the_call_and_opens_nothing(bm, call, error):
    with pytest.raises(error):
        call(bm)
    assert bm._conns == {}


@pytest.mark.parametrize('name, args', [
    ('start_trade_socket', ('BNBBTC',)), ('start_aggtrade_socket', ('BNBBTC',)),
    ('start_kline_socket', ('BNBBTC',)), ('start_depth_socket', ('BNBBTC',)),
    ('start_symbol_ticker_socket', ('BNBBTC',)), ('start_ticker_socket', ()),
    ('start_miniticker_socket', ()), ('start_symbol_book_ticker_socket', ('BNBBTC',)),
    ('start_book_ticker_socket', ()), ('start_multiplex_socket', (['bnbbtc@trade'],)),
    ('start_user_socket', ()), ('start_margin_socket', ()),
    ('start_isolated_margin_socket', ('BNBBTC',)),
])
@pytest.mark.parametrize('callback', [None, 'print', 3])
def test_callback_must_be_callable(bm, name, args, callback):
    with pytest.raises(TypeError, match='callable'):
        getattr(bm, name)(*args, callback)
    assert bm._conns == {}


@pytest.mark.parametrize('options, error, argument', [
    ({'user_timeout': 'x'}, TypeError, 'user_timeout'),
    ({'user_timeout': 0}, ValueError, 'user_timeout'),
    ({'user_timeout': -5}, ValueError, 'user_timeout'),
    ({'user_timeout': float('nan')}, ValueError, 'user_timeout'),
    ({'user_timeout': None}, TypeError, 'user_timeout'),
    ({'heartbeat_timeout': '30'}, TypeError, 'heartbeat_timeout'),
    ({'heartbeat_timeout': 0}, ValueError, 'heartbeat_timeout'),
    ({'heartbeat_timeout': True}, TypeError, 'heartbeat_timeout'),
    ({'max_message_size': 0}, ValueError, 'max_message_size'),
    ({'max_message_size': -5}, ValueError, 'max_message_size'),
    ({'max_message_size': 2.5}, TypeError, 'max_message_size'),
    ({'max_message_size': True}, TypeError, 'max_message_size'),
    ({'max_message_size': '10'}, TypeError, 'max_message_size'),
    ({'stable_after': 0}, ValueError, 'stable_after'),
    ({'stable_after': '5'}, TypeError, 'stable_after'),
    ({'stable_after': float('inf')}, ValueError, 'stable_after'),
    ({'ca_file': 3}, TypeError, 'ca_file'),
    ({'ca_file': b'/ca.pem'}, TypeError, 'ca_file'),
])
def test_every_manager_option_is_checked_at_the_constructor(reactor_thread, options, error,
                                                            argument):
    with pytest.raises(error, match=argument):
        BinanceSocketManager(None, **options)


def test_user_timeout_is_positional_as_in_python_binance(reactor_thread):
    with pytest.raises(ValueError, match='user_timeout'):
        BinanceSocketManager(None, -5)
    assert BinanceSocketManager(None, 60)._user_timeout == 60


def test_an_unreadable_ca_file_fails_at_the_constructor(reactor_thread):
    with pytest.raises(OSError):
        BinanceSocketManager(None, ca_file='/nonexistent/ca.pem')


@pytest.mark.parametrize('conn_key', [[], {}, None, 42, b'ws/bnbbtc@trade'])
def test_stop_socket_refuses_what_no_start_method_returns(bm, conn_key):
    with pytest.raises(TypeError, match='conn_key'):
        bm.stop_socket(conn_key)


def test_stop_socket_of_an_unknown_key_or_false_changes_nothing(bm):
    key = bm.start_trade_socket('BNBBTC', print)
    assert bm.start_trade_socket('BNBBTC', print) is False
    bm.stop_socket(False)  # what the duplicate start returned
    bm.stop_socket('ws/nosuch@trade')
    assert list(bm._conns) == [key]


def test_use_application_reactor_is_public_in_websockets():
    from binance import _reactor
    from binance.websockets import use_application_reactor
    assert use_application_reactor is _reactor.use_application_reactor
    # This process's reactor already runs in the library thread: too late to opt out.
    if _reactor.owns_reactor_thread():
        with pytest.raises(RuntimeError, match='before starting any manager'):
            use_application_reactor()


def test_a_manager_starts_only_once(make_sim, manager_for):
    bm = manager_for(make_sim(seed=1))
    with pytest.raises(RuntimeError, match='already started'):
        bm.start()


@pytest.mark.parametrize('url, stream, retired', [
    ('wss://stream.binance.com:9443/', '!ticker@arr', True),
    ('wss://stream.binance.com:443/', '!bookTicker', True),
    ('wss://data-stream.binance.com/', '!ticker@arr', True),
    ('wss://stream.binance.com:9443/', '!miniTicker@arr@1000ms', False),
    ('wss://stream.binance.us:9443/', '!ticker@arr', False),
    ('wss://stream.testnet.binance.vision/', '!bookTicker', True),  # the testnet retired them too
    # A simulator or proxy behaves like binance.com unless told otherwise.
    ('ws://127.0.0.1:8080/', '!ticker@arr', True),
    ('wss://notbinance.com/', '!ticker@arr', True),
])
def test_retired_streams_are_flagged_everywhere_but_on_binance_us(url, stream, retired):
    assert (retired_stream_notice(url, stream) is not None) is retired
