"""User data: account events, listen keys and listen tokens.

The first part drives :class:`Accounts` with a ``task.Clock`` (exact timing,
no sockets); the second checks the listen-key model end to end over
``/ws/<listenKey>``.
"""
import json
from decimal import Decimal

import pytest
from twisted.internet.task import Clock

from binance.simulator import DEFAULT_API_KEY, Simulator
from binance.simulator.accounts import MARGIN, SPOT, Accounts, isolated_scope
from binance.simulator.apierrors import ApiError
from binance.simulator.market import Market
from tests.conftest import wait_for
from userdata_helpers import assert_error, call, connect, on_reactor, recv_json, signed

EXECUTION_REPORT_FIELDS = {'e', 'E', 's', 'c', 'S', 'o', 'f', 'q', 'p', 'P', 'F', 'g', 'C', 'x', 'X', 'r',
                           'i', 'l', 'z', 'L', 'n', 'N', 'T', 't', 'I', 'w', 'm', 'M', 'O', 'Z', 'Y', 'Q', 'V'}
POSITION_FIELDS = {'e', 'E', 'u', 'B'}
BALANCE_UPDATE_FIELDS = {'e', 'E', 'a', 'd', 'T'}
LIST_STATUS_FIELDS = {'e', 'E', 's', 'g', 'c', 'l', 'L', 'r', 'C', 'T', 'O'}
START = 1_790_000_000.0


@pytest.fixture
def clocked():
    """``(clock, accounts)``: Accounts on a real Market, driven by a task.Clock."""
    clock = Clock()
    clock.advance(START)
    sim = Simulator(clock=clock, seed=7)
    sim.market = Market(seed=7, now_ms=sim.now_ms)
    return clock, Accounts(sim)


class Recorder:
    """Collects what a subscription or a listen-key connection receives."""

    def __init__(self):
        self.events = []
        self.raw = []
        self.closed = 0
        self.terminated = 0

    def deliver(self, event):
        self.events.append(event)

    def send(self, payload):
        self.raw.append(payload)

    def close(self):
        self.closed += 1

    def on_terminated(self):
        self.terminated += 1

    def kinds(self):
        return [e['e'] for e in self.events]


def _best(accounts, symbol='BNBBTC'):
    book = accounts._sim.market.depth_snapshot(symbol, 5)
    return Decimal(book['bids'][0][0]), Decimal(book['asks'][0][0])


# -- events ------------------------------------------------------------------------


def test_resting_limit_order_and_cancel_events(clocked):
    _clock, accounts = clocked
    rec = Recorder()
    accounts.subscribe(DEFAULT_API_KEY, rec.deliver)
    bid, _ask = _best(accounts)
    price = bid - Decimal('0.0005')
    accounts.place_order(DEFAULT_API_KEY, 'BNBBTC', 'BUY', 'LIMIT', '2', price, client_order_id='abc')
    assert rec.kinds() == ['executionReport', 'outboundAccountPosition']
    new, position = rec.events
    assert set(new) == EXECUTION_REPORT_FIELDS | {'W'}
    assert (new['x'], new['X'], new['c'], new['C'], new['S'], new['o'], new['f']) == \
        ('NEW', 'NEW', 'abc', '', 'BUY', 'LIMIT', 'GTC')
    assert new['q'] == '2.00000000' and Decimal(new['p']) == price and new['w'] is True
    assert new['E'] == new['T'] == new['O'] == new['W'] == int(START * 1000)
    assert set(position) == POSITION_FIELDS and position['E'] == position['u']
    btc = {b['a']: b for b in position['B']}['BTC']
    assert set(btc) == {'a', 'f', 'l'} and Decimal(btc['l']) == 2 * price

    rec.events.clear()
    response = accounts.cancel_order(DEFAULT_API_KEY, 'BNBBTC', new['i'])
    assert response['status'] == 'CANCELED' and response['origClientOrderId'] == 'abc'
    assert rec.kinds() == ['executionReport', 'outboundAccountPosition']
    cancelled = rec.events[0]
    assert (cancelled['x'], cancelled['X'], cancelled['C'], cancelled['i']) == ('CANCELED', 'CANCELED', 'abc', new['i'])
    assert cancelled['c'] == response['clientOrderId'] != 'abc'
    assert Decimal({b['a']: b for b in rec.events[1]['B']}['BTC']['l']) == 0


