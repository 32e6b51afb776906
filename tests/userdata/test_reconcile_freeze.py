"""A user socket frozen while orders fill: every fill arrives once, after the gap notice.

Times are scaled: ``SCALE`` seconds of real time stand for one second, so the
40 s freeze lasts 2 s and the user heartbeat (10 s by default) 0.5 s. The
simulator thaws the frozen connection itself (``faults.freeze(seconds=...)``);
the test waits for notices and events, never for time.
"""
import collections

import pytest

from binance.options import DEFAULT_USER_HEARTBEAT_TIMEOUT, ConnectionOptions
from binance.simulator.accounts import MARGIN, isolated_scope
from tests.conftest import wait_for

from userdata_support import MODELS, Collector

SCALE = 0.05
FREEZE = 40 * SCALE
SYMBOL = 'BNBBTC'
OPTIONS = ConnectionOptions(user_heartbeat_timeout=DEFAULT_USER_HEARTBEAT_TIMEOUT * SCALE)
GAP, RECONCILED = 'userDataGap', 'userDataReconciled'


def buy(env, account, qty='1'):
    """A market order that fills at once (NEW, TRADE..., outboundAccountPosition)."""
    return env.run(env.sim.accounts.place_order, env.api_key, SYMBOL, 'BUY', 'MARKET', qty,
                   account=account)


def start(env, which, collector, **kwargs):
    """Start the socket of ``which`` ('spot', 'margin' or 'isolated'); returns (account, connection)."""
    if which == 'spot':
        env.manager.start_user_socket(collector, **kwargs)
        return 'spot', env.wait_ready()
    if which == 'margin':
        env.manager.start_margin_socket(collector, **kwargs)
        return MARGIN, env.wait_ready('margin', MARGIN)
    env.manager.start_isolated_margin_socket(SYMBOL, collector, **kwargs)
    account = isolated_scope(SYMBOL)
    env.run(env.sim.accounts.deposit, env.api_key, 'BTC', '5', account=account)
    return account, env.wait_ready('isolated_margin_' + SYMBOL, account)


def fills(messages):
    return [m for m in messages if m.get('e') == 'executionReport' and m.get('x') == 'TRADE']


def freeze_kind(env):
    return 'stream' if env.model == 'listen-key' else 'ws-api'


def check_exactly_once(env, collector, account):
    """Every fill and every order's NEW of the account reached the callback exactly once."""
    trades = env.run(env.sim.accounts.account_trades, env.api_key, SYMBOL, account)
    delivered = collections.Counter(m['t'] for m in fills(collector.messages))
    assert delivered == collections.Counter(t['id'] for t in trades)
    orders = env.run(env.sim.accounts.orders, env.api_key, SYMBOL, account)
    news = collections.Counter(m['i'] for m in collector.messages
                               if m.get('e') == 'executionReport' and m.get('x') == 'NEW')
    assert news == collections.Counter(o.order_id for o in orders)


def check_balances(env, collector, account):
    """The newest balances delivered (stream or rebuilt) are the account's."""
    latest = {}
    for message in collector.messages:
        if message.get('e') == 'outboundAccountPosition':
            for entry in message['B']:
                latest[entry['a']] = (entry['f'], entry['l'])
    balances = env.run(env.sim.accounts.balances, env.api_key, account)
    for asset in ('BNB', 'BTC'):
        free, locked = balances[asset]
        assert latest[asset] == ('{:.8f}'.format(free), '{:.8f}'.format(locked))


@pytest.mark.parametrize('which,model', [('spot', 'ws-api'), ('spot', 'listen-key'),
                                         ('isolated', 'ws-api'), ('margin', 'ws-api')])
def test_fills_during_a_40s_freeze_arrive_once_after_the_gap_notice(user_env, which, model):
    env = user_env(model, options=OPTIONS)
    collector = Collector()
    account, connection = start(env, which, collector)
    buy(env, account)                    # the stream delivers it: the socket has seen the symbol
    collector.wait(lambda items: fills(items), what='the first fill')
    assert env.sim.faults.freeze(kind=freeze_kind(env), seconds=FREEZE) == 1
    lost = [buy(env, account) for _ in range(3)]          # published to the frozen socket
    collector.wait(lambda items: any(m.get('e') == GAP for m in items), what='the gap notice')
    racing = [buy(env, account, '2') for _ in range(2)]  # during the reconciliation
    collector.wait_reconciled()
    after = buy(env, account)            # the new socket's stream
    wait_for(lambda: any(m.get('i') == after['orderId'] for m in fills(collector.messages)), 10,
             message='the fill after the reconciliation')
    wait_for(lambda: not any(c['frozen'] for c in env.sim.faults.connections()), 10,
             message='the simulator to thaw the frozen connection')

    messages = collector.snapshot()
    kinds = [m.get('e') for m in messages]
    assert kinds.count(GAP) == 1 and kinds.count(RECONCILED) == 1
    gap_at, done_at = kinds.index(GAP), kinds.index(RECONCILED)
    gap, done = messages[gap_at], messages[done_at]
    assert gap['account'] == ('spot' if which == 'spot' else
                              'isolated_margin' if which == 'isolated' else 'margin')
    assert gap['reconcile'] is True and gap['since'] <= gap['E']
    assert done['failed'] == [] and done['events'] >= 3 * 2
    rebuilt = [i for i, m in enumerate(messages) if m.get('reconciled')]
    assert rebuilt and gap_at < min(rebuilt) and max(rebuilt) < done_at
    assert done['events'] == len(rebuilt)
    # The fills lost on the frozen socket came from REST, after the notice, in the usual shape.
    lost_ids = {order['orderId'] for order in lost}
    lost_fills = [m for m in fills(messages) if m['i'] in lost_ids]
    assert lost_fills and all(m.get('reconciled') for m in lost_fills)
    assert all(messages.index(m) > gap_at for m in lost_fills)
    sample = lost_fills[0]
    stream_fill = fills(messages)[0]
    assert set(stream_fill) - {'eR'} <= set(sample)
    assert sample['s'] == SYMBOL and sample['X'] == 'FILLED' and sample['z'] == sample['q']
    check_exactly_once(env, collector, account)
    check_balances(env, collector, account)
    assert {order['orderId'] for order in racing} <= {m['i'] for m in fills(messages)}
    assert connection.opened_count >= 2
    assert not [m for m in messages if m.get('e') == 'error']


