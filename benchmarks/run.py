"""Run the benchmark scenarios and report them (``python -m benchmarks``).

Each scenario starts the loopback server (benchmarks/server.py) in its own
process, then one client process per implementation (ours; python-binance
0.7.11 from its own virtualenv), and measures "the limit" in this process.
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile

from benchmarks import limit, report
from benchmarks.venv import DEFAULT_DIR, clean_env, ensure_pb0711

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
RESULTS_DIR = os.path.join(HERE, 'results')
DOCS_DIR = os.path.join(REPO, 'docs', 'benchmarks')


class Scenario:
    """One scenario: server mode, client options, and what it is judged on."""

    def __init__(self, key, title, server, client=None, limit_kind=None, quick_client=None,
                 script=None, passes=1):
        self.key = key
        self.title = title
        self.server = server
        self.client = client or {}
        self.quick_client = quick_client or {}
        self.limit_kind = limit_kind
        #: A self-contained script run by each implementation instead of a server and client.
        self.script = script
        #: Script scenarios: runs of each implementation, alternating, best figures kept.
        self.passes = passes


SCENARIOS = [
    Scenario('1', 'one socket, small trade messages', ['--mode', 'blast', '--kind', 'trade'],
             limit_kind='trade'),
    Scenario('2', 'combined stream ({"stream","data"})', ['--mode', 'blast', '--kind', 'combined'],
             {'combined': True}, limit_kind='combined'),
    Scenario('3', '200 sockets at once', ['--mode', 'blast', '--kind', 'trade'],
             {'sockets': 200}, quick_client={'sockets': 20}),
    Scenario('4', 'large messages (~1 MiB depth snapshot)', ['--mode', 'blast', '--kind', 'large'],
             {'orjson_baseline': True}, limit_kind='large'),
    Scenario('5', 'latency at 10,000 msg/s', ['--mode', 'paced', '--rate', '10000'],
             {'latency': True}),
    Scenario('6', '100 idle sockets', ['--mode', 'idle'], {'sockets': 100, 'duration': 10.0},
             quick_client={'sockets': 10}),
    Scenario('7', 'order book cache, 5,000 levels per side', None, {'events': 3000, 'rounds': 3},
             quick_client={'events': 200, 'rounds': 1, 'reads': 50}, script='depthbook.py',
             passes=5),
]


def start_server(args):
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, 'server.py')] + args,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith('PORT '):
        proc.kill()
        raise RuntimeError('benchmark server did not start: %r' % line)
    return proc, int(line.split()[1])


def stop_server(proc):
    try:
        proc.stdin.close()
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_client(python, impl, port, opts, env):
    cmd = [python, os.path.join(HERE, 'client.py'), '--impl', impl,
           '--url', 'ws://127.0.0.1:%d/' % port]
    if impl == 'ours':
        cmd += ['--repo', REPO]
    for name, value in sorted(opts.items()):
        flag = '--' + name.replace('_', '-')
        if value is True:
            cmd.append(flag)
        elif value is not False:
            cmd += [flag, str(value)]
    timeout = opts.get('connect_timeout', 30) + opts.get('warmup', 1) + opts.get('duration', 3) + 60
    with tempfile.TemporaryDirectory() as cwd:  # keep the repository off the baseline's path
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RuntimeError('%s client failed (exit %s):\n%s' % (impl, proc.returncode,
                                                               proc.stderr[-3000:]))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_script(python, impl, script, opts, env):
    """Run a self-contained scenario script; returns the JSON object it printed."""
    cmd = [python, os.path.join(HERE, script), '--impl', impl]
    if impl == 'ours':
        cmd += ['--repo', REPO]
    for name, value in sorted(opts.items()):
        cmd += ['--' + name.replace('_', '-'), str(value)]
    with tempfile.TemporaryDirectory() as cwd:  # keep the repository off the baseline's path
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RuntimeError('%s %s failed (exit %s):\n%s' % (impl, script, proc.returncode,
                                                             proc.stderr[-3000:]))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_script_scenario(sc, impls, quick, log):
    """Run the implementations in turn, ``sc.passes`` times, keeping each one's best figures.

    Alternating puts both implementations through the same moments of a
    shared machine, whose speed drifts by tens of percent within a minute.
    """
    script_opts = dict(sc.client)
    if quick:
        script_opts.update(sc.quick_client)
    passes = 1 if quick else sc.passes
    result = {'title': sc.title, 'client_options': dict(script_opts, passes=passes)}
    runs = {impl: [] for impl, _ in impls}
    for number in range(1, passes + 1):
        for impl, python in impls:
            log('  %s: %s (pass %d of %d) ...' % (sc.key, impl, number, passes))
            env = clean_env() if impl == 'pb0711' else dict(os.environ)
            runs[impl].append(run_script(python, impl, sc.script, script_opts, env))
    for impl, figures in runs.items():
        result[impl] = best_figures(figures)
    limit_rate = result.get('ours', {}).pop('limit_updates_per_s', None)
    limit_wire = result.get('ours', {}).pop('limit_wire_updates_per_s', None)
    if limit_rate is not None:   # scenario 7's least work per event, timed in our process
        result['limit'] = {'impl': 'dict + one orjson.loads + dict.update per event '
                                   '(from the wire: one orjson.loads of the message first)',
                           'updates_per_s': limit_rate, 'wire_updates_per_s': limit_wire}
    return result


def best_figures(runs):
    """One result from several runs: the highest ``*_per_s``, the lowest ``*_us``, else the first."""
    best = dict(runs[0])
    for key in best:
        if key.endswith('_per_s'):
            best[key] = max(run[key] for run in runs)
        elif key.endswith('_us'):
            best[key] = min(run[key] for run in runs)
    best['passes'] = len(runs)
    return best


def run_scenario(sc, impls, opts, quick, log):
    if sc.script is not None:
        return run_script_scenario(sc, impls, quick, log)
    client_opts = {'warmup': opts.warmup, 'duration': opts.duration}
    client_opts.update(sc.client)
    if quick:
        client_opts.update(sc.quick_client)
        client_opts['duration'] = opts.duration
    result = {'title': sc.title, 'client_options': client_opts}
    for impl, python in impls:
        server, port = start_server(sc.server)
        try:
            log('  %s: %s ...' % (sc.key, impl))
            env = clean_env() if impl == 'pb0711' else dict(os.environ)
            opts_impl = dict(client_opts)
            if impl == 'ours' and sc.limit_kind in ('trade', 'combined'):
                # The limit loop runs in our client's process, seconds before it
                # measures itself: the machine's speed drifts over a run.
                opts_impl.update(limit_kind=sc.limit_kind, limit_seconds=opts.limit_seconds)
            result[impl] = run_client(python, impl, port, opts_impl, env)
        finally:
            stop_server(server)
    if sc.limit_kind == 'large':
        result['limit'] = limit.measure_orjson_large(opts.limit_seconds)
    elif sc.limit_kind:
        in_client = result.get('ours', {}).pop('limit', None)
        result['limit'] = in_client or limit.measure_loop(sc.limit_kind, opts.limit_seconds)
    return result


def versions():
    out = {'python': platform.python_version(), 'machine': platform.machine(),
           'cpus': os.cpu_count(), 'load_avg': os.getloadavg(), 'nice': os.nice(0)}
    for mod in ('twisted', 'autobahn', 'orjson'):
        try:
            out[mod] = __import__(mod).__version__
        except Exception:  # a missing module is reported, not fatal
            out[mod] = None
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m benchmarks', description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='smoke run: short, fewer sockets, no python-binance baseline')
    parser.add_argument('--only', default='', help='comma-separated scenario numbers, e.g. 1,4')
    parser.add_argument('--no-baseline', action='store_true', help='skip python-binance 0.7.11')
    parser.add_argument('--pb-venv', default=DEFAULT_DIR, help='virtualenv for python-binance 0.7.11')
    parser.add_argument('--duration', type=float, default=None, help='measured seconds per client')
    parser.add_argument('--warmup', type=float, default=None)
    parser.add_argument('--no-docs', action='store_true',
                        help='do not refresh docs/benchmarks/latest.json and chart.svg')
    parser.add_argument('--output', default=None, help='result file (default benchmarks/results/<time>.json)')
    opts = parser.parse_args(argv)
    quick = opts.quick
    if opts.duration is None:
        opts.duration = 0.3 if quick else 4.0
    if opts.warmup is None:
        opts.warmup = 0.1 if quick else 1.0
    opts.limit_seconds = 0.2 if quick else 2.0
    log = (lambda msg: print(msg, file=sys.stderr, flush=True))

    impls = [('ours', sys.executable)]
    if not (quick or opts.no_baseline):
        impls.append(('pb0711', ensure_pb0711(opts.pb_venv, log=log)))
    wanted = {s.strip() for s in opts.only.split(',') if s.strip()}
    started = datetime.datetime.now(datetime.timezone.utc)
    results = {
        'command': (('nice -n %d ' % os.nice(0)) if os.nice(0) else '')
        + ' '.join(['python -m benchmarks'] + list(argv if argv is not None else sys.argv[1:])),
        'started': started.isoformat(timespec='seconds'),
        'quick': quick,
        'environment': versions(),
        'scenarios': {},
    }
    chosen = [sc for sc in SCENARIOS if not wanted or sc.key in wanted]
    if quick:
        # A smoke run checks that everything works, not how fast: overlap the scenarios.
        with concurrent.futures.ThreadPoolExecutor(len(chosen) or 1) as pool:
            futures = {sc.key: pool.submit(run_scenario, sc, impls, opts, quick, log)
                       for sc in chosen}
            for key, future in futures.items():
                results['scenarios'][key] = future.result()
    else:
        for sc in chosen:
            log('scenario %s: %s' % (sc.key, sc.title))
            results['scenarios'][sc.key] = run_scenario(sc, impls, opts, quick, log)
    results['finished'] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')
    report.evaluate(results)
    env = results['environment']
    # Flat rows and a few plain fields for the documentation's table.
    results['rows'] = report.rows(results)
    results['date'] = results['started']
    results['python'] = env['python']
    results['machine'] = '%s, %s CPUs, load average %s at start' % (
        env['machine'], env['cpus'], ', '.join('%.1f' % x for x in env['load_avg']))
    print(report.table(results))

    path = opts.output or os.path.join(RESULTS_DIR, started.strftime('%Y%m%dT%H%M%SZ') + '.json')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(results, f, indent=2, sort_keys=True)
    log('results written to %s' % path)
    if not (quick or opts.no_docs or wanted):
        os.makedirs(DOCS_DIR, exist_ok=True)
        with open(os.path.join(DOCS_DIR, 'latest.json'), 'w') as f:
            json.dump(results, f, indent=2, sort_keys=True)
        with open(os.path.join(DOCS_DIR, 'chart.svg'), 'w') as f:
            f.write(report.svg(results))
        log('docs/benchmarks/latest.json and chart.svg refreshed')
    return 0
