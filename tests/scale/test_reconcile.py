"""User data reconciliation: what to fetch, events rebuilt from REST answers, de-duplication."""
from decimal import Decimal

import pytest
from twisted.internet import defer

from binance.reconcile import (ClientFetcher, FetchRequest, Reconciler, reconcile,
                               ISOLATED_MARGIN, MARGIN)


def fmt(value):
    return '{:.8f}'.format(Decimal(value))


class Exchange:
    """A tiny exchange that keeps REST state and the user data events it publishes, consistently."""

    def __init__(self):
        self.orders = {}
        self.trades = []
        self.events = []
        self.balances = {'BNB': [Decimal(100), Decimal(0)], 'BTC': [Decimal(10), Decimal(0)]}
        self.now = 1_000_000
        self.next_order = 1
        self.next_trade = 1

    def tick(self, ms=10):
        self.now += ms
        return self.now

    def _report(self, order, execution, qty=Decimal(0), price=Decimal(0), trade=-1):
        return {'e': 'executionReport', 'E': self.now, 's': order['symbol'],
                'c': order['clientOrderId'], 'S': order['side'], 'o': order['type'],
                'f': 'GTC', 'q': order['origQty'], 'p': order['price'], 'P': fmt(0), 'F': fmt(0),
                'g': -1, 'C': '', 'x': execution, 'X': order['status'], 'r': 'NONE',
                'i': order['orderId'], 'l': fmt(qty), 'z': order['executedQty'], 'L': fmt(price),
                'n': '0', 'N': None, 'T': self.now, 't': trade, 'I': len(self.events),
                'w': order['status'] in ('NEW', 'PARTIALLY_FILLED'), 'm': False, 'M': False,
                'O': order['time'], 'Z': order['cummulativeQuoteQty'], 'Y': fmt(qty * price),
                'Q': fmt(0), 'V': 'NONE'}

    def _position(self, *assets):
        self.events.append({'e': 'outboundAccountPosition', 'E': self.now, 'u': self.now,
                            'B': [{'a': a, 'f': fmt(self.balances[a][0]),
                                   'l': fmt(self.balances[a][1])} for a in assets]})

    def place(self, qty, price, fills=(), symbol='BNBBTC', side='BUY'):
        """A LIMIT order; ``fills`` are quantities filled at ``price`` one after another."""
        self.tick()
        order = {'symbol': symbol, 'orderId': self.next_order, 'orderListId': -1,
                 'clientOrderId': 'c%d' % self.next_order, 'price': fmt(price),
                 'origQty': fmt(qty), 'executedQty': fmt(0), 'cummulativeQuoteQty': fmt(0),
                 'status': 'NEW', 'timeInForce': 'GTC', 'type': 'LIMIT', 'side': side,
                 'stopPrice': fmt(0), 'icebergQty': fmt(0), 'time': self.now,
                 'updateTime': self.now, 'isWorking': True, 'workingTime': self.now,
                 'origQuoteOrderQty': fmt(0), 'selfTradePreventionMode': 'NONE'}
        self.next_order += 1
        self.orders[order['orderId']] = order
        self.events.append(self._report(order, 'NEW'))
        for fill in fills:
            self.fill(order['orderId'], fill)
        return order['orderId']

    def fill(self, order_id, qty):
        self.tick()
        order = self.orders[order_id]
        qty, price = Decimal(qty), Decimal(order['price'])
        executed = Decimal(order['executedQty']) + qty
        order['executedQty'] = fmt(executed)
        order['cummulativeQuoteQty'] = fmt(Decimal(order['cummulativeQuoteQty']) + qty * price)
        order['status'] = 'FILLED' if executed >= Decimal(order['origQty']) else 'PARTIALLY_FILLED'
        order['updateTime'] = self.now
        trade = {'symbol': order['symbol'], 'id': self.next_trade, 'orderId': order_id,
                 'orderListId': -1, 'price': fmt(price), 'qty': fmt(qty),
                 'quoteQty': fmt(qty * price), 'commission': fmt(0), 'commissionAsset': 'BNB',
                 'time': self.now, 'isBuyer': True, 'isMaker': False, 'isBestMatch': True}
        self.next_trade += 1
        self.trades.append(trade)
        self.balances['BNB'][0] += qty
        self.balances['BTC'][0] -= qty * price
        self.events.append(self._report(order, 'TRADE', qty, price, trade['id']))
        self._position('BNB', 'BTC')

    def cancel(self, order_id):
        self.tick()
        order = self.orders[order_id]
        order['status'] = 'CANCELED'
        order['updateTime'] = self.now
        self.events.append(self._report(order, 'CANCELED'))

    # REST
    def answer(self, request):
        if request.kind == 'account':
            return {'updateTime': self.now, 'balances': [
                {'asset': a, 'free': fmt(f), 'locked': fmt(l)} for a, (f, l) in self.balances.items()]}
        if request.kind == 'orders':
            rows = [o for o in self.orders.values() if o['symbol'] == request.symbol]
            if 'orderId' in request.params:
                rows = [o for o in rows if o['orderId'] >= request.params['orderId']]
            else:
                rows = [o for o in rows if o['time'] >= request.params['startTime']]
            return [dict(o) for o in sorted(rows, key=lambda o: o['orderId'])][:request.params['limit']]
        rows = [t for t in self.trades if t['symbol'] == request.symbol]
        if 'fromId' in request.params:
            rows = [t for t in rows if t['id'] >= request.params['fromId']]
        else:
            rows = [t for t in rows if t['time'] >= request.params['startTime']]
        return [dict(t) for t in rows][:request.params['limit']]


