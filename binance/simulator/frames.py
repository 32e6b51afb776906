"""WebSocket frame encoding for the server side (RFC 6455, section 5.2), free of I/O.

The simulator writes most frames itself: the hot fan-out path needs only a
header in front of bytes that were encoded once, and the fault injector needs
frames a well-behaved server would never send (masked, fragmented, invalid).
Every frame header the simulator writes comes from :func:`frame_header`, and
the ``{"stream","data"}`` wrapper of combined streams from
:func:`combined_message`.
"""
import struct
from typing import Optional

OP_CONTINUATION = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA

def frame_header(opcode: int, length: int, fin: bool = True, mask: Optional[bytes] = None,
                 rsv: int = 0) -> bytes:
    """The header of one frame carrying ``length`` payload bytes.

    Args:
        opcode: frame opcode (``OP_TEXT``, ``OP_CONTINUATION``, ...).
        length: payload length in bytes.
        fin: whether this is the final fragment of its message.
        mask: a 4-byte masking key; servers must not mask, so only faults pass one.
        rsv: the three RSV bits as an integer 0..7.

    Raises:
        ValueError: a negative length or a mask that is not 4 bytes.
    """
    if length < 0:
        raise ValueError('negative payload length')
    if mask is not None and len(mask) != 4:
        raise ValueError('a masking key is 4 bytes')
    b0 = (0x80 if fin else 0) | ((rsv & 7) << 4) | (opcode & 0x0F)
    b1 = 0x80 if mask is not None else 0
    if length <= 125:
        head = bytes((b0, b1 | length))
    elif length <= 0xFFFF:
        head = bytes((b0, b1 | 126)) + struct.pack('!H', length)
    else:
        head = bytes((b0, b1 | 127)) + struct.pack('!Q', length)
    return head + mask if mask is not None else head


#: Headers of the unmasked final text frames of 0 to 125 payload bytes.
_SMALL_TEXT_HEADERS = [frame_header(OP_TEXT, n) for n in range(126)]


def text_frame(payload: bytes) -> bytes:
    """One complete, unmasked text frame: the fast path for every outgoing event.

    Headers of small frames (almost every market event) come from a table
    built with :func:`frame_header`; larger ones are built by it directly.
    """
    n = len(payload)
    if n <= 125:
        return _SMALL_TEXT_HEADERS[n] + payload
    return frame_header(OP_TEXT, n) + payload


def apply_mask(payload: bytes, mask: bytes) -> bytes:
    """XOR ``payload`` with the 4-byte ``mask`` (masking and unmasking are the same)."""
    if not payload:
        return b''
    repeated = (mask * (len(payload) // 4 + 1))[:len(payload)]
    return (int.from_bytes(payload, 'big') ^ int.from_bytes(repeated, 'big')).to_bytes(len(payload), 'big')


def encode_frame(opcode: int, payload: bytes = b'', fin: bool = True, mask: Optional[bytes] = None,
                 rsv: int = 0) -> bytes:
    """A complete frame; with ``mask`` the payload is masked as a client would do it."""
    body = apply_mask(payload, mask) if mask is not None else payload
    return frame_header(opcode, len(payload), fin=fin, mask=mask, rsv=rsv) + body


def fragment_message(payload: bytes, parts: int, opcode: int = OP_TEXT) -> bytes:
    """``payload`` as one message split over ``parts`` frames (first + continuations).

    Raises:
        ValueError: fewer than one part.
    """
    if parts < 1:
        raise ValueError('a message has at least one fragment')
    size = max(1, -(-len(payload) // parts))
    chunks = [payload[i:i + size] for i in range(0, len(payload), size)] or [b'']
    out = []
    for i, chunk in enumerate(chunks):
        out.append(encode_frame(opcode if i == 0 else OP_CONTINUATION, chunk, fin=i == len(chunks) - 1))
    return b''.join(out)


def close_payload(code: int, reason: str = '') -> bytes:
    """The payload of a close frame: status code and UTF-8 reason."""
    return struct.pack('!H', code) + reason.encode('utf-8')


def combined_message(stream: str, payload: bytes) -> bytes:
    """``{"stream":<name>,"data":<payload>}`` built by byte concatenation (no re-encoding)."""
    return b'{"stream":"' + stream.encode('utf-8') + b'","data":' + payload + b'}'
