"""Every connection attempt goes through the venue's attempt budget.

In memory with an injected clock for the rules; on the simulator for 400
sockets started at once (the simulator's attempt window scaled to 3 s).
"""
import logging

import pytest

from binance._attempts import AttemptBudget, budget_for
from binance.backoff import BackoffPolicy
from binance.connection import ConnectionState, StreamConnection
from binance.options import ConnectionOptions
from manager_support import FakeServer, refuse
from tests.conftest import wait_for

URL = 'ws://127.0.0.1:9443/ws/bnbbtc@trade'
EXACT = BackoffPolicy(random=lambda: 0.5)


def connections(reactor, count, budget, **kwargs):
    options = ConnectionOptions(attempt_budget=budget, retry=EXACT)
    conns = [StreamConnection(URL, print, name='c%d' % i, options=options, reactor=reactor,
                              **kwargs) for i in range(count)]
    for conn in conns:
        conn.start()
    return conns


def test_first_connects_beyond_the_budget_wait_for_the_window(memory_reactor):
    budget = AttemptBudget(limit=2, window=10.0, clock=memory_reactor)
    conns = connections(memory_reactor, 3, budget)
    assert len(memory_reactor.tcpClients) == 2
    assert conns[2].state is ConnectionState.CONNECTING
    memory_reactor.advance(9.9)
    assert len(memory_reactor.tcpClients) == 2
    memory_reactor.advance(0.2)
    assert len(memory_reactor.tcpClients) == 3
    assert budget.queued == 0


def test_a_socket_stopped_while_it_waits_leaves_the_queue_and_never_dials(memory_reactor):
    budget = AttemptBudget(limit=1, window=10.0, clock=memory_reactor)
    first, second = connections(memory_reactor, 2, budget)
    assert budget.queued == 1
    second.stop()
    assert budget.queued == 0 and budget.cancelled_total == 1
    memory_reactor.advance(20)
    assert len(memory_reactor.tcpClients) == 1
    assert second.state is ConnectionState.STOPPED


def test_reconnects_and_switches_ask_the_budget_too(memory_reactor):
    budget = AttemptBudget(limit=3, window=100.0, clock=memory_reactor)
    conn, = connections(memory_reactor, 1, budget)
    server = FakeServer(memory_reactor).accept()
    server.send(b'{"e":"trade","t":1}')
    server.lose()  # a reconnect: attempt 2
    memory_reactor.advance(0.11)
    FakeServer(memory_reactor).accept().send(b'{"e":"serverShutdown","E":1}')  # a switch: 3
    assert budget.granted_total == 3 and len(memory_reactor.tcpClients) == 3
    conn.reconnect_now('a test', label='test')  # the 4th waits for the window
    assert budget.queued == 0, 'reconnect_now needs an open socket; none is open yet'
    FakeServer(memory_reactor).accept()
    conn.reconnect_now('a test', label='test')
    assert budget.queued == 1 and len(memory_reactor.tcpClients) == 3
    memory_reactor.advance(100)
    assert len(memory_reactor.tcpClients) == 4


def test_a_429_with_retry_after_pauses_every_socket_of_the_venue(memory_reactor, caplog):
    budget = AttemptBudget(limit=100, window=300.0, clock=memory_reactor)
    first, second = connections(memory_reactor, 2, budget)
    other = FakeServer(memory_reactor, index=1).accept()
    other.send(b'{"e":"trade","t":1}')
    with caplog.at_level(logging.WARNING):
        FakeServer(memory_reactor, index=0).reject(429, b'Retry-After: 30\r\n')
    assert budget.paused_for() == pytest.approx(30)
    assert any('HTTP 429' in r.getMessage() and 'pausing every connection attempt for 30 s'
               in r.getMessage() for r in caplog.records)
    other.lose()  # the other socket's reconnect waits for the pause as well
    memory_reactor.advance(29)
    assert len(memory_reactor.tcpClients) == 2
    memory_reactor.advance(1.5)
    assert len(memory_reactor.tcpClients) == 4
    assert first.stats is None  # no telemetry asked for here