def identity(event):
    if event['e'] == 'executionReport':
        return ('exec', event['i'], event['x'], event['t'])
    return ('position', event['u'])


def run_sync(reconciler, exchange, fetch=None):
    """reconcile() with a run that calls at once (the Deferred fires synchronously)."""
    out = []
    d = reconcile(reconciler, fetch or exchange.answer, lambda fn, *a: fn(*a),
                  lambda: exchange.now)
    d.addCallback(out.append)
    assert out, 'reconcile did not finish'
    return out[0]


def deliver(reconciler, events):
    return [e for e in events if reconciler.observe(e)]


def test_events_lost_in_a_gap_are_rebuilt_exactly_once_with_the_values_the_stream_had():
    ex = Exchange()
    rec = Reconciler()
    open_id = ex.place(5, '0.01')                 # known open
    partial_id = ex.place(4, '0.01', fills=['1'])  # known partially filled
    ex.place(1, '0.01', fills=['1'])               # known filled
    delivered = deliver(rec, ex.events)
    assert len(delivered) == len(ex.events)
    before_gap = len(ex.events)
    # --- the gap: nothing of this reaches the socket
    ex.cancel(open_id)
    ex.fill(partial_id, '3')
    lost_id = ex.place(2, '0.01', fills=['0.5', '1.5'])
    ex.place(3, '0.02')
    lost = ex.events[before_gap:]
    notice = rec.gap(now_ms=ex.tick(), opened_ms=0)
    assert notice['e'] == 'userDataGap' and notice['since'] == delivered[-1]['E']
    # --- after the reconnect, before the REST answers: one new event arrives on the stream
    after_id = ex.place(1, '0.01')
    assert deliver(rec, ex.events[-1:]) == ex.events[-1:]
    events, done = run_sync(rec, ex)
    lost_exec = [e for e in lost if e['e'] == 'executionReport']
    rebuilt_exec = [e for e in events if e['e'] == 'executionReport']
    assert sorted(map(identity, rebuilt_exec)) == sorted(map(identity, lost_exec))
    by_id = {identity(e): e for e in lost_exec}
    for event in rebuilt_exec:
        original = by_id[identity(event)]
        for name in ('s', 'S', 'o', 'q', 'p', 'X', 'z', 'Z', 'l', 'L', 'i', 't', 'E', 'O'):
            assert event[name] == original[name], (name, event, original)
        assert event['reconciled'] is True
    assert [e['E'] for e in events] == sorted(e['E'] for e in events)
    # balances: one snapshot with what changed
    positions = [e for e in events if e['e'] == 'outboundAccountPosition']
    assert len(positions) == 1
    final = {b['a']: (b['f'], b['l']) for b in positions[0]['B']}
    assert final == {a: (fmt(f), fmt(l)) for a, (f, l) in ex.balances.items()}
    assert done['e'] == 'userDataReconciled' and done['events'] == len(events)
    assert done['failed'] == []
    assert lost_id and after_id
    # --- the old socket drains late copies of lost events: none goes through twice
    assert deliver(rec, lost) == []
    # --- a second reconciliation right away finds nothing new
    rec.gap(now_ms=ex.tick())
    assert run_sync(rec, ex)[0] == []


def test_plan_starts_at_the_oldest_open_order_and_the_next_trade():
    ex = Exchange()
    rec = Reconciler(symbols=['ETHBTC'])
    ex.place(1, '0.01', fills=['1'])      # order 1, trade 1
    open_id = ex.place(5, '0.01')         # order 2 open
    ex.place(1, '0.01', fills=['1'])      # order 3, trade 2
    deliver(rec, ex.events)
    rec.gap(now_ms=ex.tick())
    plan = rec.plan()
    assert plan[0] == FetchRequest('account', None)
    by_key = {(r.kind, r.symbol): r.params for r in plan[1:]}
    assert by_key[('orders', 'BNBBTC')] == {'orderId': open_id, 'limit': 1000}
    assert by_key[('trades', 'BNBBTC')] == {'fromId': 3, 'limit': 1000}
    # a symbol never seen: by time, from a little before the last event
    since = ex.events[-1]['E']
    assert by_key[('orders', 'ETHBTC')] == {'startTime': since - 2000, 'limit': 1000}
    assert by_key[('trades', 'ETHBTC')] == {'startTime': since - 2000, 'limit': 1000}


