""""The limit": the least work any client must do per message, measured in-process.

A minimal loop over a pre-built buffer of frames: parse each frame header,
``orjson.loads`` the payload, call an empty callback. No sockets, no reactor,
no validation. A real client cannot beat it; the ratio ours/limit says how
much of the machine our data path leaves to the user.
"""
import time

import orjson

try:
    from benchmarks import messages
except ImportError:  # loaded by benchmarks/client.py, which runs outside the package
    import messages


def _empty(message):
    pass


def parse_loop(buf, callback, loads=orjson.loads):
    """Decode every frame of ``buf`` and hand each object to ``callback``."""
    pos = 0
    end = len(buf)
    n = 0
    while pos < end:
        length = buf[pos + 1] & 0x7F
        if length < 126:
            start = pos + 2
        elif length == 126:
            length = int.from_bytes(buf[pos + 2:pos + 4], 'big')
            start = pos + 4
        else:
            length = int.from_bytes(buf[pos + 2:pos + 10], 'big')
            start = pos + 10
        pos = start + length
        callback(loads(buf[start:pos]))
        n += 1
    return n


def measure_loop(kind, min_seconds=1.0):
    """Messages per second and CPU microseconds per message of the limit loop."""
    block, _ = messages.framed_block(kind)
    parse_loop(block, _empty)  # warm up
    msgs = 0
    w0, c0 = time.perf_counter(), time.process_time()
    while time.perf_counter() - w0 < min_seconds:
        msgs += parse_loop(block, _empty)
    wall = time.perf_counter() - w0
    cpu = time.process_time() - c0
    return {'impl': 'limit', 'messages': msgs, 'wall_s': wall, 'cpu_s': cpu,
            'msgs_per_s': msgs / wall, 'cpu_us_per_msg': cpu / msgs * 1e6}


def measure_orjson_large(min_seconds=1.0):
    """Time per ``orjson.loads`` of the large (about 1 MiB) snapshot alone."""
    payloads = messages.payloads('large')
    for p in payloads:
        orjson.loads(p)
    msgs = 0
    w0, c0 = time.perf_counter(), time.process_time()
    while time.perf_counter() - w0 < min_seconds:
        for p in payloads:
            orjson.loads(p)
        msgs += len(payloads)
    wall = time.perf_counter() - w0
    cpu = time.process_time() - c0
    return {'impl': 'orjson.loads', 'messages': msgs, 'wall_s': wall, 'cpu_s': cpu,
            'msgs_per_s': msgs / wall, 'cpu_us_per_msg': cpu / msgs * 1e6,
            'bytes': len(payloads[0])}
