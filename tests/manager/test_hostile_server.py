"""What a misbehaving server cannot do to a socket: hold memory, cause a retry storm, feed garbage.

Real loopback sockets against :class:`hostile_server.HostileServer`, with a
fast retry policy so that giving up takes well under a second.
"""
import gc
import tracemalloc
import weakref

import pytest
from twisted.logger import globalLogPublisher

from binance import _reactor
from binance.backoff import BackoffPolicy
from binance.connection import ConnectionState, StreamConnection
from binance.framing import frame_bytes
from binance.protocol import StreamClientFactory
from hostile_server import SCALARS, VIOLATIONS, HostileServer, endless_fragmented_message, send_once
from tests.conftest import undone_after
from tests.recording import Recorder

ERROR = {'e': 'error', 'm': 'Max reconnect retries reached'}


def fast_policy():
    return BackoffPolicy(initial=0.01, max_delay=0.05, jitter=0)


@pytest.fixture
def hostile(reactor_thread):
    """Factory: ``hostile(behaviour)`` -> a started :class:`HostileServer`, stopped after the test."""
    with undone_after(lambda behave: HostileServer(behave).start(), HostileServer.stop) as factory:
        yield factory


@pytest.fixture
def every_log_event():
    """Keep every Twisted log event, as Twisted's start-up buffer does until logging begins."""
    events = []
    globalLogPublisher.addObserver(events.append)
    yield events
    globalLogPublisher.removeObserver(events.append)


@pytest.fixture
def built_protocols(monkeypatch):
    """Weak references to every protocol a StreamClientFactory builds during the test."""
    refs = []
    build = StreamClientFactory.buildProtocol

    def recording(self, addr):
        proto = build(self, addr)
        refs.append(weakref.ref(proto))
        return proto

    monkeypatch.setattr(StreamClientFactory, 'buildProtocol', recording)
    return refs


def start_connection(url, callback, **options):
    options.setdefault('policy', fast_policy())

    def make():
        conn = StreamConnection(url + 'ws/bnbbtc@trade', callback, name='ws/bnbbtc@trade',
                                **options)
        conn.start()
        return conn
    return _reactor.blocking_call(make)


def test_closed_protocols_and_their_buffers_are_freed_after_oversize_messages(
        hostile, every_log_event, built_protocols):
    # Each connection buffers an endless fragmented message up to the 1 MiB
    # limit, is failed (1009) and replaced: nothing of it may stay reachable,
    # not from a log event, the factory of its attempt or the connection.
    server = hostile(endless_fragmented_message(chunk=16 * 1024, burst=8))
    inbox = Recorder()
    gc.collect()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        conn = start_connection(server.url, inbox, max_message_size=1 << 20)
        inbox.wait(lambda items: items == [ERROR], timeout=20, what='giving up')
        _reactor.blocking_call(conn.stop)
        del conn
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    assert server.connections == 6
    alive = [ref() for ref in built_protocols if ref() is not None]
    assert alive == [], '{} closed protocols are still reachable'.format(len(alive))
    # Six attempts buffered 1 MiB each; what is left is far below one of them.
    assert retained < 512 * 1024, '{} bytes still held after close'.format(retained)
    assert every_log_event, 'the observer saw the run'


def test_a_stopped_connection_keeps_no_protocol_alive(hostile, built_protocols):
    server = hostile(lambda proto: proto.transport.write(b'\x81\x02{}'))
    inbox = Recorder()
    conn = start_connection(server.url, inbox)
    inbox.wait(lambda items: items == [{}], what='the first message')
    stopped = _reactor.blocking_call(conn.stop)
    assert stopped is None
    assert conn.state is ConnectionState.STOPPED
    gc.collect()
    assert [ref() for ref in built_protocols if ref() is not None] == []


@pytest.mark.parametrize('violation', sorted(VIOLATIONS))
def test_a_connection_that_fails_before_delivering_counts_as_a_failed_retry(hostile, violation):
    # Each connection opens and is failed by its first frame: nothing is ever
    # delivered, so no attempt is a success, and the socket gives up after
    # 5 retries instead of reconnecting every 0.1 s for ever.
    server = hostile(send_once(VIOLATIONS[violation]))
    inbox = Recorder()
    conn = start_connection(server.url, inbox, max_message_size=65536)
    inbox.wait(lambda items: items == [ERROR], timeout=20, what='giving up')
    assert conn.state is ConnectionState.GAVE_UP
    assert server.connections == 6


def test_json_that_is_not_a_market_message_never_reaches_the_callback(hostile):
    server = hostile(send_once(b''.join(frame_bytes(text) for text in SCALARS)
                               + frame_bytes(b'{"e":"trade","t":1}')))
    inbox = Recorder()
    conn = start_connection(server.url, inbox)
    assert inbox.wait(lambda items: items)[0] == {'e': 'trade', 't': 1}
    assert conn.skips.counts == {'unexpected JSON': len(SCALARS)}
    assert inbox.snapshot() == [{'e': 'trade', 't': 1}]
    _reactor.blocking_call(conn.stop)