def test_market_order_trade_events(clocked):
    _clock, accounts = clocked
    rec = Recorder()
    accounts.subscribe(DEFAULT_API_KEY, rec.deliver)
    response = accounts.place_order(DEFAULT_API_KEY, 'BNBBTC', 'SELL', 'MARKET', '3')
    kinds = rec.kinds()
    assert kinds[0] == 'executionReport' and kinds[-1] == 'outboundAccountPosition'
    trades = rec.events[1:-1]
    assert trades and all(t['x'] == 'TRADE' for t in trades)
    assert [t['X'] for t in trades] == ['PARTIALLY_FILLED'] * (len(trades) - 1) + ['FILLED']
    assert sum(Decimal(t['l']) for t in trades) == 3
    assert trades[-1]['z'] == '3.00000000'
    assert Decimal(trades[-1]['Z']) == sum(Decimal(t['Y']) for t in trades) == \
        Decimal(response['cummulativeQuoteQty'])
    assert [t['t'] for t in trades] == [f['tradeId'] for f in response['fills']]
    assert all(set(t) == EXECUTION_REPORT_FIELDS for t in trades)
    ids = [e['I'] for e in rec.events[:-1]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_deposit_and_withdrawal_events(clocked):
    _clock, accounts = clocked
    rec = Recorder()
    accounts.subscribe(DEFAULT_API_KEY, rec.deliver)
    accounts.deposit(DEFAULT_API_KEY, 'BTC', '1.5')
    accounts.deposit(DEFAULT_API_KEY, 'BTC', '-0.5')
    assert rec.kinds() == ['balanceUpdate', 'outboundAccountPosition'] * 2
    update = rec.events[0]
    assert set(update) == BALANCE_UPDATE_FIELDS and update['a'] == 'BTC' and update['d'] == '1.50000000'
    assert rec.events[2]['d'] == '-0.50000000'
    assert rec.events[3]['B'] == [{'a': 'BTC', 'f': '11.00000000', 'l': '0.00000000'}]
    with pytest.raises(ApiError) as info:
        accounts.deposit(DEFAULT_API_KEY, 'BTC', '-100')
    assert info.value.code == -2010


def test_list_status_event(clocked):
    _clock, accounts = clocked
    rec = Recorder()
    accounts.subscribe(DEFAULT_API_KEY, rec.deliver)
    accounts.emit_list_status(DEFAULT_API_KEY, 'ETHBTC')
    accounts.emit_list_status(DEFAULT_API_KEY, 'ETHBTC', list_status_type='ALL_DONE', list_order_status='ALL_DONE')
    first, second = rec.events
    assert set(first) == LIST_STATUS_FIELDS
    assert (first['s'], first['c'], first['l'], first['L'], first['r']) == \
        ('ETHBTC', 'OCO', 'EXEC_STARTED', 'EXECUTING', 'NONE')
    assert len(first['O']) == 2 and all(set(o) == {'s', 'i', 'c'} for o in first['O'])
    assert second['g'] == first['g'] + 1 and second['L'] == 'ALL_DONE'


def test_accounts_are_separate(clocked):
    _clock, accounts = clocked
    spot, margin, isolated = Recorder(), Recorder(), Recorder()
    accounts.subscribe(DEFAULT_API_KEY, spot.deliver, SPOT)
    accounts.subscribe(DEFAULT_API_KEY, margin.deliver, MARGIN)
    accounts.subscribe(DEFAULT_API_KEY, isolated.deliver, isolated_scope('BNBBTC'))
    accounts.deposit(DEFAULT_API_KEY, 'BNB', '1', account=MARGIN)
    assert margin.kinds() == ['balanceUpdate', 'outboundAccountPosition']
    assert spot.events == [] and isolated.events == []
    accounts.place_order(DEFAULT_API_KEY, 'BNBBTC', 'BUY', 'MARKET', '1', account=isolated_scope('BNBBTC'))
    assert isolated.kinds()[0] == 'executionReport' and spot.events == []


def test_unknown_key_and_symbol(clocked):
    _clock, accounts = clocked
    with pytest.raises(ApiError) as info:
        accounts.subscribe('nobody', Recorder().deliver)
    assert info.value.code == -2015
    with pytest.raises(ApiError) as info:
        accounts.place_order(DEFAULT_API_KEY, 'NOPE', 'BUY', 'MARKET', '1')
    assert info.value.code == -1121


# -- listen keys (clock-driven) -----------------------------------------------------------


def test_listen_key_validity_keepalive_and_expiry(clocked):
    clock, accounts = clocked
    key = accounts.create_listen_key(DEFAULT_API_KEY)
    rec = Recorder()
    detach = accounts.attach_listen_key(key, rec.send, rec.close)
    assert detach is not None
    clock.advance(3000)
    assert accounts.create_listen_key(DEFAULT_API_KEY) == key      # same key, extended to 6600
    clock.advance(3000)
    accounts.keepalive_listen_key(DEFAULT_API_KEY, key)            # now valid until 9600
    clock.advance(3599)
    assert accounts.is_listen_key(key) and rec.raw == []
    accounts.deposit(DEFAULT_API_KEY, 'BTC', '1')
    assert [b'"balanceUpdate"' in m for m in rec.raw] == [True, False]
    clock.advance(1)
    assert not accounts.is_listen_key(key)
    expired = json.loads(rec.raw[-1])
    assert expired == {'e': 'listenKeyExpired', 'E': int((START + 9600) * 1000), 'listenKey': key}
    accounts.deposit(DEFAULT_API_KEY, 'BTC', '1')
    assert len(rec.raw) == 3 and rec.closed == 0
    with pytest.raises(ApiError) as info:
        accounts.keepalive_listen_key(DEFAULT_API_KEY, key)
    assert info.value.code == -1125
    assert accounts.create_listen_key(DEFAULT_API_KEY) != key


def test_expire_and_close_listen_keys(clocked):
    _clock, accounts = clocked
    key = accounts.create_listen_key(DEFAULT_API_KEY)
    first, second = Recorder(), Recorder()
    accounts.attach_listen_key(key, first.send, first.close)
    detach = accounts.attach_listen_key(key, second.send, second.close)
    detach()
    assert accounts.expire_listen_key(key) == 1
    assert len(first.raw) == 1 and b'listenKeyExpired' in first.raw[0] and second.raw == []
    assert accounts.attach_listen_key(key, first.send, first.close) is None
    other = accounts.create_listen_key(DEFAULT_API_KEY)
    third = Recorder()
    accounts.attach_listen_key(other, third.send, third.close)
    accounts.close_listen_key(DEFAULT_API_KEY, other)
    assert third.closed == 1 and third.raw == []                   # closed normally: no event
    assert accounts.expire_listen_key() == 0


def test_listen_key_of_another_api_key_is_unknown(make_sim):
    sim = make_sim(api_keys={DEFAULT_API_KEY: 's1', 'second': 's2'})

    def check():
        key = sim.accounts.create_listen_key(DEFAULT_API_KEY)
        with pytest.raises(ApiError) as info:
            sim.accounts.keepalive_listen_key('second', key)
        return info.value.code

    assert on_reactor(check) == -1125


# -- listen tokens (clock-driven) ------------------------------------------------------------


def test_token_subscription_expires_unless_extended(clocked):
    clock, accounts = clocked
    token, expiration = accounts.create_listen_token(DEFAULT_API_KEY, validity_ms=3600_000)
    assert expiration == int((START + 3600) * 1000)
    rec = Recorder()
    sub = accounts.subscribe_listen_token(token, rec.deliver, rec.on_terminated)
    assert sub.account == MARGIN and sub.expiration_ms == expiration
    clock.advance(3000)
    newer, newer_expiration = accounts.create_listen_token(DEFAULT_API_KEY, validity_ms=3600_000)
    assert sub.extend(newer) == newer_expiration == int((START + 6600) * 1000)
    clock.advance(3599)
    accounts.deposit(DEFAULT_API_KEY, 'BNB', '1', account=MARGIN)
    assert rec.terminated == 0 and rec.kinds() == ['balanceUpdate', 'outboundAccountPosition']
    clock.advance(1)
    assert rec.terminated == 1 and not sub.active
    accounts.deposit(DEFAULT_API_KEY, 'BNB', '1', account=MARGIN)
    assert len(rec.events) == 2
    with pytest.raises(ApiError) as info:
        accounts.subscribe_listen_token(token, rec.deliver, rec.on_terminated)
    assert info.value.code == -1209


def test_token_of_another_account_cannot_extend(clocked):
    _clock, accounts = clocked
    margin_token, _ = accounts.create_listen_token(DEFAULT_API_KEY)
    isolated_token, _ = accounts.create_listen_token(DEFAULT_API_KEY, isolated_scope('BNBBTC'))
    sub = accounts.subscribe_listen_token(margin_token, Recorder().deliver, Recorder().on_terminated)
    with pytest.raises(ApiError) as info:
        sub.extend(isolated_token)
    assert info.value.code == -1209


def test_expire_listen_tokens_now(clocked):
    _clock, accounts = clocked
    recs = [Recorder(), Recorder()]
    for rec in recs:
        token, _ = accounts.create_listen_token(DEFAULT_API_KEY)
        accounts.subscribe_listen_token(token, rec.deliver, rec.on_terminated)
    assert accounts.expire_listen_tokens() == 2
    assert [r.terminated for r in recs] == [1, 1]
    assert accounts.subscriber_count(DEFAULT_API_KEY, MARGIN) == 0


def test_token_validity_default_and_limits(clocked):
    _clock, accounts = clocked
    _token, expiration = accounts.create_listen_token(DEFAULT_API_KEY)
    assert expiration == int((START + 86400) * 1000)
    for bad in (0, 86400_001):
        with pytest.raises(ApiError) as info:
            accounts.create_listen_token(DEFAULT_API_KEY, validity_ms=bad)
        assert info.value.code == -1130


def test_stop_cancels_timers(clocked):
    clock, accounts = clocked
    accounts.create_listen_key(DEFAULT_API_KEY)
    token, _ = accounts.create_listen_token(DEFAULT_API_KEY)
    accounts.subscribe_listen_token(token, Recorder().deliver, Recorder().on_terminated)
    assert clock.getDelayedCalls()
    accounts.stop()
    assert not [c for c in clock.getDelayedCalls() if c.active()]


# -- the listen-key model over sockets ------------------------------------------------------


@pytest.fixture
def us_sim(make_sim):
    """A simulator modelling Binance US: listen keys work."""
    return make_sim(legacy_listen_keys=True)


def _listen_key(sim):
    response = call(sim, 'POST', '/api/v3/userDataStream', api_key=DEFAULT_API_KEY)
    assert response.status_code == 200, response.text
    return response.json()['listenKey']


def _attached(sim, count=1):
    wait_for(lambda: on_reactor(sim.accounts.subscriber_count, DEFAULT_API_KEY) == count,
             message='listen-key connection attached')


def test_every_event_kind_arrives_bare_in_order(us_sim):
    sim = us_sim
    ws = connect(sim.stream_url + 'ws/' + _listen_key(sim))
    try:
        _attached(sim)
        book = call(sim, 'GET', '/api/v3/depth', {'symbol': 'BNBBTC', 'limit': 5}).json()
        bid = Decimal(book['bids'][0][0])
        order = signed(sim, 'POST', '/api/v3/order', {
            'symbol': 'BNBBTC', 'side': 'BUY', 'type': 'LIMIT', 'timeInForce': 'GTC', 'quantity': '1',
            'price': '{:f}'.format(bid - Decimal('0.0005'))}).json()
        signed(sim, 'DELETE', '/api/v3/order', {'symbol': 'BNBBTC', 'orderId': order['orderId']})
        on_reactor(sim.accounts.deposit, DEFAULT_API_KEY, 'BNB', '2')
        on_reactor(sim.accounts.emit_list_status, DEFAULT_API_KEY, 'BNBBTC')
        got = [recv_json(ws) for _ in range(7)]
    finally:
        ws.close()
    assert [(e['e'], e.get('x')) for e in got] == [
        ('executionReport', 'NEW'), ('outboundAccountPosition', None),
        ('executionReport', 'CANCELED'), ('outboundAccountPosition', None),
        ('balanceUpdate', None), ('outboundAccountPosition', None), ('listStatus', None)]
    assert got[0]['i'] == got[2]['i'] == order['orderId']


def test_listen_key_expires_on_the_stream(make_sim):
    clock = Clock()
    clock.advance(START)
    # no pings: one clock jump of an hour would otherwise outlast the pong timeout
    sim = make_sim(clock=clock, legacy_listen_keys=True, intervals={'ping': 0})
    validity = sim.config.interval('listen_key_validity')
    key = _listen_key(sim)
    ws = connect(sim.stream_url + 'ws/' + key)
    try:
        _attached(sim)
        on_reactor(clock.advance, validity - 0.5)
        on_reactor(sim.accounts.deposit, DEFAULT_API_KEY, 'BTC', '1')
        assert [recv_json(ws)['e'] for _ in range(2)] == ['balanceUpdate', 'outboundAccountPosition']
        on_reactor(clock.advance, 0.5)
        expired = recv_json(ws)
    finally:
        ws.close()
    assert expired['e'] == 'listenKeyExpired' and expired['listenKey'] == key
    assert expired['E'] == int((START + validity) * 1000)
    assert_error(call(sim, 'PUT', '/api/v3/userDataStream', {'listenKey': key}, api_key=DEFAULT_API_KEY),
                 400, -1125)


def test_expire_fault_and_combined_stream(us_sim):
    sim = us_sim
    key = _listen_key(sim)
    ws = connect(sim.stream_url + 'stream?streams=' + key)
    try:
        _attached(sim)
        on_reactor(sim.accounts.deposit, DEFAULT_API_KEY, 'BTC', '1')
        wrapped = recv_json(ws)
        assert wrapped['stream'] == key and wrapped['data']['e'] == 'balanceUpdate'
        recv_json(ws)
        assert on_reactor(sim.accounts.expire_listen_key, key) == 1
        expired = recv_json(ws)
    finally:
        ws.close()
    assert expired['stream'] == key and expired['data']['e'] == 'listenKeyExpired'


def test_initial_balances_option():
    clock = Clock()
    sim = Simulator(clock=clock, options={'initial_balances': {'BTC': '0.5', 'XRP': '7'}})
    sim.market = Market(seed=1, now_ms=sim.now_ms)
    accounts = Accounts(sim)
    info = accounts.account_info(DEFAULT_API_KEY)
    assert [(b['asset'], b['free']) for b in info['balances']] == [('BTC', '0.50000000'), ('XRP', '7.00000000')]
    with pytest.raises(ApiError) as err:
        accounts.place_order(DEFAULT_API_KEY, 'BNBBTC', 'SELL', 'MARKET', '1')
    assert err.value.code == -2010
