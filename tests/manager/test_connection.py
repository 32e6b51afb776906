"""StreamConnection and its protocol, driven in memory with an injected clock.

Autobahn runs for real: the client sends its real handshake and frames; the
server side is played by :class:`manager_support.FakeServer`.
"""
import logging

import pytest
from OpenSSL import SSL
from twisted.internet import defer

from binance.connection import ConnectionState, StreamConnection, StreamSession
from binance.options import ConnectionOptions
from manager_support import OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, FakeServer, refuse

URL = 'ws://127.0.0.1:9443/ws/bnbbtc@trade'
ERROR = {'e': 'error', 'm': 'Max reconnect retries reached'}


def make(reactor, policy=None, **kwargs):
    received = []
    conn = StreamConnection(kwargs.pop('url', URL), received.append, name='ws/bnbbtc@trade',
                            policy=policy, reactor=reactor, **kwargs)
    conn.start()
    return conn, received


def test_first_attempt_dials_the_url(memory_reactor):
    conn, _ = make(memory_reactor)
    assert conn.state is ConnectionState.CONNECTING
    server = FakeServer(memory_reactor)
    assert (server.host, server.port) == ('127.0.0.1', 9443)
    assert server.request.startswith(b'GET /ws/bnbbtc@trade HTTP/1.1\r\n')
    server.accept()
    assert conn.state is ConnectionState.OPEN
    assert conn.opened_count == 1


def test_combined_stream_path_with_query_is_requested_as_is(memory_reactor):
    make(memory_reactor, url='ws://127.0.0.1:9443/stream?streams=bnbbtc@trade/ethbtc@depth5')
    server = FakeServer(memory_reactor)
    assert server.request.startswith(
        b'GET /stream?streams=bnbbtc@trade/ethbtc@depth5 HTTP/1.1\r\n')


def test_wss_dials_with_verifying_tls_options(memory_reactor):
    make(memory_reactor, url='wss://stream.binance.com:9443/ws/bnbbtc@trade')
    assert memory_reactor.tcpClients == []
    host, port, _factory, creator, _timeout, _bind = memory_reactor.sslClients[0]
    assert (host, port) == ('stream.binance.com', 9443)
    assert type(creator).__name__ == 'ClientTLSOptions'
    assert creator._hostnameASCII == 'stream.binance.com'


def test_messages_are_decoded_and_delivered_in_order(memory_reactor):
    conn, received = make(memory_reactor)
    server = FakeServer(memory_reactor).accept()
    for i in range(5):
        server.send('{"e":"trade","t":%d}' % i)
    assert received == [{'e': 'trade', 't': i} for i in range(5)]


ARRAY = '[{"s":"BNBBTC"},{"s":"ETHBTC"}]'
SCALARS = ['123', '"a string"', 'null', 'true', '[]', '-1.5e3']


def test_scalar_json_and_arrays_never_reach_the_callback_of_an_object_stream(memory_reactor,
                                                                             caplog):
    conn, received = make(memory_reactor)
    server = FakeServer(memory_reactor).accept()
    with caplog.at_level(logging.DEBUG, logger='binance'):
        for text in SCALARS + [ARRAY]:
            server.send(text)
        server.send('{"e":"trade","t":1}')
    assert received == [{'e': 'trade', 't': 1}]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, 'one warning, naming the stream'
    assert warnings[0].startswith('ws/bnbbtc@trade: skipped a JSON number (123)')
    assert conn.skips.counts == {'unexpected JSON': 7}
    assert conn.state is ConnectionState.OPEN and not server.aborted


def test_an_array_stream_delivers_arrays_and_objects_but_no_scalars(memory_reactor):
    conn, received = make(memory_reactor, url='ws://127.0.0.1:9443/ws/!miniTicker@arr',
                          list_messages=True)
    server = FakeServer(memory_reactor).accept()
    for text in [ARRAY] + SCALARS + ['{"e":"error"}']:
        server.send(text)
    assert received == [[{'s': 'BNBBTC'}, {'s': 'ETHBTC'}], [], {'e': 'error'}]
    assert conn.skips.total == 5


