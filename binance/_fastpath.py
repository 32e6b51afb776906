"""Lean receive path for Autobahn client protocols.

:class:`FastPathMixin` sits in front of Autobahn's ``dataReceived``. While the
connection is open and no extension is negotiated, complete simple data frames
(see :class:`binance.framing.FrameReader`) go straight from the receive buffer
to ``self._on_payload(payload, is_binary)``: no frame objects, no Deferred, no
re-slicing of a growing buffer. Anything else (control frames, fragments,
masked frames, reserved bits, bad opcodes, oversize, invalid UTF-8) is handed
to Autobahn at the exact byte where it starts, so Autobahn answers pings,
closes and fails the connection exactly as it would on its own. Once Autobahn
has finished such a frame the fast path takes over again.

Differences from Autobahn alone, by design: messages taken on the fast path do
not fire Autobahn's ``onMessageBegin``/``onMessageFrame*``/``onMessageEnd``
hooks nor its ``"message"`` observer event; ``onMessage`` is not called,
``_on_payload`` is. Connections with octet/frame logging or timing tracking
switched on use Autobahn's path only.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from autobahn.websocket.protocol import WebSocketProtocol

from binance.framing import FrameReader

__all__ = ['FastPathMixin']

log = logging.getLogger(__name__)

_OPEN = WebSocketProtocol.STATE_OPEN


class FastPathMixin:
    """Mixin for an Autobahn ``WebSocketClientProtocol`` subclass.

    Put it first in the bases, e.g.
    ``class P(FastPathMixin, WebSocketClientProtocol)``. The class must define
    ``_on_payload(payload: bytes, is_binary: bool)``, and its ``onMessage``
    should call ``_on_payload`` too so both paths end in the same place.

    The largest payload taken on the fast path is the smaller non-zero value
    of Autobahn's ``maxMessagePayloadSize`` and ``maxFramePayloadSize``
    (protocol options); bigger frames go to Autobahn, which fails the
    connection with close code 1009.
    """

    _fp_reader: Optional[FrameReader] = None
    #: Set to False (class or instance) to use Autobahn's path only.
    fast_path_enabled = True
    #: Counters told about every chunk read on the fast path, or None:
    #: ``on_chunk(nbytes, nmessages)``, ``sampling_due()`` and
    #: ``sample_payload(payload)`` (see :class:`binance.telemetry.SocketStats`).
    _fp_stats: Optional[Any] = None
    #: Whether the first message of a chunk is sampled when ``sampling_due()`` says so.
    _fp_sampling = False
    #: Set when a chunk held a complete data message; read and cleared by its owner.
    _data_seen = False

    # -- Autobahn hooks -----------------------------------------------------

    def dataReceived(self, data: bytes) -> None:
        """Receive bytes from the transport (Twisted ``IProtocol``)."""
        reader = self._fp_reader
        if reader is None:
            reader = self._fp_start()
            if reader is None:
                super().dataReceived(data)  # type: ignore[misc]
                return
        if self.state != _OPEN:  # type: ignore[attr-defined]
            # Closing or closed: Autobahn decides what happens to any byte.
            if reader.pending:
                data = reader.take_pending() + data
            self._fp_autobahn(data)
            return
        self.trafficStats.incomingOctetsWireLevel += len(data)  # type: ignore[attr-defined]
        self._fp_receive(reader, data)

    def consumeData(self) -> None:
        """Autobahn hook: bytes that arrived with the handshake take the fast path too.

        Autobahn calls this right after the opening handshake for whatever
        followed the HTTP response in the same read; on a busy stream that is
        a whole receive buffer of frames.
        """
        if (self.state == _OPEN and self.data  # type: ignore[attr-defined]
                and self.current_frame is None  # type: ignore[attr-defined]
                and not self.inside_message):  # type: ignore[attr-defined]
            reader = self._fp_reader or self._fp_start()
            if reader is not None:
                data = self.data  # type: ignore[attr-defined]
                self.data = b''
                self._fp_receive(reader, data)
                return
        super().consumeData()  # type: ignore[misc]

    def sendCloseFrame(self, *args, **kwargs):
        """Autobahn hook; stops the fast path before the state leaves OPEN."""
        if self._fp_reader is not None:
            self._fp_reader.halt()
        return super().sendCloseFrame(*args, **kwargs)  # type: ignore[misc]

    def dropConnection(self, *args, **kwargs):
        """Autobahn hook; stops the fast path before the state leaves OPEN."""
        if self._fp_reader is not None:
            self._fp_reader.halt()
        return super().dropConnection(*args, **kwargs)  # type: ignore[misc]

    # -- helpers ------------------------------------------------------------

    def _fp_eligible(self) -> bool:
        """Whether this connection may use the fast path from now on."""
        return bool(
            self.fast_path_enabled
            and self.state == _OPEN  # type: ignore[attr-defined]
            and not self.factory.isServer  # type: ignore[attr-defined]
            and not self.websocket_extensions_in_use  # type: ignore[attr-defined]
            and self._perMessageCompress is None  # type: ignore[attr-defined]
            and not self.logOctets  # type: ignore[attr-defined]
            and not self.logFrames  # type: ignore[attr-defined]
            and not self.trackedTimings  # type: ignore[attr-defined]
        )

    def _fp_start(self) -> Optional[FrameReader]:
        """Create the reader once the connection is eligible; None until then."""
        if not self._fp_eligible():
            return None
        # Validate UTF-8 exactly when Autobahn would, so both paths agree.
        self._fp_reader = FrameReader(
            self._fp_limit(), validate_utf8=bool(self.utf8validateIncoming))  # type: ignore[attr-defined]
        return self._fp_reader

    def _fp_receive(self, reader: FrameReader, data: bytes) -> None:
        """Read ``data`` in the OPEN state: fast path, Autobahn where needed."""
        if (self.current_frame is not None  # type: ignore[attr-defined]
                or self.inside_message or self.data):  # type: ignore[attr-defined]
            data = self._fp_finish_autobahn_frame(data)
            if not data:
                return
        before = reader.messages
        stats = self._fp_stats
        if stats is None:
            rest = reader.feed(data, self._on_payload)  # type: ignore[attr-defined]
        elif self._fp_sampling and stats.sampling_due():
            rest = reader.feed(data, self._fp_sampler(stats))
        else:
            rest = reader.feed(data, self._on_payload)  # type: ignore[attr-defined]
        count = reader.messages - before
        if count:
            self._fp_data_frames(count)
        if stats is not None:
            stats.on_chunk(len(data), count)
        if rest is not None:
            # Autobahn keeps an incomplete frame in self.data; the next call
            # takes it back (see _fp_finish_autobahn_frame).
            self._fp_autobahn(rest)

    def _fp_limit(self) -> Optional[int]:
        limits = [n for n in (self.maxMessagePayloadSize,  # type: ignore[attr-defined]
                              self.maxFramePayloadSize)  # type: ignore[attr-defined]
                  if n and n > 0]
        return min(limits) if limits else None

    def _fp_autobahn(self, data: bytes) -> None:
        """Let Autobahn process ``data`` after whatever it already buffers."""
        if data:
            self.data += data  # type: ignore[attr-defined]
        super().consumeData()  # type: ignore[misc]

    def _fp_finish_autobahn_frame(self, data: bytes) -> bytes:
        """Give Autobahn the bytes that complete what it started.

        Autobahn owns the stream position while it is inside a frame or a
        fragmented message; it gets exactly the bytes up to the end of that.
        Bytes it buffered between frames (an incomplete header) come back.

        Returns:
            The bytes the fast path should read next (possibly empty).
        """
        while data and self.state == _OPEN:  # type: ignore[attr-defined]
            frame = self.current_frame  # type: ignore[attr-defined]
            if frame is not None:
                need = frame.length - self.current_frame_masker.pointer()  # type: ignore[attr-defined]
                head, data = data[:need], data[need:]
                self._fp_autobahn(head)
            elif self.inside_message:  # type: ignore[attr-defined]
                # A fragmented message continues: Autobahn reads frame by frame.
                self._fp_autobahn(data)
                data = b''
            else:
                break
        if self.state != _OPEN:  # type: ignore[attr-defined]
            if data:
                self._fp_autobahn(data)
            return b''
        if (self.current_frame is None  # type: ignore[attr-defined]
                and not self.inside_message and self.data):  # type: ignore[attr-defined]
            data = self.data + data  # type: ignore[attr-defined]
            self.data = b''
        return data

    def _fp_sampler(self, stats: Any) -> Any:
        """The payload handler of one sampled chunk: its first message is sampled, then as usual."""
        pending = [True]

        def sampled(payload: bytes, is_binary: bool) -> None:
            if pending:
                pending.clear()
                stats.sample_payload(payload)
            self._on_payload(payload, is_binary)  # type: ignore[attr-defined]
        return sampled

    def _fp_data_frames(self, count: int) -> None:
        """Autobahn's per-frame bookkeeping, once per received chunk."""
        self._data_seen = True
        stats = self.trafficStats  # type: ignore[attr-defined]
        stats.incomingWebSocketFrames += count
        stats.incomingWebSocketMessages += count
        if self.autoPingTimeoutCall and self.autoPingRestartOnAnyTraffic:  # type: ignore[attr-defined]
            self._cancelAutoPingTimeoutCall()  # type: ignore[attr-defined]
