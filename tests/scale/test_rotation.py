"""Planned rotation before the 24 h cut, make-before-break, and the switch without duplicates.

The handoff's rules on plain messages; the rotation's timing in memory with
an injected clock; a busy socket rotating on the simulator (scaled time:
every second instead of every 23 h) with zero lost and zero duplicated trades.
"""
import pytest

from binance._handoff import Handoff, order_key
from binance._upkeep import RotationGate, rotation_age
from binance.connection import ConnectionState, StreamConnection
from binance.options import ConnectionOptions
from manager_support import OP_CLOSE, FakeServer, Inbox
from tests.conftest import wait_for

URL = 'ws://127.0.0.1:9443/ws/bnbbtc@trade'


# -- order keys and the handoff --------------------------------------------------------------

@pytest.mark.parametrize('event, key', [
    ({'e': 'trade', 'E': 5, 't': 17}, (17,)),
    ({'e': 'trade', 'E': 5, 't': '17'}, (17,)),  # options trade ids are strings
    ({'e': 'aggTrade', 'E': 5, 'a': 3}, (3,)),
    ({'e': 'depthUpdate', 'E': 5, 'U': 10, 'u': 12}, (12,)),
    ({'lastUpdateId': 99, 'bids': [], 'asks': []}, (99,)),
    ({'u': 400900217, 's': 'BNBUSDT', 'b': '25.35'}, (400900217,)),  # spot bookTicker
    ({'e': 'kline', 'E': 7, 'k': {'t': 60000, 'T': 119999}}, (7, 60000)),
    ({'e': '24hrTicker', 'E': 8}, (8,)),
    ([{'e': '24hrMiniTicker', 'E': 9}], (9,)),
    ({'e': 'weird'}, None),
    ('text', None),
])
def test_order_keys(event, key):
    assert order_key(event) == key


def trade(t):
    return {'stream': 'bnbbtc@trade', 'data': {'e': 'trade', 't': t}}


def test_the_new_sockets_messages_that_the_old_one_delivered_are_dropped():
    handoff = Handoff(combined=True)
    for t in (100, 101, 102):
        handoff.record(trade(t))
    for t in (101, 102, 103, 104):
        handoff.hold(trade(t))
    handoff.record(trade(103))  # the old socket drained one more before its close
    assert [m['data']['t'] for m in handoff.release()] == [104]
    assert handoff.duplicates == 3 and handoff.held == 0


def test_streams_are_told_apart_and_streams_without_keys_by_content():
    handoff = Handoff(combined=True)
    handoff.record(trade(5))
    ticker = {'stream': 'x@miniTicker', 'data': {'c': '1.0'}}
    handoff.record(ticker)
    other = {'stream': 'eth@trade', 'data': {'e': 'trade', 't': 2}}
    for message in (trade(5), trade(6), other, ticker, {'stream': 'x@miniTicker', 'data': {'c': '2'}}):
        handoff.hold(message)
    assert handoff.release() == [trade(6), other, {'stream': 'x@miniTicker', 'data': {'c': '2'}}]


def test_a_stream_the_old_socket_delivered_nothing_of_keeps_every_held_message():
    handoff = Handoff(combined=False)
    for t in (1, 2):
        handoff.hold({'e': 'trade', 't': t})
    assert len(handoff.release()) == 2


# -- when a socket rotates -------------------------------------------------------------------

def test_the_rotation_age_is_jittered_below_rotate_after():
    assert rotation_age(100.0, 0.1, lambda: 0.0) == 100.0
    assert rotation_age(100.0, 0.1, lambda: 0.999) == pytest.approx(90.01)
    assert rotation_age(100.0, 0.0, lambda: 0.7) == 100.0


def make(reactor, rotate_after=50.0, name='ws/bnbbtc@trade', url=URL):
    received = []
    options = ConnectionOptions(rotate_after=rotate_after, rotate_jitter=0.0, silence_bounds=None)
    conn = StreamConnection(url, received.append, name=name, options=options, reactor=reactor)
    conn.start()
    return conn, received


