"""Per-message cost of the data path alone, in this process, without sockets.

Opens a real :class:`binance.connection.StreamConnection` against an in-memory
reactor, completes the WebSocket handshake by hand, then feeds 64 KiB chunks of
pre-framed messages straight to the protocol's ``dataReceived``: what remains
is the frame reader, decoding, the server-shutdown check and the callback,
without the kernel, the reactor loop or another process sharing the cores.
Prints CPU microseconds per message for each kind, next to "the limit" loop
(benchmarks/limit.py) over the same frames.

Usage: python -m benchmarks.hotpath [--seconds 2] [--kinds trade,combined]

Side by side with another checkout of the library (a baseline), in the same
run: ``--baseline DIR --rounds 7`` alternates a measurement of DIR's code (in
a child process with DIR first on ``sys.path``) and of this one's, round
after round, and prints the median of each and their ratio (this / baseline)
per kind. Alternating cancels the drift of a shared machine's speed.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import time

from twisted.internet.testing import MemoryReactorClock, StringTransport

from benchmarks import limit, messages
from binance.connection import StreamConnection

_GUID = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
CHUNK = 1 << 16


def open_protocol(kind, callback, **connection_args):
    """A StreamConnection's protocol in the OPEN state, on an in-memory transport.

    ``connection_args`` go to the StreamConnection (e.g. ``stats=`` for telemetry).
    """
    path = 'stream?streams=bnbbtc@trade' if kind == 'combined' else 'ws/bnbbtc@trade'
    reactor = MemoryReactorClock()
    conn = StreamConnection('ws://127.0.0.1:9/' + path, callback, reactor=reactor,
                            **connection_args)
    conn.start()
    proto = reactor.tcpClients[-1][2].buildProtocol(None)
    transport = StringTransport()
    proto.makeConnection(transport)
    key = re.search(rb'Sec-WebSocket-Key: (\S+)', transport.value()).group(1)
    accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
    proto.dataReceived(b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'
                       b'Connection: Upgrade\r\nSec-WebSocket-Accept: ' + accept + b'\r\n\r\n')
    assert conn.protocol is proto, 'handshake did not complete'
    return proto


def chunks_for(kind):
    """64 KiB chunks of pre-framed messages of ``kind``, at least four of them."""
    block, _n = messages.framed_block(kind)
    data = block * max(1, (4 * CHUNK) // len(block))
    return [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]


def run(proto, count, chunks, seconds):
    """CPU microseconds per message feeding ``chunks`` to ``proto`` for ``seconds``.

    ``count`` is the one-element list the callback increments.
    """
    for chunk in chunks:  # warm up
        proto.dataReceived(chunk)
    count[0] = 0
    c0 = time.process_time()
    while time.process_time() - c0 < seconds:
        for chunk in chunks:
            proto.dataReceived(chunk)
    cpu = time.process_time() - c0
    return cpu / count[0] * 1e6


def counting_callback():
    """``(callback, count)``: a callback that only counts, into ``count[0]``."""
    count = [0]

    def callback(message, _c=count):
        _c[0] += 1
    return callback, count


def measure(kind, seconds):
    """CPU microseconds per message through ``dataReceived`` for one kind of message."""
    callback, count = counting_callback()
    return run(open_protocol(kind, callback), count, chunks_for(kind), seconds)


def _measure_in(checkout, kind, seconds):
    """CPU us/msg of ``kind`` with the library of ``checkout`` (a child process)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([checkout, here]))
    code = ('import json, sys; from benchmarks import hotpath; '
            'print(json.dumps(hotpath.measure(sys.argv[1], float(sys.argv[2]))))')
    out = subprocess.run([sys.executable, '-c', code, kind, str(seconds)], env=env, check=True,
                         capture_output=True, text=True, cwd=checkout).stdout
    return json.loads(out.strip().splitlines()[-1])


def compare(baseline, kinds, seconds, rounds):
    """Alternate baseline and this checkout; returns {kind: (baseline median, ours median)}."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    results = {}
    for kind in kinds:
        base, ours = [], []
        for _ in range(rounds):
            base.append(_measure_in(baseline, kind, seconds))
            ours.append(_measure_in(here, kind, seconds))
        results[kind] = (statistics.median(base), statistics.median(ours))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seconds', type=float, default=2.0)
    parser.add_argument('--kinds', default='trade,combined')
    parser.add_argument('--baseline', metavar='DIR',
                        help='another checkout to measure side by side with this one')
    parser.add_argument('--rounds', type=int, default=7, help='alternations with --baseline')
    args = parser.parse_args(argv)
    if args.baseline:
        results = compare(os.path.abspath(args.baseline), args.kinds.split(','), args.seconds,
                          args.rounds)
        for kind, (base, ours) in results.items():
            print('%-9s baseline %.3f us/msg   ours %.3f us/msg   ours/baseline %.3f'
                  '   (medians of %d alternating rounds)' % (kind, base, ours, ours / base,
                                                             args.rounds))
        return
    for kind in args.kinds.split(','):
        ours = measure(kind, args.seconds)
        lim = limit.measure_loop(kind, args.seconds)['cpu_us_per_msg']
        print('%-9s ours %.2f us/msg   limit %.2f us/msg   ratio %.2f'
              % (kind, ours, lim, ours / lim))


if __name__ == '__main__':
    main()
