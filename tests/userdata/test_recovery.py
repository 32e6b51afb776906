"""Key and token expiry, keepalive and renewal against the simulator's compressed clock."""
import pytest

from binance.simulator.accounts import MARGIN, isolated_scope
from tests.conftest import wait_for

from userdata_support import Collector, Reference

SPOT = 'spot'


def deposit(env, account=SPOT, amount='0.25'):
    return env.run(env.sim.accounts.deposit, env.api_key, 'BTC', amount, account=account)


def expect_deposit_events(env, collector, account=SPOT):
    """A deposit arrives as balanceUpdate then outboundAccountPosition, exactly as published."""
    reference = Reference(env.sim, env.api_key, account)
    before = len(collector.account_events())
    deposit(env, account)
    received = collector.wait_account_events(before + 2)
    assert received[before:] == reference.events
    assert [e['e'] for e in received[before:]] == ['balanceUpdate', 'outboundAccountPosition']
    env.run(reference._sub.cancel)


def test_listen_key_expiry_recovers_by_itself(user_env):
    env = user_env('listen-key')
    collector = Collector()
    env.manager.start_user_socket(collector)
    connection = env.wait_ready()
    old_key = env.client.stream_get_listen_key()
    opened = connection.opened_count
    assert env.run(env.sim.accounts.expire_listen_key, old_key) == 1
    wait_for(lambda: connection.opened_count > opened, 10, message='reconnect with a new key')
    env.wait_ready()
    # The old key's socket stopped receiving: a gap, told and reconciled (nothing changed).
    assert [n['e'] for n in collector.wait_reconciled()] == ['userDataGap', 'userDataReconciled']
    assert env.client.stream_get_listen_key() != old_key
    expect_deposit_events(env, collector)
    # listenKeyExpired is handled by the library, not handed to the user.
    assert all(m.get('e') != 'listenKeyExpired' for m in collector.messages)


def test_keepalive_keeps_the_key_valid_past_its_validity(user_env):
    # Keys live 2 s; keepalive every 0.25 s. Once keepalives span more than the
    # validity, the key is still alive.
    validity = 2.0
    env = user_env('listen-key', sim_kwargs={'intervals': {'listen_key_validity': validity}},
                   user_timeout=0.25)
    collector = Collector()
    env.manager.start_user_socket(collector)
    env.wait_subscribed()
    connection = env.connection('user')
    key = env.client.stream_get_listen_key()
    keepalive = connection._session.keepalive
    calls = []
    original = env.client.stream_keepalive

    def spy(listenKey):
        calls.append(env.run(env.sim.clock.seconds))
        return original(listenKey=listenKey)

    env.client.stream_keepalive = spy
    wait_for(lambda: len(calls) >= 6 and calls[-1] - calls[0] > validity + 0.2, 20,
             message='keepalives past the validity')
    assert env.run(env.sim.accounts.is_listen_key, key)
    assert connection.opened_count == 1
    assert keepalive.failures == 0
    gaps = [b - a for a, b in zip(calls, calls[1:])]
    # A gap near the validity would let the key lapse; a loaded machine may
    # stretch the 0.25 s cadence, but never anywhere near that.
    assert all(0.2 <= gap < validity for gap in gaps), gaps
    expect_deposit_events(env, collector)


def test_keepalive_survives_rest_failures(user_env):
    env = user_env('listen-key', user_timeout=0.2)
    collector = Collector()
    env.manager.start_user_socket(collector)
    env.wait_subscribed()
    keepalive = env.connection('user')._session.keepalive
    original = env.client.stream_keepalive
    outcomes = []

    def flaky(listenKey):
        if len(outcomes) < 3:
            outcomes.append('fail')
            from binance.exceptions import BinanceRequestException
            raise BinanceRequestException('PUT /api/v3/userDataStream: no answer within the timeout')
        outcomes.append('ok')
        return original(listenKey=listenKey)

    env.client.stream_keepalive = flaky
    wait_for(lambda: outcomes.count('ok') >= 2, 10, message='keepalives to succeed again')
    assert outcomes[:3] == ['fail'] * 3
    assert keepalive.running and keepalive.failures == 0
    expect_deposit_events(env, collector)


def test_keepalive_gets_a_new_key_after_minus_1125(user_env):
    env = user_env('listen-key', user_timeout=0.2)
    collector = Collector()
    env.manager.start_user_socket(collector)
    connection = env.wait_ready()
    opened = connection.opened_count
    old_key = env.client.stream_get_listen_key()
    # Invalidate the key silently (as if it lapsed while nobody listened): the next
    # keepalive gets -1125 and the socket moves to a new key.
    env.run(env.sim.accounts.close_listen_key, env.api_key, old_key)
    wait_for(lambda: connection.opened_count > opened and env.subscribers() == 1, 10,
             message='reconnect with a new key')
    assert env.client.stream_get_listen_key() != old_key
    expect_deposit_events(env, collector)


@pytest.mark.parametrize('which', ['margin', 'isolated'])
def test_margin_sockets_deliver_unwrapped_events(user_env, which):
    env = user_env('ws-api')
    collector = Collector()
    if which == 'margin':
        conn_key = env.manager.start_margin_socket(collector)
        account = MARGIN
        assert conn_key == 'margin'
    else:
        conn_key = env.manager.start_isolated_margin_socket('bnbbtc', collector)
        account = isolated_scope('BNBBTC')
        assert conn_key == 'isolated_margin_BNBBTC'
    env.wait_subscribed(account=account)
    expect_deposit_events(env, collector, account)
    # Spot events do not leak into the margin socket.
    deposit(env, SPOT)
    expect_deposit_events(env, collector, account)
    assert all(m.get('e') != 'error' for m in collector.messages)


def test_margin_token_expiry_recovers_by_itself(user_env):
    env = user_env('ws-api')
    collector = Collector()
    env.manager.start_margin_socket(collector)
    connection = env.wait_ready('margin', MARGIN)
    opened = connection.opened_count
    assert env.run(env.sim.accounts.expire_listen_tokens) == 1
    wait_for(lambda: connection.opened_count > opened, 10, message='reconnect with a new token')
    env.wait_ready('margin', MARGIN)
    assert [n['e'] for n in collector.wait_reconciled()] == ['userDataGap', 'userDataReconciled']
    expect_deposit_events(env, collector, MARGIN)
    assert all(m.get('e') != 'eventStreamTerminated' for m in collector.messages)


def test_margin_token_renewed_before_expiry_without_reconnect(user_env):
    # Tokens live 4 s; the session renews at 80 % (0.8 s ahead) on the same
    # socket, so once the first token has expired the first connection still delivers.
    env = user_env('ws-api', sim_kwargs={'intervals': {'listen_token_validity': 4.0}})
    collector = Collector()
    tokens, expirations = [], []
    original = env.client.margin_create_listen_token

    def spy(**kwargs):
        answer = original(**kwargs)
        tokens.append(answer['token'])
        expirations.append(answer['expirationTime'])
        return answer

    env.client.margin_create_listen_token = spy
    env.manager.start_margin_socket(collector)
    env.wait_subscribed(account=MARGIN)
    wait_for(lambda: len(tokens) >= 2, 10, message='a renewal')
    wait_for(lambda: env.run(env.sim.now_ms) > expirations[0] + 100, 10,
             message='the first token to expire')
    connection = env.connection('margin')
    assert connection.opened_count == 1
    env.wait_subscribed(account=MARGIN)
    expect_deposit_events(env, collector, MARGIN)
    assert len(set(tokens)) == len(tokens)
    assert collector.notices() == []     # renewed on the same socket: no gap
