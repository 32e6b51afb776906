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
    (None, 0, 'bnbbtc@depth'),  # python-binance documented 0 for the 1000 ms stream
    (5, 0, 'bnbbtc@depth5'),
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


@pytest.mark.parametrize('interval', [1000, '100', 100.5, 100.0, 0.0, True, False, 10])
def test_bad_depth_interval(interval):
    with pytest.raises(ValueError, match='interval'):
        streams.depth_stream('BNBBTC', None, interval)


@pytest.mark.parametrize('update_time, error', [
    ('1000', TypeError), (1000.0, TypeError), (True, TypeError), (None, TypeError),
    (0, ValueError), (-1000, ValueError), (10 ** 20, ValueError), (1500, ValueError),
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
    (['BNBBTC@trade'], ValueError), (['bnbbtc@aggtrade'], ValueError),
    (['bnbbtc@depth@100.0ms'], ValueError), (['!miniTicker@arr@100000000000000000000ms'], ValueError),
    (['bnbbtc@kline_1x'], ValueError), (['bnbbtc@nosuchstream'], ValueError),
    (['!allTheThings'], ValueError), (['bnbbtc'], ValueError), (['@trade'], ValueError),
    (['bnb_btc@trade'], ValueError), (['x' * 40 + '@trade'], ValueError),
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


@pytest.mark.parametrize('name, hint', [
    ('BNBBTC@trade', "use 'bnbbtc@trade'"),
    ('bnbbtc@aggtrade', "did you mean 'bnbbtc@aggTrade'?"),
    ('BNBBTC@aggtrade', "did you mean 'bnbbtc@aggTrade'?"),
    ('bnbbtc@bookticker', "did you mean 'bnbbtc@bookTicker'?"),
    ('bnbbtc@depth@100.0ms', "did you mean 'bnbbtc@depth@100ms'"),
    ('bnbbtc@kline_1', "'bnbbtc@kline_1m'"),
    ('!miniticker@arr', "did you mean '!miniTicker@arr'?"),
    ('!miniTicker@arr@100000000000000000000ms', 'serves no all-market stream'),
    ('bnbbtc@depth7', "serves no stream type 'depth7'"),
])
def test_a_name_the_venue_does_not_serve_is_refused_with_the_closest_it_does(name, hint):
    with pytest.raises(ValueError) as error:
        streams.SPOT.parse(name)
    assert hint in str(error.value)


def test_every_form_of_the_spot_catalogue_parses_to_its_type():
    parsed = streams.SPOT.parse('bnbbtc@kline_1M@+08:00')
    assert (parsed.symbol, parsed.type.kind, parsed.arrays) == ('bnbbtc', 'kline', False)
    assert streams.SPOT.parse('!miniTicker@arr').arrays
    assert streams.SPOT.parse('!ticker_1h@arr').type.kind == 'allWindowTickers'
    assert not streams.SPOT.parse('!bookTicker').arrays
    assert streams.SPOT.parse('bnbbtc@depth10@100ms').type.cadence_ms == 1000
    for form in streams.SPOT.symbol_forms:
        assert streams.SPOT.parse('ethbtc@' + form).symbol == 'ethbtc'
    for name in streams.SPOT.market_streams:
        assert streams.SPOT.parse(name).symbol is None


def test_binance_us_serves_fewer_streams():
    for name in ('bnbusd@kline_1s', 'bnbusd@avgPrice', 'bnbusd@kline_1m@+08:00'):
        streams.SPOT.parse(name)
        with pytest.raises(ValueError, match='Binance US'):
            streams.SPOT_US.parse(name)
    assert streams.SPOT_US.parse('!ticker@arr').arrays
    assert streams.combined_path(['bnbusd@kline_1m'], streams.SPOT_US) == \
        'stream?streams=bnbusd@kline_1m'


def test_a_huge_symbol_is_refused_with_a_short_message():
    huge = 'B' * 100000
    for build in (streams.trade_stream, lambda s: streams.kline_stream(s, '1m'),
                  lambda s: streams.combined_path([s.lower() + '@trade'])):
        with pytest.raises(ValueError) as error:
            build(huge)
        assert len(str(error.value)) < 300
