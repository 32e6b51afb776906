"""The fast path plus Autobahn's fallback behaves exactly like Autobahn alone.

Two client protocols are driven over in-memory transports after a real
opening handshake: one plain Autobahn protocol, one with ``FastPathMixin``.
Both receive the same server bytes, cut at the same (random) TCP chunk
boundaries, and must deliver the same messages, send the same frames back
(pongs, close replies) and end in the same connection state.
"""

import base64
import hashlib
import logging
import os
import re

import orjson
import pytest
from autobahn.twisted.websocket import WebSocketClientFactory, WebSocketClientProtocol
from autobahn.websocket.protocol import WebSocketProtocol
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactorClock, StringTransport

from binance._fastpath import FastPathMixin
from binance.connection import StreamConnection, StreamSession
from binance.framing import frame_bytes

_GUID = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
LIMIT = 4096
CLOSE_ON = b'please-close'


class FakeTransport(StringTransport):
    """StringTransport that, like TCP transports, tolerates unregistering twice."""

    def unregisterProducer(self):
        self.producer = None

    def abortConnection(self):
        self.loseConnection()


class RecordingProtocol(WebSocketClientProtocol):
    """Autobahn client protocol that records what reaches the application."""

    def __init__(self):
        super().__init__()
        self.delivered = []
        self.closed = None

    def onMessage(self, payload, isBinary):
        self._on_payload(payload, isBinary)

    def _on_payload(self, payload, is_binary):
        assert isinstance(payload, bytes)
        self.delivered.append((payload, is_binary))
        if payload == CLOSE_ON:
            self.sendClose(1000)

    def onClose(self, wasClean, code, reason):
        self.closed = (wasClean, code)


class FastRecordingProtocol(FastPathMixin, RecordingProtocol):
    """The same, with the fast path in front."""


def complete_handshake(proto, transport, leftover=b''):
    """Answer the client's opening handshake with a valid 101 response.

    ``leftover`` is sent in the same read, as a busy server's first frames are.
    """
    key = re.search(rb'Sec-WebSocket-Key: (\S+)', transport.value()).group(1)
    accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
    transport.clear()
    proto.dataReceived(b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'
                       b'Connection: Upgrade\r\nSec-WebSocket-Accept: ' + accept + b'\r\n\r\n'
                       + leftover)
    assert proto.state != WebSocketProtocol.STATE_CONNECTING


def open_protocol(cls, limit=LIMIT, leftover=b'', **options):
    """Return (protocol, transport) after a completed opening handshake."""
    clock = Clock()
    factory = WebSocketClientFactory('ws://127.0.0.1:9/ws/bnbbtc@trade', reactor=clock)
    factory.protocol = cls
    factory.setProtocolOptions(maskClientFrames=False, maxMessagePayloadSize=limit,
                               openHandshakeTimeout=0, closeHandshakeTimeout=0, **options)
    proto = factory.buildProtocol(None)
    transport = FakeTransport()
    proto.makeConnection(transport)
    complete_handshake(proto, transport, leftover)
    return proto, transport


def outcome(proto, transport):
    # Octets read after the connection failed are not comparable: Autobahn
    # checks UTF-8 byte by byte and stops reading mid-frame, the fast path
    # checks a text frame once it is complete. Either way the connection fails
    # and nothing of that frame is delivered, which the other fields compare.
    failed = bool(proto.failedByMe)
    return {
        'delivered': proto.delivered,
        'sent': transport.value(),
        'state': proto.state,
        'disconnecting': transport.disconnecting,
        'failed': proto.failedByMe,
        'local_close': proto.localCloseCode,
        'remote_close': proto.remoteCloseCode,
        'frames': proto.trafficStats.incomingWebSocketFrames,
        'messages': proto.trafficStats.incomingWebSocketMessages,
        'octets': None if failed else proto.trafficStats.incomingOctetsWireLevel,
    }


