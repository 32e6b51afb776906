"""Loopback WebSocket server for the benchmarks, run in its own process.

Modes:
  blast   write pre-framed messages as fast as TCP takes them (--kind trade,
          combined or large), on every connection;
  paced   --rate messages per second per connection, each stamped with its
          send time (time.monotonic_ns) for latency measurement;
  idle    one message after the handshake (so the client knows it is live),
          then nothing.

Every mode answers pings with pongs and close frames with a close frame, so
clients' heartbeats keep working. The listening port is printed as
``PORT <n>`` on stdout; the server runs until killed or stdin is closed.

Usage: python benchmarks/server.py --mode blast --kind trade
"""
import argparse
import asyncio
import base64
import hashlib
import logging
import os
import stat
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import messages  # noqa: E402  (also run as a plain script)

_GUID = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'


async def handshake(reader, writer):
    request = await reader.readuntil(b'\r\n\r\n')
    key = b''
    for line in request.split(b'\r\n'):
        name, _, value = line.partition(b':')
        if name.strip().lower() == b'sec-websocket-key':
            key = value.strip()
    accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
    writer.write(b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'
                 b'Connection: Upgrade\r\nSec-WebSocket-Accept: ' + accept + b'\r\n\r\n')


async def answer_control_frames(reader, writer):
    """Read the client's (masked) frames: pong its pings, echo its close."""
    try:
        while True:
            head = await reader.readexactly(2)
            opcode = head[0] & 0x0F
            length = head[1] & 0x7F
            if length == 126:
                length = int.from_bytes(await reader.readexactly(2), 'big')
            elif length == 127:
                length = int.from_bytes(await reader.readexactly(8), 'big')
            mask = await reader.readexactly(4) if head[1] & 0x80 else b'\0\0\0\0'
            body = bytes(b ^ mask[i % 4] for i, b in enumerate(await reader.readexactly(length)))
            if opcode == 0x9:
                writer.write(messages.frame(body, opcode=0xA))
            elif opcode == 0x8:
                writer.write(messages.frame(body[:2], opcode=0x8))
                writer.close()
                return
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


async def blast(writer, pieces):
    # 64 KiB writes: the kernel takes most of each at once, so asyncio's own
    # buffer (which it compacts on every partial send) stays small and the
    # server costs far less CPU than any client.
    while not writer.is_closing():
        for piece in pieces:
            writer.write(piece)
            await writer.drain()
            # drain() does not yield while the kernel takes everything; let
            # other connections (and new handshakes) have their turn.
            await asyncio.sleep(0)


def blast_pieces(block, size=1 << 16):
    """The block repeated to a whole number of pieces of about ``size`` bytes."""
    reps = max(1, size // len(block))
    data = block * reps * 4
    return [data[i:i + size] for i in range(0, len(data), size)]


async def paced(writer, rate):
    interval = 1.0 / rate
    stamped = messages.StampedTrades()
    now_ns = time.monotonic_ns
    start = time.monotonic()
    sent = 0
    while not writer.is_closing():
        due = int((time.monotonic() - start) * rate) - sent
        for _ in range(due):
            writer.write(stamped.frame(sent, now_ns()))
            sent += 1
        await asyncio.sleep(max(0.0, start + (sent + 1) * interval - time.monotonic()))


async def serve(args):
    block = None
    if args.mode == 'blast':
        block, _ = messages.framed_block(args.kind)
        block = blast_pieces(block)

    async def on_client(reader, writer):
        try:
            await handshake(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        control = asyncio.ensure_future(answer_control_frames(reader, writer))
        try:
            if args.mode == 'blast':
                await blast(writer, block)
            elif args.mode == 'paced':
                await paced(writer, args.rate)
            else:
                writer.write(messages.frame(messages.trade(0)))
                await control
        except (ConnectionError, OSError):
            pass
        finally:
            control.cancel()
            writer.close()

    server = await asyncio.start_server(on_client, '127.0.0.1', 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print('PORT %d' % port, flush=True)
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    if stat.S_ISFIFO(os.fstat(sys.stdin.fileno()).st_mode):
        # The parent closes our stdin (or dies): stop serving.
        def watch():
            sys.stdin.buffer.read()
            loop.call_soon_threadsafe(lambda: stop.done() or stop.set_result(None))
        threading.Thread(target=watch, daemon=True).start()
    await stop
    server.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--mode', choices=('blast', 'paced', 'idle'), default='blast')
    parser.add_argument('--kind', choices=('trade', 'combined', 'large'), default='trade')
    parser.add_argument('--rate', type=float, default=10000.0)
    args = parser.parse_args(argv)
    # A client that exits mid-stream is normal here, not worth a warning per write.
    logging.getLogger('asyncio').setLevel(logging.CRITICAL)
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    main()
