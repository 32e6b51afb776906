"""Fault injection, from Python and through the control endpoint."""
import json
import threading
import time

import orjson
import pytest
import requests
import websocket
from twisted.internet import task

from binance import _reactor
from binance.simulator import DEFAULT_API_KEY
from binance.simulator.frames import OP_BINARY, OP_CONTINUATION, OP_TEXT, apply_mask
from sim_server_helpers import (RawConnection, advance, connections_of, publish, raw_handshake,
                                read_until_closed)
from tests.conftest import wait_for
from userdata_helpers import call, signed

PING, PONG, CLOSE = websocket.ABNF.OPCODE_PING, websocket.ABNF.OPCODE_PONG, websocket.ABNF.OPCODE_CLOSE


@pytest.fixture
def raw_conn(scripted_sim):
    sim = scripted_sim()
    conn = RawConnection(sim.port)
    wait_for(lambda: len(connections_of(sim)) == 1, 5, message='registration')
    yield sim, conn
    conn.close()


# -- connections -------------------------------------------------------------

def test_drop_one_drops_exactly_one(scripted_sim, connect):
    sim = scripted_sim()
    first = connect(sim.stream_url + 'ws/bnbbtc@trade')
    second = connect(sim.stream_url + 'ws/bnbbtc@trade')
    wait_for(lambda: len(connections_of(sim)) == 2, 5, message='registration')
    first_id = min(c.conn_id for c in connections_of(sim))
    assert sim.faults.drop_one(first_id) == 1
    assert read_until_closed(first) is None  # no close frame: the TCP connection was aborted
    wait_for(lambda: len(connections_of(sim)) == 1, 5, message='one left')
    publish(sim, 'bnbbtc@trade', b'{"e":"trade"}')
    assert second.recv_json() == {'e': 'trade'}


def test_drop_all(scripted_sim, connect):
    sim = scripted_sim()
    clients = [connect(sim.stream_url + 'ws/bnbbtc@trade') for _ in range(3)]
    wait_for(lambda: len(connections_of(sim)) == 3, 5, message='registration')
    assert sim.faults.drop_all() == 3
    assert [read_until_closed(c) for c in clients] == [None, None, None]
    wait_for(lambda: not connections_of(sim), 5, message='all gone')


def test_refuse_connections_resets_then_recovers(scripted_sim):
    clock = task.Clock()
    clock.advance(1_000_000)
    sim = scripted_sim(clock=clock)

    def connects():
        try:
            websocket.create_connection(sim.stream_url + 'ws/bnbbtc@trade', timeout=5).close()
            return True
        except (websocket.WebSocketException, ConnectionError, OSError):
            return False

    sim.faults.refuse_connections(30)  # seconds of the simulator's clock
    assert not connects()
    advance(clock, 29.5)
    assert not connects()
    advance(clock, 0.5)
    assert connects()


def test_refuse_connections_with_a_status(scripted_sim):
    sim = scripted_sim()
    sim.faults.refuse_connections(30, status=503)
    status, headers, sock = raw_handshake(sim.port)
    sock.close()
    assert status == 503 and 1 <= int(headers['retry-after']) <= 30
    # REST is still served while WebSocket handshakes are refused
    assert requests.get(sim.control_url + '/connections', timeout=5).json() == []


def test_freeze_is_half_open_and_thaw_resumes(scripted_sim, connect):
    clock = task.Clock()  # pings every 20 s, pong timeout 60 s, but only when the test says so
    sim = scripted_sim(clock=clock)
    client = connect(sim.stream_url + 'ws/bnbbtc@trade')
    wait_for(lambda: len(connections_of(sim)) == 1, 5, message='registration')
    assert sim.faults.freeze() == 1
    publish(sim, 'bnbbtc@trade', b'{"e":"trade","t":1}')
    client.ws.ping(b'anyone?')
    # ten ping intervals, over three pong timeouts: no ping, no pong, no event, and no drop
    advance(clock, 200)
    client.ws.settimeout(0.5)
    with pytest.raises(websocket.WebSocketTimeoutException):
        client.ws.recv_data_frame(True)
    assert [c.frozen for c in connections_of(sim)] == [True]
    assert sim.faults.thaw() == 1
    publish(sim, 'bnbbtc@trade', b'{"e":"trade","t":2}')
    assert client.recv_json() == {'e': 'trade', 't': 2}
    # the ping schedule runs again (the pong to the client's ping may come first)
    advance(clock, 20)
    frames = [client.recv_frame()]
    if frames[0] == (PONG, b'anyone?'):
        frames.append(client.recv_frame())
    assert frames[-1][0] == PING
    assert [c.frozen for c in connections_of(sim)] == [False]


def test_freeze_all_and_thaw_all(scripted_sim, connect):
    sim = scripted_sim()
    clients = [connect(sim.stream_url + 'ws/bnbbtc@trade') for _ in range(2)]
    wait_for(lambda: len(connections_of(sim)) == 2, 5, message='registration')
    assert sim.faults.freeze_all() == 2
    assert all(c.frozen for c in connections_of(sim))
    assert sim.faults.thaw_all() == 2
    publish(sim, 'bnbbtc@trade', b'{"e":"trade"}')
    assert [c.recv_json() for c in clients] == [{'e': 'trade'}, {'e': 'trade'}]


def test_server_shutdown_event_then_close(scripted_sim, connect):
    sim = scripted_sim()
    raw = connect(sim.stream_url + 'ws/bnbbtc@trade')
    combined = connect(sim.stream_url + 'stream?streams=bnbbtc@trade')
    wait_for(lambda: len(connections_of(sim)) == 2, 5, message='registration')
    assert sim.faults.server_shutdown(lead=0.2) == 2
    assert raw.recv_json()['e'] == 'serverShutdown'
    event = combined.recv_json()
    assert event['stream'] == '!serverShutdown' and event['data']['e'] == 'serverShutdown'
    assert read_until_closed(raw) == 1001 and read_until_closed(combined) == 1001


def test_expire_listen_key_reaches_a_legacy_user_stream(scripted_sim, connect):
    sim = scripted_sim(legacy_listen_keys=True)
    key = _reactor.blocking_call(sim.accounts.create_listen_key, DEFAULT_API_KEY)
    client = connect(sim.stream_url + 'ws/' + key)
    wait_for(lambda: len(connections_of(sim)) == 1, 5, message='registration')
    assert client.request({'method': 'LIST_SUBSCRIPTIONS', 'id': 1}) == {'result': [key], 'id': 1}
    sim.faults.expire_listen_key(key)
    event = client.recv_json()
    assert event['e'] == 'listenKeyExpired' and event['listenKey'] == key


def test_expire_listen_tokens_delegates(scripted_sim):
    sim = scripted_sim()
    assert sim.faults.expire_listen_tokens() == 0  # no token exists yet: nothing expired


def test_expire_listen_tokens_ends_a_live_ws_api_subscription(scripted_sim, connect):
    sim = scripted_sim()
    token = signed(sim, 'POST', '/sapi/v1/userListenToken').json()['token']
    client = connect(sim.ws_api_url)
    answer = client.request({'id': 1, 'method': 'userDataStream.subscribe.listenToken',
                             'params': {'listenToken': token}})
    assert answer['status'] == 200 and answer['result']['subscriptionId'] == 0
    assert sim.faults.expire_listen_tokens() == 1
    terminated = client.recv_json()
    assert terminated['subscriptionId'] == 0 and terminated['event']['e'] == 'eventStreamTerminated'
    assert client.request({'id': 2, 'method': 'session.subscriptions'})['result'] == []
    again = client.request({'id': 3, 'method': 'userDataStream.subscribe.listenToken',
                            'params': {'listenToken': token}})
    assert again['status'] == 400 and again['error']['code'] == -1209  # the token is gone too
    assert sim.faults.expire_listen_tokens() == 0