@pytest.mark.parametrize('big', [False, True], ids=['fast path', 'big message'])
def test_scalars_are_skipped_on_the_general_path_too(memory_reactor, big):
    session = StreamSession()  # a session sends every message through _dispatch
    received = []
    conn = StreamConnection(URL, received.append, name='user', session=session,
                            reactor=memory_reactor)
    conn.start()
    server = FakeServer(memory_reactor).accept()
    pad = ' ' * (300 * 1024 if big else 0)
    server.send('123' + pad)
    server.send('{"a":1}' + pad)
    assert received == [{'a': 1}]
    assert conn.skips.total == 1


@pytest.mark.parametrize('garbage', [b'{"e":"trade"', b'123', b'\x00'], ids=['invalid JSON', 'scalar', 'binary'])
def test_a_message_that_is_skipped_is_no_proof_of_a_working_connection(memory_reactor, exact_policy,
                                                                        garbage):
    conn, received = make(memory_reactor, exact_policy, heartbeat_timeout=None)
    for attempt in range(6):
        server = FakeServer(memory_reactor).accept()
        server.send(garbage, opcode=OP_BINARY if garbage == b'\x00' else 1)
        server.lose()
        memory_reactor.advance(2)
    assert received == [ERROR]
    assert conn.state is ConnectionState.GAVE_UP


def test_invalid_json_and_binary_are_logged_and_skipped(memory_reactor, caplog):
    conn, received = make(memory_reactor)
    server = FakeServer(memory_reactor).accept()
    with caplog.at_level(logging.WARNING, logger='binance.protocol'):
        server.send(b'{"e":"trade","t":1')
        server.send(b'{"e":"trade","t":2}', opcode=OP_BINARY)
        server.send(b'{"e":"trade","t":3}')
    assert received == [{'e': 'trade', 't': 3}]
    messages = [r.getMessage() for r in caplog.records]
    assert sum('not valid JSON' in m for m in messages) == 1
    assert any('binary' in m for m in messages)
    assert conn.state is ConnectionState.OPEN
    assert not server.aborted


def test_invalid_utf8_text_fails_the_connection_with_1007(memory_reactor, caplog):
    conn, received = make(memory_reactor)
    server = FakeServer(memory_reactor).accept()
    server.client_frames()
    with caplog.at_level(logging.WARNING, logger='binance.protocol'):
        server.send(b'{"e":"trade","t":1}')
        server.send(b'{"e":"trade","s":"\xff\xfe"}')
        server.send(b'{"e":"trade","t":3}')
    # Nothing after the bad message is read: RFC 6455 requires failing the connection.
    assert received == [{'e': 'trade', 't': 1}]
    assert any('not valid UTF-8' in r.getMessage() for r in caplog.records)
    # Autobahn fails a client connection by dropping TCP (its failByDrop default).
    assert server.aborted and server.protocol.failedByMe
    assert 'invalid UTF-8' in server.protocol.wasNotCleanReason


def test_callback_exception_is_logged_with_traceback_and_delivery_goes_on(memory_reactor, caplog):
    seen = []

    def callback(msg):
        seen.append(msg['t'])
        if msg['t'] == 1:
            raise KeyError('boom')

    conn = StreamConnection(URL, callback, name='k', reactor=memory_reactor)
    conn.start()
    server = FakeServer(memory_reactor).accept()
    with caplog.at_level(logging.ERROR, logger='binance.connection'):
        for i in range(3):
            server.send('{"t":%d}' % i)
    assert seen == [0, 1, 2]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info[0] is KeyError
    assert conn.state is ConnectionState.OPEN


def test_server_ping_is_answered_with_the_same_payload(memory_reactor):
    make(memory_reactor)
    server = FakeServer(memory_reactor).accept()
    server.send(b'\x01\x02hello', opcode=OP_PING)
    assert server.client_frames() == [(OP_PONG, b'\x01\x02hello')]