def run_both(chunks, limit=LIMIT, with_handshake=False, **options):
    """Feed both protocols the same chunks; the first with the 101 response if asked."""
    results = []
    for cls in (RecordingProtocol, FastRecordingProtocol):
        leftover = chunks[0] if with_handshake and chunks else b''
        proto, transport = open_protocol(cls, limit, leftover, **options)
        for chunk in chunks[1 if leftover else 0:]:
            proto.dataReceived(chunk)
        results.append(outcome(proto, transport))
    return results


def chunked(data, cuts):
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for p in points + [len(data)]:
        if p > last:
            pieces.append(data[last:p])
            last = p
    return pieces


# -- strategies ---------------------------------------------------------------

text_payloads = st.one_of(
    st.text(max_size=40).map(lambda s: s.encode('utf-8')),
    st.binary(max_size=8).map(lambda b: b'{"e":"trade","x":"' + b.hex().encode() + b'"}'),
    st.integers(126, 300).map(lambda n: ('\u00e9' * n).encode('utf-8')[:n * 2]),
    st.just(CLOSE_ON),
)
binary_payloads = st.one_of(st.binary(max_size=300), st.just(b'\x00' * 70000))
control_frames = st.one_of(
    st.binary(max_size=125).map(lambda p: frame_bytes(p, opcode=0x9)),
    st.binary(max_size=125).map(lambda p: frame_bytes(p, opcode=0xA)),
)


@st.composite
def message_frames(draw):
    """One message, possibly fragmented, with control frames in between."""
    binary = draw(st.booleans())
    payload = draw(binary_payloads if binary else text_payloads)
    opcode = 0x2 if binary else 0x1
    parts = draw(st.integers(1, 3))
    if parts == 1 or len(payload) < 2:
        return frame_bytes(payload, opcode=opcode)
    cuts = sorted(draw(st.lists(st.integers(0, len(payload)), min_size=parts - 1,
                                max_size=parts - 1)))
    bounds = [0] + cuts + [len(payload)]
    out = b''
    for i in range(len(bounds) - 1):
        last = i == len(bounds) - 2
        out += frame_bytes(payload[bounds[i]:bounds[i + 1]], opcode=opcode if i == 0 else 0,
                           fin=last)
        if not last and draw(st.booleans()):
            out += draw(control_frames)
    return out


violations = st.sampled_from([
    frame_bytes(b'{"masked":1}', mask=b'\x01\x02\x03\x04'),
    frame_bytes(b'{"rsv":1}', rsv=4),
    frame_bytes(b'{"rsv":2}', rsv=1),
    frame_bytes(b'data', opcode=0x3),
    frame_bytes(b'ctl', opcode=0xB),
    frame_bytes(b'\xff\xfe not utf-8'),
    frame_bytes(b'ok then \xc3'),
    frame_bytes(b'y' * (LIMIT + 1)),
    frame_bytes(b'short', length_override=126),
    frame_bytes(b'z' * 300, length_override=127),
    frame_bytes(b'cont', opcode=0x0),
    frame_bytes(b'frag', fin=False, opcode=0x9),
    frame_bytes((1000).to_bytes(2, 'big') + b'bye', opcode=0x8),
    frame_bytes(b'a', fin=False) + frame_bytes(b'b'),
])

streams = st.tuples(
    st.lists(st.one_of(message_frames(), control_frames, message_frames()), max_size=12),
    st.one_of(st.none(), violations),
    st.lists(message_frames(), max_size=3),
)


@settings(max_examples=int(os.environ.get("FASTPATH_EXAMPLES", "200")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams, st.lists(st.integers(0, 1 << 20), max_size=12), st.booleans())
def test_fast_path_matches_autobahn(stream, cuts, with_handshake):
    before, violation, after = stream
    data = b''.join(before) + (violation or b'') + b''.join(after)
    plain, fast = run_both(chunked(data, cuts), with_handshake=with_handshake)
    assert fast == plain


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams, st.lists(st.integers(0, 1 << 20), max_size=12), st.booleans())
def test_fast_path_matches_autobahn_without_utf8_validation(stream, cuts, with_handshake):
    # StreamClientProtocol leaves UTF-8 to orjson; the fast path must then agree too.
    before, violation, after = stream
    data = b''.join(before) + (violation or b'') + b''.join(after)
    plain, fast = run_both(chunked(data, cuts), with_handshake=with_handshake,
                           utf8validateIncoming=False)
    assert fast == plain


