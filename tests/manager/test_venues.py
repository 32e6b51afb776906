"""Venues: the one description of each, and which URL every socket method dials (no network)."""
import warnings

import pytest

from binance import streams, venues
from binance.client import Client
from binance.websockets import BinanceSocketManager, RetiredStreamWarning


# -- the table ----------------------------------------------------------------------------

def test_every_venue_and_test_network_is_described_once():
    assert set(venues.VENUES) == {'spot', 'spot-us', 'spot-testnet', 'usdm', 'usdm-testnet',
                                  'coinm', 'coinm-testnet', 'options', 'options-testnet'}
    for name, venue in venues.VENUES.items():
        assert venue.name == name and venue.stream_url.endswith('/')
        assert venue.user_data in (venues.WS_API, venues.LISTEN_KEY, venues.ROUTED_LISTEN_KEY)
        assert venue.rules.max_streams == venue.grammar.max_streams
        assert venue.rules.lifetime == 24 * 3600


def test_what_the_venues_say_about_themselves():
    spot, us, usdm = venues.VENUES['spot'], venues.VENUES['spot-us'], venues.VENUES['usdm']
    options, coinm = venues.VENUES['options'], venues.VENUES['coinm']
    assert spot.rules.ping_interval == 20 and us.rules.ping_interval == 180
    assert usdm.rules.max_incoming_per_second == 10 and spot.rules.max_incoming_per_second == 5
    assert options.rules.max_streams == 200
    assert spot.retired_notice('!ticker@arr') and spot.retired_notice('!bookTicker')
    assert us.retired_notice('!ticker@arr') is None and usdm.retired_notice('!bookTicker') is None
    assert us.user_data == venues.LISTEN_KEY and spot.user_data == venues.WS_API
    assert usdm.routed and options.routed and not coinm.routed and not spot.routed
    assert options.stream_url == usdm.stream_url == 'wss://fstream.binance.com/'
    assert spot.rest_urls == {'api': 'https://api.binance.com/api',
                              'sapi': 'https://api.binance.com/sapi',
                              'www': 'https://www.binance.com'}
    assert usdm.rest_urls['fapi'] == 'https://fapi.binance.com/fapi'


@pytest.mark.parametrize('venue, stream, route', [
    ('usdm', 'btcusdt@aggTrade', 'market'), ('usdm', 'btcusdt@bookTicker', 'public'),
    ('usdm', '!bookTicker', 'public'), ('usdm', 'btcusdt@depth20@100ms', 'public'),
    ('usdm', 'btcusdt@depth', 'public'), ('usdm', 'btcusdt@rpiDepth@500ms', 'public'),
    ('usdm', 'btcusdt@trade', 'public'), ('usdm', 'btcusdt@markPrice@1s', 'market'),
    ('usdm', '!markPrice@arr', 'market'), ('usdm', 'btcusdt@kline_1m', 'market'),
    ('usdm', 'btcusdt_perpetual@continuousKline_1m', 'market'), ('usdm', '!ticker@arr', 'market'),
    ('usdm', 'btcusdt@forceOrder', 'market'), ('usdm', '!contractInfo', 'market'),
    ('options', 'btc-261225-90000-c@optionTicker', 'public'),
    ('options', 'btc-261225-90000-c@optionTrade', 'public'),
    ('options', 'btc-261225-90000-c@depth10@500ms', 'public'),
    ('options', 'btcusdt@optionTicker@261225', 'public'),
    ('options', 'btc-261225-90000-c@kline_1m', 'market'),
    ('options', 'btcusdt@optionMarkPrice', 'market'), ('options', '!index@arr', 'market'),
    ('options', 'btcusdt@openInterest@261225', 'market'),
    ('coinm', 'btcusd_perp@aggTrade', None), ('spot', 'bnbbtc@trade', None),
])
def test_routing_by_stream_category(venue, stream, route):
    assert venues.VENUES[venue].route_of(stream) == route