def test_lost_connection_reconnects_after_the_first_backoff_delay(memory_reactor, exact_policy):
    conn, _ = make(memory_reactor, exact_policy)
    FakeServer(memory_reactor).accept().lose()
    assert conn.state is ConnectionState.BACKING_OFF
    memory_reactor.advance(0.099)
    assert len(memory_reactor.tcpClients) == 1
    memory_reactor.advance(0.002)
    assert len(memory_reactor.tcpClients) == 2
    assert conn.state is ConnectionState.CONNECTING


def _accept_then_close(reactor):
    FakeServer(reactor).accept().lose()


@pytest.mark.parametrize('fail', [refuse, _accept_then_close], ids=['refused', 'accept-then-close'])
def test_gives_up_after_five_failed_retries_with_growing_delays(memory_reactor, exact_policy, fail):
    # A server that completes the handshake and drops the socket at once must
    # not get a reconnect every 0.1 s forever (Binance bans such clients): it
    # is retried and given up on exactly like one that refuses connections.
    conn, received = make(memory_reactor, exact_policy)
    fail(memory_reactor)  # the first attempt is not a retry
    for delay in (0.1, 0.2, 0.4, 0.8, 1.6):
        attempts = len(memory_reactor.tcpClients)
        memory_reactor.advance(delay * 0.99)
        assert len(memory_reactor.tcpClients) == attempts, 'retried too early'
        memory_reactor.advance(delay * 0.02)
        assert len(memory_reactor.tcpClients) == attempts + 1
        assert received == []
        fail(memory_reactor)
    assert received == [ERROR]
    assert conn.state is ConnectionState.GAVE_UP
    memory_reactor.advance(3600)
    assert len(memory_reactor.tcpClients) == 6
    assert received == [ERROR]
    assert memory_reactor.getDelayedCalls() == []


def test_failed_handshakes_count_like_refused_connections(memory_reactor, exact_policy):
    conn, received = make(memory_reactor, exact_policy)
    for _ in range(6):
        FakeServer(memory_reactor).lose()  # TCP connected, no 101 answer
        memory_reactor.advance(2)
    assert received == [ERROR]
    assert len(memory_reactor.tcpClients) == 6


def test_retry_after_of_a_refused_handshake_delays_the_next_attempt(memory_reactor, exact_policy):
    conn, received = make(memory_reactor, exact_policy)
    FakeServer(memory_reactor).reject(429, b'Retry-After: 7\r\n')
    memory_reactor.advance(6.9)
    assert len(memory_reactor.tcpClients) == 1, 'retried before Retry-After'
    memory_reactor.advance(0.2)
    assert len(memory_reactor.tcpClients) == 2
    FakeServer(memory_reactor).reject(503, b'')  # no header: the backoff delay again
    memory_reactor.advance(0.21)
    assert len(memory_reactor.tcpClients) == 3
    FakeServer(memory_reactor).reject(503, b'Retry-After: 86400\r\n')
    memory_reactor.advance(299)
    assert len(memory_reactor.tcpClients) == 3, "a 503's Retry-After is capped, not ignored"
    memory_reactor.advance(2)
    assert len(memory_reactor.tcpClients) == 4
    # A 418 is a ban of the IP address: the venue's attempts pause as long as it says.
    FakeServer(memory_reactor).reject(418, b'Retry-After: 86400\r\n')
    memory_reactor.advance(86399)
    assert len(memory_reactor.tcpClients) == 4, 'retried during the ban'
    memory_reactor.advance(2)
    assert len(memory_reactor.tcpClients) == 5
    assert conn.retry_number == 4 and received == []


def test_retry_count_resets_after_every_successful_connection(memory_reactor, exact_policy):
    conn, received = make(memory_reactor, exact_policy)
    refuse(memory_reactor)  # the first attempt fails, then retries 1 to 4 fail
    for n in range(3):
        for _ in range(4):
            memory_reactor.advance(2)
            refuse(memory_reactor)
        memory_reactor.advance(2)
        assert conn.retry_number == 5  # the last retry allowed is under way
        server = FakeServer(memory_reactor).accept()
        assert conn.retry_number == 5, 'opening alone is not a success yet'
        server.send('{"n":%d}' % n)  # a data message is
        assert conn.retry_number == 0
        server.lose()
        assert conn.retry_number == 1
    assert received == [{'n': 0}, {'n': 1}, {'n': 2}]
    assert conn.opened_count == 3 and conn.reconnect_count == 2


