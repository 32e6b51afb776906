"""The reader of python-binance 0.7.11's surface sees what the wheel holds."""
from .pb0711 import module_surface, signature_problems


def test_reads_methods_defaults_and_attributes():
    surface = module_surface('binance.websockets')
    manager = surface.classes['BinanceSocketManager']
    kline = manager.methods['start_kline_socket']
    assert [p.name for p in kline.params] == ['symbol', 'callback', 'interval']
    assert kline.params[2].default == 'Client.KLINE_INTERVAL_1MINUTE'
    assert manager.attributes['STREAM_URL'] == 'wss://stream.binance.com:9443/'
    assert 'start_options_depth_socket' in manager.methods


def test_reads_module_constants_and_functions():
    assert module_surface('binance.enums').constants['TIME_IN_FORCE_GTX'] == 'GTX'
    helpers = module_surface('binance.helpers').functions
    assert [p.name for p in helpers['date_to_milliseconds'].params] == ['date_str']


def test_signature_problems_catch_order_names_and_defaults():
    theirs = module_surface('binance.websockets').classes['BinanceSocketManager'] \
        .methods['start_depth_socket']   # (symbol, callback, depth=None, interval=None)

    def same(symbol, callback, depth=None, interval=None, *, extra=1):
        pass

    def swapped(callback, symbol, depth=None, interval=None):
        pass

    def other_default(symbol, callback, depth=5, interval=None):
        pass

    def missing(symbol, callback, depth=None):
        pass

    assert signature_problems(same, theirs) == []
    assert any('is \'callback\'' in p for p in signature_problems(swapped, theirs))
    assert any('defaults to 5' in p for p in signature_problems(other_default, theirs))
    assert any('missing' in p for p in signature_problems(missing, theirs))
    kwargs_theirs = module_surface('binance.client').classes['Client'].methods['get_klines']

    def no_kwargs(symbol=None):
        pass

    assert any('**params is missing' in p for p in signature_problems(no_kwargs, kwargs_theirs))