def test_pages_are_followed():
    ex = Exchange()
    rec = Reconciler()
    order_id = ex.place(3000, '0.01')
    deliver(rec, ex.events)
    rec.gap(now_ms=ex.tick())
    for _ in range(2500):
        ex.fill(order_id, '1')
    calls = []

    def fetch(request):
        calls.append(request)
        return ex.answer(request)

    events, _done = run_sync(rec, ex, fetch)
    trade_calls = [c.params.get('fromId') for c in calls if c.kind == 'trades']
    assert trade_calls == [None, 1001, 2001]  # no trade id known: the first page by time
    trades = [e for e in events if e['e'] == 'executionReport' and e['x'] == 'TRADE']
    assert [e['t'] for e in trades] == list(range(1, 2501))
    assert trades[-1]['z'] == fmt(2500) and trades[-1]['X'] == 'PARTIALLY_FILLED'


def test_a_failed_call_leaves_its_symbol_out_and_is_reported():
    ex = Exchange()
    rec = Reconciler(symbols=['ETHBTC'])
    ex.place(1, '0.01')  # BNBBTC seen on the socket
    deliver(rec, ex.events)
    rec.gap(now_ms=ex.tick())
    ex.place(1, '0.01', fills=['1'])
    ex.place(1, '0.01', fills=['1'], symbol='ETHBTC')

    def fetch(request):
        if request.kind == 'trades' and request.symbol == 'ETHBTC':
            raise IOError('timeout')
        return ex.answer(request)

    events, done = run_sync(rec, ex, fetch)
    symbols = {e['s'] for e in events if e['e'] == 'executionReport'}
    assert symbols == {'BNBBTC'}
    assert done['failed'] == ['trades ETHBTC']
    assert 'failed: trades ETHBTC' in done['m']


def test_a_driver_bug_fails_the_deferred_instead_of_hanging():
    rec = Reconciler()
    rec.gap(now_ms=1)
    failures = []
    d = reconcile(rec, lambda r: None, lambda fn, *a: fn(*a), lambda: 'not a number')
    d.addErrback(failures.append)
    assert failures


def test_a_balance_snapshot_older_than_a_delivered_one_is_dropped():
    rec = Reconciler()
    new = {'e': 'outboundAccountPosition', 'E': 200, 'u': 200,
           'B': [{'a': 'BTC', 'f': '1.0', 'l': '0.0'}]}
    old = {'e': 'outboundAccountPosition', 'E': 100, 'u': 100,
           'B': [{'a': 'BTC', 'f': '2.0', 'l': '0.0'}]}
    other = {'e': 'outboundAccountPosition', 'E': 150, 'u': 150,
             'B': [{'a': 'BTC', 'f': '2.0', 'l': '0.0'}, {'a': 'ETH', 'f': '3', 'l': '0'}]}
    assert rec.observe(new)
    assert not rec.observe(old)      # BTC is known in a newer state
    assert not rec.observe(new)      # the same event twice
    assert rec.observe(other)        # carries ETH, which is not known yet
    assert rec._balances['BTC'][0] == Decimal('1.0')  # the newer BTC state is kept


def test_the_rest_snapshot_does_not_override_a_newer_stream_balance():
    rec = Reconciler()
    rec.observe({'e': 'outboundAccountPosition', 'E': 500, 'u': 500,
                 'B': [{'a': 'BTC', 'f': '9', 'l': '0'}]})
    rec.gap(now_ms=600)
    rec.absorb(FetchRequest('account'), {'updateTime': 400, 'balances': [
        {'asset': 'BTC', 'free': '1', 'locked': '0'}, {'asset': 'ETH', 'free': '2', 'locked': '0'},
        {'asset': 'XRP', 'free': '0', 'locked': '0'}]})
    events = rec.events(now_ms=600)
    assert events == [{'e': 'outboundAccountPosition', 'E': 400, 'u': 400,
                       'B': [{'a': 'ETH', 'f': '2', 'l': '0'}], 'reconciled': True}]