def test_a_quiet_socket_counts_as_success_after_stable_after_seconds(memory_reactor,
                                                                   exact_policy):
    conn, received = make(memory_reactor, exact_policy, stable_after=3.0, heartbeat_timeout=None)
    refuse(memory_reactor)
    memory_reactor.advance(0.11)
    refuse(memory_reactor)
    memory_reactor.advance(0.21)
    server = FakeServer(memory_reactor).accept()
    memory_reactor.advance(2.9)
    assert conn.retry_number == 2
    memory_reactor.advance(0.2)
    assert conn.retry_number == 0
    server.lose()
    assert conn.retry_number == 1
    assert memory_reactor.getDelayedCalls()[0].getTime() - memory_reactor.seconds() \
        == pytest.approx(0.1)
    assert received == []


def test_the_stable_timer_ends_with_its_socket(memory_reactor, exact_policy):
    conn, _ = make(memory_reactor, exact_policy, stable_after=3.0, heartbeat_timeout=None)
    FakeServer(memory_reactor).accept().lose()
    memory_reactor.advance(0.11)
    server = FakeServer(memory_reactor).accept()
    server.lose()  # retry 1 failed after opening
    assert conn.retry_number == 2
    memory_reactor.advance(3.0)  # no stale timer of the dead socket resets the count
    assert conn.retry_number == 2
    conn.stop()
    assert memory_reactor.getDelayedCalls() == []


def test_many_drops_in_a_row_each_recovering_never_give_up(memory_reactor, exact_policy):
    conn, received = make(memory_reactor, exact_policy)
    for i in range(12):
        server = FakeServer(memory_reactor).accept()
        server.send('{"n":%d}' % i)
        server.lose()
        memory_reactor.advance(0.11)
    assert received == [{'n': i} for i in range(12)]
    assert conn.state is ConnectionState.CONNECTING
    assert conn.opened_count == 12


@pytest.mark.parametrize('url, notice', [
    (URL, b'{"e":"serverShutdown","E":1770123456789}'),
    ('ws://127.0.0.1:9443/stream?streams=bnbbtc@trade',
     b'{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1770123456789}}'),
])
def test_server_shutdown_opens_a_new_socket_at_once_make_before_break(memory_reactor, url, notice):
    conn, received = make(memory_reactor, url=url)
    old = FakeServer(memory_reactor).accept()
    old.send(b'{"n":1}')
    old.send(notice)
    assert len(memory_reactor.tcpClients) == 2, 'reconnect must not wait for a timer'
    assert conn.state is ConnectionState.CONNECTING
    assert conn.retry_number == 0
    old.send(b'{"n":2}')  # the old socket delivers until the new one is open
    assert old.client_frames() == []
    new = FakeServer(memory_reactor).accept()
    assert [op for op, _ in old.client_frames()] == [OP_CLOSE]
    # Sent before the server saw the close: still delivered, not lost in flight.
    old.send(b'{"n":3}')
    old.close_cleanly()  # the old socket ending later changes nothing
    assert conn.state is ConnectionState.OPEN
    assert len(memory_reactor.tcpClients) == 2
    new.send(b'{"n":4}')
    assert received == [{'n': 1}, {'n': 2}, {'n': 3}, {'n': 4}]
    assert conn.opened_count == 2 and conn.retry_number == 0


def test_old_socket_closing_before_its_successor_opens_changes_nothing(memory_reactor):
    conn, received = make(memory_reactor)
    old = FakeServer(memory_reactor).accept()
    old.send(b'{"e":"serverShutdown","E":1}')
    old.close_cleanly()
    assert conn.state is ConnectionState.CONNECTING
    assert len(memory_reactor.tcpClients) == 2
    memory_reactor.advance(60)
    assert len(memory_reactor.tcpClients) == 2
    FakeServer(memory_reactor).accept().send(b'{"n":1}')
    assert received == [{'n': 1}]


