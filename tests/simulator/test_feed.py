"""The market feed on a task.Clock: payload fields, cadences, the order-book property,
silent and retired streams, listeners."""
import collections
import logging
from decimal import Decimal

import orjson
import pytest
from twisted.internet import task

from binance.simulator.feed import MarketFeed
from binance.simulator.market import Market
from binance.simulator.market_streams import all_market_stream_names, stream_names_for

from market_support import LocalOrderBook, check_fields, summarize, true_book

T0 = 1767225600.0  # 2026-01-01T00:00:00Z, in seconds (task.Clock time)

class Recorder:
    """A listener that keeps (stream, decoded payload, raw bytes, clock ms)."""

    def __init__(self, clock):
        self.clock = clock
        self.messages = []

    def __call__(self, stream, payload):
        assert isinstance(payload, bytes)
        self.messages.append((stream, orjson.loads(payload), payload,
                              round(self.clock.seconds() * 1000)))

    def of(self, stream):
        return [m[1] for m in self.messages if m[0] == stream]

    def times(self, stream):
        return [m[3] for m in self.messages if m[0] == stream]


@pytest.fixture
def clock():
    clock = task.Clock()
    clock.advance(T0)
    return clock


def feeds_stopped_at_teardown(clock, build):
    """A fixture body: yields a factory of feeds (``build(...)``), stops them all afterwards."""
    feeds = []

    def factory(*args, **kwargs):
        feed = build(*args, **kwargs)
        feeds.append(feed)
        return feed

    yield factory
    for feed in feeds:
        feed.stop()
    assert not clock.getDelayedCalls(), 'stop() must cancel every timer'


@pytest.fixture
def make_feed(clock):
    def build(seed=1234, trade_rate=10.0, retired_streams_live=False, symbols=None):
        market = Market(seed=seed, symbols=symbols,
                        now_ms=lambda: round(clock.seconds() * 1000))
        return MarketFeed(market, clock, trade_rate=trade_rate,
                          retired_streams_live=retired_streams_live)

    yield from feeds_stopped_at_teardown(clock, build)


def run(clock, seconds, step=0.05):
    """Advance ``seconds`` in steps; targets are computed, not summed, so float
    rounding never makes a timer due at a step fire one step late."""
    start = clock.seconds()
    for index in range(1, int(round(seconds / step)) + 1):
        clock.advance(start + index * step + 1e-6 - clock.seconds())


def started(make_feed, clock, *streams, **kwargs):
    """A started feed whose ``streams`` go to one Recorder: ``(feed, recorder)``."""
    feed = make_feed(**kwargs)
    recorder = Recorder(clock)
    for stream in streams:
        feed.subscribe(stream, recorder)
    feed.start()
    return feed, recorder


def collect(make_feed, clock, stream, seconds=4.5, **kwargs):
    _, recorder = started(make_feed, clock, stream, **kwargs)
    run(clock, seconds)
    messages = recorder.of(stream)
    assert messages, 'no message on ' + stream
    return messages


# -- payloads: one test per stream type --------------------------------------------

def test_trade_payload(make_feed, clock):
    events = collect(make_feed, clock, 'bnbbtc@trade')
    for event in events:
        check_fields(event, 'trade')
        assert 'b' not in event and 'a' not in event  # removed from binance.com in 2024
        assert (event['e'], event['s'], event['M']) == ('trade', 'BNBBTC', True)
        assert event['T'] <= event['E']
    ids = [e['t'] for e in events]
    assert ids == list(range(ids[0], ids[0] + len(ids)))


def test_aggregate_trade_payload(make_feed, clock):
    events = collect(make_feed, clock, 'ethbtc@aggTrade')
    for event in events:
        check_fields(event, 'aggTrade')
        assert (event['e'], event['s']) == ('aggTrade', 'ETHBTC')
        assert event['f'] <= event['l']
    for before, after in zip(events, events[1:]):
        assert after['a'] == before['a'] + 1 and after['f'] == before['l'] + 1


@pytest.mark.parametrize('interval', ['1s', '1m', '1M'])
def test_kline_payload(make_feed, clock, interval):
    events = collect(make_feed, clock, 'bnbbtc@kline_' + interval)
    for event in events:
        check_fields(event, 'kline')
        assert (event['e'], event['s']) == ('kline', 'BNBBTC')
        check_fields(event['k'], 'kline.k')
        k = event['k']
        assert (k['s'], k['i']) == ('BNBBTC', interval)
        assert k['t'] <= event['E'] <= k['T'] or k['x']
        assert Decimal(k['l']) <= min(Decimal(k['o']), Decimal(k['c']))
        assert Decimal(k['h']) >= max(Decimal(k['o']), Decimal(k['c']))
        assert Decimal(k['V']) <= Decimal(k['v'])


