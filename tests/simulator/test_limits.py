"""Binance's connection rules, with compressed time: pings, pong timeout, age, rates, attempts."""
import pytest
import websocket
from twisted.internet import task

from binance.simulator import stream_endpoint
from sim_server_helpers import (RawConnection, advance, connections_of, raw_handshake, read_until_closed,
                                wait_until_pongs_arrived)
from tests.conftest import wait_for

PING, PONG, CLOSE = websocket.ABNF.OPCODE_PING, websocket.ABNF.OPCODE_PONG, websocket.ABNF.OPCODE_CLOSE


def test_server_pings_and_a_client_answering_stays(scripted_sim, connect):
    # time_scale compresses every rule together (pings every 5 s, pong timeout 15 s), on a
    # fake clock so a slow test thread cannot miss a deadline
    clock = task.Clock()
    sim = scripted_sim(clock=clock, time_scale=0.25)
    assert (sim.config.interval('ping'), sim.config.interval('pong_timeout')) == (5.0, 15.0)
    client = connect(sim.stream_url + 'ws/bnbbtc@trade')
    wait_for(lambda: len(connections_of(sim)) == 1, 5, message='registration')
    server_side = connections_of(sim)[0]
    payloads = []
    for _ in range(8):  # 40 s, more than twice the pong timeout
        advance(clock, 5)
        opcode, data = client.recv_frame()
        assert opcode == PING
        payloads.append(data)  # websocket-client answered it with a pong
        wait_until_pongs_arrived(server_side)
    assert len(set(payloads)) == len(payloads)  # every ping carries its own payload
    assert len(connections_of(sim)) == 1


def _pings_until_dropped(clock, conn, on_ping=None, step=5, most=10):
    """Move the clock ``step`` seconds at a time and count the pings until the server drops us."""
    for pings in range(most):
        advance(clock, step)
        try:
            _, opcode, _, payload = conn.read_frame()
        except TimeoutError:
            raise AssertionError('neither a ping nor a drop after {} s'.format(step)) from None
        except (ConnectionError, OSError):
            return pings
        assert opcode == PING
        if on_ping is not None:
            on_ping(payload)
    raise AssertionError('still connected after {} pings'.format(most))


def test_no_pong_means_disconnect(scripted_sim):
    clock = task.Clock()
    sim = scripted_sim(clock=clock, time_scale=0.25)
    conn = RawConnection(sim.port)
    try:
        wait_for(lambda: len(connections_of(sim)) == 1, 5, message='registration')
        # pings every 5 s, never answered: dropped 15 s after the first, after 3 or 4 pings
        assert 3 <= _pings_until_dropped(clock, conn) <= 4
    finally:
        conn.close()
    wait_for(lambda: not connections_of(sim), 5, message='server forgets the connection')


def test_unsolicited_or_wrong_pongs_do_not_keep_a_connection(scripted_sim):
    clock = task.Clock()
    sim = scripted_sim(clock=clock, time_scale=0.25)
    conn = RawConnection(sim.port)

    def wrong_pong(payload):
        conn.send_frame(PONG, b'not-' + payload)
        # the server answers our ping after it has read the wrong pong: no clock step before that
        conn.send_frame(PING, b'sync')
        assert conn.read_frame()[1:] == (PONG, False, b'sync')

    try:
        wait_for(lambda: len(connections_of(sim)) == 1, 5, message='registration')
        conn.send_frame(PONG)  # unsolicited pongs are allowed
        assert 3 <= _pings_until_dropped(clock, conn, wrong_pong) <= 4
    finally:
        conn.close()


def test_pongs_echoing_the_payload_keep_a_raw_connection(scripted_sim):
    clock = task.Clock()
    sim = scripted_sim(clock=clock, time_scale=0.25)  # pings every 5 s, pong timeout 15 s
    conn = RawConnection(sim.port)
    try:
        wait_for(lambda: len(connections_of(sim)) == 1, 5, message='registration')
        server_side = connections_of(sim)[0]
        for _ in range(10):  # 50 s: more than three pong timeouts
            advance(clock, 5)
            _, opcode, masked, payload = conn.read_frame()
            assert opcode == PING and not masked
            conn.send_frame(PONG, payload)
            wait_until_pongs_arrived(server_side)
        assert len(connections_of(sim)) == 1
    finally:
        conn.close()


def test_server_answers_client_pings(scripted_sim, connect):
    sim = scripted_sim()
    client = connect(sim.stream_url + 'ws/bnbbtc@trade')
    client.ws.ping(b'hello')
    assert client.recv_frame() == (PONG, b'hello')