def test_failed_successor_retries_while_the_old_socket_still_delivers(memory_reactor, exact_policy):
    conn, received = make(memory_reactor, exact_policy)
    old = FakeServer(memory_reactor).accept()
    old.send(b'{"e":"serverShutdown","E":1}')
    refuse(memory_reactor)
    assert conn.state is ConnectionState.BACKING_OFF
    old.send(b'{"n":1}')
    memory_reactor.advance(0.11)
    new = FakeServer(memory_reactor).accept()
    old.send(b'{"n":2}')  # in flight before the server saw the close: delivered
    assert received == [{'n': 1}, {'n': 2}]
    assert conn.retry_number == 1, 'data of the replaced socket proves nothing'
    new.send(b'{"n":3}')
    assert conn.retry_number == 0
    assert received == [{'n': 1}, {'n': 2}], 'held until the old socket is gone'
    old.close_cleanly()
    assert received == [{'n': 1}, {'n': 2}, {'n': 3}]


def test_stop_during_the_switch_closes_both_sockets(memory_reactor):
    conn, received = make(memory_reactor)
    old = FakeServer(memory_reactor).accept()
    old.send(b'{"e":"serverShutdown","E":1}')
    new = FakeServer(memory_reactor)
    conn.stop()
    assert [op for op, _ in old.client_frames()] == [OP_CLOSE]
    assert new.aborted
    old.send(b'{"n":1}')
    assert received == []


def test_half_open_connection_is_pinged_dropped_and_replaced(memory_reactor, exact_policy):
    conn, received = make(memory_reactor, exact_policy, heartbeat_timeout=3.0)
    server = FakeServer(memory_reactor).accept()
    memory_reactor.advance(1.0)
    assert server.client_frames() == []
    memory_reactor.advance(1.0)
    assert server.client_frames() == [(OP_PING, b'')]
    assert not server.aborted
    memory_reactor.advance(1.0)
    assert server.aborted
    server.lose()
    assert conn.state is ConnectionState.BACKING_OFF
    memory_reactor.advance(0.1)
    assert len(memory_reactor.tcpClients) == 2


def test_any_traffic_keeps_a_quiet_stream_alive(memory_reactor):
    conn, _ = make(memory_reactor, heartbeat_timeout=3.0)
    server = FakeServer(memory_reactor).accept()
    for _ in range(20):
        memory_reactor.advance(1.0)
        server.send(b'', opcode=OP_PING)  # the server's pings alone are enough
    assert not server.aborted
    memory_reactor.advance(1.0)
    memory_reactor.advance(1.0)
    assert (OP_PING, b'') in server.client_frames()
    server.send(b'', opcode=OP_PONG)  # our ping is answered
    memory_reactor.advance(1.0)
    assert not server.aborted and conn.state is ConnectionState.OPEN


def test_a_fixed_number_of_timers_per_connection_whatever_the_traffic(memory_reactor, exact_policy):
    conn, _ = make(memory_reactor, exact_policy, heartbeat_timeout=3.0)
    server = FakeServer(memory_reactor).accept()
    # The heartbeat, the silent-stream watchdog, the planned rotation, and the
    # success timer until the first data message.
    assert len(memory_reactor.getDelayedCalls()) == 4
    server.send(b'{}')
    assert len(memory_reactor.getDelayedCalls()) == 3
    for _ in range(10):
        server.send(b'{}')
        memory_reactor.advance(1.0)
        assert len(memory_reactor.getDelayedCalls()) == 3
    server.lose()
    assert len(memory_reactor.getDelayedCalls()) == 1  # only the backoff timer


def test_heartbeat_can_be_turned_off(memory_reactor):
    conn, _ = make(memory_reactor, heartbeat_timeout=None,
                   options=ConnectionOptions(silence_bounds=None))
    server = FakeServer(memory_reactor).accept()
    memory_reactor.advance(3600)
    assert not server.aborted and server.client_frames() == []