# -- explicit protocol violations ----------------------------------------------

GOOD = frame_bytes(b'{"e":"trade","p":"1"}')


@pytest.mark.parametrize('bad,code', [
    (frame_bytes(b'{"a":1}', mask=b'abcd'), 1002),
    (frame_bytes(b'{"a":1}', rsv=2), 1002),
    (frame_bytes(b'{"a":1}', opcode=0x5), 1002),
    (frame_bytes(b'{"a":1}', opcode=0xC), 1002),
    (frame_bytes(b'{"a":"\xed\xa0\x80"}'), 1007),   # UTF-16 surrogate, invalid in UTF-8
    (frame_bytes(b'{"a":"\xc3"}'), 1007),
    (frame_bytes(b'q' * (LIMIT + 1)), 1009),
], ids=['masked', 'rsv', 'data-opcode', 'control-opcode', 'surrogate', 'truncated-utf8',
        'oversize'])
@pytest.mark.parametrize('split', [None, 1, 3])
def test_violation_fails_connection_and_is_never_delivered(bad, code, split):
    data = GOOD + bad + GOOD
    chunks = [data] if split is None else [data[:len(GOOD) + split], data[len(GOOD) + split:]]
    plain, fast = run_both(chunks)
    assert fast == plain
    assert fast['delivered'] == [(b'{"e":"trade","p":"1"}', False)]
    assert fast['failed'] is True
    assert fast['disconnecting'] is True
    proto, transport = open_protocol(FastRecordingProtocol)
    for chunk in chunks:
        proto.dataReceived(chunk)
    assert proto.closed is None or proto.closed[0] is False
    assert proto.localCloseCode in (None, code)
    assert proto.failedByMe


def test_invalid_utf8_close_code_is_1007():
    proto, transport = open_protocol(FastRecordingProtocol)
    proto.failByDrop = False  # send a close frame so the code is visible on the wire
    proto.dataReceived(frame_bytes(b'\xff'))
    assert proto.delivered == []
    assert proto.localCloseCode == 1007
    sent = transport.value()
    assert sent[0] == 0x88 and int.from_bytes(sent[2:4], 'big') == 1007


def test_valid_non_ascii_text_is_delivered_on_fast_path():
    proto, transport = open_protocol(FastRecordingProtocol)
    payload = '{"s":"\u00e9\u4e2d\U0001F600"}'.encode('utf-8')
    proto.dataReceived(frame_bytes(payload) * 2)
    assert proto.delivered == [(payload, False)] * 2
    assert proto._fp_reader.messages == 2


def test_ping_between_messages_is_answered_and_fast_path_resumes():
    proto, transport = open_protocol(FastRecordingProtocol)
    msgs = [b'{"n":%d}' % i for i in range(5)]
    data = (frame_bytes(msgs[0]) + frame_bytes(msgs[1]) + frame_bytes(b'hb', opcode=0x9)
            + b''.join(frame_bytes(m) for m in msgs[2:]))
    for i in range(0, len(data), 7):
        proto.dataReceived(data[i:i + 7])
    assert [p for p, _ in proto.delivered] == msgs
    assert transport.value() == frame_bytes(b'hb', opcode=0xA)
    # messages after the ping went through the fast path again
    assert proto._fp_reader.messages >= 3


