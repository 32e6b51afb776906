"""The deterministic simulated market: books, trades, statistics, snapshots, names."""
import calendar
import datetime
import itertools
import os
import random
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from binance.enums import KLINE_INTERVALS
from binance.simulator import market_payloads as payloads
from binance.simulator.fixedpoint import format_e8, format_percent, parse_e8
from binance.simulator.market import DEFAULT_SYMBOLS, Market, UnknownSymbolError
from binance.simulator.market_streams import is_valid_stream_name
from binance.simulator.orderbook import ASK, BID
from binance.simulator.stats import TIMEZONE_OFFSETS, SymbolStats, Trade, interval_bounds

from market_support import LocalOrderBook, OrderBookGap, summarize, true_book

T0 = 1767225600000  # 2026-01-01T00:00:00Z, a Thursday
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_market(seed=7, symbols=None, start=T0):
    clock = [start]
    market = Market(seed=seed, symbols=symbols, now_ms=lambda: clock[0])
    return market, clock


def trade_dicts(symbol, trades):
    return [payloads.trade_event(symbol, t, t.time) for t in trades]


def run(market, symbol, steps, step_ms, clock, per_step=3):
    """Advance ``symbol`` ``steps`` times, ``step_ms`` apart; returns (trades, aggs)."""
    trades, aggs = [], []
    for _ in range(steps):
        clock[0] += step_ms
        market.advance(symbol, per_step, clock[0])
        events = market.drain(symbol)
        trades += events.trades
        aggs += events.agg_trades
    return trades, aggs


# -- determinism -------------------------------------------------------------

def test_same_seed_gives_the_same_market():
    first, clock1 = make_market(seed=11)
    second, clock2 = make_market(seed=11)
    assert first.depth_snapshot('BNBBTC', 5000) == second.depth_snapshot('BNBBTC', 5000)
    trades1, _ = run(first, 'BNBBTC', 200, 100, clock1)
    trades2, _ = run(second, 'BNBBTC', 200, 100, clock2)
    assert trade_dicts('BNBBTC', trades1) == trade_dicts('BNBBTC', trades2)
    assert first.depth_snapshot('BNBBTC', 5000) == second.depth_snapshot('BNBBTC', 5000)


def test_same_seed_gives_the_same_market_in_another_process():
    """Nothing depends on hash randomisation: the seed alone fixes the market."""
    script = (
        'import hashlib, json\n'
        'from binance.simulator.market import Market\n'
        'm = Market(seed="replay", now_ms={})\n'
        'm.advance("ETHUSDT", 300, {})\n'
        't = [[x.id, x.price, x.qty, x.buyer_maker] for x in m.drain("ETHUSDT").trades]\n'
        'body = json.dumps([t, m.depth_snapshot("ETHUSDT", 5000)]).encode()\n'
        'print(hashlib.sha256(body).hexdigest())\n').format(T0, T0 + 1000)
    digests = set()
    for hash_seed in ('1', '2'):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed,
                   PYTHONPATH=os.pathsep.join([ROOT, os.environ.get('PYTHONPATH', '')]))
        done = subprocess.run([sys.executable, '-c', script], env=env, capture_output=True,
                              text=True, timeout=60, check=True)
        digests.add(done.stdout.strip())
    assert len(digests) == 1 and len(digests.pop()) == 64


def test_another_seed_gives_another_market():
    first, clock1 = make_market(seed=11)
    second, clock2 = make_market(seed=12)
    trades1, _ = run(first, 'ETHBTC', 50, 100, clock1)
    trades2, _ = run(second, 'ETHBTC', 50, 100, clock2)
    assert trade_dicts('ETHBTC', trades1) != trade_dicts('ETHBTC', trades2)


