"""start_user_socket against the simulator, in both user-data models."""
import pytest

from binance.exceptions import BinanceWebsocketError
from binance.userstream import UserSocketCredentialsError
from tests.conftest import wait_for

from userdata_support import MODELS, Collector, Reference

SPOT = 'spot'


def generate_every_kind(env, account=SPOT):
    """deposit -> balanceUpdate + outboundAccountPosition; order -> executionReport (+ position);
    cancel -> executionReport CANCELED; list -> listStatus."""
    accounts = env.sim.accounts
    env.run(accounts.deposit, env.api_key, 'BTC', '0.5', account=account)
    order = env.run(accounts.place_order, env.api_key, 'BNBBTC', 'BUY', 'LIMIT', '1',
                    price='0.00000100', time_in_force='GTC', account=account)
    env.run(accounts.cancel_order, env.api_key, 'BNBBTC', order['orderId'], account=account)
    env.run(accounts.emit_list_status, env.api_key, 'BNBBTC', account=account)


def expect_same_events(env, collector, reference, start=0):
    """The account events from the ``start``-th on are what the account published."""
    received = collector.wait_account_events(start + len(reference.events))
    assert received[start:] == reference.events
    kinds = {e['e'] for e in reference.events}
    assert {'executionReport', 'outboundAccountPosition', 'balanceUpdate', 'listStatus'} <= kinds
    for message in received:
        assert 'subscriptionId' not in message and 'event' not in message


@pytest.mark.parametrize('model', MODELS)
def test_every_event_kind_arrives_unwrapped_and_in_order(user_env, model):
    env = user_env(model)
    collector = Collector()
    conn_key = env.manager.start_user_socket(collector)
    assert conn_key == 'user'
    env.wait_subscribed()
    reference = Reference(env.sim, env.api_key, SPOT)
    generate_every_kind(env)
    expect_same_events(env, collector, reference)
    assert env.manager.start_user_socket(collector) is False


@pytest.mark.parametrize('model', MODELS)
@pytest.mark.parametrize('fault', ['drop_all', 'server_shutdown'])
def test_subscription_survives_drops_and_server_shutdown(user_env, model, fault):
    env = user_env(model, sim_kwargs={'intervals': {'shutdown_notice': 0.05}})
    collector = Collector()
    env.manager.start_user_socket(collector)
    connection = env.wait_ready()
    for round_ in range(2):
        opened = connection.opened_count
        getattr(env.sim.faults, fault)()
        wait_for(lambda: connection.opened_count > opened, 10, message='reconnect')
        env.wait_ready()
        if fault == 'drop_all':
            # A drop may lose events: the callback is told, then the account reconciled
            # (nothing changed meanwhile: no event rebuilt).
            notices = collector.wait_reconciled(round_ + 1)
            assert [n['e'] for n in notices] == ['userDataGap', 'userDataReconciled'] * (round_ + 1)
            assert notices[-1]['events'] == 0 and notices[-1]['failed'] == []
        before = len(collector.account_events())
        reference = Reference(env.sim, env.api_key, SPOT)
        generate_every_kind(env)
        expect_same_events(env, collector, reference, start=before)
        env.run(reference._sub.cancel)
    assert not [m for m in collector.messages if m.get('e') in ('error', 'serverShutdown')]
    if fault == 'server_shutdown':
        # The old socket delivered until the new one was ready: nothing to report.
        assert collector.notices() == []


def test_missing_credentials_fail_at_the_call(user_env):
    env = user_env('ws-api')
    keyless = type(env.client)()
    manager = type(env.manager)(keyless)
    for start in (lambda: manager.start_user_socket(print),
                  lambda: manager.start_margin_socket(print),
                  lambda: manager.start_isolated_margin_socket('BNBBTC', print)):
        with pytest.raises(UserSocketCredentialsError, match='API key') as info:
            start()
        assert isinstance(info.value, ValueError) and isinstance(info.value, BinanceWebsocketError)
    secretless = type(env.manager)(type(env.client)('some-key'))
    with pytest.raises(ValueError, match='secret'):
        secretless.start_user_socket(print)
    assert manager.connection('user') is None
    manager.close()
    secretless.close()


def test_wrong_secret_gives_a_clear_error_in_the_callback(user_env):
    env = user_env('ws-api', api_secret='definitely-not-the-secret-0000')
    collector = Collector()
    env.manager.start_user_socket(collector)
    messages = collector.wait_count(1)
    assert messages[0]['e'] == 'error'
    assert 'Signature for this request is not valid' in messages[0]['m']
    assert 'definitely-not' not in messages[0]['m']
    assert env.subscribers() == 0
    from binance.connection import ConnectionState
    wait_for(lambda: env.connection('user').state is ConnectionState.STOPPED, 5,
             message='the refused socket to stop')