def test_control_expire_listen_key_reaches_a_live_stream(scripted_sim, connect):
    sim = scripted_sim(legacy_listen_keys=True)
    key = call(sim, 'POST', '/api/v3/userDataStream', api_key=DEFAULT_API_KEY).json()['listenKey']
    client = connect(sim.stream_url + 'ws/' + key)
    wait_for(lambda: _reactor.blocking_call(sim.accounts.subscriber_count, DEFAULT_API_KEY) == 1, 5,
             message='the listen-key stream to attach')
    answer = requests.post(sim.control_url + '/faults/expire_listen_key', json={'key': key}, timeout=5)
    assert answer.status_code == 200 and answer.json() == {'result': 1}
    event = client.recv_json()
    assert event['e'] == 'listenKeyExpired' and event['listenKey'] == key
    assert not _reactor.blocking_call(sim.accounts.is_listen_key, key)
    again = requests.post(sim.control_url + '/faults/expire_listen_key?key=' + key, timeout=5)
    assert again.status_code == 200 and again.json() == {'result': 0}  # already expired


# -- bad frames ------------------------------------------------------------------

def test_malformed_json(raw_conn):
    sim, conn = raw_conn
    assert sim.faults.send_malformed_json() == 1
    fin, opcode, masked, payload = conn.read_frame()
    assert (fin, opcode, masked) == (True, OP_TEXT, False)
    payload.decode('utf-8')
    with pytest.raises(ValueError):
        json.loads(payload)


def test_invalid_utf8(raw_conn):
    sim, conn = raw_conn
    sim.faults.send_invalid_utf8()
    fin, opcode, masked, payload = conn.read_frame()
    assert opcode == OP_TEXT
    with pytest.raises(UnicodeDecodeError):
        payload.decode('utf-8')


def test_binary_frame(raw_conn):
    sim, conn = raw_conn
    sim.faults.send_binary(payload={'e': 'trade'})
    assert conn.read_frame() == (True, OP_BINARY, False, b'{"e":"trade"}')


def test_oversize_message(raw_conn):
    sim, conn = raw_conn
    sim.faults.send_oversize(size=300000)
    fin, opcode, masked, payload = conn.read_frame()
    assert opcode == OP_TEXT and len(payload) == 300000
    assert orjson.loads(payload)['fault'] == 'oversize'


def test_fragmented_message(raw_conn):
    sim, conn = raw_conn
    sim.faults.send_fragmented(payload={'e': 'trade', 't': 42}, parts=3)
    frames = [conn.read_frame() for _ in range(3)]
    assert [(f[0], f[1]) for f in frames] == [(False, OP_TEXT), (False, OP_CONTINUATION), (True, OP_CONTINUATION)]
    assert orjson.loads(b''.join(f[3] for f in frames)) == {'e': 'trade', 't': 42}


def test_fragmented_message_is_reassembled_by_a_client(scripted_sim, connect):
    sim = scripted_sim()
    client = connect(sim.stream_url + 'ws/bnbbtc@trade')
    wait_for(lambda: len(connections_of(sim)) == 1, 5, message='registration')
    sim.faults.send_fragmented(payload={'e': 'trade', 't': 43}, parts=4)
    assert client.recv_json() == {'e': 'trade', 't': 43}


def test_masked_server_frame(raw_conn):
    sim, conn = raw_conn
    sim.faults.send_masked(payload={'e': 'trade'})
    sock = conn.sock
    sock.settimeout(5)
    header = conn._read(2)
    assert header[0] == 0x81 and header[1] & 0x80  # FIN + text, MASK bit set
    mask = conn._read(4)
    body = conn._read(header[1] & 0x7F)
    assert apply_mask(body, mask) == b'{"e":"trade"}'


def test_slow_trickle_arrives_whole_but_late(raw_conn):
    sim, conn = raw_conn
    payload = b'{"e":"trade","pad":"' + b'y' * 40 + b'"}'
    started = time.monotonic()
    assert sim.faults.send_trickle(payload=payload, chunk=4, delay=0.02) == 1
    assert conn.read_frame() == (True, OP_TEXT, False, payload)
    # 64 bytes in pieces of 4, 0.02 s apart: at least 15 gaps
    assert time.monotonic() - started >= 0.25


def test_burst(raw_conn):
    sim, conn = raw_conn
    assert sim.faults.send_burst(count=500) == 1
    numbers = [orjson.loads(conn.read_frame()[3])['n'] for _ in range(500)]
    assert numbers == list(range(500))


