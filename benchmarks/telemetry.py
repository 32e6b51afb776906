"""What telemetry costs, on versus off, side by side in the same run.

Two measurements:

* **the data path** (default): the set-up of ``benchmarks.hotpath`` (a real
  StreamConnection's protocol on an in-memory transport, 64 KiB chunks of
  pre-framed messages fed to ``dataReceived``), once with the connection's
  telemetry off (``stats=None``, what ``ConnectionOptions(telemetry=False)``
  gives) and once on (a :class:`~binance.telemetry.SocketStats`, as every
  socket of a manager gets by default: per chunk bytes, messages and time,
  a sampled event-time latency at most every 10 ms, and on combined streams
  an exact count per stream when it carries several: kind ``multiplex``).
  Rounds of four runs (off, on, on, off): a run
  later in a round tends to be slower, the symmetric order cancels that; the
  figure is the median of the rounds' ratios (on + on) / (off + off), CPU
  microseconds per message.
* **the benchmark scenarios 1 and 2** (``--scenarios``): the loopback server
  of ``python -m benchmarks`` and our client process, with telemetry on and
  off alternately (``--no-telemetry``), ``--rounds`` times each; the median
  ratios on/off of messages per second and CPU per message.

Usage: python -m benchmarks.telemetry [--seconds 0.3] [--rounds 7] [--scenarios]
"""
import argparse
import gc
import os
import statistics
import sys

from benchmarks import hotpath
from binance.telemetry import DEFAULT_SAMPLE_INTERVAL, ServerClock, SocketStats


#: ``multiplex``: combined messages on a socket said to carry two streams, so that
#: telemetry counts each message per stream (a socket of one stream does not need to).
MULTIPLEX_STREAMS = ['bnbbtc@trade', 'ethbtc@trade']


def make(kind, telemetry, sample_interval=DEFAULT_SAMPLE_INTERVAL):
    """``(protocol, count, stats)``: a connection's open protocol, counted or not."""
    callback, count = hotpath.counting_callback()
    stats = (SocketStats('bnbbtc@trade', server_clock=ServerClock(0),
                         sample_interval=sample_interval) if telemetry else None)
    if kind == 'multiplex':
        proto = hotpath.open_protocol('combined', callback, stats=stats,
                                      streams=MULTIPLEX_STREAMS)
    else:
        proto = hotpath.open_protocol(kind, callback, stats=stats)
    return proto, count, stats


def measure(kind, seconds, rounds, sample_interval=DEFAULT_SAMPLE_INTERVAL):
    """CPU us/msg off and on over ``rounds`` rounds of (off, on, on, off).

    Returns the median per mode, the median of the per-round ratios
    (``'on/off'``) and the stats of the last ``on`` run.
    """
    chunks = hotpath.chunks_for('combined' if kind == 'multiplex' else kind)
    results = {'off': [], 'on': []}
    ratios = []
    stats = None
    for _ in range(rounds):
        this_round = {'off': 0.0, 'on': 0.0}
        for mode in ('off', 'on', 'on', 'off'):
            gc.collect()
            proto, count, st = make(kind, mode == 'on', sample_interval)
            cost = hotpath.run(proto, count, chunks, seconds)
            this_round[mode] += cost
            results[mode].append(cost)
            stats = st or stats
            del proto
        ratios.append(this_round['on'] / this_round['off'])
    medians = {mode: statistics.median(values) for mode, values in results.items()}
    medians['on/off'] = statistics.median(ratios)
    return medians, stats


def measure_scenarios(keys, rounds, duration, warmup):
    """Scenarios ``keys`` of ``python -m benchmarks`` with our client, telemetry on and off.

    Returns ``{key: {'on/off msgs/s': ..., 'on/off cpu/msg': ..., 'on': [...], 'off': [...]}}``
    (medians of per-round ratios; each round runs off, on, on, off).
    """
    from benchmarks import run
    scenarios = {sc.key: sc for sc in run.SCENARIOS}
    out = {}
    for key in keys:
        sc = scenarios[key]
        rates, cpus, runs = [], [], {'on': [], 'off': []}
        for _ in range(rounds):
            this_round = {'on': [], 'off': []}
            for mode in ('off', 'on', 'on', 'off'):
                server, port = run.start_server(sc.server)
                try:
                    opts = dict(sc.client, duration=duration, warmup=warmup,
                                no_telemetry=(mode == 'off'))
                    result = run.run_client(sys.executable, 'ours', port, opts, dict(os.environ))
                finally:
                    run.stop_server(server)
                this_round[mode].append(result)
                runs[mode].append(result)
            rates.append(sum(r['msgs_per_s'] for r in this_round['on'])
                         / sum(r['msgs_per_s'] for r in this_round['off']))
            cpus.append(sum(r['cpu_us_per_msg'] for r in this_round['on'])
                        / sum(r['cpu_us_per_msg'] for r in this_round['off']))
        out[key] = {'title': sc.title, 'on/off msgs/s': statistics.median(rates),
                    'on/off cpu/msg': statistics.median(cpus),
                    'msgs/s': {mode: statistics.median(r['msgs_per_s'] for r in results)
                               for mode, results in runs.items()},
                    'cpu us/msg': {mode: statistics.median(r['cpu_us_per_msg'] for r in results)
                                   for mode, results in runs.items()}}
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seconds', type=float, default=0.3, help='per data-path run')
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--kinds', default='trade,combined,multiplex')
    parser.add_argument('--sample-interval', type=float, default=DEFAULT_SAMPLE_INTERVAL)
    parser.add_argument('--scenarios', nargs='?', const='1,2', default=None, metavar='KEYS',
                        help='measure these scenarios of python -m benchmarks instead (1,2)')
    parser.add_argument('--duration', type=float, default=2.0, help='per scenario run')
    parser.add_argument('--warmup', type=float, default=0.5)
    args = parser.parse_args(argv)
    if args.scenarios:
        results = measure_scenarios(args.scenarios.split(','), args.rounds, args.duration,
                                    args.warmup)
        for key, r in results.items():
            print('scenario %s (%s): msgs/s off %.0f on %.0f, ratio on/off %.3f;   '
                  'CPU us/msg off %.3f on %.3f, ratio on/off %.3f   (medians of %d rounds)'
                  % (key, r['title'], r['msgs/s']['off'], r['msgs/s']['on'],
                     r['on/off msgs/s'], r['cpu us/msg']['off'], r['cpu us/msg']['on'],
                     r['on/off cpu/msg'], args.rounds))
        return
    for kind in args.kinds.split(','):
        med, stats = measure(kind, args.seconds, args.rounds, args.sample_interval)
        snap = stats.snapshot()
        print('%-9s data path: CPU us/msg off %.3f  on %.3f   median ratio on/off %.3f   '
              '(%d latency samples of %d messages)'
              % (kind, med['off'], med['on'], med['on/off'],
                 snap['latency_ms']['count'] if snap['latency_ms'] else 0, snap['messages']))


if __name__ == '__main__':
    main()
