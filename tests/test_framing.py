"""Unit tests of the sans-I/O frame reader (binance.framing)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binance.framing import FrameReader, frame_bytes


class Sink:
    def __init__(self):
        self.got = []

    def __call__(self, payload, is_binary):
        self.got.append((payload, is_binary))


def feed_all(reader, chunks):
    sink = Sink()
    rests = [reader.feed(c, sink) for c in chunks]
    return sink.got, rests


def test_single_text_and_binary_frames():
    reader = FrameReader()
    got, rests = feed_all(reader, [frame_bytes(b'{"a":1}') + frame_bytes(b'\x00\x01', opcode=2)])
    assert got == [(b'{"a":1}', False), (b'\x00\x01', True)]
    assert rests == [None]
    assert reader.messages == 2 and reader.pending == 0


@pytest.mark.parametrize('size', [0, 1, 125, 126, 127, 65535, 65536, 200000])
def test_every_length_encoding(size):
    payload = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    got, rests = feed_all(FrameReader(), [frame_bytes(payload, opcode=2)])
    assert got == [(payload, True)]
    assert rests == [None]


def test_byte_by_byte_feeding():
    frames = [frame_bytes(b'x' * n) for n in (3, 130, 70000, 0, 5)]
    data = b''.join(frames)
    reader = FrameReader()
    sink = Sink()
    for i in range(len(data)):
        assert reader.feed(data[i:i + 1], sink) is None
    assert [len(p) for p, _ in sink.got] == [3, 130, 70000, 0, 5]
    assert reader.pending == 0


def test_incomplete_frame_is_kept_until_complete():
    data = frame_bytes(b'y' * 1000)
    reader = FrameReader()
    sink = Sink()
    assert reader.feed(data[:500], sink) is None
    assert reader.pending == 500 and sink.got == []
    assert reader.feed(data[500:999], sink) is None
    assert reader.pending == 999
    assert reader.feed(data[999:] + frame_bytes(b'z')[:1], sink) is None
    assert sink.got == [(b'y' * 1000, False)]
    assert reader.pending == 1


def test_take_pending_hands_over_consumed_bytes():
    data = frame_bytes(b'partial message')
    reader = FrameReader()
    reader.feed(data[:6], Sink())
    assert reader.take_pending() == data[:6]
    assert reader.pending == 0


@pytest.mark.parametrize('bad', [
    frame_bytes(b'ping', opcode=0x9),
    frame_bytes(b'pong', opcode=0xA),
    frame_bytes(b'\x03\xe8', opcode=0x8),
    frame_bytes(b'frag', fin=False),
    frame_bytes(b'cont', opcode=0x0),
    frame_bytes(b'rsv', rsv=1),
    frame_bytes(b'rsv', rsv=4),
    frame_bytes(b'masked', mask=b'\x00\x00\x00\x00'),
    frame_bytes(b'op3', opcode=0x3),
    frame_bytes(b'short', length_override=126),
    frame_bytes(b's' * 1000, length_override=127),
    frame_bytes(b'\xff\xfe'),
    frame_bytes(b'ab\xe2\x82'),
    frame_bytes(b'big' * 100),
], ids=['ping', 'pong', 'close', 'fragment', 'continuation', 'rsv1', 'rsv3', 'masked',
        'opcode3', 'non-minimal-16', 'non-minimal-64', 'bad-utf8', 'truncated-utf8', 'oversize'])
def test_non_simple_frames_are_handed_back_from_their_first_byte(bad):
    before = frame_bytes(b'{"ok":1}')
    after = frame_bytes(b'{"ok":2}')
    reader = FrameReader(max_message_size=200)
    got, rests = feed_all(reader, [before + bad + after])
    assert got == [(b'{"ok":1}', False)]
    assert rests == [bad + after]
    assert reader.pending == 0


def test_non_simple_frame_after_pending_bytes_returns_them_too():
    ping = frame_bytes(b'p', opcode=0x9)
    reader = FrameReader()
    sink = Sink()
    assert reader.feed(ping[:1], sink) is None
    assert reader.feed(ping[1:], sink) == ping


def test_max_message_size_boundary():
    reader = FrameReader(max_message_size=10)
    got, rests = feed_all(reader, [frame_bytes(b'0123456789')])
    assert got == [(b'0123456789', False)] and rests == [None]
    assert reader.feed(frame_bytes(b'0123456789A'), Sink()) == frame_bytes(b'0123456789A')
    assert FrameReader(0).max_message_size is None
    with pytest.raises(ValueError):
        FrameReader(-1)


def test_halt_from_handler_returns_the_rest():
    frames = [frame_bytes(b'%d' % i) for i in range(4)]
    reader = FrameReader()
    got = []

    def handler(payload, is_binary):
        got.append(payload)
        if payload == b'1':
            reader.halt()

    assert reader.feed(b''.join(frames), handler) == frames[2] + frames[3]
    assert got == [b'0', b'1']
    # the next feed starts afresh
    assert reader.feed(frames[2], handler) is None
    assert got[-1] == b'2'


def test_valid_multibyte_utf8_is_delivered():
    payload = 'caf\u00e9 \u20ac \U0001F680'.encode('utf-8')
    got, rests = feed_all(FrameReader(), [frame_bytes(payload)])
    assert got == [(payload, False)]


def test_large_message_is_joined_once():
    # Chunks of an incomplete frame with a known length are appended, not joined.
    payload = b'a' * (1 << 20)
    data = frame_bytes(payload)
    reader = FrameReader()
    sink = Sink()
    for i in range(0, len(data) - 65536, 65536):
        reader.feed(data[i:i + 65536], sink)
        assert len(reader._chunks) == i // 65536 + 1
    reader.feed(data[(len(data) - 1) // 65536 * 65536:], sink)
    assert sink.got == [(payload, False)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.binary(max_size=300), st.booleans()), max_size=20),
       st.lists(st.integers(0, 10000), max_size=10))
def test_any_chunking_delivers_the_same_messages(messages, cuts):
    data = b''.join(frame_bytes(p, opcode=2 if b else 1) for p, b in messages
                    if b or _utf8(p))
    expected = [(p, b) for p, b in messages if b or _utf8(p)]
    points = sorted({c % (len(data) + 1) for c in cuts}) + [len(data)]
    chunks, last = [], 0
    for p in points:
        chunks.append(data[last:p])
        last = p
    got, rests = feed_all(FrameReader(), chunks)
    assert got == expected
    assert all(r is None for r in rests)


def _utf8(b):
    try:
        b.decode('utf-8')
    except UnicodeDecodeError:
        return False
    return True