def test_stop_closes_and_never_reconnects(memory_reactor):
    conn, received = make(memory_reactor)
    server = FakeServer(memory_reactor).accept()
    stopped = conn.stop()
    assert conn.state is ConnectionState.STOPPED
    assert [op for op, _ in server.client_frames()] == [OP_CLOSE]
    assert not stopped.called
    server.close_cleanly()
    assert stopped.called
    memory_reactor.advance(3600)
    assert len(memory_reactor.tcpClients) == 1 and received == []


def test_stop_while_backing_off_cancels_the_timer(memory_reactor):
    conn, received = make(memory_reactor)
    refuse(memory_reactor)
    assert len(memory_reactor.getDelayedCalls()) == 1
    assert conn.stop().called
    assert memory_reactor.getDelayedCalls() == []
    memory_reactor.advance(60)
    assert len(memory_reactor.tcpClients) == 1 and received == []


def test_stop_during_the_handshake_aborts_the_attempt(memory_reactor):
    conn, received = make(memory_reactor)
    server = FakeServer(memory_reactor)
    stopped = conn.stop()
    assert server.aborted
    server.lose()
    assert stopped.called
    memory_reactor.advance(60)
    assert len(memory_reactor.tcpClients) == 1


def test_a_connection_starts_only_once(memory_reactor):
    conn, _ = make(memory_reactor)
    with pytest.raises(RuntimeError):
        conn.start()


def test_a_start_queued_behind_a_stop_returns_quietly(memory_reactor):
    # stop_socket() from a callback runs at once; a start another thread
    # queued earlier may run after it and must not raise.
    conn = StreamConnection(URL, print, name='ws/bnbbtc@trade', reactor=memory_reactor)
    conn.stop()
    conn.start()
    assert conn.state is ConnectionState.STOPPED
    assert memory_reactor.tcpClients == []


def test_tls_failure_is_reported_with_a_hint(memory_reactor, caplog):
    conn, _ = make(memory_reactor, url='wss://127.0.0.1:9443/ws/bnbbtc@trade')
    factory = memory_reactor.sslClients[0][2]
    from twisted.python.failure import Failure
    with caplog.at_level(logging.ERROR, logger='binance.connection'):
        factory.clientConnectionLost(None, Failure(SSL.Error([('SSL routines', '',
                                                               'certificate verify failed')])))
    assert any('TLS' in r.getMessage() and 'ca_file' in r.getMessage() for r in caplog.records)
    assert conn.state is ConnectionState.BACKING_OFF


def test_bad_arguments_raise_at_construction(memory_reactor):
    with pytest.raises(TypeError):
        StreamConnection(URL, None, reactor=memory_reactor)
    with pytest.raises(ValueError):
        StreamConnection(URL, print, heartbeat_timeout=0, reactor=memory_reactor)
    with pytest.raises(Exception):
        StreamConnection('http://x', print, reactor=memory_reactor)
    with pytest.raises(OSError):
        StreamConnection(URL, print, ca_file='/nonexistent/ca.pem', reactor=memory_reactor)


# -- the extension point for user-data sockets ---------------------------------------------

class RecordingSession(StreamSession):
    """Unwraps {"subscriptionId", "event"}, swallows responses, subscribes on open."""

    def __init__(self, url_deferreds=None):
        self.calls = []
        self.url_deferreds = url_deferreds

    def connect_url(self, url):
        self.calls.append('connect_url')
        if self.url_deferreds is not None:
            d = defer.Deferred()
            self.url_deferreds.append(d)
            return d
        return url

    def on_open(self, protocol):
        self.calls.append('on_open')
        self.connection.send({'method': 'userDataStream.subscribe', 'id': 1})

    def on_message(self, message):
        if 'event' in message:
            return message['event']
        if message.get('e') == 'listenKeyExpired':
            self.connection.reconnect_now('listen key expired')
            return None
        return None

    def on_close(self):
        self.calls.append('on_close')

    def on_stop(self):
        self.calls.append('on_stop')


def make_session_conn(reactor, session, policy=None):
    received = []
    conn = StreamConnection('ws://127.0.0.1:9443/ws-api/v3', received.append, name='user',
                            session=session, reactor=reactor, policy=policy)
    conn.start()
    return conn, received