def test_symbols_are_independent_of_each_other():
    alone, clock1 = make_market(seed=5)
    busy, clock2 = make_market(seed=5)
    run(busy, 'ETHUSDT', 100, 10, clock2)
    clock2[0] = clock1[0]
    trades1, _ = run(alone, 'BNBBTC', 100, 100, clock1)
    trades2, _ = run(busy, 'BNBBTC', 100, 100, clock2)
    assert trade_dicts('BNBBTC', trades1) == trade_dicts('BNBBTC', trades2)


def test_default_and_custom_symbols():
    market, _ = make_market()
    for symbol in ('BNBBTC', 'ETHBTC', 'NEOBTC', 'BTCUSDT', 'ETHUSDT'):
        assert symbol in market.symbols
    custom, _ = make_market(symbols=['BNBBTC', 'XYZUSDT'])
    assert custom.symbols == ('BNBBTC', 'XYZUSDT')
    info = custom.exchange_info(['XYZUSDT'])['symbols'][0]
    assert (info['baseAsset'], info['quoteAsset']) == ('XYZ', 'USDT')
    assert custom.depth_snapshot('XYZUSDT', 5)['bids']
    with pytest.raises(ValueError):
        Market(symbols=['bnbbtc'])
    with pytest.raises(UnknownSymbolError):
        custom['ETHBTC']


def test_long_runs_keep_a_sane_book_near_the_reference_price():
    market, clock = make_market(seed=3)
    run(market, 'BNBBTC', 400, 50, clock, per_step=50)
    sm = market['BNBBTC']
    sm.book.check()
    bid = sm.book.best_bid()
    assert sm.book.best_ask()[0] > bid[0]
    assert 20 <= sm.book.depth(BID) <= 250 and 20 <= sm.book.depth(ASK) <= 250
    reference = parse_e8(DEFAULT_SYMBOLS[0].price) // sm.tick_e8
    assert abs(bid[0] - reference) < reference * 0.1


# -- trades and aggregate trades ---------------------------------------------

def test_trade_and_aggregate_trade_ids_agree():
    market, clock = make_market()
    trades, aggs = run(market, 'BNBBTC', 300, 100, clock)
    assert len(trades) >= 900
    ids = [t.id for t in trades]
    assert ids == list(range(ids[0], ids[0] + len(ids)))
    agg_ids = [a.id for a in aggs]
    assert agg_ids == list(range(agg_ids[0], agg_ids[0] + len(agg_ids)))
    by_id = {t.id: t for t in trades}
    covered = []
    for agg in aggs:
        members = [by_id[i] for i in range(agg.first_id, agg.last_id + 1)]
        covered += [t.id for t in members]
        assert {t.price for t in members} == {agg.price}
        assert sum(t.qty for t in members) == agg.qty
        assert {t.buyer_maker for t in members} == {agg.buyer_maker}
        assert {t.time for t in members} == {agg.time}
    assert covered == ids
    assert any(agg.last_id > agg.first_id for agg in aggs), 'no multi-trade aggregate'
    assert {t.buyer_maker for t in trades} == {True, False}


def test_trade_quote_amounts_are_exact():
    market, clock = make_market()
    trades, _ = run(market, 'BTCUSDT', 50, 100, clock)
    for trade in trades:
        assert Decimal(format_e8(trade.quote)) == \
            Decimal(format_e8(trade.price)) * Decimal(format_e8(trade.qty))


# -- statistics agree with the trades ----------------------------------------

def candle_summary(candle):
    """A stats candle in the shape of :func:`summarize`."""
    return {'o': Decimal(format_e8(candle.open)), 'c': Decimal(format_e8(candle.close)),
            'h': Decimal(format_e8(candle.high)), 'l': Decimal(format_e8(candle.low)),
            'v': Decimal(format_e8(candle.volume)), 'q': Decimal(format_e8(candle.quote)),
            'V': Decimal(format_e8(candle.taker_volume)),
            'Q': Decimal(format_e8(candle.taker_quote)),
            'n': candle.count, 'f': candle.first_id, 'L': candle.last_id}


def combine(earlier, later):
    return {'o': earlier['o'], 'c': later['c'], 'h': max(earlier['h'], later['h']),
            'l': min(earlier['l'], later['l']), 'f': earlier['f'], 'L': later['L'],
            **{k: earlier[k] + later[k] for k in 'vqVQn'}}


def test_klines_of_every_interval_agree_with_the_trades():
    market, clock = make_market(seed=9)
    stats = market['ETHBTC'].stats
    # Trades made when the market opened (at T0) are history in the statistics.
    warm_up = candle_summary(stats.kline('1s', T0)[2])
    assert warm_up['n'] >= 30
    trades, _ = run(market, 'ETHBTC', 700, 1300, clock, per_step=2)  # about 15 minutes
    records = trade_dicts('ETHBTC', trades)
    now = clock[0]
    for interval, offset in itertools.product(KLINE_INTERVALS, TIMEZONE_OFFSETS.values()):
        start, end, _ = stats.kline(interval, now, offset)
        assert (start, end) == interval_bounds(interval, now, offset)
        event = payloads.kline_event('ETHBTC', interval, stats.kline(interval, now, offset),
                                     False, now)
        k = event['k']
        assert (k['t'], k['T'], k['i'], k['x']) == (start, end - 1, interval, False)
        inside = [r for r in records if start <= r['T'] < end]
        if not inside:
            assert (k['n'], k['f'], k['L'], k['v']) == (0, -1, -1, '0.00000000')
            assert k['o'] == k['c'] == k['h'] == k['l'] == records[-1]['p']
            continue
        expected = summarize(inside)
        if start <= T0:
            expected = combine(warm_up, expected)
        for name in 'ochlvqVQ':
            assert Decimal(k[name]) == expected[name], (interval, name)
        assert (k['n'], k['f'], k['L']) == (expected['n'], expected['f'], expected['L'])
    # The last closed minute too, with x = true.
    closed = stats.closed_kline('1m', now)
    k = payloads.kline_event('ETHBTC', '1m', closed, True, now)['k']
    inside = [r for r in records if closed[0] <= r['T'] < closed[1]]
    expected = summarize(inside)
    assert k['x'] is True and k['T'] == closed[1] - 1
    assert (Decimal(k['o']), Decimal(k['c']), Decimal(k['v']), k['n']) == \
        (expected['o'], expected['c'], expected['v'], expected['n'])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4 * 3600 * 1000), st.integers(1, 500),
                          st.integers(1, 900), st.booleans()), min_size=1, max_size=60),
       st.integers(0, 60 * 86400 * 1000))
def test_klines_match_a_brute_force_recount(steps, later):
    """Any trade timeline, any interval and timezone: the kline equals a recount of its trades."""
    stats = SymbolStats(T0)
    trades, now = [], T0
    for trade_id, (gap, price, qty, buyer_maker) in enumerate(steps, start=1):
        now += gap
        trade = Trade(trade_id, price * 10 ** 6, qty * 10 ** 6, price * qty * 10 ** 4, now,
                      buyer_maker)
        stats.add_trade(trade)
        trades.append(trade)
    for query in (now, now + later):
        for interval, offset in itertools.product(KLINE_INTERVALS, TIMEZONE_OFFSETS.values()):
            start, end, candle = stats.kline(interval, query, offset)
            assert (start, end) == interval_bounds(interval, query, offset)
            inside = [t for t in trades if start <= t.time < end]
            assert candle.count == len(inside)
            assert candle.volume == sum(t.qty for t in inside)
            assert candle.taker_quote == sum(t.quote for t in inside if not t.buyer_maker)
            if inside:
                assert (candle.open, candle.close) == (inside[0].price, inside[-1].price)
                assert candle.high == max(t.price for t in inside)
                assert candle.low == min(t.price for t in inside)
                assert (candle.first_id, candle.last_id) == (inside[0].id, inside[-1].id)
            else:
                before = [t for t in trades if t.time < start]
                expected = before[-1].price if before else None
                assert candle.open == candle.close == candle.high == expected
            closed = stats.closed_kline(interval, query, offset)
            if closed is not None:
                assert closed[1] <= start
                inside = [t for t in trades if closed[0] <= t.time < closed[1]]
                assert closed[2].count == len(inside)
                assert closed[2].volume == sum(t.qty for t in inside)


