"""The derivatives venues' markets (pure code): update ids, snapshots, prices, liquidations, options."""
import datetime

import pytest

from binance.simulator.derivative_market import (
    FUNDING_INTERVAL_MS, CoinFuturesMarket, FuturesMarket, OptionsMarket, next_funding_ms, option_symbol,
    parse_option_symbol,
)
from binance.simulator.fixedpoint import E8
from binance.simulator.market import Market
from binance.simulator.option_pricing import black_scholes

NOW = 1790000000000  # 2026-09-21T13:33:20Z


def _futures(seed='usdm:1', cls=FuturesMarket):
    clock = [NOW]
    return cls(seed=seed, now_ms=lambda: clock[0]), clock


def test_futures_update_ids_jump_and_diff_recorders_see_every_change():
    market, clock = _futures()
    btc = market['BTCUSDT']
    recorder = btc.open_diff()
    ids = [btc.update_id]
    for step in range(200):
        btc.advance(1, NOW + step)
        ids.append(btc.update_id)
    steps = {b - a for a, b in zip(ids, ids[1:])}
    assert max(steps) > 1 and min(steps) >= 1, 'ids must move on and sometimes skip'
    first, last, bids, asks = recorder.flush()
    assert first > ids[0] and last == btc.update_id and (bids or asks)


def test_same_seed_same_flow_and_each_venue_differs_from_spot():
    a, _ = _futures()
    b, _ = _futures()
    spot = Market(seed='usdm:1', symbols=['BTCUSDT'], now_ms=NOW)
    for market in (a, b, spot):
        market['BTCUSDT'].advance(50, NOW + 1)
    assert a.depth_snapshot('BTCUSDT', 20) == b.depth_snapshot('BTCUSDT', 20)
    assert a['BTCUSDT'].update_id != spot['BTCUSDT'].update_id


def test_futures_depth_snapshot_shape_and_limits():
    market, clock = _futures()
    market['BTCUSDT'].advance(20, NOW + 5)
    clock[0] = NOW + 9
    body = market.depth_snapshot('BTCUSDT', 5)
    assert list(body) == ['lastUpdateId', 'E', 'T', 'bids', 'asks']
    assert body['lastUpdateId'] == market['BTCUSDT'].update_id
    assert (body['E'], body['T']) == (NOW + 9, NOW + 5)
    assert len(body['bids']) == len(body['asks']) == 5
    assert float(body['bids'][0][0]) < float(body['asks'][0][0])
    assert len(market.depth_snapshot('BTCUSDT', 100000)['bids']) <= 1000
    for bad in (0, -1, True, '5', 2.5):
        with pytest.raises(ValueError, match='limit'):
            market.depth_snapshot('BTCUSDT', bad)
    with pytest.raises(KeyError):
        market.depth_snapshot('BNBBTC', 5)


def test_mark_index_and_funding_follow_the_book():
    market, _ = _futures()
    btc = market['BTCUSDT']
    bid, ask = btc.book.best_bid()[0], btc.book.best_ask()[0]
    mark = btc.mark_price_e8()
    assert mark == (bid + ask) * btc.tick_e8 // 2
    index = btc.index_price_e8()
    assert 0.0001 <= (mark - index) / mark <= 0.0006
    assert btc.funding_rate_e8() == (mark - index) * E8 // index
    assert next_funding_ms(NOW) % FUNDING_INTERVAL_MS == 0 and 0 < next_funding_ms(NOW) - NOW <= 8 * 3600000


def test_liquidations_are_every_nth_aggregate_trade():
    market, _ = _futures()
    btc = market['BTCUSDT']
    start = btc.last_agg_id
    btc.advance(400, NOW + 1)
    new = btc.liquidations_after(start)
    aggs = btc.drain().agg_trades
    assert new and all(agg.id % market.liquidation_every == 0 for agg in new)
    assert [a.id for a in aggs if a.id % market.liquidation_every == 0][-len(new):] == [a.id for a in new]


def test_coin_futures_count_contracts():
    market, _ = _futures('coinm:1', CoinFuturesMarket)
    assert market.symbols == ('BTCUSD_PERP', 'ETHUSD_PERP')
    assert (market.contract_size('BTCUSD_PERP'), market.contract_size('ETHUSD_PERP')) == (100, 10)
    assert market.parse_stream('btcusd_perp@aggTrade') is not None


def test_options_are_listed_a_week_ahead_on_a_friday():
    options = OptionsMarket(seed='options:1', now_ms=NOW)
    assert len(options.symbols) == 12 and options.underlyings == ('BTCUSDT', 'ETHUSDT')
    base, expiry, strike, call = parse_option_symbol(options.symbols[0])
    day = datetime.datetime.fromtimestamp(expiry / 1000, datetime.timezone.utc)
    assert (base, day.weekday(), day.hour) == ('BTC', 4, 8)
    assert 7 * 86400000 <= expiry - NOW < 14 * 86400000
    assert {parse_option_symbol(s)[2] for s in options.options_of('BTCUSDT')} == {90000, 95000, 100000}
    assert option_symbol(base, expiry, strike, call) == options.symbols[0]
    assert options.parse_stream(options.symbols[0].lower() + '@optionTicker') is not None


def test_option_symbols_given_and_bad_ones():
    options = OptionsMarket(seed=1, symbols=['ETH-261225-3000-P'], now_ms=NOW)
    assert options.symbols == ('ETH-261225-3000-P',) and options.underlyings == ('ETHUSDT',)
    for bad in ('BTC-261225-100000', 'btc-261225-1-C', 'BTC-269925-1-C', 'BTC-261225-x-C', 'DOGE-261225-1-C'):
        with pytest.raises(ValueError):
            OptionsMarket(symbols=[bad], now_ms=NOW)


def test_options_are_priced_on_the_underlying_index():
    prices = {'BTCUSDT': 100000 * E8}
    options = OptionsMarket(seed='options:1', now_ms=NOW, index_price_e8=prices.get)
    call = next(s for s in options.options_of('BTCUSDT') if s.endswith('95000-C'))
    put = call[:-1] + 'P'
    assert options.underlying_price_e8('BTCUSDT') == 100000 * E8
    assert options.underlying_price_e8('ETHUSDT') == 3300 * E8  # no index given: the reference price
    g = options.greeks(call)
    assert g.price > 5000 and 0.5 < g.delta < 1 and g.gamma > 0 and g.theta < 0 and g.vega > 0
    assert options.greeks(put).delta < 0
    book = options[call].book
    assert book.best_bid() is not None and book.best_ask() is not None
    body = options.depth_snapshot(call, 3)
    assert list(body) == ['bids', 'asks', 'T', 'lastUpdateId'] and len(body['bids']) == 3


def test_black_scholes_put_call_parity_and_expiry():
    spot, strike, years, vol = 95000.0, 90000.0, 7 / 365, 0.5
    call = black_scholes(spot, strike, years, vol, True)
    put = black_scholes(spot, strike, years, vol, False)
    assert call.price - put.price == pytest.approx(spot - strike, rel=1e-9)
    assert call.delta - put.delta == pytest.approx(1.0)
    assert black_scholes(spot, strike, 0, vol, True) == (5000.0, 1.0, 0.0, 0.0, 0.0)
    assert black_scholes(spot, strike, -1, vol, False).price == 0.0
    with pytest.raises(ValueError, match='positive'):
        black_scholes(0, strike, years, vol, True)
