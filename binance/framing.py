"""Sans-I/O reader for the common case of server-to-client WebSocket frames.

RFC 6455 allows many things a market-data server never does in practice:
fragmented messages, masked frames, reserved bits, extensions. A Binance
stream is almost entirely complete, unfragmented, unmasked text frames, with a
ping every few seconds. :class:`FrameReader` handles exactly that common case
with as little Python work per message as possible, and hands everything else
back to the caller so that a complete implementation (Autobahn) can process
it, with identical results.

The reader never touches a socket or a clock: feed it bytes as they arrive
(any TCP chunking) and it calls a handler with each complete message payload.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional

__all__ = ['FrameReader', 'MessageHandler', 'OPCODE_TEXT', 'OPCODE_BINARY']

#: Opcode of a text data frame (RFC 6455 section 5.2).
OPCODE_TEXT = 0x1
#: Opcode of a binary data frame (RFC 6455 section 5.2).
OPCODE_BINARY = 0x2

# First header byte of a simple frame: FIN set, RSV1-3 clear, text/binary.
_FIRST_TEXT = 0x80 | OPCODE_TEXT
_FIRST_BINARY = 0x80 | OPCODE_BINARY

# Above any real length; keeps the hot loop to one integer comparison.
_UNLIMITED = 1 << 63

#: Signature of the message handler: ``handler(payload, is_binary)``.
MessageHandler = Callable[[bytes, bool], Any]


class FrameReader:
    """Incremental reader of simple server-to-client data frames.

    A frame is *simple* when it is complete in itself (FIN set), has no
    reserved bits, is not masked, is a text or binary data frame, uses the
    minimal length encoding, is not larger than the configured limit and, for
    text (unless ``validate_utf8`` is False), carries valid UTF-8. Such frames are delivered to the handler given
    to :meth:`feed`. At the first frame that is not simple, :meth:`feed` stops
    and returns the bytes from the start of that frame on; the caller gives
    them to a complete WebSocket implementation, which then either processes
    the frame or fails the connection as RFC 6455 requires.

    The reader must only be used while no extension is negotiated and the
    caller is between frames (no fragmented message or partially processed
    frame pending elsewhere).

    Args:
        max_message_size: largest payload, in bytes, delivered on the fast
            path. Larger frames are handed back (so the full implementation
            can fail the connection with close code 1009). ``None`` or ``0``
            means no limit.
        validate_utf8: hand back text frames that are not valid UTF-8 (so
            the full implementation fails the connection with close code
            1007). Pass False only when the full implementation does not
            validate either, so that both paths still agree.
    """

    __slots__ = ('_limit', '_chunks', '_buffered', '_need', 'halted', 'messages',
                 'validate_utf8')

    def __init__(self, max_message_size: Optional[int] = None,
                 validate_utf8: bool = True) -> None:
        if max_message_size is not None and max_message_size < 0:
            raise ValueError('max_message_size must be >= 0 or None')
        self._limit = max_message_size or _UNLIMITED
        # An incomplete frame is kept as a list of chunks and joined once it
        # is complete, so a large message costs one copy, not one per chunk.
        self._chunks: List[bytes] = []
        self._buffered = 0
        # Bytes needed to complete the pending frame; 0 while its header is
        # itself incomplete (the chunks are then joined on every feed, which
        # is cheap because they are shorter than a frame header).
        self._need = 0
        #: Set by :meth:`halt`; makes :meth:`feed` return after the message
        #: being delivered.
        self.halted = False
        #: Number of messages delivered so far.
        self.messages = 0
        #: Whether text payloads must be valid UTF-8 to be delivered here.
        self.validate_utf8 = validate_utf8

    @property
    def max_message_size(self) -> Optional[int]:
        """The payload size limit, or ``None`` when unlimited."""
        return None if self._limit == _UNLIMITED else self._limit

    @property
    def pending(self) -> int:
        """Number of buffered bytes of an incomplete frame."""
        return self._buffered

    def take_pending(self) -> bytes:
        """Remove and return the buffered bytes of an incomplete frame.

        Used when the caller switches to another implementation and must hand
        over what the reader has already consumed from the stream.
        """
        data = b''.join(self._chunks)
        self._chunks = []
        self._buffered = 0
        self._need = 0
        return data

    def halt(self) -> None:
        """Stop the running :meth:`feed` after the current message.

        Call this from the handler (or anything it calls) when the connection
        leaves the open state; :meth:`feed` then returns the remaining bytes.
        """
        self.halted = True

    def feed(self, data: bytes, handler: MessageHandler) -> Optional[bytes]:
        """Consume received bytes and deliver every complete simple message.

        Args:
            data: bytes as received from the transport (any chunking).
            handler: called as ``handler(payload, is_binary)`` for each
                complete simple message, in order.

        Returns:
            ``None`` when every byte was consumed (an incomplete simple frame
            at the end is kept for the next call). Otherwise the bytes that
            were not consumed, starting at the first frame that is not simple
            or, after :meth:`halt`, right after the last delivered message;
            the reader then holds nothing.
        """
        if self._buffered:
            total = self._buffered + len(data)
            if total < self._need:
                self._chunks.append(data)
                self._buffered = total
                return None
            self._chunks.append(data)
            data = b''.join(self._chunks)
            self._chunks = []
            self._buffered = 0
            self._need = 0
        self.halted = False
        limit = self._limit
        validate = self.validate_utf8
        end = len(data)
        pos = 0
        count = 0
        try:
            while end - pos >= 2:
                b0 = data[pos]
                if b0 == _FIRST_TEXT:
                    binary = False
                elif b0 == _FIRST_BINARY:
                    binary = True
                else:
                    return data[pos:]
                length = data[pos + 1]
                # A set mask bit makes the byte >= 128, so masked frames
                # fall through to the last branch and are handed back.
                if length < 126:
                    start = pos + 2
                elif length == 126:
                    if end - pos < 4:
                        break
                    length = (data[pos + 2] << 8) | data[pos + 3]
                    if length < 126:
                        return data[pos:]
                    start = pos + 4
                elif length == 127:
                    if end - pos < 10:
                        break
                    length = int.from_bytes(data[pos + 2:pos + 10], 'big')
                    if length < 0x10000 or length >> 63:
                        return data[pos:]
                    start = pos + 10
                else:
                    return data[pos:]
                if length > limit:
                    return data[pos:]
                stop = start + length
                if stop > end:
                    self._need = stop - pos
                    break
                payload = data[start:stop]
                if validate and not binary and not payload.isascii():
                    try:
                        payload.decode('utf-8')
                    except UnicodeDecodeError:
                        return data[pos:]
                handler(payload, binary)
                count += 1
                pos = stop
                if self.halted:
                    return data[pos:]
        finally:
            self.messages += count
        if pos < end:
            rest = data[pos:] if pos else data
            self._chunks.append(rest)
            self._buffered = len(rest)
        return None


def frame_bytes(payload: bytes, opcode: int = OPCODE_TEXT, fin: bool = True,
                rsv: int = 0, mask: Optional[bytes] = None,
                length_override: Optional[int] = None) -> bytes:
    """Encode one server-to-client WebSocket frame.

    Used by the benchmark server and the tests to build frames, including
    deliberately invalid ones.

    Args:
        payload: frame payload (unmasked).
        opcode: frame opcode.
        fin: FIN bit.
        rsv: value of the three reserved bits (0..7).
        mask: a 4-byte masking key, to produce a masked frame.
        length_override: write this extended-length encoding instead of the
            minimal one: 126 or 127 selects the 16- or 64-bit form.

    Returns:
        The encoded frame.
    """
    first = (0x80 if fin else 0) | ((rsv & 0x7) << 4) | (opcode & 0xF)
    n = len(payload)
    mask_bit = 0x80 if mask is not None else 0
    form = length_override
    if form is None:
        form = n if n < 126 else (126 if n < 0x10000 else 127)
    if form == 126:
        header = bytes((first, mask_bit | 126)) + n.to_bytes(2, 'big')
    elif form == 127:
        header = bytes((first, mask_bit | 127)) + n.to_bytes(8, 'big')
    else:
        header = bytes((first, mask_bit | n))
    if mask is None:
        return header + payload
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked
