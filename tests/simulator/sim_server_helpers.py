"""Helpers for the simulator server tests: a scripted market and feed, WebSocket clients."""
import json
import socket

import websocket

from binance import _reactor
from tests.conftest import wait_for


class ScriptedFeed:
    """A feed the test drives by hand with :meth:`publish` (on the reactor thread)."""

    def __init__(self, market, clock, trade_rate=10.0, retired_streams_live=False):
        self.listeners = {}
        self.running = False

    def subscribe(self, stream, listener):
        self.listeners.setdefault(stream, []).append(listener)

    def unsubscribe(self, stream, listener):
        listeners = self.listeners.get(stream, [])
        if listener in listeners:
            listeners.remove(listener)

    def start(self):
        self.running = True

    def stop(self):
        self.running = False

    def publish(self, stream, payload):
        for listener in list(self.listeners.get(stream, [])):
            listener(stream, payload)

    def count(self, stream):
        return len(self.listeners.get(stream, []))


def publish(sim, stream, payload):
    """Publish ``payload`` (bytes) on ``stream`` from the reactor thread."""
    _reactor.blocking_call(sim.feed.publish, stream, payload)


class Client:
    """A websocket-client connection with helpers; closed by the ``connect`` fixture."""

    def __init__(self, url, **kwargs):
        self.ws = websocket.create_connection(url, timeout=5, **kwargs)

    def send_json(self, obj):
        self.ws.send(json.dumps(obj))

    def recv_json(self, timeout=5):
        self.ws.settimeout(timeout)
        return json.loads(self.ws.recv())

    def recv_frame(self, timeout=5):
        """The next frame, control frames included: (opcode, data)."""
        self.ws.settimeout(timeout)
        opcode, frame = self.ws.recv_data_frame(True)
        return opcode, frame.data

    def request(self, obj, timeout=5):
        self.send_json(obj)
        return self.recv_json(timeout)

    def close(self):
        try:
            self.ws.close(timeout=0.5)
        except Exception:
            pass


def advance(clock, seconds):
    """Move a ``task.Clock`` forward on the reactor thread, where its timers must run."""
    _reactor.blocking_call(clock.advance, seconds)


def wait_until_pongs_arrived(server_side, timeout=5):
    """Wait until the server-side connection has no unanswered ping left."""
    wait_for(lambda: _reactor.blocking_call(server_side._pings.oldest_unanswered) is None,
             timeout, message='the pong to reach the server')


def connections_of(sim):
    """The open connections as the simulator sees them (read on the reactor thread)."""
    return _reactor.blocking_call(lambda: list(sim.connections.values()))


def raw_handshake(port, path='/ws/bnbbtc@trade', host='127.0.0.1', extensions=None):
    """Send a WebSocket upgrade request over a plain socket; returns (status, headers, socket)."""
    sock = socket.create_connection((host, port), timeout=5)
    extra = 'Sec-WebSocket-Extensions: {}\r\n'.format(extensions) if extensions else ''
    sock.sendall(('GET {} HTTP/1.1\r\nHost: {}:{}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
                  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{}\r\n'
                  ).format(path, host, port, extra).encode())
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head = data.split(b'\r\n\r\n', 1)[0].decode('latin-1').split('\r\n')
    status = int(head[0].split()[1]) if head and len(head[0].split()) > 1 else 0
    headers = {}
    for line in head[1:]:
        if ':' in line:
            k, v = line.split(':', 1)
            headers[k.strip().lower()] = v.strip()
    return status, headers, sock


class RawConnection:
    """A WebSocket over a plain socket that answers nothing by itself (for ping rules)."""

    def __init__(self, port, path='/ws/bnbbtc@trade', extensions=None):
        status, self.headers, self.sock = raw_handshake(port, path, extensions=extensions)
        assert status == 101, status
        self.buffer = b''

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError('closed by the server')
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read_frame(self, timeout=5):
        """(fin, opcode, masked, payload) of the next frame; ConnectionError at end of stream."""
        self.sock.settimeout(timeout)
        b0, b1 = self._read(2)
        length = b1 & 0x7F
        if length == 126:
            length = int.from_bytes(self._read(2), 'big')
        elif length == 127:
            length = int.from_bytes(self._read(8), 'big')
        mask = self._read(4) if b1 & 0x80 else None
        payload = self._read(length)
        return bool(b0 & 0x80), b0 & 0x0F, mask is not None, payload

    def send_frame(self, opcode, payload=b''):
        from binance.simulator.frames import encode_frame
        self.sock.sendall(encode_frame(opcode, payload, mask=b'\x01\x02\x03\x04'))

    def close(self):
        self.sock.close()


def read_until_closed(client, timeout=5):
    """Read a websocket-client connection until it ends.

    Returns the close code the server sent, or None when the TCP connection
    was dropped without a close frame.
    """
    client.ws.settimeout(timeout)
    while True:
        try:
            opcode, frame = client.ws.recv_data_frame(True)
        except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
            return None
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return int.from_bytes(frame.data[:2], 'big') if len(frame.data) >= 2 else 1005


def events_until_answered(client, request_id=999, timeout=5):
    """Every message before the answer to a LIST_SUBSCRIPTIONS sent now, and that answer.

    A connection sends in order, so once the answer is in, every event
    published before the request has arrived: what did not come is silent.
    """
    client.send_json({'method': 'LIST_SUBSCRIPTIONS', 'id': request_id})
    events = []
    while True:
        message = client.recv_json(timeout)
        if isinstance(message, dict) and message.get('id') == request_id and 'result' in message:
            return events, message['result']
        events.append(message)


def stream_names(messages):
    """The ``stream`` of each combined message."""
    return {m['stream'] for m in messages}