def test_frame_faults_target_one_connection(scripted_sim):
    sim = scripted_sim()
    first, second = RawConnection(sim.port), RawConnection(sim.port)
    try:
        wait_for(lambda: len(connections_of(sim)) == 2, 5, message='registration')
        target = max(c.conn_id for c in connections_of(sim))
        assert sim.faults.send_binary(payload=b'x', conn_id=target) == 1
        assert second.read_frame()[1] == OP_BINARY
        first.sock.settimeout(0.2)
        with pytest.raises(OSError):
            first.sock.recv(1)
    finally:
        first.close()
        second.close()


def test_faults_are_thread_safe(scripted_sim, connect):
    sim = scripted_sim()
    client = connect(sim.stream_url + 'ws/bnbbtc@trade')
    wait_for(lambda: len(connections_of(sim)) == 1, 5, message='registration')
    results = []
    threads = [threading.Thread(target=lambda: results.append(sim.faults.send_burst(count=10))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == [1, 1, 1, 1]
    assert len([client.recv_json() for _ in range(40)]) == 40


# -- control endpoint --------------------------------------------------------------

def test_control_lists_connections_and_faults(scripted_sim, connect):
    sim = scripted_sim()
    connect(sim.stream_url + 'stream?streams=bnbbtc@trade/ethbtc@trade')
    wait_for(lambda: len(connections_of(sim)) == 1, 5, message='registration')
    listing = requests.get(sim.control_url + '/connections', timeout=5).json()
    assert len(listing) == 1
    assert listing[0]['path'] == '/stream' and listing[0]['streams'] == 2 and listing[0]['combined'] is True
    names = requests.get(sim.control_url, timeout=5).json()['faults']
    assert 'drop_all' in names and 'send_masked' in names


def test_control_triggers_faults_with_json_or_query(scripted_sim, connect):
    sim = scripted_sim()
    client = connect(sim.stream_url + 'ws/bnbbtc@trade')
    wait_for(lambda: len(connections_of(sim)) == 1, 5, message='registration')
    answer = requests.post(sim.control_url + '/faults/send_burst', json={'count': 3}, timeout=5)
    assert answer.status_code == 200 and answer.json() == {'result': 1}
    assert [client.recv_json()['n'] for _ in range(3)] == [0, 1, 2]
    answer = requests.post(sim.control_url + '/faults/refuse_connections?seconds=30&status=503', timeout=5)
    assert answer.status_code == 200
    status, _, sock = raw_handshake(sim.port)
    sock.close()
    assert status == 503
    answer = requests.post(sim.control_url + '/faults/drop_all', timeout=5)
    assert answer.json() == {'result': 1}
    assert read_until_closed(client) is None


def test_control_errors(scripted_sim):
    sim = scripted_sim()
    assert requests.post(sim.control_url + '/faults/explode', timeout=5).status_code == 404
    answer = requests.post(sim.control_url + '/faults/send_burst', json={'bogus': 1}, timeout=5)
    assert answer.status_code == 400 and 'bogus' in answer.json()['error']
    answer = requests.post(sim.control_url + '/faults/refuse_connections', timeout=5)
    assert answer.status_code == 400  # seconds is required


# -- the frame encoder -----------------------------------------------------------------

@pytest.mark.parametrize('size, header', [(0, b'\x81\x00'), (125, b'\x81\x7d'), (126, b'\x81\x7e\x00\x7e'),
                                          (65536, b'\x81\x7f' + (65536).to_bytes(8, 'big'))])
def test_text_frame_headers(size, header):
    from binance.simulator.frames import encode_frame, text_frame
    payload = b'a' * size
    assert text_frame(payload) == header + payload == encode_frame(OP_TEXT, payload)


def test_masking_round_trips():
    from binance.simulator.frames import encode_frame
    frame = encode_frame(OP_TEXT, b'hello', mask=b'\x01\x02\x03\x04')
    assert frame[:2] == b'\x81\x85' and frame[2:6] == b'\x01\x02\x03\x04'
    assert apply_mask(frame[6:], b'\x01\x02\x03\x04') == b'hello'
