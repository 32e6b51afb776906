"""The derivatives venues' feeds on a task.Clock: payload fields, cadences, ``pu`` links, liquidations."""
import orjson
import pytest

from binance.simulator.derivative_feeds import COINM_KIT, USDM_KIT, options_kit
from binance.simulator.derivative_market import CoinFuturesMarket, FuturesMarket, OptionsMarket
from binance.simulator.feed import MarketFeed

from derivative_support import FUTURES_FIELDS, OPTIONS_FIELDS, coin_fields
from market_support import check_fields
from test_feed import Recorder, clock, feeds_stopped_at_teardown, run  # noqa: F401 (clock is a fixture)


@pytest.fixture
def venue_feed(clock):
    def build(venue, trade_rate=200.0):
        now = lambda: round(clock.seconds() * 1000)  # noqa: E731
        if venue == 'usdm':
            market, kit = FuturesMarket(seed='usdm:7', now_ms=now), USDM_KIT
        elif venue == 'coinm':
            market, kit = CoinFuturesMarket(seed='coinm:7', now_ms=now), COINM_KIT
        else:
            market = OptionsMarket(seed='options:7', now_ms=now)
            kit = options_kit(market)
        return MarketFeed(market, clock, trade_rate=trade_rate, kit=kit)

    yield from feeds_stopped_at_teardown(clock, build)


def _listen(feed, clock, streams, seconds):
    recorder = Recorder(clock)
    for name in streams:
        feed.subscribe(name, recorder)
    feed.start()
    run(clock, seconds)
    return recorder


FUTURES_STREAMS = {
    # stream -> (event type or field set name, cadence in ms or None for real time)
    '{s}@trade': ('trade', None), '{s}@aggTrade': ('aggTrade', None),
    '{s}@markPrice': ('markPriceUpdate', 3000), '{s}@markPrice@1s': ('markPriceUpdate', 1000),
    '{s}@kline_1m': ('kline', 250), '{s}@miniTicker': ('24hrMiniTicker', 500), '{s}@ticker': ('24hrTicker', 500),
    '{s}@bookTicker': ('bookTicker', None), '{s}@depth5': ('depthUpdate', 250),
    '{s}@depth10@500ms': ('depthUpdate', 500), '{s}@depth20@100ms': ('depthUpdate', 100),
    '{s}@depth': ('depthUpdate', 250), '{s}@depth@500ms': ('depthUpdate', 500),
    '{s}@depth@100ms': ('depthUpdate', 100), '{s}@forceOrder': ('forceOrder', 1000),
}


@pytest.mark.parametrize('venue, symbol', [('usdm', 'BTCUSDT'), ('coinm', 'BTCUSD_PERP')])
def test_futures_payload_fields_and_cadences(venue_feed, clock, venue, symbol):
    feed = venue_feed(venue)
    names = {template.format(s=symbol.lower()): expected for template, expected in FUTURES_STREAMS.items()}
    recorder = _listen(feed, clock, names, 6.2)
    fields = coin_fields if venue == 'coinm' else FUTURES_FIELDS.__getitem__
    for name, (shape, cadence) in names.items():
        events = recorder.of(name)
        assert events, name
        for event in events:
            check_fields(event, fields(shape))
            assert (event['o'] if shape == 'forceOrder' else event)['s'] == symbol
        if shape == 'kline':
            check_fields(events[-1]['k'], fields('kline.k'))
        if shape == 'forceOrder':
            check_fields(events[-1]['o'], fields('forceOrder.o'))
        times = recorder.times(name)
        if cadence is not None:
            gaps = {b - a for a, b in zip(times, times[1:])}
            assert min(gaps) >= cadence and (shape in ('depthUpdate', 'forceOrder') or gaps == {cadence}), name


@pytest.mark.parametrize('venue', ['usdm', 'coinm'])
def test_futures_all_market_streams(venue_feed, clock, venue):
    feed = venue_feed(venue)
    names = ['!markPrice@arr', '!markPrice@arr@1s', '!miniTicker@arr', '!ticker@arr', '!bookTicker',
             '!forceOrder@arr']
    recorder = _listen(feed, clock, names, 6.2)
    symbols = set(feed.market.symbols)
    fields = coin_fields if venue == 'coinm' else FUTURES_FIELDS.__getitem__
    for name, shape in (('!markPrice@arr', 'markPriceUpdate'), ('!markPrice@arr@1s', 'markPriceUpdate'),
                        ('!miniTicker@arr', '24hrMiniTicker'), ('!ticker@arr', '24hrTicker')):
        arrays = recorder.of(name)
        assert arrays, name
        for array in arrays:
            assert isinstance(array, list)
            for entry in array:
                check_fields(entry, fields(shape))
        if name.startswith('!markPrice'):
            assert all({e['s'] for e in array} == symbols for array in arrays), 'every symbol, every push'
    assert len(recorder.of('!markPrice@arr@1s')) == 6 and len(recorder.of('!markPrice@arr')) == 2
    assert {e['s'] for e in recorder.of('!bookTicker')} == symbols
    liquidations = recorder.of('!forceOrder@arr')
    assert liquidations and all(isinstance(e, dict) and e['e'] == 'forceOrder' for e in liquidations)