def test_large_message_in_many_chunks():
    proto, transport = open_protocol(FastRecordingProtocol, limit=0)
    payload = b'[' + b','.join(b'["%d.5","%d"]' % (i, i) for i in range(100000)) + b']'
    data = frame_bytes(payload)
    for i in range(0, len(data), 65536):
        proto.dataReceived(data[i:i + 65536])
    assert proto.delivered == [(payload, False)]
    assert proto._fp_reader.messages == 1


def test_messages_after_close_from_callback_are_handled_like_autobahn():
    data = frame_bytes(b'1') + frame_bytes(CLOSE_ON) + frame_bytes(b'2') + frame_bytes(b'3')
    plain, fast = run_both([data])
    assert fast == plain
    assert fast['state'] == WebSocketProtocol.STATE_CLOSING
    assert fast['local_close'] == 1000


def test_not_used_before_open_or_when_disabled():
    proto, transport = open_protocol(FastRecordingProtocol)
    assert proto._fp_reader is None  # created lazily on first data after open

    class Disabled(FastRecordingProtocol):
        fast_path_enabled = False

    proto, transport = open_protocol(Disabled)
    proto.dataReceived(GOOD)
    assert proto.delivered == [(b'{"e":"trade","p":"1"}', False)]
    assert proto._fp_reader is None


def test_auto_ping_timeout_cancelled_by_fast_path_data():
    proto, transport = open_protocol(FastRecordingProtocol)
    proto.dataReceived(GOOD)  # create the reader
    proto.autoPingRestartOnAnyTraffic = True
    cancelled = []
    proto.autoPingTimeoutCall = type('Call', (), {'cancel': lambda self: cancelled.append(1)})()
    proto.autoPingPendingCall = None
    proto.autoPingInterval = 0
    proto.dataReceived(GOOD)
    assert cancelled == [1]
    assert proto.autoPingTimeoutCall is None


def test_handshake_leftover_frames_are_delivered():
    for cls in (RecordingProtocol, FastRecordingProtocol):
        clock = Clock()
        factory = WebSocketClientFactory('ws://127.0.0.1:9/ws/x', reactor=clock)
        factory.protocol = cls
        factory.setProtocolOptions(openHandshakeTimeout=0)
        proto = factory.buildProtocol(None)
        transport = FakeTransport()
        proto.makeConnection(transport)
        key = re.search(rb'Sec-WebSocket-Key: (\S+)', transport.value()).group(1)
        accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
        response = (b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'
                    b'Connection: Upgrade\r\nSec-WebSocket-Accept: ' + accept + b'\r\n\r\n')
        frames = frame_bytes(b'{"a":1}') + frame_bytes(b'{"a":2}')
        proto.dataReceived(response + frames[:12])
        proto.dataReceived(frames[12:])
        assert [p for p, _ in proto.delivered] == [b'{"a":1}', b'{"a":2}'], cls
        if cls is FastRecordingProtocol:
            # what came with the handshake took the fast path as well
            assert proto._fp_reader.messages == 2


# -- through the real stream protocol ------------------------------------------

class RecordingConnection(StreamConnection):
    """A real StreamConnection on an in-memory reactor that records what it delivers."""

    def __init__(self, path='ws/bnbbtc@trade', callback=None, heartbeat_timeout=None,
                 session=None):
        self.messages = []
        self.reconnects = []
        self.memory_reactor = MemoryReactorClock()
        super().__init__('ws://127.0.0.1:9/' + path, callback or self.messages.append,
                         name=path, heartbeat_timeout=heartbeat_timeout, session=session,
                         reactor=self.memory_reactor)

    def reconnect_now(self, reason, label=None):
        self.reconnects.append(reason)


def open_stream_protocol(heartbeat_timeout=None, path='ws/bnbbtc@trade', conn=None):
    conn = conn or RecordingConnection(path, heartbeat_timeout=heartbeat_timeout)
    conn.start()
    factory = conn.memory_reactor.tcpClients[-1][2]
    proto = factory.buildProtocol(None)
    transport = FakeTransport()
    proto.makeConnection(transport)
    complete_handshake(proto, transport)
    assert conn.protocol is proto
    if heartbeat_timeout is not None:
        return proto, transport, conn, conn.memory_reactor
    return proto, transport, conn