def test_session_subscribes_unwraps_and_swallows(memory_reactor):
    session = RecordingSession()
    conn, received = make_session_conn(memory_reactor, session)
    assert session.connection is conn
    server = FakeServer(memory_reactor).accept()
    assert server.client_frames() == [(1, b'{"method":"userDataStream.subscribe","id":1}')]
    server.send(b'{"id":1,"status":200,"result":{"subscriptionId":0}}')
    server.send(b'{"subscriptionId":0,"event":{"e":"executionReport","i":7}}')
    assert received == [{'e': 'executionReport', 'i': 7}]
    assert session.calls == ['connect_url', 'on_open']


def test_session_url_may_arrive_later_and_stop_cancels_it(memory_reactor):
    pending = []
    session = RecordingSession(url_deferreds=pending)
    conn, _ = make_session_conn(memory_reactor, session)
    assert memory_reactor.tcpClients == []
    pending[0].callback('ws://127.0.0.1:9443/ws/listenkey123')
    server = FakeServer(memory_reactor)
    assert server.request.startswith(b'GET /ws/listenkey123 ')
    server.accept().lose()
    memory_reactor.advance(1)
    assert session.calls == ['connect_url', 'on_open', 'on_close', 'connect_url']
    conn.stop()
    pending[1].callback('ws://127.0.0.1:9443/ws/listenkey456')
    assert len(memory_reactor.tcpClients) == 1
    assert session.calls[-1] == 'on_stop'


def test_session_url_failure_counts_as_a_failed_attempt(memory_reactor, exact_policy):
    pending = []
    session = RecordingSession(url_deferreds=pending)
    conn, received = make_session_conn(memory_reactor, session, exact_policy)
    for _ in range(6):
        pending[-1].errback(RuntimeError('REST call failed'))
        memory_reactor.advance(2)
    assert received == [ERROR]
    assert conn.state is ConnectionState.GAVE_UP
    assert session.calls.count('on_stop') == 1


def test_session_reconnect_now_is_not_a_failure(memory_reactor):
    session = RecordingSession()
    conn, received = make_session_conn(memory_reactor, session)
    server = FakeServer(memory_reactor).accept()
    server.send(b'{"e":"listenKeyExpired","E":1}')
    assert len(memory_reactor.tcpClients) == 2
    assert conn.retry_number == 0 and received == []
    assert 'on_close' not in session.calls  # the old socket serves until the new one opens
    FakeServer(memory_reactor).accept()
    assert session.calls == ['connect_url', 'on_open', 'connect_url', 'on_open']
    assert [op for op, _ in server.client_frames()][-1] == OP_CLOSE  # closing handshake
    server.close_cleanly()
    assert session.calls == ['connect_url', 'on_open', 'connect_url', 'on_open', 'on_close']


def test_fail_attempt_counts_an_opened_socket_as_failed(memory_reactor, exact_policy):
    conn, received = make(memory_reactor, exact_policy)
    refuse(memory_reactor)
    memory_reactor.advance(0.2)
    refuse(memory_reactor)
    memory_reactor.advance(0.3)
    server = FakeServer(memory_reactor).accept()  # retry 2 opened
    server.send(b'{"id":1}')
    assert conn.retry_number == 0
    conn.fail_attempt('subscription refused')
    server.lose()
    assert conn.retry_number == 3  # as if retry 2 had failed


def test_give_up_delivers_the_error_once_and_closes(memory_reactor):
    conn, received = make(memory_reactor)
    server = FakeServer(memory_reactor).accept()
    conn.give_up('invalid API key')
    conn.give_up('again')
    assert received == [ERROR]
    assert [op for op, _ in server.client_frames()] == [OP_CLOSE]
    server.close_cleanly()
    memory_reactor.advance(3600)
    assert conn.state is ConnectionState.GAVE_UP
    assert len(memory_reactor.tcpClients) == 1


def test_send_without_an_open_socket_returns_false(memory_reactor):
    conn, _ = make(memory_reactor)
    assert conn.send({'a': 1}) is False
    server = FakeServer(memory_reactor).accept()
    assert conn.send('{"b":2}') is True
    assert server.client_frames() == [(1, b'{"b":2}')]


