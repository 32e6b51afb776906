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
    ([' a@trade'], ValueError),
])
def test_bad_stream_lists(value, error):
    with pytest.raises(error):
        streams.combined_path(value)


def test_callback_check():
    assert streams.check_callback(print) is print
    for bad in (None, 'print', 42):
        with pytest.raises(TypeError, match='callable'):
            streams.check_callback(bad)
