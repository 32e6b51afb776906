"""Spot market data over HTTP: the Client's 0.7.11 methods against the simulator's market."""
import datetime

import pytest

from binance import _reactor
from binance.client import Client
from binance.exceptions import BinanceAPIException


class CountingSession:
    """Wraps a requests.Session; records each request's path and query string."""

    def __init__(self, session):
        self._session = session
        self.calls = []

    def request(self, method, url, **kwargs):
        self.calls.append(url)
        return self._session.request(method, url, **kwargs)

    def close(self):
        self._session.close()

    def __getattr__(self, name):
        return getattr(self._session, name)


@pytest.fixture
def quiet_sim(make_sim):
    """No random order flow: prices move only when a test trades."""
    return make_sim(seed=77, trade_rate=0)


@pytest.fixture
def quiet_client(quiet_sim, make_client):
    return make_client(quiet_sim)


def market_state(sim, symbol):
    def read():
        market = sim.market[symbol]
        trade = market.stats.last_trade
        bid, ask = market.book.best_bid(), market.book.best_ask()
        return (market.price_str(bid[0]), market.price_str(ask[0]),
                format(trade.price / 1e8, '.8f'), trade.id)
    return _reactor.blocking_call(read)


def test_tickers_agree_with_the_book_and_the_last_trade(quiet_sim, quiet_client):
    bid, ask, last_price, last_id = market_state(quiet_sim, 'BNBBTC')
    ticker = quiet_client.get_ticker(symbol='BNBBTC')
    assert (ticker['bidPrice'], ticker['askPrice'], ticker['lastPrice']) == (bid, ask, last_price)
    assert ticker['lastId'] == last_id
    assert quiet_client.get_symbol_ticker(symbol='BNBBTC') == {'symbol': 'BNBBTC', 'price': last_price}
    book = quiet_client.get_order_book(symbol='BNBBTC', limit=5)
    top = quiet_client.get_orderbook_ticker(symbol='BNBBTC')
    assert (top['bidPrice'], top['bidQty']) == tuple(book['bids'][0])
    assert (top['askPrice'], top['askQty']) == tuple(book['asks'][0])
    everything = quiet_client.get_orderbook_tickers()
    assert {row['symbol'] for row in everything} == set(quiet_sim.market.symbols)
    assert {row['symbol'] for row in quiet_client.get_all_tickers()} == set(quiet_sim.market.symbols)
    assert len(quiet_client.get_ticker()) == len(quiet_sim.market.symbols)


def test_trades_and_aggregate_trades_come_from_the_same_fills(quiet_client):
    trades = quiet_client.get_recent_trades(symbol='BNBBTC', limit=50)
    aggs = quiet_client.get_aggregate_trades(symbol='BNBBTC', limit=50)
    assert trades and aggs and trades == sorted(trades, key=lambda t: t['id'])
    by_id = {t['id']: t for t in trades}
    for agg in aggs:
        members = [by_id[i] for i in range(agg[Client.AGG_FIRST_TRADE_ID],
                                           agg[Client.AGG_LAST_TRADE_ID] + 1) if i in by_id]
        if len(members) == agg['l'] - agg['f'] + 1:
            assert sum(float(m['qty']) for m in members) == pytest.approx(float(agg['q']))
            assert {m['price'] for m in members} == {agg['p']}
    older = quiet_client.get_historical_trades(symbol='BNBBTC', fromId=trades[0]['id'], limit=3)
    assert [t['id'] for t in older] == [t['id'] for t in trades[:3]]


def test_klines_fold_the_trades(quiet_sim, quiet_client):
    start = quiet_sim.now_ms()
    for _ in range(3):
        quiet_client.order_market_buy(symbol='BNBBTC', quantity='1')
    trades = [t for t in quiet_client.get_recent_trades(symbol='BNBBTC', limit=1000)
              if t['time'] >= start - start % 60000]
    rows = quiet_client.get_klines(symbol='BNBBTC', interval=Client.KLINE_INTERVAL_1MINUTE,
                                   startTime=start - start % 60000)
    assert rows[-1][0] <= start < rows[-1][6]
    volume = sum(float(r[5]) for r in rows)
    assert volume == pytest.approx(sum(float(t['qty']) for t in trades))
    assert sum(r[8] for r in rows) == len(trades)
    assert rows[-1][4] == quiet_client.get_symbol_ticker(symbol='BNBBTC')['price']


