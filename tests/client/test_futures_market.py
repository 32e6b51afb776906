"""Futures and options market data over HTTP, from the simulator's venue markets."""
import pytest

from binance import _reactor
from binance.client import Client


@pytest.fixture
def quiet(make_sim, make_client):
    """No random order flow on any venue: the state only changes when a test trades."""
    sim = make_sim(seed=31, trade_rate=0)
    return sim, make_client(sim)


def on_reactor(fn, *args):
    return _reactor.blocking_call(fn, *args)


def test_usdm_depth_is_the_venue_snapshot_and_tickers_agree_with_it(quiet):
    sim, client = quiet
    usdm = sim.venue('usdm').market
    book = client.futures_order_book(symbol='BTCUSDT', limit=10)
    truth = on_reactor(usdm.depth_snapshot, 'BTCUSDT', 10)
    assert (book['lastUpdateId'], book['bids'], book['asks']) == \
        (truth['lastUpdateId'], truth['bids'], truth['asks'])
    top = client.futures_orderbook_ticker(symbol='BTCUSDT')
    assert [top['bidPrice'], top['bidQty']] == book['bids'][0]
    assert [top['askPrice'], top['askQty']] == book['asks'][0]
    trades = client.futures_recent_trades(symbol='BTCUSDT', limit=5)
    ticker = client.futures_ticker(symbol='BTCUSDT')
    assert ticker['lastPrice'] == trades[-1]['price'] and ticker['lastId'] == trades[-1]['id']
    assert client.futures_symbol_ticker(symbol='BTCUSDT')['price'] == trades[-1]['price']
    assert {s['symbol'] for s in client.futures_exchange_info()['symbols']} == set(usdm.symbols)


def test_usdm_mark_price_is_the_streams_value(quiet):
    sim, client = quiet
    from binance.simulator.derivative_payloads import mark_price_event

    answer = client.futures_mark_price(symbol='ETHUSDT')
    event = on_reactor(lambda: mark_price_event(sim.venue('usdm').market['ETHUSDT'], sim.now_ms()))
    assert (answer['markPrice'], answer['indexPrice'], answer['lastFundingRate'],
            answer['nextFundingTime']) == (event['p'], event['i'], event['r'], event['T'])
    assert len(client.futures_mark_price()) == len(sim.venue('usdm').market.symbols)


def test_usdm_klines_aggregate_trades_and_history(quiet):
    sim, client = quiet
    now = sim.now_ms()
    minute = now - now % 60000
    rows = client.futures_klines(symbol='BTCUSDT', interval='1m', startTime=minute)
    trades = [t for t in client.futures_recent_trades(symbol='BTCUSDT', limit=1000)
              if t['time'] >= minute]
    assert sum(r[8] for r in rows) == len(trades)
    aggs = client.futures_aggregate_trades(symbol='BTCUSDT', limit=3)
    assert all(set(a) == {'a', 'p', 'q', 'f', 'l', 'T', 'm'} for a in aggs)
    hourly = client.futures_historical_klines('BTCUSDT', Client.KLINE_INTERVAL_1HOUR,
                                              '2 days ago UTC', limit=20)
    opens = [r[0] for r in hourly]
    assert len(opens) >= 48 and all(b - a == 3600000 for a, b in zip(opens, opens[1:]))
    continuous = client.futures_continous_klines(pair='BTCUSDT', contractType='PERPETUAL',
                                                 interval='1h', limit=3)
    assert [r[0] for r in continuous] == opens[-3:]


def test_coinm_market_data_counts_contracts(quiet):
    sim, client = quiet
    info = client.futures_coin_exchange_info()
    sizes = {s['symbol']: s['contractSize'] for s in info['symbols']}
    assert sizes == {'BTCUSD_PERP': 100, 'ETHUSD_PERP': 10}
    trade = client.futures_coin_recent_trades(symbol='BTCUSD_PERP', limit=1)[0]
    assert float(trade['baseQty']) == pytest.approx(float(trade['qty']) * 100 / float(trade['price']),
                                                    abs=1e-8)
    ticker = client.futures_coin_ticker(symbol='BTCUSD_PERP')
    assert ticker['pair'] == 'BTCUSD' and 'baseVolume' in ticker
    book = client.futures_coin_order_book(symbol='BTCUSD_PERP', limit=5)
    truth = on_reactor(sim.venue('coinm').market.depth_snapshot, 'BTCUSD_PERP', 5)
    assert book['lastUpdateId'] == truth['lastUpdateId'] and book['bids'] == truth['bids']
    assert client.futures_coin_klines(symbol='BTCUSD_PERP', interval='1d', limit=2)


def test_options_market_data_in_the_vapi_wrapper(quiet):
    sim, client = quiet
    from binance.simulator.derivative_payloads import option_mark_price_entry

    options = sim.venue('options').market
    info = client.options_exchange_info()
    assert info['code'] == 0
    names = [s['symbol'] for s in info['data']['optionSymbols']]
    assert names == list(options.symbols)
    assert client.options_info()['data'] == info['data']['optionSymbols']
    symbol = names[0]
    book = client.options_order_book(symbol=symbol, limit=3)['data']
    truth = on_reactor(options.depth_snapshot, symbol, 3)
    assert (book['bids'], book['asks']) == (truth['bids'], truth['asks'])
    mark = client.options_mark_price(symbol=symbol)['data'][0]
    entry = on_reactor(lambda: option_mark_price_entry(options, symbol, sim.now_ms()))
    # Black-Scholes values move with the time to expiry: the two reads are milliseconds apart.
    assert float(mark['markPrice']) == pytest.approx(float(entry['mp']), rel=1e-6)
    assert float(mark['delta']) == pytest.approx(float(entry['d']), abs=1e-6)
    assert mark['markIV'] == entry['vo']
    index = client.options_index_price(underlying='BTCUSDT')['data']
    assert float(index['indexPrice']) > 0
    kline = client.options_klines(symbol=symbol, interval='1m', limit=1)['data'][0]
    assert {'open', 'close', 'volume', 'openTime', 'closeTime', 'tradeCount'} <= set(kline)
    trade = client.options_recent_trades(symbol=symbol, limit=1)['data'][0]
    assert trade['symbol'] == symbol and trade['side'] in (1, -1)
    assert client.options_price(symbol=symbol)['data'][0]['symbol'] == symbol