def test_a_socket_is_replaced_make_before_break_at_its_age(memory_reactor):
    conn, received = make(memory_reactor)
    old = FakeServer(memory_reactor).accept()
    old.send(b'{"e":"trade","t":1}')
    memory_reactor.advance(49.9)
    assert len(memory_reactor.tcpClients) == 1
    memory_reactor.advance(0.2)
    assert len(memory_reactor.tcpClients) == 2, 'the new socket is dialled at 50 s'
    assert conn.replacing and old.client_frames() == []
    old.send(b'{"e":"trade","t":2}')
    new = FakeServer(memory_reactor).accept()
    assert [op for op, _ in old.client_frames()] == [OP_CLOSE]
    new.send(b'{"e":"trade","t":2}')  # both sockets carry trade 2 and 3 for a moment
    new.send(b'{"e":"trade","t":3}')
    old.send(b'{"e":"trade","t":3}')  # sent before the server saw our close
    assert [m['t'] for m in received] == [1, 2, 3]
    old.close_cleanly()
    new.send(b'{"e":"trade","t":4}')
    assert [m['t'] for m in received] == [1, 2, 3, 4]
    assert conn.state is ConnectionState.OPEN and conn.upkeep.rotations == 1
    assert conn.retry_number == 0 and conn.opened_count == 2


def test_no_rotation_without_rotate_after(memory_reactor):
    conn, _ = make(memory_reactor, rotate_after=None)
    FakeServer(memory_reactor).accept()
    memory_reactor.advance(7 * 86400)
    assert len(memory_reactor.tcpClients) == 1


def two_sockets_due_together(memory_reactor):
    """Sockets ``a`` and ``b``, both open, advanced to where both are due to rotate;
    also ``a``'s first server connection."""
    a, _ = make(memory_reactor, name='a')
    b, _ = make(memory_reactor, name='b', url='ws://127.0.0.1:9443/ws/ethbtc@trade')
    old_a = FakeServer(memory_reactor, index=0).accept()
    FakeServer(memory_reactor, index=1).accept()
    memory_reactor.advance(50.1)
    return a, b, old_a


def test_two_sockets_due_together_rotate_one_after_the_other(memory_reactor):
    a, b, old_a = two_sockets_due_together(memory_reactor)
    assert len(memory_reactor.tcpClients) == 3, 'one rotation at a time'
    assert a.replacing and not b.replacing
    FakeServer(memory_reactor).accept()
    old_a.close_cleanly()  # a's switch is over: b's turn
    assert len(memory_reactor.tcpClients) == 4 and b.replacing


def test_a_rotation_that_hangs_lets_the_next_one_start_after_a_while(memory_reactor):
    gate = RotationGate(memory_reactor, max_hold=60.0)
    first, d1 = gate.acquire()
    second, d2 = gate.acquire()
    assert d1.called and not d2.called and gate.waited == 1
    memory_reactor.advance(60)
    assert d2.called
    gate.release(first)  # late: changes nothing
    assert gate.busy
    gate.release(second)
    assert not gate.busy


def test_stopping_a_socket_waiting_for_its_turn_leaves_the_queue(memory_reactor):
    a, b, old_a = two_sockets_due_together(memory_reactor)
    b.stop()
    FakeServer(memory_reactor).accept()
    old_a.close_cleanly()
    assert len(memory_reactor.tcpClients) == 3, 'the stopped socket does not rotate'


# -- on the simulator: a busy socket rotating every second -----------------------------------

@pytest.mark.parametrize('combined', [False, True])
def test_a_busy_socket_rotates_with_no_trade_lost_or_twice(make_sim, manager_for, combined):
    sim = make_sim(seed=21, trade_rate=400, symbols=['BNBBTC'])
    bm = manager_for(sim, options=ConnectionOptions(rotate_after=1.0, rotate_jitter=0.2))
    inbox = Inbox()
    if combined:
        key = bm.start_multiplex_socket(['bnbbtc@trade'], inbox)
    else:
        key = bm.start_trade_socket('bnbbtc', inbox)
    conn = bm.connection(key)
    wait_for(lambda: conn.upkeep.rotations >= 4 and not conn.replacing, timeout=20,
             message='four rotations')
    count = len(inbox.snapshot())
    inbox.wait(lambda items: len(items) > count + 100)
    bm.stop_socket(key)
    events = [m['data'] if combined else m for m in inbox.snapshot()]
    ids = [event['t'] for event in events]
    assert len(ids) > 1000
    assert len(set(ids)) == len(ids), 'a trade delivered twice'
    assert ids == list(range(ids[0], ids[0] + len(ids))), 'a trade lost or out of order'
    assert conn.opened_count >= 5 and conn.retry_number == 0
    reasons = bm.stats()['sockets'].get(key, {}).get('reconnect_reasons')
    assert reasons is None or reasons.get('rotation', 0) >= 4