def test_max_age_sends_server_shutdown_raw_then_closes(scripted_sim, connect):
    sim = scripted_sim(intervals={'max_connection_age': 0.6, 'shutdown_notice': 0.2})
    client = connect(sim.stream_url + 'ws/bnbbtc@trade')
    event = client.recv_json()
    assert set(event) == {'e', 'E'} and event['e'] == 'serverShutdown' and isinstance(event['E'], int)
    assert read_until_closed(client) == 1001


def test_max_age_combined_form(scripted_sim, connect):
    sim = scripted_sim(intervals={'max_connection_age': 0.6, 'shutdown_notice': 0.2})
    client = connect(sim.stream_url + 'stream?streams=bnbbtc@trade')
    event = client.recv_json()
    assert event['stream'] == '!serverShutdown'
    assert event['data']['e'] == 'serverShutdown' and isinstance(event['data']['E'], int)
    assert read_until_closed(client) == 1001


def test_max_age_scales_with_time_scale(scripted_sim):
    sim = scripted_sim(time_scale=1e-5)
    assert abs(sim.config.interval('max_connection_age') - 0.864) < 1e-9


def test_sixth_message_within_a_window_disconnects(scripted_sim, connect):
    sim = scripted_sim(intervals={'message_window': 30})
    client = connect(sim.stream_url + 'ws')
    # ping, pong and JSON requests all count: 5 are fine
    client.ws.ping(b'1')
    assert client.recv_frame() == (PONG, b'1')
    client.ws.pong(b'')
    for i in range(3):
        assert client.request({'method': 'LIST_SUBSCRIPTIONS', 'id': i}) == {'result': [], 'id': i}
    client.send_json({'method': 'LIST_SUBSCRIPTIONS', 'id': 99})
    assert read_until_closed(client) == 1008


def test_five_messages_every_second_are_fine_on_a_fake_clock(scripted_sim, connect):
    from twisted.internet import task

    from binance import _reactor
    clock = task.Clock()
    sim = scripted_sim(clock=clock)
    client = connect(sim.stream_url + 'ws')
    for second in range(3):
        for i in range(5):
            assert client.request({'method': 'LIST_SUBSCRIPTIONS', 'id': i})['id'] == i
        _reactor.blocking_call(clock.advance, 1.0)
    for i in range(5):
        assert client.request({'method': 'LIST_SUBSCRIPTIONS', 'id': i})['id'] == i
    _reactor.blocking_call(clock.advance, 0.999)
    client.send_json({'method': 'LIST_SUBSCRIPTIONS', 'id': 6})
    assert read_until_closed(client) == 1008


def test_default_is_five_per_second(scripted_sim):
    sim = scripted_sim()
    assert sim.config.max_incoming_messages == 5
    assert sim.config.interval('message_window') == 1.0


def test_rate_limit_can_be_disabled_by_a_subclass(scripted_sim, connect, monkeypatch):
    monkeypatch.setattr(stream_endpoint.MarketStreamProtocol, 'rate_limited', False)
    sim = scripted_sim(intervals={'message_window': 30})
    client = connect(sim.stream_url + 'ws')
    for i in range(20):
        assert client.request({'method': 'LIST_SUBSCRIPTIONS', 'id': i})['id'] == i


def test_connection_attempts_per_ip_refused_with_429_and_retry_after(scripted_sim):
    clock = task.Clock()
    clock.advance(1_000_000)
    sim = scripted_sim(clock=clock, max_connection_attempts=3, intervals={'connection_window': 2})
    sockets = []
    try:
        for _ in range(3):
            status, headers, sock = raw_handshake(sim.port)
            sockets.append(sock)
            assert status == 101
        status, headers, sock = raw_handshake(sim.port)
        sockets.append(sock)
        assert status == 429
        assert headers['retry-after'] == '2'
        # REST is not a WebSocket handshake and is not refused
        status, _, sock = raw_handshake(sim.port, path='/control')
        sockets.append(sock)
        assert status == 200
    finally:
        for sock in sockets:
            sock.close()


def test_connection_attempts_allowed_again_after_the_window(scripted_sim):
    clock = task.Clock()
    clock.advance(1_000_000)
    sim = scripted_sim(clock=clock, max_connection_attempts=2, intervals={'connection_window': 30})
    sockets = []

    def attempt():
        status, headers, sock = raw_handshake(sim.port)
        sockets.append(sock)
        return status, headers.get('retry-after')

    try:
        assert [attempt(), attempt(), attempt()] == [(101, None), (101, None), (429, '30')]
        advance(clock, 29.5)
        assert attempt() == (429, '1')  # refusals do not count, the window still holds two
        advance(clock, 0.5)
        assert attempt() == (101, None)
    finally:
        for sock in sockets:
            sock.close()


def test_default_attempt_limit_is_300_per_5_minutes(scripted_sim):
    sim = scripted_sim()
    assert sim.config.max_connection_attempts == 300
    assert sim.config.interval('connection_window') == 300.0


@pytest.mark.parametrize('path', ['/ws/bnbbtc@trade', '/stream?streams=bnbbtc@trade'])
def test_refused_handshake_reaches_websocket_clients(scripted_sim, path):
    sim = scripted_sim(max_connection_attempts=1, intervals={'connection_window': 60})
    first = websocket.create_connection(sim.stream_url + path.lstrip('/'), timeout=5)
    try:
        with pytest.raises(websocket.WebSocketBadStatusException) as info:
            websocket.create_connection(sim.stream_url + path.lstrip('/'), timeout=5)
        assert info.value.status_code == 429
    finally:
        first.close()


# -- Binance's default intervals, driven by a fake clock ------------------------------

def test_default_ping_and_pong_timeout_with_a_fake_clock(scripted_sim):
    """20 s pings and the 60 s pong timeout, unscaled, on a task.Clock."""
    from twisted.internet import task

    from binance import _reactor
    clock = task.Clock()
    sim = scripted_sim(clock=clock)
    answered, silent = RawConnection(sim.port), RawConnection(sim.port)
    try:
        wait_for(lambda: len(connections_of(sim)) == 2, 5, message='registration')
        server_side = min(connections_of(sim), key=lambda c: c.conn_id)

        def ping_round(step):
            _reactor.blocking_call(clock.advance, step)
            _, opcode, _, payload = answered.read_frame()
            assert opcode == PING and silent.read_frame()[1] == PING
            answered.send_frame(PONG, payload)
            wait_for(lambda: _reactor.blocking_call(lambda: server_side._pings.oldest_unanswered()) is None,
                     5, message='the pong to arrive')

        _reactor.blocking_call(clock.advance, 19.9)
        ping_round(0.1)  # t = 20
        ping_round(20)  # t = 40
        ping_round(20)  # t = 60: the silent connection's first ping is 40 s old, still in time
        assert len(connections_of(sim)) == 2
        _reactor.blocking_call(clock.advance, 20)  # t = 80: 60 s without a pong
        wait_for(lambda: [c.conn_id for c in connections_of(sim)] == [server_side.conn_id], 5,
                 message='the silent connection to be dropped')
    finally:
        answered.close()
        silent.close()


# -- the bookkeeping itself, with plain numbers ----------------------------------------

def test_sliding_window_counts_within_any_window():
    from binance.simulator.connection_rules import SlidingWindow
    window = SlidingWindow(5, 1.0)
    assert all(window.allow(t) for t in (0.0, 0.1, 0.2, 0.3, 0.4))
    assert not window.allow(0.99)
    assert window.retry_after(0.99) == pytest.approx(0.01)
    assert window.allow(1.0)  # the event at 0.0 left the window
    assert not window.allow(1.05)


def test_connection_attempts_are_per_ip_and_refusals_do_not_count():
    from binance.simulator.connection_rules import ConnectionAttempts
    attempts = ConnectionAttempts(2, 300.0)
    assert attempts.attempt('10.0.0.1', 0) is None and attempts.attempt('10.0.0.1', 10) is None
    assert attempts.attempt('10.0.0.1', 100) == 200
    assert attempts.attempt('10.0.0.2', 100) is None
    assert attempts.attempt('10.0.0.1', 299.5) == 1
    assert attempts.attempt('10.0.0.1', 300) is None


def test_ping_tracker_pongs_answer_their_ping_and_older_ones():
    from binance.simulator.connection_rules import PingTracker
    pings = PingTracker()
    pings.sent(b'1', 0.0)
    pings.sent(b'2', 20.0)
    assert not pings.pong(b'unsolicited')
    assert pings.overdue(60.0, 60.0)
    assert pings.pong(b'2')
    assert pings.oldest_unanswered() is None and not pings.overdue(1000.0, 60.0)


def test_zero_intervals_turn_rules_off(scripted_sim, connect):
    sim = scripted_sim(intervals={'ping': 0, 'max_connection_age': 0, 'message_window': 0})
    client = connect(sim.stream_url + 'ws')
    for i in range(12):  # far beyond 5 messages, in well under a second
        assert client.request({'method': 'LIST_SUBSCRIPTIONS', 'id': i})['id'] == i
    conn = connections_of(sim)[0]
    assert sorted(_active_timers(conn)) == []


def _active_timers(conn):
    from binance import _reactor
    return _reactor.blocking_call(lambda: [name for name, t in conn._timers.items() if t.active()])
