"""One benchmark client process: ours or python-binance 0.7.11, measured from inside.

Run by ``benchmarks/run.py`` with the interpreter of the implementation under
test (python-binance 0.7.11 lives in its own virtual environment), with the
working directory outside the repository so ``import binance`` finds the
right package. Prints one JSON object on stdout.

Measured in this process: time until every socket has delivered a message
(connect time), messages per second to the callback, CPU microseconds per
message (``time.process_time``: all threads of the process), resident memory
(VmRSS) after making the manager and after opening the sockets, send-to-callback latency
percentiles (paced server), and CPU share while idle.
"""
import argparse
import json
import os
import sys
import time
import types

STAMP_KEY = 'bt'


def rss_bytes():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
    return 0


def make_ours(url, telemetry=True):
    import logging
    logging.basicConfig(level=logging.WARNING)
    from binance.options import ConnectionOptions
    from binance.websockets import BinanceSocketManager
    BinanceSocketManager.STREAM_URL = url
    return BinanceSocketManager(None, options=ConnectionOptions(telemetry=telemetry))


def open_ours(bm, paths, callbacks):
    bm.start()
    for path, cb in zip(paths, callbacks):
        if path.startswith('stream?streams='):
            bm.start_multiplex_socket(path.split('=', 1)[1].split('/'), cb)
        else:
            bm.start_trade_socket(path[3:].split('@')[0].upper(), cb)


def make_pb0711(url):
    from binance.websockets import BinanceSocketManager
    BinanceSocketManager.STREAM_URL = url
    # 0.7.11's Client() pings api.binance.com in its constructor; the manager
    # only reads `testnet` from it for market streams.
    return BinanceSocketManager(types.SimpleNamespace(testnet=False))


def open_pb0711(bm, paths, callbacks):
    for path, cb in zip(paths, callbacks):
        if path.startswith('stream?streams='):
            bm.start_multiplex_socket(path.split('=', 1)[1].split('/'), cb)
        else:
            bm.start_trade_socket(path[3:].split('@')[0].upper(), cb)
    bm.start()


def orjson_large_baseline(seconds=1.0, paused=False):
    """CPU microseconds per ``orjson.loads`` of the large payload in this process.

    Decoding a 1 MiB snapshot allocates ~100,000 lists and strings, so its
    cost depends on the garbage collector and therefore on how many objects
    the process already holds (Twisted, Autobahn, the library): measured
    here, after the same imports as the client, it is the fair yardstick.
    With ``paused`` the collector is off from before the decode until the
    result is freed, as the library does for messages of 256 KiB and more:
    the like-for-like comparison. Without it, what a program decoding the
    snapshot itself with the collector on pays.
    """
    import gc

    import orjson
    import messages
    payloads = messages.payloads('large')

    def decode(p, _loads=orjson.loads):
        _loads(p)

    if paused:
        def decode(p, _loads=orjson.loads, _off=gc.disable, _on=gc.enable):  # noqa: F811
            _off()
            try:
                _loads(p)
            finally:
                _on()

    for p in payloads:
        decode(p)
    n = 0
    c0 = time.process_time()
    while time.process_time() - c0 < seconds:
        for p in payloads:
            decode(p)
        n += len(payloads)
    return (time.process_time() - c0) / n * 1e6


def limit_in_process(kind, seconds):
    """The limit loop (benchmarks/limit.py) timed in this process, before the sockets open.

    This machine's speed drifts by tens of percent over a minute (shared
    host), so the loop is timed seconds before the client's own measurement
    and in the same process, rather than in the runner after both clients.
    """
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'benchmark_limit', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'limit.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.measure_loop(kind, seconds)


