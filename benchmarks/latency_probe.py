"""Where the latency tail of scenario 5 comes from: a diagnostic, not a scenario.

Starts the paced server (10,000 stamped msg/s) in its own process and our
``BinanceSocketManager`` in this one, then records for every message its
send stamp and arrival time, and for every garbage collection in the client
its start and duration (``gc.callbacks``). Prints the percentiles and how the
slow messages (latency over ``--slow`` microseconds) are explained:

* **GC**: the message arrived during or right after a collection;
* **batch**: it was one of many delivered by the same read (the client was
  not running while they piled up: scheduling or another thread);
and, for comparison, how far the server's writes fell behind its schedule:
the server is another process on the same cores, so that shows how promptly
any process gets a core at the moment.

Usage: python -m benchmarks.latency_probe [--seconds 5] [--rate 10000]
"""
import argparse
import gc
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STAMP_KEY = 'bt'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seconds', type=float, default=5.0)
    parser.add_argument('--warmup', type=float, default=1.0)
    parser.add_argument('--rate', type=float, default=10000.0)
    parser.add_argument('--slow', type=float, default=1000.0, help='microseconds')
    args = parser.parse_args(argv)

    server = subprocess.Popen([sys.executable, os.path.join(HERE, 'server.py'), '--mode', 'paced',
                               '--rate', str(args.rate)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    port = int(server.stdout.readline().split()[1])
    sys.path.insert(0, os.path.dirname(HERE))
    from binance.websockets import BinanceSocketManager

    now = time.monotonic_ns
    records = []  # (arrival ns, stamp ns)
    gcs = []  # (start ns, end ns, generation)
    gc_start = [0]

    def on_gc(phase, info):
        if phase == 'start':
            gc_start[0] = now()
        else:
            gcs.append((gc_start[0], now(), info['generation']))

    def callback(msg, _append=records.append):
        _append((now(), msg[STAMP_KEY]))

    BinanceSocketManager.STREAM_URL = 'ws://127.0.0.1:%d/' % port
    bm = BinanceSocketManager(None)
    bm.start()
    bm.start_trade_socket('BNBBTC', callback)
    time.sleep(args.warmup)
    gc.callbacks.append(on_gc)
    del records[:]
    time.sleep(args.seconds)
    gc.callbacks.remove(on_gc)
    rec = list(records)
    server.stdin.close()
    server.kill()

    lat = sorted((a - s) / 1000.0 for a, s in rec)
    n = len(lat)
    print('messages %d, load average %s' % (n, ', '.join('%.2f' % x for x in os.getloadavg())))
    print('p50 %.0f us  p99 %.0f us  p99.9 %.0f us  max %.0f us'
          % (lat[n // 2], lat[int(n * 0.99)], lat[int(n * 0.999)], lat[-1]))
    total_gc = sum(e - s for s, e, _ in gcs) / 1e6
    by_gen = {g: sum(1 for *_, gg in gcs if gg == g) for g in (0, 1, 2)}
    longest = max(((e - s) / 1000.0 for s, e, _ in gcs), default=0.0)
    print('collections %s, %.1f ms in total, longest %.0f us' % (by_gen, total_gc, longest))

    # Arrival batches: messages whose callbacks ran within 50 us of each other
    # came out of one read.
    batch_size = [1] * len(rec)
    start = 0
    for i in range(1, len(rec) + 1):
        if i == len(rec) or rec[i][0] - rec[i - 1][0] > 50_000:
            for j in range(start, i):
                batch_size[j] = i - start
            start = i
    interval = 1e9 / args.rate
    slow = [i for i, (a, s) in enumerate(rec) if (a - s) / 1000.0 > args.slow]
    in_gc = set()
    for i in slow:
        a, s = rec[i]
        for gs, ge, _ in gcs:
            if gs <= a and ge >= s:  # a collection ran while this message was on its way
                in_gc.add(i)
                break
    # Server lateness: how far each write was behind the server's own
    # schedule (message i due at t0 + i * interval); it does not enter the
    # latency (the stamp is taken at the write) but shows how promptly a
    # process on this machine gets a core right now.
    offsets = [s - i * interval for i, (_, s) in enumerate(rec)]
    t0 = min(offsets)
    late = sorted((o - t0) / 1000.0 for o in offsets)
    print('slow (> %.0f us): %d = %.2f%%; overlapping a client GC: %d; delivered in a batch '
          'of >= 5 messages per read (the client was not running while they arrived): %d'
          % (args.slow, len(slow), 100.0 * len(slow) / max(n, 1), len(in_gc),
             sum(1 for i in slow if batch_size[i] >= 5)))
    print('server writes behind schedule: p50 %.0f us  p99 %.0f us  max %.0f us'
          % (late[n // 2], late[int(n * 0.99)], late[-1]))
    os._exit(0)


if __name__ == '__main__':
    main()
