"""Multiplex sockets beyond one connection's streams or one URL's length, on the simulator."""
import time

import pytest

from binance._multiplex import connection_plan
from binance._rebuild import Subscriptions
from binance.options import ConnectionOptions
from manager_support import Inbox
from tests.conftest import wait_for


def url_for(path):
    return 'ws://127.0.0.1:9443/' + path


def names(count, form='x{:04d}usdt@aggTrade'):
    return [form.format(i) for i in range(count)]


# -- the plan ------------------------------------------------------------------------------

def test_a_multiplex_that_fits_is_one_connection_with_every_stream_in_its_url():
    plan, = connection_plan(url_for, ['bnbbtc@trade', 'ethbtc@depth'], max_streams=1024,
                            max_url_length=8000)
    assert plan.url == 'ws://127.0.0.1:9443/stream?streams=bnbbtc@trade/ethbtc@depth'
    assert plan.subscribed == []


def test_the_streams_that_do_not_fit_in_the_url_are_subscribed_after():
    streams = names(1024)
    plan, = connection_plan(url_for, streams, max_streams=1024, max_url_length=8000)
    assert len(plan.url) <= 8000 < len(url_for('stream?streams=' + '/'.join(
        plan.in_url + plan.subscribed[:1])))
    assert plan.in_url + plan.subscribed == streams


def test_more_streams_than_one_connection_carries_make_several_connections():
    streams = names(2500)
    plans = connection_plan(url_for, streams, max_streams=1024, max_url_length=10 ** 6)
    assert [len(p.streams) for p in plans] == [1024, 1024, 452]
    assert sum((p.streams for p in plans), []) == streams
    assert all(not p.subscribed for p in plans)


# -- on the simulator -----------------------------------------------------------------------