def test_reconciliation_off_gives_the_notice_only(user_env):
    env = user_env('ws-api', options=OPTIONS.replace(reconcile_user_data=False))
    collector = Collector()
    account, connection = start(env, 'spot', collector)
    buy(env, account)
    collector.wait(lambda items: fills(items), what='the first fill')
    env.sim.faults.freeze(kind='ws-api', seconds=FREEZE)
    lost = buy(env, account)
    collector.wait(lambda items: any(m.get('e') == GAP for m in items), what='the gap notice')
    env.wait_ready()
    after = buy(env, account)
    wait_for(lambda: any(m.get('i') == after['orderId'] for m in fills(collector.messages)), 10,
             message='the fill after the reconnect')
    gap = collector.notices(GAP)[0]
    assert gap['reconcile'] is False and 'check the account over REST' in gap['m']
    assert collector.notices(RECONCILED) == []
    assert not any(m.get('reconciled') for m in collector.messages)
    assert all(m.get('i') != lost['orderId'] for m in collector.messages)


def test_reconcile_false_on_the_socket_overrides_the_manager(user_env):
    env = user_env('ws-api', options=OPTIONS)
    collector = Collector()
    account, connection = start(env, 'isolated', collector, reconcile=False)
    assert connection._session.recovery.enabled is False
    env.sim.faults.drop_all()
    collector.wait(lambda items: any(m.get('e') == GAP for m in items), what='the gap notice')
    assert collector.notices(GAP)[0]['reconcile'] is False


def test_a_failing_rest_call_gives_a_notice_and_the_rest_goes_on(user_env):
    from binance.exceptions import BinanceRequestException
    env = user_env('ws-api', options=OPTIONS)
    collector = Collector()
    account, connection = start(env, 'spot', collector)
    buy(env, account)
    collector.wait(lambda items: fills(items), what='the first fill')

    def broken(**params):
        raise BinanceRequestException('GET /api/v3/myTrades: no answer (timed out)')

    env.client.get_my_trades = broken
    env.sim.faults.freeze(kind='ws-api', seconds=FREEZE)
    env.run(env.sim.accounts.deposit, env.api_key, 'BTC', '0.5')   # lost on the stream
    buy(env, account)                                            # its fills cannot be fetched
    done = collector.wait_reconciled()[-1]
    assert done['failed'] == ['trades ' + SYMBOL]
    assert 'failed: trades BNBBTC' in done['m']
    # The balances were fetched: the deposit shows in the rebuilt position.
    rebuilt = [m for m in collector.messages if m.get('reconciled')]
    assert [m['e'] for m in rebuilt] == ['outboundAccountPosition']
    assert connection.state.value == 'open'
    assert not [m for m in collector.messages if m.get('e') == 'error']


@pytest.mark.parametrize('model', MODELS)
def test_first_open_gives_no_gap_notice(user_env, model):
    env = user_env(model, options=OPTIONS)
    collector = Collector()
    account, connection = start(env, 'spot', collector)
    buy(env, account)
    collector.wait(lambda items: len(fills(items)) == 1 and any(
        m.get('e') == 'outboundAccountPosition' for m in items), what='the order events')
    assert collector.notices() == []
    assert not any(m.get('reconciled') for m in collector.messages)
    assert connection.heartbeat_timeout == OPTIONS.user_heartbeat_timeout


def test_symbols_given_to_reconcile_are_fetched_before_the_socket_saw_them(user_env):
    env = user_env('ws-api', options=OPTIONS)
    collector = Collector()
    account, connection = start(env, 'spot', collector, reconcile=['bnbbtc'])
    env.sim.faults.freeze(kind='ws-api', seconds=FREEZE)
    lost = buy(env, account)
    collector.wait_reconciled()
    rebuilt = [m for m in collector.messages if m.get('reconciled')]
    assert {m['x'] for m in rebuilt if m['e'] == 'executionReport'} == {'NEW', 'TRADE'}
    assert {m['i'] for m in rebuilt if m['e'] == 'executionReport'} == {lost['orderId']}
    check_exactly_once(env, collector, account)