def test_stream_protocol_uses_fast_path_and_skips_invalid_json(caplog):
    proto, transport, conn = open_stream_protocol()
    assert isinstance(proto, FastPathMixin)
    data = (frame_bytes(b'{"e":"trade","t":1}') + frame_bytes(b'{"e":"trade","t":')
            + frame_bytes(b'[1,2') + frame_bytes(b'{"e":"trade","t":2}'))
    with caplog.at_level(logging.DEBUG, logger='binance'):
        for i in range(0, len(data), 5):
            proto.dataReceived(data[i:i + 5])
    assert conn.messages == [{'e': 'trade', 't': 1}, {'e': 'trade', 't': 2}]
    skipped = [r for r in caplog.records if 'not valid JSON' in r.getMessage()]
    assert [r.levelno for r in skipped] == [logging.WARNING, logging.DEBUG]  # warned once
    assert conn.skips.counts == {'invalid JSON': 2}
    assert proto.state == WebSocketProtocol.STATE_OPEN
    assert proto._fp_reader.messages >= 4


def test_stream_protocol_fails_on_invalid_utf8_text(caplog):
    proto, transport, conn = open_stream_protocol()
    data = (frame_bytes(b'{"e":"trade","t":1}') + frame_bytes(b'{"x":"\xff"}')
            + frame_bytes(b'{"e":"trade","t":3}'))
    with caplog.at_level(logging.WARNING, logger='binance.protocol'):
        proto.dataReceived(data)
    assert conn.messages == [{'e': 'trade', 't': 1}]
    assert any('not valid UTF-8' in r.getMessage() for r in caplog.records)
    assert proto.state != WebSocketProtocol.STATE_OPEN


def test_stream_protocol_protocol_violation_never_reaches_dispatch():
    proto, transport, conn = open_stream_protocol()
    proto.dataReceived(frame_bytes(b'{"a":1}') + frame_bytes(b'{"a":2}', rsv=2)
                       + frame_bytes(b'{"a":3}'))
    assert conn.messages == [{'a': 1}]
    assert proto.failedByMe
    assert transport.disconnecting


@pytest.mark.parametrize('traffic', [True, False])
def test_stream_protocol_heartbeat_counts_fast_path_traffic(traffic):
    proto, transport, conn, clock = open_stream_protocol(heartbeat_timeout=3)
    for i in range(12):
        clock.advance(0.5)
        if traffic:
            proto.dataReceived(frame_bytes(b'{"a":%d}' % i))
    sent = transport.value()
    if traffic:
        assert len(conn.messages) == 12
        assert proto._fp_reader.messages == 12
        assert sent == b'' and not transport.disconnecting
    else:
        assert sent[:1] == b'\x89'  # the heartbeat pinged ...
        assert transport.disconnecting  # ... and then gave up on the silent peer


def test_random_bytes_never_crash_and_match(tmp_path):
    rnd = os.urandom(4096)
    plain, fast = run_both([rnd[:100], rnd[100:]])
    assert fast == plain


def test_close_between_chunks_hands_the_pending_partial_frame_to_autobahn():
    data = frame_bytes(b'{"a":1}') + frame_bytes(b'{"a":2}') + frame_bytes(b'\x03\xe8', opcode=0x8)
    outcomes = []
    for cls in (RecordingProtocol, FastRecordingProtocol):
        proto, transport = open_protocol(cls)
        proto.dataReceived(data[:12])  # the first message and part of the second
        proto.sendClose(1000)
        proto.dataReceived(data[12:])
        outcomes.append(outcome(proto, transport))
    plain, fast = outcomes
    assert fast == plain
    assert fast['delivered'] == [(b'{"a":1}', False), (b'{"a":2}', False)]
    assert fast['remote_close'] == 1000