def test_a_1024_stream_multiplex_connects_and_subscribes_within_the_message_rate(
        make_sim, manager_for):
    sim = make_sim(seed=5, trade_rate=50)
    bm = manager_for(sim)
    inbox = Inbox()
    streams = ['bnbbtc@trade'] + names(1022) + ['ethbtc@trade']
    key = bm.start_multiplex_socket(streams, inbox)
    conn = bm.connection(key)
    session = conn._session
    assert isinstance(session, Subscriptions) and session.streams[-1] == 'ethbtc@trade'
    # ethbtc@trade is the last one subscribed: its data proves every SUBSCRIBE went through.
    inbox.wait(lambda items: any(m.get('stream') == 'ethbtc@trade' for m in items),
               what='data of the last subscribed stream')
    server, = sim.faults.connections()
    assert server['streams'] == 1024
    assert session.subscribed and session.sent == -(-len(session.streams) // 200)
    assert conn.opened_count == 1, 'the server never closed it for too many messages'
    assert all('stream' in m for m in inbox.snapshot()), 'an answer reached the callback'


def test_subscriptions_are_sent_again_after_every_reconnect(make_sim, manager_for):
    sim = make_sim(seed=5, trade_rate=50)
    bm = manager_for(sim)
    inbox = Inbox()
    key = bm.start_multiplex_socket(names(1023) + ['ethbtc@trade'], inbox)
    conn = bm.connection(key)
    inbox.wait(lambda items: any(m.get('stream') == 'ethbtc@trade' for m in items))
    assert sim.faults.drop_all() == 1
    wait_for(lambda: conn.opened_count == 2, message='the reconnect')
    before = len(inbox.snapshot())
    inbox.wait(lambda items: any(m.get('stream') == 'ethbtc@trade' for m in items[before:]),
               what='data of a subscribed stream after the reconnect')
    wait_for(lambda: [c['streams'] for c in sim.faults.connections()] == [1024],
             message='1024 streams on the new connection')


def test_a_rotation_keeps_the_old_socket_until_the_new_one_is_subscribed(make_sim, manager_for):
    sim = make_sim(seed=5, trade_rate=200)
    bm = manager_for(sim)
    inbox = Inbox()
    key = bm.start_multiplex_socket(names(1023) + ['ethbtc@trade'], inbox)
    conn = bm.connection(key)
    inbox.wait(lambda items: sum(m.get('stream') == 'ethbtc@trade' for m in items) > 5)
    from binance import _reactor
    _reactor.blocking_call(conn.reconnect_now, 'a test', 'test')
    wait_for(lambda: conn.opened_count == 2 and not conn.replacing, message='the switch')
    count = len(inbox.snapshot())
    inbox.wait(lambda items: len(items) > count + 50)
    trades = [m['data']['t'] for m in inbox.snapshot() if m['stream'] == 'ethbtc@trade']
    assert trades == list(range(trades[0], trades[0] + len(trades))), 'a gap or a duplicate'


def test_more_than_1024_streams_reach_one_callback_over_several_connections(make_sim, manager_for):
    sim = make_sim(seed=6, trade_rate=50)
    bm = manager_for(sim)
    inbox = Inbox()
    streams = ['bnbbtc@trade'] + names(1500) + ['ethbtc@trade']
    key = bm.start_multiplex_socket(streams, inbox)
    socket = bm.connection(key)
    assert len(socket.parts) == 2
    inbox.wait(lambda items: {m.get('stream') for m in items} >= {'bnbbtc@trade', 'ethbtc@trade'},
               what='both connections delivering')
    wait_for(lambda: sorted(c['streams'] for c in sim.faults.connections()) == [478, 1024],
             message='every stream subscribed')
    bm.stop_socket(key)
    wait_for(lambda: not sim.faults.connections(), message='every part closed')


def test_a_split_multiplex_with_a_queue_calls_back_from_one_worker(make_sim, manager_for):
    import threading
    sim = make_sim(seed=6, trade_rate=50)
    bm = manager_for(sim)
    threads = set()
    inbox = Inbox()

    def callback(message):
        threads.add(threading.current_thread().name)
        inbox(message)
    key = bm.start_multiplex_socket(['bnbbtc@trade'] + names(1500) + ['ethbtc@trade'], callback,
                                    delivery='block')
    inbox.wait(lambda items: {m.get('stream') for m in items} >= {'bnbbtc@trade', 'ethbtc@trade'})
    assert len(threads) == 1 and threads.pop().startswith('binance-delivery')
    queue = bm.connection(key).queue
    bm.close()
    assert not queue.running, 'close() joins the delivery worker'


def test_a_url_too_long_for_the_server_without_subscribing_gives_up(make_sim, manager_for):
    # What the library does without the SUBSCRIBE fallback: the server refuses the request line.
    sim = make_sim(seed=5)
    bm = manager_for(sim, options=ConnectionOptions(max_url_length=10 ** 6))
    inbox = Inbox()
    bm.start_multiplex_socket(names(1024), inbox)
    inbox.wait(lambda items: items, timeout=30)
    assert inbox.snapshot() == [{'e': 'error', 'm': 'Max reconnect retries reached'}]


def test_a_100000_character_name_is_refused_at_the_call(manager_for, sim):
    bm = manager_for(sim)
    with pytest.raises(ValueError, match='longer than any stream'):
        bm.start_multiplex_socket(['a' * 100000 + '@trade'], print)
    with pytest.raises(ValueError, match='longer than any symbol'):
        bm.start_trade_socket('a' * 100000, print)


def test_subscribing_is_paced(make_sim, manager_for):
    sim = make_sim(seed=5)
    bm = manager_for(sim, options=ConnectionOptions(subscribe_rate=2.0))
    inbox = Inbox()
    start = time.monotonic()
    key = bm.start_multiplex_socket(names(1024), inbox)
    session = bm.connection(key)._session
    wait_for(lambda: session.subscribed, timeout=20, message='every SUBSCRIBE answered')
    messages = session.sent
    # n messages at 2 per second: the last one at least (n - 1) / 2 s after the first.
    assert messages >= 3 and time.monotonic() - start >= (messages - 1) / 2.0


def test_an_options_multiplex_beyond_200_streams_spreads_over_connections(reactor_thread):
    from binance.websockets import BinanceSocketManager
    bm = BinanceSocketManager(None)
    bm.VSTREAM_URL = 'ws://127.0.0.1:1/'  # never reached: the socket is inspected, not started
    streams = ['btc-261225-{}-c@optionTicker'.format(90000 + i) for i in range(201)]
    plans = []

    def open_socket(key, socket):
        plans.append(socket)
        return key
    bm.open_socket = open_socket
    key = bm.start_options_multiplex_socket(streams, print)
    socket, = plans
    assert key.startswith('options/stream?streams=') and len(socket.parts) == 2
    assert [len(part.streams) for part in socket.parts] == [200, 1]
