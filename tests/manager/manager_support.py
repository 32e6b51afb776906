"""In-memory server side for driving StreamConnection and its protocol without sockets.

``MemoryReactorClock`` records the connection attempts; :class:`FakeServer`
plays the server of one attempt over a ``StringTransport``: it answers the
real opening handshake Autobahn sends, writes frames, reads the client's
frames back, and ends the connection the way Twisted would.
"""
import base64
import hashlib
import re
import struct

from twisted.internet.error import ConnectionDone, ConnectionLost, ConnectionRefusedError
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure

from tests.recording import Recorder

_GUID = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 1, 2, 8, 9, 10


def server_frame(payload: bytes, opcode: int = OP_TEXT, fin: bool = True) -> bytes:
    """An unmasked frame as a server sends it."""
    first = (0x80 if fin else 0) | opcode
    size = len(payload)
    if size < 126:
        header = bytes([first, size])
    elif size < 65536:
        header = bytes([first, 126]) + struct.pack('!H', size)
    else:
        header = bytes([first, 127]) + struct.pack('!Q', size)
    return header + payload


def parse_client_frames(data: bytes):
    """[(opcode, payload)] from the masked frames a client wrote."""
    frames = []
    pos = 0
    while pos < len(data):
        first, second = data[pos], data[pos + 1]
        pos += 2
        size = second & 0x7F
        if size == 126:
            size = struct.unpack('!H', data[pos:pos + 2])[0]
            pos += 2
        elif size == 127:
            size = struct.unpack('!Q', data[pos:pos + 8])[0]
            pos += 8
        mask = data[pos:pos + 4] if second & 0x80 else b'\0\0\0\0'
        if second & 0x80:
            pos += 4
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(data[pos:pos + size]))
        pos += size
        frames.append((first & 0x0F, body))
    return frames


class _Transport(StringTransport):
    """A StringTransport that, like TCP transports, allows unregistering no producer."""

    def unregisterProducer(self):
        self.producer = None
        self.streaming = None


class FakeServer:
    """The server side of the latest connection attempt recorded by ``reactor``."""

    def __init__(self, reactor, index: int = -1, tls: bool = False):
        clients = reactor.sslClients if tls else reactor.tcpClients
        entry = clients[index]
        self.host, self.port, self.factory = entry[0], entry[1], entry[2]
        self.transport = _Transport()
        self.protocol = self.factory.buildProtocol(None)
        self.protocol.makeConnection(self.transport)
        self.request = self.transport.value()
        self.transport.clear()
        self._ended = False

    def accept(self):
        """Answer the opening handshake with 101; the client's onOpen runs."""
        key = re.search(rb'Sec-WebSocket-Key: (\S+)', self.request).group(1)
        accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
        self.protocol.dataReceived(
            b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'
            b'Connection: Upgrade\r\nSec-WebSocket-Accept: ' + accept + b'\r\n\r\n')
        return self

    def reject(self, status: int = 429, headers: bytes = b'Retry-After: 7\r\n'):
        """Answer the opening handshake with an HTTP error; the TCP connection then ends."""
        self.protocol.dataReceived(b'HTTP/1.1 %d Refused\r\n' % status + headers + b'\r\n')
        self.lose()

    def send(self, payload, opcode: int = OP_TEXT):
        if isinstance(payload, str):
            payload = payload.encode()
        self.protocol.dataReceived(server_frame(payload, opcode))

    def client_frames(self):
        """Frames the client wrote since the last call."""
        frames = parse_client_frames(self.transport.value())
        self.transport.clear()
        return frames

    @property
    def aborted(self) -> bool:
        return self.transport.disconnecting

    def lose(self, reason=None):
        """The TCP connection ends (both the protocol and the factory hear of it)."""
        if self._ended:
            return
        self._ended = True
        failure = Failure(reason or ConnectionLost('connection lost'))
        self.protocol.connectionLost(failure)
        self.factory.clientConnectionLost(None, failure)

    def close_cleanly(self):
        self.lose(ConnectionDone('closed'))


def refuse(reactor, index: int = -1, tls: bool = False, reason=None):
    """The latest attempt fails to connect at all."""
    clients = reactor.sslClients if tls else reactor.tcpClients
    factory = clients[index][2]
    factory.clientConnectionFailed(None, Failure(reason or ConnectionRefusedError()))


class Inbox(Recorder):
    """A thread-safe callback that records messages and lets tests wait for them."""

    def errors(self):
        return [m for m in self.snapshot() if isinstance(m, dict) and m.get('e') == 'error']