def test_diff_and_partial_depth_link_events_with_pu(venue_feed, clock):
    feed = venue_feed('usdm')
    btc = feed.market['BTCUSDT']
    start_id = btc.update_id
    names = ['btcusdt@depth@100ms', 'btcusdt@depth5@100ms']
    recorder = _listen(feed, clock, names, 5)
    for name in names:
        events = recorder.of(name)
        assert len(events) > 20
        assert events[0]['pu'] == start_id
        assert all(b['pu'] == a['u'] for a, b in zip(events, events[1:])), name
        assert all(e['U'] <= e['u'] for e in events)
        assert any(b['U'] != a['u'] + 1 for a, b in zip(events, events[1:])), 'futures ids are not contiguous'
    assert all(len(e['b']) == len(e['a']) == 5 for e in recorder.of('btcusdt@depth5@100ms'))
    assert recorder.of('btcusdt@depth@100ms')[-1]['u'] == btc.update_id


def test_liquidation_snapshots_are_the_latest_of_each_second(venue_feed, clock):
    feed = venue_feed('usdm')
    btc = feed.market['BTCUSDT']
    recorder = _listen(feed, clock, ['btcusdt@forceOrder', 'btcusdt@aggTrade'], 10.01)
    liquidations = recorder.of('btcusdt@forceOrder')
    assert liquidations
    aggs = {a['a']: a for a in recorder.of('btcusdt@aggTrade')}
    every = feed.market.liquidation_every
    for event in liquidations:
        order = event['o']
        agg = next(a for a in aggs.values() if a['T'] == order['T'] and a['p'] == order['p'] and a['q'] == order['q'])
        assert agg['a'] % every == 0
        assert order['S'] == ('SELL' if agg['m'] else 'BUY')
    assert [e['o']['T'] for e in liquidations] == sorted(e['o']['T'] for e in liquidations)
    assert btc.liquidations_after(0)


def test_options_payload_fields(venue_feed, clock):
    feed = venue_feed('options')
    option = feed.market.options_of('BTCUSDT')[2]
    s = option.lower()
    names = {s + '@optionTrade': 'trade', s + '@bookTicker': 'bookTicker', s + '@depth10@100ms': 'depthUpdate',
             s + '@depth@500ms': 'depthUpdate', s + '@optionTicker': '24hrTicker', s + '@kline_5m': 'kline'}
    recorder = _listen(feed, clock, list(names) + ['btcusdt@optionMarkPrice', '!index@arr', s + '@depth10'], 3.01)
    for name, shape in names.items():
        events = recorder.of(name)
        assert events, name
        for event in events:
            check_fields(event, OPTIONS_FIELDS[shape])
            assert event['s'] == option
    check_fields(recorder.of(s + '@kline_5m')[-1]['k'], OPTIONS_FIELDS['kline.k'])
    assert not recorder.of(s + '@depth10'), 'options depth needs its update speed'
    marks = recorder.of('btcusdt@optionMarkPrice')
    assert len(marks) == 3
    assert [e['s'] for e in marks[-1]] == feed.market.options_of('BTCUSDT')
    for entry in marks[-1]:
        check_fields(entry, OPTIONS_FIELDS['markPrice'])
    indexes = recorder.of('!index@arr')[-1]
    assert [e['s'] for e in indexes] == ['BTCUSDT', 'ETHUSDT']
    for entry in indexes:
        check_fields(entry, OPTIONS_FIELDS['index'])


def test_coin_futures_volumes_in_base_asset(venue_feed, clock):
    feed = venue_feed('coinm')
    recorder = _listen(feed, clock, ['btcusd_perp@ticker', 'btcusd_perp@kline_1m'], 3.01)
    ticker = recorder.of('btcusd_perp@ticker')[-1]
    contracts, base, vwap = float(ticker['v']), float(ticker['q']), float(ticker['w'])
    assert base == pytest.approx(contracts * 100 / vwap, rel=1e-6)
    k = recorder.of('btcusd_perp@kline_1m')[-1]['k']
    assert float(k['q']) == pytest.approx(float(k['v']) * 100 / vwap, rel=1e-3)
    assert float(k['Q']) <= float(k['q'])


def test_payloads_are_encoded_once_per_event(venue_feed, clock):
    feed = venue_feed('usdm')
    seen = []
    for _ in range(2):
        feed.subscribe('btcusdt@aggTrade', lambda stream, payload: seen.append(payload))
    feed.start()
    run(clock, 0.5)
    assert seen and all(isinstance(p, bytes) for p in seen)
    assert orjson.loads(seen[0])['e'] == 'aggTrade'