def test_repr_names_the_key_never_the_url(memory_reactor):
    conn = StreamConnection('ws://127.0.0.1:1/ws/secretlistenkey', print, name='user:1',
                            reactor=memory_reactor)
    assert 'secretlistenkey' not in repr(conn)
    assert 'user:1' in repr(conn)


def test_messages_on_the_fast_path_count_as_traffic(memory_reactor):
    # The fast path reads frames itself, behind dataReceived; the heartbeat
    # must still see the stream as alive.
    conn, received = make(memory_reactor, heartbeat_timeout=3.0)
    server = FakeServer(memory_reactor).accept()
    for i in range(30):
        server.send(b'{"n":%d}' % i)
        memory_reactor.advance(0.5)
    assert received == [{'n': i} for i in range(30)]
    assert not server.aborted and server.client_frames() == []


def test_a_message_over_max_message_size_fails_the_connection_undelivered(memory_reactor,
                                                                         exact_policy):
    conn, received = make(memory_reactor, exact_policy, max_message_size=1000)
    server = FakeServer(memory_reactor).accept()
    server.send(b'{"n":1}')
    small = b'{"pad":"' + b'x' * 980 + b'"}'  # 990 bytes: allowed
    server.send(small)
    server.send(b'{"pad":"' + b'x' * 1100 + b'"}')
    server.send(b'{"n":2}')  # after the failure nothing is delivered
    assert received == [{'n': 1}, {'pad': 'x' * 980}]
    assert server.aborted  # Autobahn fails the connection by dropping it
    server.lose()
    assert conn.state is ConnectionState.BACKING_OFF
    memory_reactor.advance(0.11)
    assert len(memory_reactor.tcpClients) == 2


@pytest.mark.parametrize('options, error, argument', [
    ({'max_message_size': 0}, ValueError, 'max_message_size'),
    ({'max_message_size': -1}, ValueError, 'max_message_size'),
    ({'max_message_size': 1.5}, TypeError, 'max_message_size'),
    ({'max_message_size': True}, TypeError, 'max_message_size'),
    ({'max_message_size': '10'}, TypeError, 'max_message_size'),
    ({'stable_after': 0}, ValueError, 'stable_after'),
    ({'stable_after': '5'}, TypeError, 'stable_after'),
    ({'heartbeat_timeout': '30'}, TypeError, 'heartbeat_timeout'),
    ({'heartbeat_timeout': -1}, ValueError, 'heartbeat_timeout'),
    ({'handshake_timeout': 0}, ValueError, 'handshake_timeout'),
    ({'handshake_timeout': None}, TypeError, 'handshake_timeout'),
    ({'name': 5}, TypeError, 'name'),
    ({'name': ''}, ValueError, 'name'),
    ({'policy': {'initial': 1}}, TypeError, 'policy'),
    ({'session': object()}, TypeError, 'session'),
    ({'list_messages': 'yes'}, TypeError, 'list_messages'),
    ({'ca_file': 7}, TypeError, 'ca_file'),
    ({'url': None}, TypeError, 'url'),
    ({'url': b'ws://127.0.0.1:1/'}, TypeError, 'url'),
])
def test_every_argument_is_checked_at_construction_naming_it(memory_reactor, options, error,
                                                             argument):
    options.setdefault('url', URL)
    with pytest.raises(error, match=argument):
        StreamConnection(options.pop('url'), print, reactor=memory_reactor, **options)


def test_a_long_name_is_cut_short_in_log_lines(memory_reactor, caplog):
    name = 'stream?streams=' + '/'.join('s{}@trade'.format(i) for i in range(1024))
    conn = StreamConnection(URL, print, name=name, reactor=memory_reactor)
    assert len(conn.name) <= 120 and str(len(name)) in conn.name
    with caplog.at_level(logging.DEBUG, logger='binance'):
        conn.start()
        refuse(memory_reactor)
    assert caplog.records and all(len(r.getMessage()) < 400 for r in caplog.records)