def test_unknown_api_key_on_listen_key_venue_gives_a_clear_error(user_env):
    env = user_env('listen-key', api_key='unknown-key-12345', api_secret='x' * 20)
    collector = Collector()
    env.manager.start_user_socket(collector)
    messages = collector.wait_count(1)
    assert len(messages) == 1 and messages[0]['e'] == 'error'
    assert 'Invalid API-key' in messages[0]['m'] and '-2015' in messages[0]['m']
    from binance.connection import ConnectionState
    wait_for(lambda: env.connection('user').state is ConnectionState.STOPPED, 5,
             message='the refused socket to stop')


def test_listen_key_configuration_on_a_venue_without_listen_keys(user_env):
    # Client(tld='us') pointed at a binance.com-like venue: the 410 explanation reaches the user.
    env = user_env('ws-api', tld='us')
    collector = Collector()
    env.manager.start_user_socket(collector)
    messages = collector.wait_count(1)
    assert messages[0]['e'] == 'error' and '2026-02-20' in messages[0]['m']
    assert 'start_user_socket' in messages[0]['m']


def test_stop_socket_unsubscribes_and_start_again_works(user_env):
    env = user_env('ws-api')
    collector = Collector()
    env.manager.start_user_socket(collector)
    connection = env.wait_ready()
    sid = connection._session.subscription_id
    sent = []
    original_send = connection.send

    def recording_send(message):
        sent.append(message)
        return original_send(message)

    connection.send = recording_send
    env.manager.stop_socket('user')
    env.wait_subscribed(0)
    assert {'id': sent[0]['id'], 'method': 'userDataStream.unsubscribe',
            'params': {'subscriptionId': sid}} == sent[0]
    again = Collector()
    assert env.manager.start_user_socket(again) == 'user'
    env.wait_subscribed()
    reference = Reference(env.sim, env.api_key, SPOT)
    generate_every_kind(env)
    expect_same_events(env, again, reference)


def test_stop_never_deletes_the_listen_key(user_env):
    env = user_env('listen-key')
    env.manager.start_user_socket(Collector())
    env.wait_subscribed()
    key = env.client.stream_get_listen_key()   # the live key, shared by the account
    env.manager.stop_socket('user')
    env.wait_subscribed(0)
    assert env.run(env.sim.accounts.is_listen_key, key)


def test_ws_api_resubscribes_after_server_side_unsubscribe(user_env):
    # The server ends the subscription (eventStreamTerminated); the session subscribes again.
    env = user_env('ws-api')
    collector = Collector()
    env.manager.start_user_socket(collector)
    connection = env.wait_ready()
    opened = connection.opened_count
    session = connection._session
    sid = session.subscription_id
    env.run(connection.send, {'id': 'x', 'method': 'userDataStream.unsubscribe',
                              'params': {'subscriptionId': sid}})
    wait_for(lambda: session.subscription_id not in (None, sid), 10, message='a new subscription')
    env.wait_subscribed()
    assert connection.opened_count == opened
    # Events published between the end and the new subscription may be lost: told, reconciled.
    assert [n['e'] for n in collector.wait_reconciled()] == ['userDataGap', 'userDataReconciled']
    reference = Reference(env.sim, env.api_key, SPOT)
    generate_every_kind(env)
    expect_same_events(env, collector, reference)


def test_clock_skew_on_subscribe_is_resynchronised(user_env):
    env = user_env('ws-api')
    env.client.timestamp_offset = -120_000     # far outside recvWindow: -1021 first
    collector = Collector()
    env.manager.start_user_socket(collector)
    env.wait_subscribed()
    assert abs(env.client.timestamp_offset) < 5_000
    assert env.connection('user').opened_count == 1
    reference = Reference(env.sim, env.api_key, SPOT)
    generate_every_kind(env)
    expect_same_events(env, collector, reference)


def test_listen_key_model_can_be_forced_on_the_client(user_env):
    # A venue with listen keys behind a binance.com-style tld (e.g. a local gateway).
    env = user_env('listen-key', tld='com')
    env.client.use_listen_keys = True
    collector = Collector()
    env.manager.start_user_socket(collector)
    env.wait_ready()
    assert env.client.stream_get_listen_key()        # the socket's key is live
    reference = Reference(env.sim, env.api_key, SPOT)
    generate_every_kind(env)
    expect_same_events(env, collector, reference)


@pytest.mark.parametrize('model', MODELS)
def test_server_rotation_under_load_loses_and_repeats_nothing(user_env, model):
    # Events keep coming while the server announces its shutdown: the old socket
    # delivers until the new one is subscribed, then drains; copies are dropped.
    env = user_env(model, sim_kwargs={'intervals': {'shutdown_notice': 0.2}})
    collector = Collector()
    env.manager.start_user_socket(collector)
    connection = env.wait_ready()
    reference = Reference(env.sim, env.api_key, SPOT)
    for i in range(150):
        if i == 30:
            env.sim.faults.server_shutdown()
        # distinct amounts: every event is distinct, so a repeat is a real duplicate
        env.run(env.sim.accounts.deposit, env.api_key, 'BTC', '0.{:06d}'.format(i + 1))
    received = collector.wait_count(len(reference.events), timeout=15)
    assert connection.opened_count == 2
    assert received == reference.events
    assert collector.notices() == []     # a rotation loses nothing: no gap to report