def test_rolling_window_tickers_agree_with_the_trades():
    market, clock = make_market(seed=4)
    sm = market['BNBBTC']
    warm_up_last = sm.stats.last_trade
    trades, _ = run(market, 'BNBBTC', 240, 30000, clock, per_step=2)  # two hours
    records = trade_dicts('BNBBTC', trades)
    now = clock[0] + 1234
    ticker = payloads.ticker_event(sm, now)
    day = [r for r in records if r['T'] >= ticker['O']]
    assert ticker['O'] % 60000 == 0 and ticker['C'] == now
    expected = summarize(day)
    # The 24 h window also holds the warm-up trades made when the market opened.
    assert ticker['F'] < expected['f'] and ticker['L'] == expected['L'] == warm_up_last.id + len(trades)
    hour = payloads.window_ticker_event(sm, '1h', 3600000, now)
    assert hour['e'] == '1hTicker'
    assert hour['O'] == now - 3600000 - (now - 3600000) % 60000
    inside = [r for r in records if r['T'] >= hour['O']]
    before = [r for r in records if r['T'] < hour['O']]
    assert before, 'the window must leave older trades out'
    expected = summarize(inside)
    for name in 'ochlvq':
        assert Decimal(hour[name]) == expected[name], name
    assert (hour['F'], hour['L'], hour['n']) == (expected['f'], expected['L'], expected['n'])
    assert Decimal(hour['p']) == expected['c'] - expected['o']
    assert hour['P'] == format_percent(parse_e8(hour['p']), parse_e8(hour['o']))
    assert Decimal(hour['w']) == (expected['q'] / expected['v']).quantize(
        Decimal('0.00000001'), rounding='ROUND_DOWN')
    # 24hrTicker: last price and quantity, previous close, book prices.
    assert ticker['c'] == records[-1]['p'] and ticker['Q'] == records[-1]['q']
    bid = sm.book.best_bid()
    assert (ticker['b'], ticker['B']) == (sm.price_str(bid[0]), sm.qty_str(bid[1]))
    mini = payloads.mini_ticker_event(sm, now)
    assert {k: mini[k] for k in 'cohlvq'} == {k: ticker[k] for k in 'cohlvq'}
    four = payloads.window_ticker_event(sm, '4h', 4 * 3600000, now)
    assert (four['F'], four['n']) == (ticker['F'], ticker['n'])


def test_previous_close_is_the_last_trade_before_the_window():
    market, clock = make_market(seed=4)
    sm = market['BNBBTC']
    trades, _ = run(market, 'BNBBTC', 30, 60000, clock, per_step=1)
    clock[0] += 86400000 - 10 * 60000
    later, _ = run(market, 'BNBBTC', 5, 60000, clock, per_step=1)
    now = clock[0]
    ticker = payloads.ticker_event(sm, now)
    records = trade_dicts('BNBBTC', trades + later)
    before = [r for r in records if r['T'] < ticker['O']]
    assert ticker['x'] == before[-1]['p']
    assert ticker['F'] == min(r['t'] for r in records if r['T'] >= ticker['O'])


def test_average_price_is_the_volume_weighted_price_of_the_last_five_minutes():
    market, clock = make_market(seed=8)
    sm = market['ETHUSDT']
    trades, _ = run(market, 'ETHUSDT', 100, 5000, clock, per_step=2)
    now = clock[0] + 400
    event = payloads.avg_price_event(sm, now)
    records = trade_dicts('ETHUSDT', trades)
    horizon = now - now % 1000 - 299000
    inside = [r for r in records if r['T'] >= horizon]
    expected = summarize(inside)
    assert Decimal(event['w']) == (expected['q'] / expected['v']).quantize(
        Decimal('0.00000001'), rounding='ROUND_DOWN')
    assert event['T'] == records[-1]['T'] and event['i'] == '5m'
    # Ten quiet minutes later: the last trade's price.
    quiet = payloads.avg_price_event(sm, now + 600000)
    assert quiet['w'] == records[-1]['p']


