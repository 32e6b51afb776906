"""Stream names: every builder, and every bad input raising at the call."""
import pytest

from binance import streams
from binance.enums import KLINE_INTERVAL_30MINUTE, KLINE_INTERVALS, WEBSOCKET_DEPTH_10


def test_symbol_streams_are_lower_case():
    assert streams.trade_stream('BNBBTC') == 'bnbbtc@trade'
    assert streams.aggtrade_stream('BnbBtc') == 'bnbbtc@aggTrade'
    assert streams.symbol_ticker_stream('ETHBTC') == 'ethbtc@ticker'
    assert streams.symbol_book_ticker_stream('NEOBTC') == 'neobtc@bookTicker'


def test_kline_stream_accepts_every_interval():
    assert streams.kline_stream('BNBBTC', KLINE_INTERVAL_30MINUTE) == 'bnbbtc@kline_30m'
    for interval in KLINE_INTERVALS:
        assert streams.kline_stream('X1', interval) == 'x1@kline_' + interval


@pytest.mark.parametrize('depth, interval, expected', [
    (None, None, 'bnbbtc@depth'),
    (None, 100, 'bnbbtc@depth@100ms'),
    (5, None, 'bnbbtc@depth5'),
    ('5', None, 'bnbbtc@depth5'),
    (WEBSOCKET_DEPTH_10, None, 'bnbbtc@depth10'),
    (20, 100, 'bnbbtc@depth20@100ms'),
    ('20', 100, 'bnbbtc@depth20@100ms'),
])
def test_depth_stream(depth, interval, expected):
    assert streams.depth_stream('BNBBTC', depth, interval) == expected


def test_miniticker_stream():
    assert streams.miniticker_stream() == '!miniTicker@arr@1000ms'
    assert streams.miniticker_stream(3000) == '!miniTicker@arr@3000ms'


def test_paths():
    assert streams.raw_path('bnbbtc@trade') == 'ws/bnbbtc@trade'
    assert streams.combined_path(['bnbbtc@aggTrade', 'neobtc@ticker']) == \
        'stream?streams=bnbbtc@aggTrade/neobtc@ticker'
    assert streams.combined_path(('a@trade',)) == 'stream?streams=a@trade'


@pytest.mark.parametrize('symbol, error', [
    (None, TypeError), (123, TypeError), (b'BNBBTC', TypeError), (['BNBBTC'], TypeError),
    ('', ValueError), ('BNB BTC', ValueError), ('bnbbtc@trade', ValueError),
    ('BNB/BTC', ValueError), ('BNBBTC?x=1', ValueError),
    ('BNB\u00c9', ValueError),  # accented capital
    ('\uff22\uff2e\uff22BTC', ValueError),  # full-width letters
    ('BNB\uff11', ValueError),  # full-width digit
    ('BNB\u0661', ValueError),  # Arabic-Indic digit
    ('BNB\u00df', ValueError),  # a cased letter without an upper-case form of its own
    ('BNB\tBTC', ValueError),
])
def test_bad_symbols(symbol, error):
    for build in (streams.trade_stream, streams.aggtrade_stream, streams.symbol_ticker_stream,
                  streams.symbol_book_ticker_stream, streams.depth_stream):
        with pytest.raises(error):
            build(symbol)
    with pytest.raises(error):
        streams.kline_stream(symbol, '1m')


@pytest.mark.parametrize('interval', ['1x', '', None, 60, '1H', '2m'])
def test_bad_kline_interval(interval):
    with pytest.raises(ValueError, match='kline interval'):
        streams.kline_stream('BNBBTC', interval)


@pytest.mark.parametrize('depth', [0, 1, '1', 15, '50', 5.0, True, ''])
def test_bad_depth(depth):
    with pytest.raises(ValueError, match='depth'):
        streams.depth_stream('BNBBTC', depth)


@pytest.mark.parametrize('interval', [0, 1000, '100', 100.5, True])
def test_bad_depth_interval(interval):
    with pytest.raises(ValueError, match='interval'):
        streams.depth_stream('BNBBTC', None, interval)


@pytest.mark.parametrize('update_time, error', [
    ('1000', TypeError), (1000.0, TypeError), (True, TypeError), (None, TypeError),
    (0, ValueError), (-1000, ValueError),
])
def test_bad_miniticker_update_time(update_time, error):
    with pytest.raises(error):
        streams.miniticker_stream(update_time)


@pytest.mark.parametrize('value, error', [
    ([], ValueError), ((), ValueError), ('bnbbtc@trade', TypeError), (None, TypeError),
    ({'bnbbtc@trade'}, TypeError), ([None], TypeError), (['bnbbtc@trade', 5], TypeError),
    ([''], ValueError), (['a@trade', ''], ValueError), (['a@trade/b@trade'], ValueError),
    ([' a@trade'], ValueError), (['a@trade '], ValueError), (['bnb btc@trade'], ValueError),
    (['a@trade#x'], ValueError), (['a@trade?x=1'], ValueError), (['a@trade&b=1'], ValueError),
    (['a@trade%2F'], ValueError), (['a@trade=1'], ValueError), (['bnb\u00e9@trade'], ValueError),
    (['\uff42nb@trade'], ValueError), (['a@trade'] * 1025, ValueError),
])
def test_bad_stream_lists(value, error):
    with pytest.raises(error):
        streams.combined_path(value)


def test_symbols_of_caseless_scripts_and_every_real_stream_name_are_accepted():
    # Binance lists a few symbols in caseless scripts such as Chinese.
    assert streams.trade_stream('\u5e01\u5b89USDT') == '\u5e01\u5b89usdt@trade'
    names = ['bnbbtc@aggTrade', '!miniTicker@arr@1000ms', 'bnbbtc@depth20@100ms',
             'bnbbtc@kline_1m@+08:00', 'btcusdt@ticker_1h', '!ticker_4h@arr', '!ticker@arr',
             '\u5e01\u5b89usdt@trade']
    assert streams.combined_path(names) == 'stream?streams=' + '/'.join(names)
    many = ['s{}@trade'.format(i) for i in range(streams.MAX_STREAMS_PER_CONNECTION)]
    assert streams.combined_path(many).count('/') == 1023


def test_too_many_streams_name_the_limit():
    with pytest.raises(ValueError, match='1024'):
        streams.combined_path(['s{}@trade'.format(i) for i in range(1025)])


def test_callback_check():
    assert streams.check_callback(print) is print
    for bad in (None, 'print', 42):
        with pytest.raises(TypeError, match='callable'):
            streams.check_callback(bad)