def test_other_events_pass_and_set_the_gap_start():
    rec = Reconciler()
    assert rec.observe({'e': 'balanceUpdate', 'E': 77, 'a': 'BTC', 'd': '1', 'T': 76})
    assert rec.observe(['not', 'a', 'dict'])
    assert rec.gap(now_ms=100)['since'] == 77
    fresh = Reconciler()
    assert fresh.gap(now_ms=100, opened_ms=50)['since'] == 50
    assert fresh.gap(now_ms=100, reconcile=False)['reconcile'] is False


def test_replaced_orders_are_not_mistaken_for_duplicates():
    rec = Reconciler()
    base = {'e': 'executionReport', 's': 'BNBBTC', 'i': 1, 'x': 'REPLACED', 'X': 'NEW',
            'z': '0', 'Z': '0', 't': -1}
    assert rec.observe(dict(base, E=1, T=1))
    assert rec.observe(dict(base, E=2, T=2))
    assert not rec.observe(dict(base, E=2, T=2))


def test_isolated_margin_balances_and_symbol():
    rec = Reconciler(ISOLATED_MARGIN, isolated_symbol='BNBBTC')
    assert 'BNBBTC' in rec.symbols
    rec.gap(now_ms=1000)
    assert rec.plan()[0] == FetchRequest('account', 'BNBBTC')
    rec.absorb(FetchRequest('account', 'BNBBTC'), {'assets': [
        {'symbol': 'BNBBTC', 'baseAsset': {'asset': 'BNB', 'free': '1', 'locked': '0'},
         'quoteAsset': {'asset': 'BTC', 'free': '2', 'locked': '0.5'}}]})
    (position,) = rec.events(now_ms=1000)
    assert position['u'] == 1000
    assert position['B'] == [{'a': 'BNB', 'f': '1', 'l': '0'}, {'a': 'BTC', 'f': '2', 'l': '0.5'}]


@pytest.mark.parametrize('kwargs', [{'account': 'futures'},
                                    {'account': ISOLATED_MARGIN},
                                    {'account': MARGIN, 'isolated_symbol': 'BNBBTC'}])
def test_bad_reconciler_arguments(kwargs):
    with pytest.raises(ValueError):
        Reconciler(**kwargs)


class RecordingClient:
    def __init__(self, methods=()):
        self.calls = []
        for name in methods:
            setattr(self, name, lambda _n=name, **p: self.calls.append((_n, p)) or [])

    def request(self, method, path, signed=False, api='api', **params):
        self.calls.append(('request', method, path, signed, api, params))
        return []


def test_client_fetcher_uses_python_binance_methods_or_the_generic_request():
    client = RecordingClient(['get_all_orders'])
    fetch = ClientFetcher(client)
    fetch(FetchRequest('orders', 'BNBBTC', {'orderId': 5, 'limit': 1000}))
    fetch(FetchRequest('trades', 'BNBBTC', {'fromId': 3, 'limit': 1000}))
    assert client.calls == [
        ('get_all_orders', {'orderId': 5, 'limit': 1000, 'symbol': 'BNBBTC'}),
        ('request', 'GET', 'v3/myTrades', True, 'api', {'fromId': 3, 'limit': 1000,
                                                        'symbol': 'BNBBTC'})]


def test_client_fetcher_for_margin_accounts():
    client = RecordingClient()
    ClientFetcher(client, ISOLATED_MARGIN)(FetchRequest('account', 'BNBBTC'))
    ClientFetcher(client, ISOLATED_MARGIN)(FetchRequest('trades', 'BNBBTC', {'fromId': 1}))
    ClientFetcher(client, MARGIN)(FetchRequest('orders', 'ETHBTC', {'orderId': 1}))
    assert client.calls == [
        ('request', 'GET', 'v1/margin/isolated/account', True, 'sapi', {'symbols': 'BNBBTC'}),
        ('request', 'GET', 'v1/margin/myTrades', True, 'sapi',
         {'fromId': 1, 'symbol': 'BNBBTC', 'isIsolated': 'TRUE'}),
        ('request', 'GET', 'v1/margin/allOrders', True, 'sapi',
         {'orderId': 1, 'symbol': 'ETHBTC', 'isIsolated': 'FALSE'})]
    with pytest.raises(ValueError):
        ClientFetcher(client, 'futures')


def test_reconcile_runs_its_calls_through_the_runner_one_at_a_time():
    ex = Exchange()
    rec = Reconciler()
    deliver(rec, ex.events)
    rec.gap(now_ms=ex.tick())
    pending = []

    def run(fn, *args):
        d = defer.Deferred()
        pending.append((d, fn, args))
        return d

    out = []
    reconcile(rec, ex.answer, run, lambda: ex.now).addCallback(out.append)
    served = 0
    while pending:
        assert len(pending) == 1  # never two REST calls at once
        d, fn, args = pending.pop()
        d.callback(fn(*args))
        served += 1
    assert served == 1 and out  # only the account: no symbol was seen