def test_large_message_is_decoded_with_the_collector_paused_and_restored(monkeypatch):
    import gc

    import binance.protocol as protocol
    seen = []
    real_loads = protocol.orjson.loads

    def loads(payload):
        seen.append(gc.isenabled())
        return real_loads(payload)

    monkeypatch.setattr(protocol.orjson, 'loads', loads)
    proto, transport, conn = open_stream_protocol()  # binds orjson.loads when it opens
    delivered_with_gc = []

    def dispatch(message, protocol=None):
        delivered_with_gc.append(gc.isenabled())
        conn.messages.append(message)

    conn._dispatch = dispatch  # where big messages go
    big = b'{"bids":[' + b','.join([b'["1.0","2.0"]'] * 30000) + b']}'
    assert len(big) >= protocol.LARGE_MESSAGE_SIZE
    assert gc.isenabled()
    proto.dataReceived(frame_bytes(b'{"t":1}') + frame_bytes(big))
    assert seen == [True, False]
    assert delivered_with_gc == [False]  # paused until the message was delivered ...
    assert gc.isenabled()  # ... and on again afterwards
    assert conn.messages[0] == {'t': 1} and len(conn.messages[1]['bids']) == 30000


@pytest.mark.parametrize('path, notice', [
    ('ws/bnbbtc@trade', b'{"e":"serverShutdown","E":1}'),
    ('stream?streams=bnbbtc@trade/ethbtc@trade',
     b'{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1}}'),
])
def test_stream_protocol_server_shutdown_switches_and_is_not_delivered(path, notice):
    proto, transport, conn = open_stream_protocol(path=path)
    # the other form's notice is ordinary data on this kind of stream
    other = (b'{"stream":"x@trade","data":{"e":"serverShutdown"}}' if path.startswith('ws/')
             else b'{"e":"serverShutdown"}')
    proto.dataReceived(frame_bytes(b'{"a":1}') + frame_bytes(notice) + frame_bytes(other)
                       + frame_bytes(b'{"a":2}'))
    assert conn.messages == [{'a': 1}, orjson.loads(other), {'a': 2}]
    assert len(conn.reconnects) == 1


def test_stream_protocol_callback_exception_is_logged_and_delivery_goes_on(caplog):
    seen = []

    def callback(message):
        seen.append(message)
        if message['a'] == 1:
            raise RuntimeError('boom')

    proto, transport, conn = open_stream_protocol(conn=RecordingConnection(callback=callback))
    with caplog.at_level(logging.ERROR, logger='binance'):
        proto.dataReceived(b''.join(frame_bytes(b'{"a":%d}' % i) for i in range(3)))
    assert seen == [{'a': 0}, {'a': 1}, {'a': 2}]
    errors = [r for r in caplog.records if 'callback raised' in r.getMessage()]
    assert len(errors) == 1 and errors[0].exc_info[0] is RuntimeError


def test_stream_protocol_detach_stops_delivery_within_the_chunk():
    proto = None
    seen = []

    def callback(message):
        seen.append(message)
        if message['a'] == 1:
            proto.detach()

    proto, transport, conn = open_stream_protocol(conn=RecordingConnection(callback=callback))
    proto.dataReceived(b''.join(frame_bytes(b'{"a":%d}' % i) for i in range(4)))
    proto.dataReceived(frame_bytes(b'{"a":9}'))
    assert seen == [{'a': 0}, {'a': 1}]
    assert proto.state == WebSocketProtocol.STATE_OPEN


def test_stream_protocol_session_sees_every_message_through_dispatch():
    class Session(StreamSession):
        def on_message(self, message):
            seen.append(message)
            return message

    seen = []
    proto, transport, conn = open_stream_protocol(conn=RecordingConnection(session=Session()))
    proto.dataReceived(frame_bytes(b'{"e":"serverShutdown"}') + frame_bytes(b'{"a":1}'))
    assert seen == [{'a': 1}]  # the connection handles the shutdown notice first
    assert conn.messages == [{'a': 1}] and len(conn.reconnects) == 1