# -- order book: snapshot plus diffs ------------------------------------------

def test_snapshot_plus_diffs_rebuild_the_true_book():
    market, clock = make_market(seed=21)
    sm = market['BNBBTC']
    recorder = sm.open_diff()
    local = LocalOrderBook()
    rng = random.Random(1)
    snapshot_at = 40
    events = 0
    while events < 3000:
        clock[0] += 100
        market.advance('BNBBTC', rng.randint(0, 4), clock[0])
        if rng.random() < 0.1:
            side = rng.choice(['BUY', 'SELL'])
            market.place_order('BNBBTC', side, 'MARKET', '0.50')
        diff = recorder.flush()
        if diff is None:
            continue
        event = payloads.diff_depth_event(sm, *diff, clock[0])
        events += 1
        local.on_event(event)
        if events == snapshot_at:
            market.advance('BNBBTC', 2, clock[0])  # the snapshot is newer than the buffer
            assert local.load_snapshot(market.depth_snapshot('BNBBTC', 5000))
    assert local.applied > 2900
    assert (local.bids, local.asks) == true_book(sm)


def test_snapshot_older_than_the_first_event_is_refused_and_gaps_are_detected():
    market, clock = make_market(seed=2)
    sm = market['ETHBTC']
    stale = market.depth_snapshot('ETHBTC', 1000)
    recorder = sm.open_diff()
    market.advance('ETHBTC', 3, clock[0])
    local = LocalOrderBook()
    first = payloads.diff_depth_event(sm, *recorder.flush(), clock[0])
    local.on_event(first)
    assert first['U'] == stale['lastUpdateId'] + 1
    assert local.load_snapshot(market.depth_snapshot('ETHBTC', 1000))
    market.advance('ETHBTC', 3, clock[0])
    recorder.flush()  # this event is lost
    market.advance('ETHBTC', 3, clock[0])
    with pytest.raises(OrderBookGap):
        local.on_event(payloads.diff_depth_event(sm, *recorder.flush(), clock[0]))
    sm.close_diff(recorder)
    market.advance('ETHBTC', 3, clock[0])
    assert recorder.flush() is None


def test_depth_snapshot_shape_and_limits():
    market, _ = make_market()
    sm = market['BTCUSDT']
    snap = market.depth_snapshot('BTCUSDT')
    assert set(snap) == {'lastUpdateId', 'bids', 'asks'}
    assert snap['lastUpdateId'] == sm.update_id
    assert len(snap['bids']) == min(100, sm.book.depth(BID))
    for price, qty in snap['bids'] + snap['asks']:
        assert isinstance(price, str) and isinstance(qty, str)
        assert len(price.partition('.')[2]) == 8 and Decimal(qty) > 0
    bids = [Decimal(p) for p, _ in snap['bids']]
    asks = [Decimal(p) for p, _ in snap['asks']]
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks)
    assert bids[0] < asks[0]
    assert len(market.depth_snapshot('BTCUSDT', 3)['asks']) == 3
    whole = market.depth_snapshot('BTCUSDT', 100000)
    assert len(whole['bids']) == sm.book.depth(BID)
    for bad in (0, -1, '5', True):
        with pytest.raises(ValueError):
            market.depth_snapshot('BTCUSDT', bad)
    with pytest.raises(UnknownSymbolError):
        market.depth_snapshot('NOPE', 5)