def test_24h_ticker_payload(make_feed, clock):
    for event in collect(make_feed, clock, 'neobtc@ticker'):
        check_fields(event, '24hrTicker')
        assert (event['e'], event['s']) == ('24hrTicker', 'NEOBTC')
        Decimal(event['P'])
        assert event['C'] == event['E'] and event['n'] == event['L'] - event['F'] + 1
        assert Decimal(event['b']) < Decimal(event['a'])


def test_mini_ticker_payload(make_feed, clock):
    for event in collect(make_feed, clock, 'btcusdt@miniTicker'):
        check_fields(event, '24hrMiniTicker')
        assert (event['e'], event['s']) == ('24hrMiniTicker', 'BTCUSDT')


def test_all_market_mini_tickers_payload(make_feed, clock):
    arrays = collect(make_feed, clock, '!miniTicker@arr')
    seen = set()
    for array in arrays:
        assert isinstance(array, list) and array
        for event in array:
            check_fields(event, '24hrMiniTicker')
            seen.add(event['s'])
    assert {'BNBBTC', 'ETHBTC', 'NEOBTC', 'BTCUSDT', 'ETHUSDT'} <= seen


@pytest.mark.parametrize('window', ['1h', '4h', '1d'])
def test_rolling_window_ticker_payload(make_feed, clock, window):
    for event in collect(make_feed, clock, 'ethusdt@ticker_' + window):
        check_fields(event, 'windowTicker')
        assert (event['e'], event['s']) == (window + 'Ticker', 'ETHUSDT')
        assert event['O'] % 60000 == 0 and event['C'] == event['E']


def test_all_market_rolling_window_payload(make_feed, clock):
    arrays = collect(make_feed, clock, '!ticker_4h@arr')
    assert {e['e'] for array in arrays for e in array} == {'4hTicker'}


def test_book_ticker_payload(make_feed, clock):
    events = collect(make_feed, clock, 'bnbbtc@bookTicker')
    for event in events:
        check_fields(event, 'bookTicker')
        assert event['s'] == 'BNBBTC' and Decimal(event['b']) < Decimal(event['a'])
    ids = [e['u'] for e in events]
    assert ids == sorted(set(ids))
    assert len({(e['b'], e['B'], e['a'], e['A']) for e in events}) > 1


def test_average_price_payload(make_feed, clock):
    for event in collect(make_feed, clock, 'ltcbtc@avgPrice'):
        check_fields(event, 'avgPrice')
        assert (event['e'], event['s'], event['i']) == ('avgPrice', 'LTCBTC', '5m')
        assert event['T'] <= event['E']


@pytest.mark.parametrize('stream, levels', [
    ('bnbbtc@depth5', 5), ('bnbbtc@depth10@100ms', 10), ('bnbbtc@depth20', 20)])
def test_partial_depth_payload(make_feed, clock, stream, levels):
    events = collect(make_feed, clock, stream)
    for event in events:
        check_fields(event, 'partialDepth')
        assert len(event['bids']) == len(event['asks']) == levels
        assert Decimal(event['bids'][0][0]) < Decimal(event['asks'][0][0])
    ids = [e['lastUpdateId'] for e in events]
    assert ids == sorted(ids) and ids[-1] > ids[0]


@pytest.mark.parametrize('stream', ['ethbtc@depth', 'ethbtc@depth@100ms'])
def test_diff_depth_payload(make_feed, clock, stream):
    events = collect(make_feed, clock, stream)
    for event in events:
        check_fields(event, 'depthUpdate')
        assert (event['e'], event['s']) == ('depthUpdate', 'ETHBTC')
        assert event['U'] <= event['u']
    for before, after in zip(events, events[1:]):
        assert after['U'] == before['u'] + 1


# -- agreement between streams --------------------------------------------------