@pytest.mark.parametrize('venue, stream', [
    ('usdm', 'btcusdt@kline_1s'), ('usdm', 'BTCUSDT@aggTrade'), ('options', 'btc-261225-90000-c@depth10'),
    ('options', 'btc-261225-90000-c@kline_8h'), ('coinm', 'btcusd_perp@rpiDepth@500ms'),
    ('spot', 'bnbbtc@markPrice'),
])
def test_a_stream_a_venue_does_not_serve_has_no_route(venue, stream):
    with pytest.raises(ValueError):
        venues.VENUES[venue].route_of(stream)


@pytest.mark.parametrize('client, market, name', [
    (None, 'spot', 'spot'), (Client(), 'spot', 'spot'), (Client(tld='us'), 'spot', 'spot-us'),
    (Client(testnet=True), 'spot', 'spot-testnet'), (Client(), 'usdm', 'usdm'),
    (Client(testnet=True), 'usdm', 'usdm-testnet'), (Client(tld='us'), 'usdm', 'usdm'),
    (Client(testnet=True), 'coinm', 'coinm-testnet'), (Client(testnet=True), 'options', 'options-testnet'),
])
def test_the_venue_a_client_talks_to(client, market, name):
    assert venues.for_client(client, market).name == name


def test_an_unknown_market_is_refused():
    with pytest.raises(ValueError, match='market'):
        venues.for_client(None, 'margin')


@pytest.mark.parametrize('market, url, name', [
    ('spot', 'wss://stream.binance.com:443/', 'spot'),
    ('spot', 'wss://data-stream.binance.vision/', 'spot'),
    ('spot', 'wss://stream.binance.us:9443/', 'spot-us'),
    ('spot', 'wss://stream.testnet.binance.vision/', 'spot-testnet'),
    ('spot', 'ws://127.0.0.1:5000/', 'spot'),  # a simulator or proxy: binance.com's rules
    ('usdm', 'wss://fstream.binancefuture.com/', 'usdm-testnet'),
    ('usdm', 'wss://stream.binancefuture.com/', 'usdm-testnet'),
    ('coinm', 'wss://dstream.binancefuture.com/', 'coinm-testnet'),
    ('usdm', 'ws://127.0.0.1:5000/fstream/', 'usdm'),
])
def test_the_venue_a_url_belongs_to_keeps_that_url(market, url, name):
    venue = venues.venue_at(market, url)
    assert venue.name == name and venue.stream_url == url


def test_a_simulator_is_described_as_binance_com_at_its_urls():
    class Sim:
        stream_url = 'ws://127.0.0.1:1/'
        ws_api_url = 'ws://127.0.0.1:1/ws-api/v3'
        fstream_url = options_stream_url = 'ws://127.0.0.1:1/fstream/'
        dstream_url = 'ws://127.0.0.1:1/dstream/'

    described = venues.simulator(Sim)
    assert described['usdm'].stream_base('market') == 'ws://127.0.0.1:1/fstream/market/'
    assert described['coinm'].stream_base('market') == 'ws://127.0.0.1:1/dstream/'
    assert described['spot'].ws_api_url == Sim.ws_api_url
    assert described['spot'].retired_notice('!ticker@arr')


# -- what every socket method dials --------------------------------------------------------

class Captured(BinanceSocketManager):
    """Records the sockets it would start instead of dialling."""

    def open_socket(self, key, socket):
        self.captured = socket
        return key


def urls_of(socket):
    parts = getattr(socket, 'parts', None)
    return sorted(p.url for p in parts) if parts is not None else [socket.url]


OPTION = 'BTC-261225-90000-C'
CB = object()  # where the callback goes
F = 'wss://fstream.binance.com/'