def test_exchange_info_has_binance_shape():
    market, _ = make_market()
    info = market.exchange_info()
    assert info['timezone'] == 'UTC' and info['serverTime'] == T0
    assert [s['symbol'] for s in info['symbols']] == list(market.symbols)
    assert {'rateLimitType': 'REQUEST_WEIGHT', 'interval': 'MINUTE', 'intervalNum': 1,
            'limit': 6000} in info['rateLimits']
    entry = market.exchange_info(['BNBBTC'])['symbols'][0]
    assert entry['status'] == 'TRADING'
    assert (entry['baseAsset'], entry['quoteAsset']) == ('BNB', 'BTC')
    filters = {f['filterType']: f for f in entry['filters']}
    assert filters['PRICE_FILTER']['tickSize'] == '0.00000100'
    assert filters['LOT_SIZE']['stepSize'] == '0.01000000'
    with pytest.raises(UnknownSymbolError):
        market.exchange_info(['BNBBTC', 'NOPE'])


# -- stream names --------------------------------------------------------------

@pytest.mark.parametrize('name', [
    'bnbbtc@trade', 'bnbbtc@aggTrade', 'bnbbtc@kline_1s', 'bnbbtc@kline_1M',
    'bnbbtc@kline_1w@+08:00', 'bnbbtc@miniTicker', 'bnbbtc@ticker', 'bnbbtc@ticker_1h',
    'bnbbtc@ticker_4h', 'bnbbtc@ticker_1d', 'bnbbtc@bookTicker', 'bnbbtc@avgPrice',
    'bnbbtc@depth5', 'bnbbtc@depth10@100ms', 'bnbbtc@depth20', 'bnbbtc@depth',
    'bnbbtc@depth@100ms', '!miniTicker@arr', '!miniTicker@arr@1000ms', '!ticker_1h@arr',
    '!ticker_1d@arr', 'btcusdt@kline_15m',
])
def test_known_streams(name):
    market, _ = make_market()
    assert market.is_known_stream(name)
    assert is_valid_stream_name(name)


@pytest.mark.parametrize('name', [
    'BNBBTC@trade', 'xrpxrp@trade', 'bnbbtc@kline_2m', 'bnbbtc@depth15', 'bnbbtc@foo',
    'bnbbtc@depth@250ms', 'bnbbtc@ticker_2h', 'bnbBTC@ticker', 'bnbbtc@trade@100ms',
])
def test_well_formed_streams_that_never_carry_data(name):
    market, _ = make_market()
    assert not market.is_known_stream(name)
    assert is_valid_stream_name(name)


def test_retired_streams_are_known_only_when_live():
    market, _ = make_market()
    for name in ('!ticker@arr', '!bookTicker'):
        assert is_valid_stream_name(name)
        assert not market.is_known_stream(name)
        assert market.is_known_stream(name, retired_live=True)


@pytest.mark.parametrize('name', [
    '', 'not asdfads', 'bnbbtc', 'bnbbtc@', '@trade', 'bnbbtc@@trade', 'bnb btc@trade',
    'bnbbtc@trade ', 'bnbbtc/ethbtc@trade', 'bnbbtc@trade\n', '!', 'bnb!btc@trade',
    'a' * 300 + '@trade', 12, None, ['bnbbtc@trade'],
])
def test_malformed_stream_names(name):
    assert not is_valid_stream_name(name)
    assert not Market.is_valid_stream_name(name)


# -- simulated users -----------------------------------------------------------