def test_open_kline_is_the_streams_kline(quiet_sim, quiet_client):
    row = quiet_client.get_klines(symbol='ETHBTC', interval='1h', limit=1)[0]

    def stream_kline():
        from binance.simulator.market_payloads import kline_event
        market = quiet_sim.market['ETHBTC']
        return kline_event('ETHBTC', '1h', market.stats.kline('1h', quiet_sim.now_ms()), False,
                           quiet_sim.now_ms())['k']
    k = _reactor.blocking_call(stream_kline)
    assert (row[0], row[1], row[2], row[3], row[4], row[5], row[8]) == \
        (k['t'], k['o'], k['h'], k['l'], k['c'], k['v'], k['n'])


def test_historical_klines_page_across_limits(sim, make_client):
    client = make_client(sim)
    session = client.session = CountingSession(client.session)
    rows = client.get_historical_klines('BNBBTC', Client.KLINE_INTERVAL_1MINUTE, '1 day ago UTC',
                                        limit=500)
    opens = [r[0] for r in rows]
    assert len(rows) >= 1440
    assert opens == sorted(set(opens))   # no row twice, oldest first
    assert all(b - a == 60000 for a, b in zip(opens, opens[1:]))
    kline_calls = [u for u in session.calls if '/v3/klines' in u]
    assert len(kline_calls) == -(-len(rows) // 500)
    assert all('limit=500' in u for u in kline_calls)
    generated = list(client.get_historical_klines_generator('BNBBTC', '1m', opens[0],
                                                            end_str=opens[-1]))
    assert [r[0] for r in generated] == opens[:len(generated)] and len(generated) >= 1440
    assert len([u for u in session.calls if '/v3/klines' in u]) == len(kline_calls) + 2


def test_historical_klines_honour_the_end_and_every_date_form(sim, make_client):
    client = make_client(sim)
    now = sim.now_ms()
    hour = now - now % 3600000
    start = datetime.datetime.fromtimestamp((hour - 10 * 3600000) / 1000, datetime.timezone.utc)
    rows = client.get_historical_klines('ETHBTC', '1h', start, end_str=hour - 5 * 3600000)
    assert [r[0] for r in rows] == [hour - h * 3600000 for h in range(10, 4, -1)]
    assert client.get_historical_klines('ETHBTC', '1h', start.replace(tzinfo=None),
                                        hour - 5 * 3600000) == rows
    daily = client.get_historical_klines('ETHBTC', Client.KLINE_INTERVAL_1DAY, '10 days ago UTC')
    assert 10 <= len(daily) <= 11
    with pytest.raises(ValueError, match='start_str'):
        client.get_historical_klines('ETHBTC', '1h', 'not a date at all, zzz')
    with pytest.raises(TypeError, match='end_str'):
        client.get_historical_klines('ETHBTC', '1h', '1 day ago UTC', end_str=[1])


def test_aggregate_trade_iter_from_a_time_and_from_an_id(quiet_client):
    newest = quiet_client.get_aggregate_trades(symbol='BNBBTC', limit=5)
    first = newest[0]
    after = list(quiet_client.aggregate_trade_iter('BNBBTC', last_id=first['a']))
    assert [a['a'] for a in after] == [a['a'] for a in newest[1:]]
    since = list(quiet_client.aggregate_trade_iter('BNBBTC', start_str=first['T'] - 1))
    assert since[-1]['a'] == newest[-1]['a'] and since[0]['T'] >= first['T'] - 1
    with pytest.raises(ValueError, match='may not be given together'):
        quiet_client.aggregate_trade_iter('BNBBTC', start_str='1 hour ago UTC', last_id=1)


def test_average_price_exchange_info_and_products(quiet_client, quiet_sim, make_client):
    avg = quiet_client.get_avg_price(symbol='BNBBTC')
    assert avg['mins'] == 5 and float(avg['price']) > 0
    assert quiet_client.get_symbol_info('bnbbtc')['baseAsset'] == 'BNB'

    class Website(Client):
        API_URL = quiet_sim.api_url
        WEBSITE_URL = quiet_sim.base_url
    products = Website().get_products()
    assert {row['s'] for row in products['data']} == set(quiet_sim.market.symbols)


def test_bad_parameters_get_binance_errors_or_a_clear_local_error(quiet_client):
    with pytest.raises(BinanceAPIException) as info:
        quiet_client.get_klines(symbol='BNBBTC', interval='7m')
    assert info.value.code == -1120
    with pytest.raises(BinanceAPIException) as info:
        quiet_client.get_recent_trades(symbol='NOPE')
    assert info.value.code == -1121
    with pytest.raises(ValueError, match="'interval'"):
        quiet_client.get_klines(symbol='BNBBTC')
    with pytest.raises(TypeError):
        quiet_client.ping('extra')