METHODS = [
    ('start_aggtrade_futures_socket', ('BTCUSDT', CB,), 'fstream/stream?streams=btcusdt@aggTrade',
     [F + 'market/stream?streams=btcusdt@aggTrade']),
    ('start_symbol_mark_price_socket', ('BTCUSDT', CB,), 'fstream/stream?streams=btcusdt@markPrice@1s',
     [F + 'market/stream?streams=btcusdt@markPrice@1s']),
    ('start_symbol_mark_price_socket', ('BTCUSDT', CB, False,),
     'fstream/stream?streams=btcusdt@markPrice', [F + 'market/stream?streams=btcusdt@markPrice']),
    ('start_all_mark_price_socket', (CB,), 'fstream/stream?streams=!markPrice@arr@1s',
     [F + 'market/stream?streams=!markPrice@arr@1s']),
    ('start_all_mark_price_socket', (CB, False,), 'fstream/stream?streams=!markPrice@arr',
     [F + 'market/stream?streams=!markPrice@arr']),
    ('start_symbol_ticker_futures_socket', ('BTCUSDT', CB,), 'fstream/stream?streams=btcusdt@bookTicker',
     [F + 'public/stream?streams=btcusdt@bookTicker']),
    ('start_individual_symbol_ticker_futures_socket', ('BTCUSDT', CB,),
     'fstream/stream?streams=btcusdt@ticker', [F + 'market/stream?streams=btcusdt@ticker']),
    ('start_all_ticker_futures_socket', (CB,), 'fstream/stream?streams=!bookTicker',
     [F + 'public/stream?streams=!bookTicker']),
    ('start_futures_depth_socket', ('BTCUSDT', CB,), 'fstream/stream?streams=btcusdt@depth',
     [F + 'public/stream?streams=btcusdt@depth']),
    ('start_futures_depth_socket', ('BTCUSDT', CB, 10, 100,),
     'fstream/stream?streams=btcusdt@depth10@100ms',
     [F + 'public/stream?streams=btcusdt@depth10@100ms']),
    ('start_coin_futures_depth_socket', ('BTCUSD_PERP', CB, None, 500,),
     'dstream/stream?streams=btcusd_perp@depth@500ms',
     ['wss://dstream.binance.com/stream?streams=btcusd_perp@depth@500ms']),
    ('start_futures_multiplex_socket', (['btcusdt@aggTrade', 'btcusdt@depth5'], CB,),
     'fstream/stream?streams=btcusdt@aggTrade/btcusdt@depth5',
     [F + 'market/stream?streams=btcusdt@aggTrade', F + 'public/stream?streams=btcusdt@depth5']),
    ('start_coin_futures_multiplex_socket', (['btcusd_perp@aggTrade'], CB,),
     'dstream/stream?streams=btcusd_perp@aggTrade',
     ['wss://dstream.binance.com/stream?streams=btcusd_perp@aggTrade']),
    ('start_options_ticker_socket', (OPTION, CB,), 'options/ws/btc-261225-90000-c@optionTicker',
     [F + 'public/ws/btc-261225-90000-c@optionTicker']),
    ('start_options_recent_trades_socket', (OPTION, CB,), 'options/ws/btc-261225-90000-c@optionTrade',
     [F + 'public/ws/btc-261225-90000-c@optionTrade']),
    ('start_options_kline_socket', (OPTION, CB,), 'options/ws/btc-261225-90000-c@kline_1m',
     [F + 'market/ws/btc-261225-90000-c@kline_1m']),
    ('start_options_depth_socket', (OPTION, CB,), 'options/ws/btc-261225-90000-c@depth10@500ms',
     [F + 'public/ws/btc-261225-90000-c@depth10@500ms']),
    ('start_options_multiplex_socket', ([OPTION + '@optionTicker', OPTION + '@kline_5m'], CB,),
     'options/stream?streams=btc-261225-90000-c@optionTicker/btc-261225-90000-c@kline_5m',
     [F + 'market/stream?streams=btc-261225-90000-c@kline_5m',
      F + 'public/stream?streams=btc-261225-90000-c@optionTicker']),
]


def call(bm, name, args, callback):
    """Call ``name`` with ``args``, the callback where ``CB`` stands (0.7.11's argument order)."""
    return getattr(bm, name)(*[callback if arg is CB else arg for arg in args])


@pytest.mark.parametrize('name, args, key, urls', METHODS,
                         ids=['{}{}'.format(m[0], len(m[1])) for m in METHODS])
def test_every_futures_and_options_method_dials_where_binance_serves_it(reactor_thread, name, args,
                                                                       key, urls):
    bm = Captured(None)
    assert call(bm, name, args, print) == key
    assert urls_of(bm.captured) == sorted(urls)


def test_a_testnet_client_dials_the_test_networks(reactor_thread):
    bm = Captured(Client('k', 's', testnet=True))
    bm.start_aggtrade_futures_socket('BTCUSDT', print)
    assert urls_of(bm.captured) == [
        'wss://fstream.binancefuture.com/market/stream?streams=btcusdt@aggTrade']
    bm.start_options_ticker_socket(OPTION, print)
    assert urls_of(bm.captured) == [
        'wss://fstream.binancefuture.com/public/ws/btc-261225-90000-c@optionTicker']
    bm.start_coin_futures_depth_socket('BTCUSD_PERP', print)
    assert bm.captured.url.startswith('wss://dstream.binancefuture.com/stream?')


def test_overridden_class_attributes_win(reactor_thread):
    class Local(Captured):
        FSTREAM_URL = 'ws://127.0.0.1:1/fstream/'
        DSTREAM_URL = 'ws://127.0.0.1:1/dstream'
        VSTREAM_URL = 'ws://127.0.0.1:1/options/'

    bm = Local(Client('k', 's', testnet=True))
    bm.start_symbol_ticker_futures_socket('BTCUSDT', print)
    assert bm.captured.url == 'ws://127.0.0.1:1/fstream/public/stream?streams=btcusdt@bookTicker'
    bm.start_coin_futures_depth_socket('BTCUSD_PERP', print)
    assert bm.captured.url == 'ws://127.0.0.1:1/dstream/stream?streams=btcusd_perp@depth'
    Local.VSTREAM_TESTNET_URL = 'ws://127.0.0.1:2/'  # a testnet client reads this one for options
    bm.start_options_recent_trades_socket(OPTION, print)
    assert bm.captured.url == 'ws://127.0.0.1:2/public/ws/btc-261225-90000-c@optionTrade'


def test_futures_conn_keys_never_collide_with_spot_ones(reactor_thread):
    bm = Captured(None)
    keys = {bm.start_aggtrade_socket('BTCUSDT', print),
            bm.start_aggtrade_futures_socket('BTCUSDT', print),
            bm.start_multiplex_socket(['btcusdt@aggTrade'], print),
            bm.start_coin_futures_multiplex_socket(['btcusd_perp@aggTrade'], print),
            bm.start_options_multiplex_socket(['btcusdt@optionMarkPrice'], print)}
    assert len(keys) == 5
    # The same futures stream is the same socket, whichever method opened it.
    assert bm.start_futures_multiplex_socket(['btcusdt@aggTrade'], print) == \
        'fstream/stream?streams=btcusdt@aggTrade'