def test_market_order_trades_against_the_book_and_is_published():
    market, clock = make_market()
    sm = market['BNBBTC']
    asks = list(sm.book.iter_levels(ASK))
    wanted = asks[0][1] + asks[1][1] // 2
    calls = []
    market.set_activity_hook(calls.append)
    fills = market.place_order('BNBBTC', 'BUY', 'MARKET', sm.qty_str(wanted))
    assert calls == ['BNBBTC']
    assert [f['price'] for f in fills] == [sm.price_str(asks[0][0]), sm.price_str(asks[1][0])]
    assert sum(Decimal(f['qty']) for f in fills) == Decimal(sm.qty_str(wanted))
    assert all(f['isBuyerMaker'] is False and f['time'] == clock[0] for f in fills)
    assert sm.book.best_ask() == (asks[1][0], asks[1][1] - asks[1][1] // 2)
    events = market.drain('BNBBTC')
    assert [t.id for t in events.trades] == [f['tradeId'] for f in fills]
    assert sm.stats.last_trade.id == fills[-1]['tradeId']


def test_limit_order_fills_up_to_its_price_and_may_rest():
    market, _ = make_market()
    sm = market['ETHUSDT']
    bid = sm.book.best_bid()
    ask = sm.book.best_ask()
    price = sm.price_str(ask[0])
    fills = market.place_order('ETHUSDT', 'BUY', 'LIMIT', sm.qty_str(ask[1] + 7), price)
    assert [f['price'] for f in fills] == [price]
    assert sm.book.best_bid() == bid, 'the remainder is not kept by default'
    resting = sm.book.qty(BID, bid[0] - 1)
    below = sm.price_str(bid[0] - 1)
    assert market.place_order('ETHUSDT', 'BUY', 'LIMIT', '1.0000', below, rest=True) == []
    assert sm.book.qty(BID, bid[0] - 1) == resting + sm.to_lots('1.0000')


@pytest.mark.parametrize('args', [
    ('BNBBTC', 'HOLD', 'MARKET', '1'), ('BNBBTC', 'BUY', 'STOP', '1'),
    ('BNBBTC', 'BUY', 'MARKET', '0.001'), ('BNBBTC', 'BUY', 'MARKET', '0'),
    ('BNBBTC', 'BUY', 'LIMIT', '1'), ('BNBBTC', 'BUY', 'LIMIT', '1', '0.0000001'),
    ('BNBBTC', 'BUY', 'MARKET', 'lots'),
])
def test_bad_orders_are_refused(args):
    market, _ = make_market()
    with pytest.raises(ValueError):
        market.place_order(*args)
    with pytest.raises(UnknownSymbolError):
        market.place_order('NOPE', 'BUY', 'MARKET', '1')


# -- time and numbers ------------------------------------------------------------

def test_kline_intervals_open_where_binance_opens_them():
    t = T0 + 3 * 86400000 + 5 * 3600000 + 123456  # Sunday 2026-01-04 05:02:03.456
    assert interval_bounds('1s', t) == (t - 456, t - 456 + 1000)
    assert interval_bounds('1m', t)[0] == t - 3456
    assert interval_bounds('4h', t)[0] == T0 + 3 * 86400000 + 4 * 3600000
    monday = calendar.timegm((2025, 12, 29, 0, 0, 0)) * 1000
    assert interval_bounds('1w', t) == (monday, monday + 7 * 86400000)
    assert interval_bounds('1M', t) == (T0, calendar.timegm((2026, 2, 1, 0, 0, 0)) * 1000)
    december = calendar.timegm((2025, 12, 1, 0, 0, 0)) * 1000
    assert interval_bounds('1M', T0 - 1) == (december, T0)
    # UTC+8: the day opens at 16:00 UTC the day before.
    eight = 8 * 3600000
    assert interval_bounds('1d', t, eight)[0] == T0 + 2 * 86400000 + 16 * 3600000
    local_month = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc).timestamp()
    assert interval_bounds('1M', t, eight)[0] == int(local_month * 1000) - eight
    with pytest.raises(ValueError):
        interval_bounds('2m', t)


def test_fixed_point_helpers():
    assert format_e8(123456789) == '1.23456789'
    assert format_e8(-5) == '-0.00000005'
    assert parse_e8('0.00000001') == 1 and parse_e8(2) == 2 * 10 ** 8
    assert parse_e8(0.1) == 10 ** 7
    for bad in ('0.000000001', 'x', 'NaN', True):
        with pytest.raises(ValueError):
            parse_e8(bad)
    assert format_percent(15, 10) == '150.000'
    assert format_percent(-1, 3) == '-33.333'
    assert format_percent(2, 3) == '66.667'
    assert format_percent(0, 0) == '0.000'
