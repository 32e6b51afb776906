"""What the simulator feeds on the derivatives venues, and the public/market route of each name (pure code).

The names and routes are binance.streams' grammars; these tests pin what the
simulator makes of them.
"""
import pytest

from binance.simulator.derivative_streams import (
    ALL_FORCE_ORDERS, ALL_MARK_PRICES, COINM_STREAMS, FORCE_ORDER, INDEX_PRICES, MARK_PRICE, MARKET,
    OPTION_MARK_PRICE, OPTIONS_STREAMS, PUBLIC, USDM_STREAMS,
)
from binance.simulator.market_streams import (
    AGG_TRADE, ALL_BOOK_TICKERS, ALL_MINI_TICKERS, ALL_TICKERS, BOOK_TICKER, DIFF_DEPTH, KLINE, MINI_TICKER,
    PARTIAL_DEPTH, SPOT_STREAMS, TICKER, TRADE,
)

USDM = {'btcusdt': 'BTCUSDT'}
OPTION = 'btc-261002-95000-c'
OPTIONS = {OPTION: OPTION.upper()}


@pytest.mark.parametrize('name, route', [
    # reference section 2.1, Binance's mapping
    ('btcusdt@bookTicker', PUBLIC), ('!bookTicker', PUBLIC),
    ('btcusdt@depth5', PUBLIC), ('btcusdt@depth10@500ms', PUBLIC), ('btcusdt@depth20@100ms', PUBLIC),
    ('btcusdt@depth', PUBLIC), ('btcusdt@depth@500ms', PUBLIC), ('btcusdt@depth@100ms', PUBLIC),
    ('btcusdt@rpiDepth@500ms', PUBLIC), ('btcusdt@trade', PUBLIC),
    ('btcusdt@aggTrade', MARKET), ('btcusdt@markPrice', MARKET), ('btcusdt@markPrice@1s', MARKET),
    ('!markPrice@arr', MARKET), ('!markPrice@arr@1s', MARKET), ('btcusdt@kline_1m', MARKET),
    ('btcusdt_perpetual@continuousKline_1m', MARKET), ('btcusdt@miniTicker', MARKET),
    ('!miniTicker@arr', MARKET), ('btcusdt@ticker', MARKET), ('!ticker@arr', MARKET),
    ('btcusdt@forceOrder', MARKET), ('!forceOrder@arr', MARKET), ('btcusdt@compositeIndex', MARKET),
    ('!contractInfo', MARKET), ('!assetIndex@arr', MARKET),
    # options (reference section 6)
    (OPTION + '@optionTrade', PUBLIC), (OPTION + '@bookTicker', PUBLIC), (OPTION + '@depth10@100ms', PUBLIC),
    (OPTION + '@depth@500ms', PUBLIC), (OPTION + '@optionTicker', PUBLIC), ('btcusdt@optionTicker@261002', PUBLIC),
    (OPTION + '@kline_1m', MARKET), ('btcusdt@optionMarkPrice', MARKET), ('!index@arr', MARKET),
    ('!optionSymbol', MARKET), ('btcusdt@openInterest@261002', MARKET),
])
def test_stream_route(name, route):
    # as the fstream endpoint asks: the venue (USD-M or options) whose name it is
    assert (USDM_STREAMS.route_of(name) or OPTIONS_STREAMS.route_of(name)) == route


def test_names_a_venue_does_not_serve_have_no_route():
    for name in ('tradingSession', 'BTCUSDT@aggTrade', 'btcusdt@depth@1000ms', 'btcusdt@nope'):
        assert USDM_STREAMS.route_of(name) is None, name
    assert COINM_STREAMS.route_of('btcusd_perp@aggTrade') is None   # COIN-M has no routes