def test_a_503_retry_after_delays_only_its_own_socket(memory_reactor):
    budget = AttemptBudget(limit=100, window=300.0, clock=memory_reactor)
    first, second = connections(memory_reactor, 2, budget)
    FakeServer(memory_reactor, index=1).accept().lose()
    FakeServer(memory_reactor, index=0).reject(503, b'Retry-After: 30\r\n')
    assert budget.paused_for() == 0
    memory_reactor.advance(0.11)
    assert len(memory_reactor.tcpClients) == 3  # the second socket's retry


def test_sockets_of_a_clock_share_its_budget_by_host_whatever_the_port(memory_reactor):
    a = StreamConnection('ws://127.0.0.1:9443/ws/bnbbtc@trade', print, reactor=memory_reactor)
    b = StreamConnection('ws://127.0.0.1:443/ws/ethbtc@trade', print, reactor=memory_reactor)
    a.start()
    b.start()
    assert budget_for('127.0.0.1', memory_reactor).granted_total == 2


def test_400_sockets_at_once_connect_without_a_single_429(make_sim, reactor_thread, caplog):
    from binance import _reactor
    from twisted.internet import reactor
    # The simulator allows 300 attempts per 3 s (Binance: per 5 minutes) and
    # answers more with HTTP 429; the library's budget is the default 270
    # per window, on the same 3 s.
    sim = make_sim(seed=3, trade_rate=1, intervals={'connection_window': 3.0})
    budget = AttemptBudget(limit=270, window=3.0, name='127.0.0.1', clock=reactor)
    options = ConnectionOptions(attempt_budget=budget, silence_bounds=None)
    conns = [StreamConnection(sim.stream_url + 'ws/bnbbtc@trade', lambda m: None,
                              name='socket %d' % i, options=options) for i in range(400)]

    def start_all():
        for conn in conns:
            conn.start()
    with caplog.at_level(logging.INFO):
        _reactor.blocking_call(start_all)
        wait_for(lambda: all(c.state is ConnectionState.OPEN for c in conns), timeout=30,
                 message='400 open sockets')
        assert budget.granted_total == 400 and budget.waited_total == 130
        assert all(c.opened_count == 1 and c.retry_number == 0 for c in conns)
        assert not [r for r in caplog.records if 'over the limit' in r.getMessage()], 'a 429'
        assert [r.getMessage() for r in caplog.records if 'spreading' in r.getMessage()] == [
            '127.0.0.1: 130 connection attempts queued; spreading them over ~3 s to stay within '
            '270 attempts per 3 s']
    _reactor.blocking_call(lambda: [c.stop() for c in conns])


def test_every_manager_of_the_process_shares_the_budget_of_a_host(make_sim, reactor_thread):
    from binance.websockets import BinanceSocketManager
    sim = make_sim(seed=3)

    class Sim(BinanceSocketManager):
        STREAM_URL = sim.stream_url
    one, two = Sim(None), Sim(None)
    try:
        one.start_trade_socket('bnbbtc', lambda m: None)
        two.start_trade_socket('ethbtc', lambda m: None)
        wait_for(lambda: budget_for('127.0.0.1').granted_total == 2, message='two attempts')
    finally:
        one.close()
        two.close()


def test_a_refused_first_connect_still_gives_up_after_the_retries(memory_reactor):
    budget = AttemptBudget(limit=100, window=300.0, clock=memory_reactor)
    received = []
    conn = StreamConnection(URL, received.append, options=ConnectionOptions(
        attempt_budget=budget, retry=EXACT), reactor=memory_reactor)
    conn.start()
    for _ in range(6):
        refuse(memory_reactor)
        memory_reactor.advance(2)
    assert received == [{'e': 'error', 'm': 'Max reconnect retries reached'}]
    assert budget.granted_total == 6
