"""Servers that do not answer, and answers that arrive after the user stopped, against the simulator."""
import threading

from binance import _reactor
from binance.connection import ConnectionState
from binance.simulator import wsapi
from binance.userstream import _WsApiSession
from tests.conftest import wait_for

from userdata_support import Collector, Reference


def test_unanswered_subscription_is_retried_on_a_new_socket(user_env, monkeypatch):
    # The server swallows the first subscription request: after the (short)
    # request timeout the socket counts as a failed attempt and the next one
    # subscribes, instead of waiting forever.
    monkeypatch.setattr(_WsApiSession, 'REQUEST_TIMEOUT', 0.3)
    env = user_env('ws-api')
    original = wsapi.WsApiSession.handle_text
    dropped = []

    def drop_first_subscription(self, payload):
        if b'userDataStream.subscribe' in payload and not dropped:
            dropped.append(payload)
            return
        original(self, payload)

    def patch(value):
        wsapi.WsApiSession.handle_text = value
    env.run(patch, drop_first_subscription)
    try:
        collector = Collector()
        env.manager.start_user_socket(collector)
        connection = env.wait_ready()
        assert len(dropped) == 1
        assert connection.opened_count == 2
        reference = Reference(env.sim, env.api_key, 'spot')
        env.run(env.sim.accounts.deposit, env.api_key, 'BTC', '0.5')
        assert collector.wait_count(2) == reference.events
    finally:
        env.run(patch, original)


def test_stop_during_the_listen_key_post_hears_nothing_of_its_410(user_env):
    # Client(tld='us') against a venue whose listen-key endpoints answer 410,
    # stopped while the POST is under way: the refusal must not reach the callback.
    env = user_env('ws-api', tld='us')
    entered, release, returned = threading.Event(), threading.Event(), threading.Event()
    original = env.client.stream_get_listen_key
    statuses = []

    def slow_post():
        entered.set()
        try:
            release.wait(10)
            return original()
        except Exception as exc:
            statuses.append(getattr(exc, 'status_code', None))
            raise
        finally:
            returned.set()

    env.client.stream_get_listen_key = slow_post
    collector = Collector()
    try:
        env.manager.start_user_socket(collector)
        assert entered.wait(10)
        connection = env.connection('user')
        env.manager.stop_socket('user')
        wait_for(lambda: connection.state is ConnectionState.STOPPED, 5, message='the stop')
    finally:
        release.set()
    assert returned.wait(10)
    assert statuses == [410]
    # The thread's result is handed to the reactor with callFromThread; two
    # round trips through the reactor's queue run after it.
    _reactor.blocking_call(lambda: None)
    _reactor.blocking_call(lambda: None)
    assert collector.messages == []