def test_klines_and_tickers_agree_with_the_published_trades(make_feed, clock):
    _, recorder = started(make_feed, clock, 'ethbtc@trade', 'ethbtc@aggTrade',
                          'ethbtc@kline_1m', 'ethbtc@ticker_1h', seed=77, trade_rate=40)
    run(clock, 61, step=0.1)   # past the minute holding the warm-up trades
    first_minute = recorder.of('ethbtc@kline_1m')[-1]['k']['t']
    run(clock, 62, step=0.1)
    trades = recorder.of('ethbtc@trade')
    closed = [e['k'] for e in recorder.of('ethbtc@kline_1m')
              if e['k']['x'] and e['k']['t'] >= first_minute]
    assert closed, 'no closed kline'
    k = closed[0]
    inside = [t for t in trades if k['t'] <= t['T'] <= k['T']]
    expected = summarize(inside)
    for name in 'ochlvqVQ':
        assert Decimal(k[name]) == expected[name], name
    assert (k['n'], k['f'], k['L']) == (expected['n'], expected['f'], expected['L'])
    # aggTrades cover exactly the published trades.
    aggs = recorder.of('ethbtc@aggTrade')
    by_id = {t['t']: t for t in trades}
    for agg in aggs:
        members = [by_id[i] for i in range(agg['f'], agg['l'] + 1)]
        assert sum(Decimal(t['q']) for t in members) == Decimal(agg['q'])
        assert {t['p'] for t in members} == {agg['p']}
    # The last ticker counts every trade published before it.
    last = max(i for i, m in enumerate(recorder.messages) if m[0] == 'ethbtc@ticker_1h')
    ticker = recorder.messages[last][1]
    assert ticker['L'] == max(m[1]['t'] for m in recorder.messages[:last]
                              if m[0] == 'ethbtc@trade')


# -- the order-book property ---------------------------------------------------------

@pytest.mark.parametrize('stream, step, rate', [
    ('bnbbtc@depth@100ms', 0.1, 30), ('bnbbtc@depth', 1.0, 6)])
def test_snapshot_plus_diff_stream_rebuild_the_true_book(make_feed, clock, stream, step, rate):
    """Binance's local order book procedure, over more than 20,000 diff events."""
    feed = make_feed(seed=4321, trade_rate=rate)
    market = feed.market['BNBBTC']
    local = LocalOrderBook()
    feed.subscribe(stream, lambda name, data: local.on_event(orjson.loads(data)))
    feed.start()
    stale = feed.market.depth_snapshot('BNBBTC', 5000)
    for _ in range(30):
        clock.advance(step)
    assert not local.load_snapshot(stale), 'a snapshot older than the first event must be refused'
    assert local.load_snapshot(feed.market.depth_snapshot('BNBBTC', 5000))
    matches = steps = 0
    while local.applied < 20000:
        clock.advance(step)
        steps += 1
        assert steps < 40000, 'too few diff events'
        if steps % 500 == 0 and local.update_id == market.update_id:
            matches += 1
            assert (local.bids, local.asks) == true_book(market)
    feed.set_trade_rate(0)
    clock.advance(step)
    clock.advance(step)
    assert local.update_id == market.update_id
    assert (local.bids, local.asks) == true_book(market)
    assert matches >= 5


# -- cadences --------------------------------------------------------------------------

@pytest.mark.parametrize('stream, cadence_ms', [
    ('bnbbtc@depth', 1000), ('bnbbtc@depth@100ms', 100), ('bnbbtc@depth5', 1000),
    ('bnbbtc@depth20@100ms', 100), ('bnbbtc@kline_1s', 1000), ('bnbbtc@kline_1m', 2000),
    ('bnbbtc@kline_1d@+08:00', 2000), ('bnbbtc@ticker', 1000), ('bnbbtc@miniTicker', 1000),
    ('bnbbtc@ticker_1h', 1000), ('bnbbtc@avgPrice', 1000), ('!miniTicker@arr', 1000),
    ('!miniTicker@arr@3000ms', 3000), ('!ticker_1d@arr', 1000),
])
def test_periodic_streams_keep_binance_cadence(make_feed, clock, stream, cadence_ms):
    _, recorder = started(make_feed, clock, stream, trade_rate=50)
    run(clock, 12.5, step=0.05)
    times = sorted(set(recorder.times(stream)))
    gaps = [b - a for a, b in zip(times, times[1:])]
    if stream.startswith('bnbbtc@depth@') or stream == 'bnbbtc@depth':
        # Diff events are skipped when the book did not change.
        assert all(gap % cadence_ms == 0 for gap in gaps)
        assert gaps.count(cadence_ms) >= len(gaps) * 0.8
    else:
        assert set(gaps) == {cadence_ms}
    assert len(times) >= 12000 // cadence_ms * 0.8
    # Event times come from the clock.
    for (_, payload, _, at) in recorder.messages:
        for event in payload if isinstance(payload, list) else [payload]:
            assert event.get('E', at) == at


