"""A misbehaving WebSocket server on loopback, for tests of what the client survives.

:class:`HostileServer` accepts the opening handshake like any server, then
plays one scripted misbehaviour on every connection: frames that break
RFC 6455, JSON Binance never sends, or an endless fragmented message. It runs
on the library's reactor thread (port 0 on 127.0.0.1) and counts the
connections it accepted, so a test can tell a retry storm from backoff.
"""
import base64
import hashlib
import re
import threading
from typing import Callable, Dict, List

from twisted.internet import protocol

from binance import _reactor
from binance.framing import OPCODE_TEXT, frame_bytes

_GUID = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
_OP_CONTINUATION, _OP_CLOSE = 0x0, 0x8

#: What each misbehaviour writes right after the handshake (one connection's worth).
VIOLATIONS: Dict[str, bytes] = {
    'invalid UTF-8': frame_bytes(b'{"e":"trade","s":"\xff\xfe"}'),
    'masked frame': frame_bytes(b'{"e":"trade"}', mask=b'\x01\x02\x03\x04'),
    'reserved opcode': frame_bytes(b'{"e":"trade"}', opcode=0x3),
    'bad close code': frame_bytes(b'\x03\xe7', opcode=_OP_CLOSE),  # 999 is not a valid code
    'RSV bits': frame_bytes(b'{"e":"trade"}', rsv=0x4),
    'oversize frame': frame_bytes(b'x' * 70000),
}

#: JSON that is valid but is not a market stream message.
SCALARS = (b'123', b'"a string"', b'null', b'true', b'[]', b'1.5')


class _HostileProtocol(protocol.Protocol):
    def connectionMade(self) -> None:
        self.request = b''
        self.open = False
        self.factory.accepted(self)

    def dataReceived(self, data: bytes) -> None:
        if self.open:
            return
        self.request += data
        if b'\r\n\r\n' not in self.request:
            return
        key = re.search(rb'Sec-WebSocket-Key: (\S+)', self.request).group(1)
        accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
        self.transport.write(b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'
                             b'Connection: Upgrade\r\nSec-WebSocket-Accept: ' + accept
                             + b'\r\n\r\n')
        self.open = True
        self.factory.behave(self)

    def connectionLost(self, reason=None) -> None:
        self.open = False
        self.factory.lost(self)


class HostileServer(protocol.ServerFactory):
    """Accepts WebSocket handshakes, then misbehaves on every connection.

    Args:
        behave: called with each protocol right after its handshake; writes
            to ``proto.transport``.
    """

    protocol = _HostileProtocol

    def __init__(self, behave: Callable[['_HostileProtocol'], None]) -> None:
        self.behave = behave
        self.connections = 0
        self.live: List[_HostileProtocol] = []
        self._port = None
        self._lock = threading.Lock()

    def accepted(self, proto: _HostileProtocol) -> None:
        with self._lock:
            self.connections += 1
            self.live.append(proto)

    def lost(self, proto: _HostileProtocol) -> None:
        with self._lock:
            if proto in self.live:
                self.live.remove(proto)

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:<port>/``."""
        return 'ws://127.0.0.1:{}/'.format(self._port.getHost().port)

    def start(self) -> 'HostileServer':
        from twisted.internet import reactor
        self._port = _reactor.blocking_call(reactor.listenTCP, 0, self, interface='127.0.0.1')
        return self

    def stop(self) -> None:
        def stop_all():
            for proto in list(self.live):
                proto.transport.abortConnection()
            return self._port.stopListening()
        _reactor.blocking_call(stop_all)


def send_once(data: bytes) -> Callable[[_HostileProtocol], None]:
    """A behaviour: write ``data`` once after the handshake, then stay silent."""
    def behave(proto: _HostileProtocol) -> None:
        proto.transport.write(data)
    return behave


def endless_fragmented_message(chunk: int = 64 * 1024, burst: int = 16,
                               every: float = 0.001) -> Callable[[_HostileProtocol], None]:
    """A behaviour: one text message that never ends, ``burst`` fragments every ``every`` s."""
    piece = frame_bytes(b'x' * chunk, opcode=_OP_CONTINUATION, fin=False) * burst

    def behave(proto: _HostileProtocol) -> None:
        from twisted.internet import reactor
        proto.transport.write(frame_bytes(b'x' * chunk, opcode=OPCODE_TEXT, fin=False))

        def pump() -> None:
            if proto.open and proto.transport.connected:
                proto.transport.write(piece)
                reactor.callLater(every, pump)
        pump()
    return behave