@pytest.mark.parametrize('call_it, error', [
    (lambda bm: bm.start_aggtrade_futures_socket('BTC USDT', print), ValueError),
    (lambda bm: bm.start_symbol_mark_price_socket('BTCUSDT', print, fast='yes'), TypeError),
    (lambda bm: bm.start_all_mark_price_socket(print, fast=1), TypeError),
    (lambda bm: bm.start_futures_depth_socket('BTCUSDT', print, depth=15), ValueError),
    (lambda bm: bm.start_futures_depth_socket('BTCUSDT', print, interval=250), ValueError),
    (lambda bm: bm.start_futures_depth_socket('BTCUSDT', print, interval=100.0), ValueError),
    (lambda bm: bm.start_futures_multiplex_socket(['btcusdt@kline_1s'], print), ValueError),
    (lambda bm: bm.start_futures_multiplex_socket(['bnbbtc@avgPrice'], print), ValueError),
    (lambda bm: bm.start_options_kline_socket(OPTION, print, interval='8h'), ValueError),
    (lambda bm: bm.start_options_kline_socket(OPTION, print, interval='1s'), ValueError),
    (lambda bm: bm.start_options_depth_socket(OPTION, print, depth='50'), ValueError),
    (lambda bm: bm.start_options_ticker_socket(OPTION + '_X', print), ValueError),
    (lambda bm: bm.start_options_multiplex_socket([OPTION + '@optionTicker'] * 2, print), ValueError),
    (lambda bm: bm.start_options_multiplex_socket('btcusdt@optionMarkPrice', print), TypeError),
    (lambda bm: bm.start_aggtrade_futures_socket('BTCUSDT', None), TypeError),
])
def test_bad_futures_and_options_arguments_raise_at_the_call(reactor_thread, call_it, error):
    bm = Captured(None)
    with pytest.raises(error):
        call_it(bm)
    assert not hasattr(bm, 'captured')


def test_options_multiplex_lowers_symbols_but_not_stream_types(reactor_thread):
    bm = Captured(None)
    key = bm.start_options_multiplex_socket([OPTION + '@optionTicker', '!index@arr'], print)
    assert key == 'options/stream?streams=btc-261225-90000-c@optionTicker/!index@arr'


def test_spot_names_follow_the_venue_grammar(reactor_thread):
    us = Captured(Client('k', 's', tld='us'))
    with pytest.raises(ValueError, match='Binance US'):
        us.start_kline_socket('BNBUSD', print, interval='1s')
    assert us.venue().grammar is streams.SPOT_US
    assert us.start_ticker_socket(print) == 'ws/!ticker@arr'  # served there: no rebuild
    assert us.captured.url == 'wss://stream.binance.us:9443/ws/!ticker@arr'


# -- the table of the websockets page ---------------------------------------------------------

def documented_urls(language):
    """(call, [urls]) of every row of the page's socket URL table."""
    from pathlib import Path
    page = Path(__file__).resolve().parents[2] / 'docs' / language / 'websockets.rst'
    lines = page.read_text(encoding='utf-8').splitlines()
    rows = lines[lines.index('.. socket-urls'):lines.index('.. end-socket-urls')]
    cells = [line.split(' - ', 1)[1] for line in rows if line.strip().startswith(('* -', '- '))]
    pairs = list(zip(cells[2::2], cells[3::2]))  # after the header row
    import re
    literal = re.compile(r'``([^`]+)``')
    return [(literal.findall(call)[0], [u for u in literal.findall(urls) if '://' in u])
            for call, urls in pairs]


def test_the_page_lists_every_socket_method_with_the_url_it_dials(reactor_thread):
    rows = documented_urls('en')
    called = {call.split('(', 1)[0] for call, _ in rows}
    methods = {name for name in dir(BinanceSocketManager) if name.startswith('start_')
               and name.endswith('_socket')}
    assert called == methods
    for call_text, urls in rows:
        bm = Captured(Client('k', 's'))
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', RetiredStreamWarning)
            eval('bm.' + call_text, {'bm': bm, 'cb': print})
        socket = bm.captured
        if call_text.startswith(('start_ticker_socket', 'start_book_ticker_socket')):
            socket.on_start()  # the first part: the connection that finds the symbols
        if call_text.startswith(('start_user', 'start_margin', 'start_isolated')):
            dialled = [bm.ws_api_url()]
        else:
            dialled = urls_of(socket)
        assert dialled == sorted(urls), call_text


def test_both_languages_show_the_same_table():
    assert documented_urls('ja') == documented_urls('en')