def test_real_time_streams_follow_the_trade_rate(make_feed, clock):
    feed, recorder = started(make_feed, clock, 'btcusdt@trade', trade_rate=20)
    run(clock, 10, step=0.05)
    trades = recorder.of('btcusdt@trade')
    assert 200 <= len(trades) <= 215
    assert all(t['E'] == at for t, at in zip(trades, recorder.times('btcusdt@trade')))
    feed.set_trade_rate(100)
    before = len(recorder.messages)
    run(clock, 10, step=0.05)
    assert 1000 <= len(recorder.messages) - before <= 1015


def test_firehose_rate_is_delivered_in_batches(make_feed, clock):
    feed = make_feed(trade_rate=50000)
    count = [0]
    ids = []

    def listener(name, data):
        count[0] += 1
        if count[0] % 1000 == 1:
            ids.append(orjson.loads(data)['t'])
    feed.subscribe('bnbbtc@trade', listener)
    feed.start()
    run(clock, 0.5, step=0.01)
    assert 25000 <= count[0] <= 25200
    assert ids == sorted(ids) and ids[-1] - ids[0] == (len(ids) - 1) * 1000
    # Trades come in batches from one generation timer, not one timer per trade.
    assert len(clock.getDelayedCalls()) == 1
    # A late tick makes up a few ticks' worth, not all it missed.
    before = count[0]
    clock.advance(10)
    assert 2400 <= count[0] - before <= 2600


def test_kline_close_is_sent_with_x_true(make_feed, clock):
    _, recorder = started(make_feed, clock, 'ethbtc@kline_1m', trade_rate=30)
    run(clock, 125, step=0.1)
    events = [e['k'] for e in recorder.of('ethbtc@kline_1m')]
    closed = [k for k in events if k['x']]
    assert [k['t'] for k in closed] == [T0 * 1000, T0 * 1000 + 60000]
    for k in closed:
        later = [e for e in events if e['t'] == k['t']]
        assert later[-1] is k, 'nothing is sent for a kline after it closed'
        assert k['T'] == k['t'] + 59999 and k['n'] > 0


# -- silence, retired streams, listeners ------------------------------------------------

@pytest.mark.parametrize('stream', [
    'BNBBTC@trade', 'xrpxrp@trade', 'bnbbtc@foo', 'bnbbtc@kline_2m', 'bnbBTC@depth',
    '!ticker@arr', '!bookTicker', 'not a stream'])
def test_streams_without_data_are_accepted_and_silent(make_feed, clock, stream):
    feed = make_feed()
    market = feed.market['BNBBTC']
    before = market.update_id
    recorder = Recorder(clock)
    feed.subscribe(stream, recorder)
    assert feed.streams() == [stream]
    feed.start()
    run(clock, 5)
    assert recorder.messages == []
    assert market.update_id == before, 'nobody listens: the market stays still'
    feed.unsubscribe(stream, recorder)
    assert feed.streams() == []


def test_retired_streams_carry_data_when_switched_live(make_feed, clock):
    _, recorder = started(make_feed, clock, '!ticker@arr', '!bookTicker',
                          retired_streams_live=True)
    run(clock, 3)
    arrays = recorder.of('!ticker@arr')
    assert arrays and all(isinstance(a, list) for a in arrays)
    assert {e['e'] for a in arrays for e in a} == {'24hrTicker'}
    books = recorder.of('!bookTicker')
    assert {'BNBBTC', 'ETHBTC', 'BTCUSDT'} <= {e['s'] for e in books}
    for event in books:
        check_fields(event, 'bookTicker')