@pytest.mark.parametrize('name, kind, arg, cadence', [
    ('btcusdt@trade', TRADE, None, None), ('btcusdt@aggTrade', AGG_TRADE, None, None),
    ('btcusdt@markPrice', MARK_PRICE, None, 3000), ('btcusdt@markPrice@1s', MARK_PRICE, None, 1000),
    ('btcusdt@kline_1M', KLINE, ('1M', 0), 250), ('btcusdt@miniTicker', MINI_TICKER, None, 500),
    ('btcusdt@ticker', TICKER, None, 500), ('btcusdt@bookTicker', BOOK_TICKER, None, None),
    ('btcusdt@depth5', PARTIAL_DEPTH, 5, 250), ('btcusdt@depth20@100ms', PARTIAL_DEPTH, 20, 100),
    ('btcusdt@depth', DIFF_DEPTH, None, 250), ('btcusdt@depth@500ms', DIFF_DEPTH, None, 500),
    ('btcusdt@forceOrder', FORCE_ORDER, None, 1000),
    ('!markPrice@arr', ALL_MARK_PRICES, None, 3000), ('!markPrice@arr@1s', ALL_MARK_PRICES, None, 1000),
    ('!miniTicker@arr', ALL_MINI_TICKERS, None, 1000), ('!ticker@arr', ALL_TICKERS, None, 1000),
    ('!bookTicker', ALL_BOOK_TICKERS, None, None), ('!forceOrder@arr', ALL_FORCE_ORDERS, None, 1000),
])
def test_futures_catalogue(name, kind, arg, cadence):
    spec = USDM_STREAMS.parse(name, USDM)
    assert (spec.kind, spec.arg, spec.cadence_ms) == (kind, arg, cadence)
    assert spec.symbol == (None if name.startswith('!') else 'BTCUSDT')
    assert COINM_STREAMS.parse(name.replace('btcusdt', 'btcusd_perp'), {'btcusd_perp': 'BTCUSD_PERP'}) \
        ._replace(name=name, symbol=spec.symbol) == spec


def test_futures_serve_what_spot_retired_and_nothing_spot_only():
    assert not USDM_STREAMS.retired_kinds
    assert '!ticker@arr' in USDM_STREAMS.all_market_stream_names()
    assert '!ticker@arr' not in SPOT_STREAMS.all_market_stream_names()
    for name in ('btcusdt@avgPrice', 'btcusdt@ticker_1h', 'btcusdt@kline_1s', 'btcusdt@depth@1000ms',
                 'BTCUSDT@trade', 'ethusdt@trade', 'btcusdt@optionTrade'):
        assert USDM_STREAMS.parse(name, USDM) is None, name


@pytest.mark.parametrize('name, kind, cadence', [
    (OPTION + '@optionTrade', TRADE, None), (OPTION + '@bookTicker', BOOK_TICKER, None),
    (OPTION + '@optionTicker', TICKER, 1000), (OPTION + '@depth10@100ms', PARTIAL_DEPTH, 100),
    (OPTION + '@depth5@500ms', PARTIAL_DEPTH, 500), (OPTION + '@depth@100ms', DIFF_DEPTH, 100),
    (OPTION + '@kline_1w', KLINE, 1000), ('!index@arr', INDEX_PRICES, 1000),
])
def test_options_catalogue(name, kind, cadence):
    spec = OPTIONS_STREAMS.parse(name, OPTIONS, {'btcusdt': 'BTCUSDT'})
    assert (spec.kind, spec.cadence_ms) == (kind, cadence)


def test_options_depth_needs_its_speed_and_symbols_are_lower_case():
    for name in (OPTION + '@depth10', OPTION + '@depth', OPTION + '@trade', OPTION + '@ticker',
                 OPTION + '@kline_8h', OPTION.upper() + '@optionTicker'):
        assert OPTIONS_STREAMS.parse(name, OPTIONS) is None, name


def test_an_underlying_names_a_group_of_options():
    spec = OPTIONS_STREAMS.parse('btcusdt@optionMarkPrice', OPTIONS, {'btcusdt': 'BTCUSDT'})
    assert (spec.kind, spec.symbol, spec.arg) == (OPTION_MARK_PRICE, None, 'BTCUSDT')
    assert OPTIONS_STREAMS.parse('ethusdt@optionMarkPrice', OPTIONS, {'btcusdt': 'BTCUSDT'}) is None
    assert OPTIONS_STREAMS.parse('btcusdt@optionTicker', OPTIONS, {'btcusdt': 'BTCUSDT'}) is None


def test_names_the_grammar_serves_but_the_simulator_does_not_feed_stay_silent():
    assert USDM_STREAMS.grammar.parse('btcusdt_perpetual@continuousKline_1m')
    for name in ('btcusdt_perpetual@continuousKline_1m', 'btcusdt@compositeIndex', '!contractInfo',
                 'btcusdt@rpiDepth@500ms'):
        assert USDM_STREAMS.parse(name, {'btcusdt': 'BTCUSDT', 'btcusdt_perpetual': 'X'}) is None
    # the underlying@optionTicker@<expiry> form is served by Binance, not fed here
    assert OPTIONS_STREAMS.parse(OPTION + '@optionTicker@261002', OPTIONS) is None
    assert OPTIONS_STREAMS.route_of(OPTION + '@optionTicker@261002') == PUBLIC