def make_callbacks(n, latency, combined):
    counts = [0] * n
    lat = []
    callbacks = []
    for i in range(n):
        if latency:
            def cb(msg, _i=i, _c=counts, _l=lat, _now=time.monotonic_ns):
                _l.append(_now() - msg[STAMP_KEY])
                _c[_i] += 1
        else:
            def cb(msg, _i=i, _c=counts):
                _c[_i] += 1
        callbacks.append(cb)
    return counts, lat, callbacks


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('--impl', choices=('ours', 'pb0711'), required=True)
    p.add_argument('--repo', help='repository root to import our package from')
    p.add_argument('--url', required=True)
    p.add_argument('--sockets', type=int, default=1)
    p.add_argument('--combined', action='store_true')
    p.add_argument('--latency', action='store_true')
    p.add_argument('--warmup', type=float, default=1.0)
    p.add_argument('--duration', type=float, default=3.0)
    p.add_argument('--connect-timeout', type=float, default=30.0)
    p.add_argument('--limit-kind', choices=('trade', 'combined'),
                   help='also time the limit loop on these messages, in this process')
    p.add_argument('--limit-seconds', type=float, default=2.0)
    p.add_argument('--orjson-baseline', action='store_true',
                   help='also time orjson.loads alone on the large payload, in this process')
    p.add_argument('--no-telemetry', action='store_true',
                   help='ours: ConnectionOptions(telemetry=False) (bm.stats() counts nothing)')
    args = p.parse_args(argv)
    if args.impl == 'ours' and args.repo:
        sys.path.insert(0, args.repo)

    symbols = ['S%03dBTC' % i for i in range(args.sockets)] if args.sockets > 1 else ['BNBBTC']
    if args.combined:
        paths = ['stream?streams=' + s.lower() + '@trade' for s in symbols]
    else:
        paths = ['ws/' + s.lower() + '@trade' for s in symbols]
    counts, lat, callbacks = make_callbacks(len(paths), args.latency, args.combined)

    # Import before the baseline so RSS per connection counts connections only.
    if args.impl == 'ours':
        import binance.websockets  # noqa: F401
        # 0.7.11 imports all it needs with binance.websockets; ours imports
        # some modules on first use (user data, signing). Import them all now
        # so that once-per-process code is not counted as memory per connection.
        import importlib
        import pkgutil
        for mod in pkgutil.iter_modules([os.path.dirname(binance.websockets.__file__)]):
            if mod.name not in ('simulator', 'cli', '__main__'):
                importlib.import_module('binance.' + mod.name)
        make, opener = make_ours, open_ours
    else:
        import binance.websockets  # noqa: F401,F811
        make, opener = make_pb0711, open_pb0711
    import binance
    limit = limit_in_process(args.limit_kind, args.limit_seconds) if args.limit_kind else None
    orjson_alone = orjson_large_baseline() if args.orjson_baseline else None
    orjson_paused = orjson_large_baseline(paused=True) if args.orjson_baseline else None
    # The manager object is made before the baseline: what it holds once per
    # process (ours parses the CA bundle for wss:// in its constructor) is not
    # memory per connection. Starting it (the reactor thread) is counted.
    bm = make(args.url, telemetry=False) if args.no_telemetry else make(args.url)
    baseline_rss = rss_bytes()
    t0 = time.perf_counter()
    opener(bm, paths, callbacks)
    deadline = t0 + args.connect_timeout
    live_at = [None] * len(counts)
    while time.perf_counter() < deadline and not all(counts):
        now = time.perf_counter() - t0
        for i, c in enumerate(counts):
            if c and live_at[i] is None:
                live_at[i] = now
        time.sleep(0.002)
    connect_s = time.perf_counter() - t0
    live_times = sorted(t if t is not None else connect_s for t in live_at)
    live = sum(1 for c in counts if c)
    connected_rss = rss_bytes()

    time.sleep(args.warmup)
    del lat[:]
    c0, cpu0, w0 = sum(counts), time.process_time(), time.perf_counter()
    time.sleep(args.duration)
    c1, cpu1, w1 = sum(counts), time.process_time(), time.perf_counter()
    lat_sample = sorted(lat)
    msgs = c1 - c0
    wall = w1 - w0
    cpu = cpu1 - cpu0
    result = {
        'impl': args.impl,
        'package': os.path.dirname(binance.__file__),
        'sockets': len(paths),
        'live': live,
        'connect_s': connect_s,
        'live_half_s': live_times[len(live_times) // 2],
        'live_90_s': live_times[int(len(live_times) * 0.9)],
        'messages': msgs,
        'wall_s': wall,
        'cpu_s': cpu,
        'msgs_per_s': msgs / wall if wall else 0.0,
        'cpu_us_per_msg': cpu / msgs * 1e6 if msgs else None,
        'cpu_share': cpu / wall if wall else 0.0,
        'rss_baseline': baseline_rss,
        'rss_connected': connected_rss,
        'rss_per_conn': (connected_rss - baseline_rss) / len(paths),
    }
    if limit is not None:
        result['limit'] = limit
    if orjson_alone is not None:
        result['orjson_alone_us'] = orjson_alone
        result['orjson_alone_paused_us'] = orjson_paused
    if lat_sample:
        n = len(lat_sample)
        result.update({
            'latency_samples': n,
            'p50_us': lat_sample[n // 2] / 1000.0,
            'p99_us': lat_sample[min(n - 1, int(n * 0.99))] / 1000.0,
            'max_us': lat_sample[-1] / 1000.0,
        })
    sys.stdout.write(json.dumps(result) + '\n')
    sys.stdout.flush()
    # Neither implementation needs an orderly shutdown to be measured, and
    # 0.7.11 cannot stop its reactor from here without hanging.
    os._exit(0)


if __name__ == '__main__':
    main()