def test_listeners_get_only_their_streams_and_share_one_encoding(make_feed, clock):
    feed = make_feed()
    first, second, other = Recorder(clock), Recorder(clock), Recorder(clock)
    feed.subscribe('bnbbtc@trade', first)
    feed.subscribe('bnbbtc@trade', second)
    feed.subscribe('bnbbtc@trade', second)   # once per listener
    feed.subscribe('ethbtc@aggTrade', other)
    feed.start()
    run(clock, 2)
    assert {m[0] for m in first.messages} == {'bnbbtc@trade'}
    assert {m[0] for m in other.messages} == {'ethbtc@aggTrade'}
    assert len(first.messages) == len(second.messages) > 0
    assert all(a[2] is b[2] for a, b in zip(first.messages, second.messages))
    feed.unsubscribe('bnbbtc@trade', first)
    feed.unsubscribe('bnbbtc@trade', first)   # harmless
    feed.unsubscribe('nothing@trade', first)  # harmless
    count = len(first.messages)
    run(clock, 2)
    assert len(first.messages) == count and len(second.messages) > count
    assert sorted(feed.streams()) == ['bnbbtc@trade', 'ethbtc@aggTrade']


def test_only_listened_symbols_trade(make_feed, clock):
    feed = make_feed()
    recorder = Recorder(clock)
    ids = {s: feed.market[s].update_id for s in feed.market.symbols}
    feed.subscribe('neobtc@depth5', recorder)
    feed.start()
    run(clock, 3)
    moved = {s for s in ids if feed.market[s].update_id != ids[s]}
    assert moved == {'NEOBTC'}
    feed.unsubscribe('neobtc@depth5', recorder)
    still = feed.market['NEOBTC'].update_id
    run(clock, 3)
    assert feed.market['NEOBTC'].update_id == still


def test_failing_listener_does_not_stop_the_others(make_feed, clock, caplog):
    feed = make_feed()
    recorder = Recorder(clock)

    def broken(name, data):
        raise RuntimeError('boom')
    feed.subscribe('bnbbtc@trade', broken)
    feed.subscribe('bnbbtc@trade', recorder)
    feed.start()
    with caplog.at_level(logging.ERROR, logger='binance.simulator.feed'):
        run(clock, 11)
    assert len(recorder.messages) > 100
    # The traceback once, then counts: a failing listener does not flood the log.
    assert caplog.text.count('RuntimeError: boom') == 1
    assert [r.getMessage() for r in caplog.records[1:3]] == [
        'listener of bnbbtc@trade failed 10 times', 'listener of bnbbtc@trade failed 100 times']


def test_user_orders_are_published_on_the_next_reactor_turn(make_feed, clock):
    feed, recorder = started(make_feed, clock, 'bnbbtc@trade', 'bnbbtc@bookTicker',
                             trade_rate=0)
    fills = feed.market.place_order('BNBBTC', 'SELL', 'MARKET', '3.00')
    assert recorder.messages == []
    clock.advance(0)
    trades = recorder.of('bnbbtc@trade')
    assert [t['t'] for t in trades] == [f['tradeId'] for f in fills]
    assert all(t['m'] is True for t in trades)
    assert recorder.of('bnbbtc@bookTicker')


def test_stop_and_restart(make_feed, clock):
    feed, recorder = started(make_feed, clock, 'bnbbtc@depth@100ms')
    feed.start()
    run(clock, 1)
    feed.stop()
    assert not feed.running and not clock.getDelayedCalls()
    count = len(recorder.messages)
    run(clock, 1)
    assert len(recorder.messages) == count
    feed.start()
    run(clock, 1)
    assert len(recorder.messages) > count
    with pytest.raises(ValueError):
        feed.set_trade_rate(-1)
    assert collections.Counter(m[0] for m in recorder.messages).keys() == {'bnbbtc@depth@100ms'}


def test_many_subscriptions_come_and_go_cleanly(make_feed, clock):
    feed = make_feed(retired_streams_live=True)
    names = [n for s in feed.market.symbols for n in stream_names_for(s)]
    names += list(all_market_stream_names(retired=True))
    assert len(names) > 300
    recorder = Recorder(clock)
    feed.start()
    for name in names:
        assert feed.market.is_known_stream(name, retired_live=True), name
        feed.subscribe(name, recorder)
    run(clock, 2.5)
    assert {m[0] for m in recorder.messages} >= {n for n in names if 'kline' not in n} - {
        '!miniTicker@arr@3000ms'}
    for name in names:
        feed.unsubscribe(name, recorder)
    assert feed.streams() == []
    assert len(clock.getDelayedCalls()) == 1, 'only the trade generator is left'
    assert not any(feed.market[s].track_tops for s in feed.market.symbols)
    ids = {s: feed.market[s].update_id for s in feed.market.symbols}
    count = len(recorder.messages)
    run(clock, 2)
    assert len(recorder.messages) == count
    assert ids == {s: feed.market[s].update_id for s in feed.market.symbols}
