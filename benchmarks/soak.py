"""Fault soak: many sockets on the simulator under random faults, then what is left behind.

A scenario, not a timed test. The simulated exchange runs in its own process
(``benchmarks/soak_exchange.py``); this process runs one
``BinanceSocketManager`` with ``--sockets`` sockets of mixed kinds (market
streams of every type, a multiplex or two, the spot user data socket and an
isolated-margin one), places orders on both accounts all along, and for
``--seconds`` injects random faults through the simulator's control
endpoint: dropped connections, freezes (half-open, thawed later), refused
handshakes (reset, 503, 429 with ``Retry-After``), ``serverShutdown`` and
listen-token expiries. Then it stops the faults, lets the sockets recover and
checks:

* every socket is live (a message within the last ``--live-window`` seconds,
  none gave up);
* user data is complete and unique: every order event the accounts published
  reached the callback exactly once (from the stream or rebuilt over REST),
  no balance event twice, and the balances last delivered match the
  exchange's;
* after ``close()``: no TCP connection to the exchange, no WebSocket left on
  the exchange, delayed calls and threads back to the baseline, resident
  memory within ``--rss-tolerance`` (5 %) of the baseline (both measured
  after a full collection, with the C allocator's free memory returned).

The baseline is measured after a warm-up cycle (every socket started until
live, then closed), so one-time costs (imports, TLS roots, pools) are not
counted as growth. Every failed check says what failed: which socket, which
events (first few identities), which delayed calls or threads.

Usage::

    python -m benchmarks.soak                       # 50 sockets, 10 minutes
    python -m benchmarks.soak --seconds 60          # the short version
    python -m benchmarks.soak --faults none --seconds 5 --sockets 8
    python -m benchmarks.soak --json result.json

Exit status 0 when every check passed, 1 otherwise.
"""
import argparse
import collections
import ctypes
import gc
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import types

import orjson
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
if os.path.dirname(HERE) not in sys.path:
    sys.path.insert(0, os.path.dirname(HERE))

from benchmarks.soak_exchange import ISOLATED_SYMBOL  # noqa: E402

FAULTS = ('drop', 'freeze', 'refuse', 'refuse_503', 'refuse_429', 'shutdown', 'token_expiry')
SYMBOLS = ('BNBBTC', 'ETHBTC', 'NEOBTC', 'LTCBTC', 'BTCUSDT', 'ETHUSDT', 'BNBUSDT')
MARKET_KINDS = ('trade', 'aggTrade', 'kline', 'depth', 'depth5', 'bookTicker', 'ticker')
#: Event types the library itself sends a user callback (notices, not account events).
NOTICES = ('error', 'userDataGap', 'userDataReconciled', 'streamSilent')


# -- the plan ------------------------------------------------------------------------------


def socket_plan(count):
    """``[(label, kind, start(bm, callback) -> conn_key)]``: 2 user sockets, the rest market."""
    if count < 3:
        raise ValueError('--sockets must be at least 3 (2 user sockets and a market one)')
    plan = [('user', 'user', lambda bm, cb: bm.start_user_socket(cb)),
            ('isolated_margin', 'user',
             lambda bm, cb: bm.start_isolated_margin_socket(ISOLATED_SYMBOL, cb))]
    starters = {
        'trade': lambda s: lambda bm, cb: bm.start_trade_socket(s, cb),
        'aggTrade': lambda s: lambda bm, cb: bm.start_aggtrade_socket(s, cb),
        'kline': lambda s: lambda bm, cb: bm.start_kline_socket(s, cb),
        'depth': lambda s: lambda bm, cb: bm.start_depth_socket(s, cb),
        'depth5': lambda s: lambda bm, cb: bm.start_depth_socket(s, cb, depth=5),
        'bookTicker': lambda s: lambda bm, cb: bm.start_symbol_book_ticker_socket(s, cb),
        'ticker': lambda s: lambda bm, cb: bm.start_symbol_ticker_socket(s, cb),
    }
    market = []
    for i in range(len(MARKET_KINDS) * len(SYMBOLS)):
        kind = MARKET_KINDS[i % len(MARKET_KINDS)]
        symbol = SYMBOLS[(i // len(MARKET_KINDS) + i) % len(SYMBOLS)]
        market.append(('{}:{}'.format(kind, symbol), kind, starters[kind](symbol)))
    extras = [('miniTicker', 'miniTicker', lambda bm, cb: bm.start_miniticker_socket(cb))]
    for n in range(4):
        streams = ['{}@trade'.format(SYMBOLS[(n + k) % len(SYMBOLS)].lower()) for k in range(2)]
        streams.append('{}@kline_1m'.format(SYMBOLS[n].lower()))
        extras.append(('multiplex:{}'.format(n), 'multiplex',
                       lambda bm, cb, streams=streams: bm.start_multiplex_socket(streams, cb)))
    # A few extras early, so that even a small plan mixes kinds.
    mixed = market[:6] + extras[:3] + market[6:] + extras[3:]
    return plan + mixed[:count - 2]


# -- the exchange process ---------------------------------------------------------------------


class Exchange:
    """``soak_exchange.py`` in a child process, and HTTP helpers to talk to it."""

    def __init__(self, seed, trade_rate, log_path):
        self.log = open(log_path, 'w')
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, 'soak_exchange.py'), '--seed', str(seed),
             '--trade-rate', str(trade_rate)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True,
            cwd=os.path.dirname(HERE))
        self.urls = {}
        while 'soak_url' not in self.urls:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError('the soak exchange did not start (exit status {})'.format(
                    self.proc.poll()))
            name, _sep, url = line.strip().partition(' ')
            self.urls[name] = url
        self.port = int(self.urls['stream_url'].rstrip('/').rsplit(':', 1)[1])
        self.http = requests.Session()
        # No keep-alive: connections still open after close() must be the library's.
        self.http.headers['Connection'] = 'close'

    def control(self, fault, **args):
        answer = self.http.post('{}/faults/{}'.format(self.urls['control_url'], fault),
                                json=args, timeout=10)
        return answer.json().get('result')

    def connections(self):
        return self.http.get(self.urls['control_url'] + '/connections', timeout=10).json()

    def soak(self, method, what, **params):
        answer = self.http.request(method, '{}/{}'.format(self.urls['soak_url'], what),
                                   params=params, timeout=10)
        return answer.json()

    def stop(self):
        self.http.close()
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# -- this process -----------------------------------------------------------------------------


def _rss_mb():
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024.0
    return float('nan')


def _established_to(port):
    """TCP connections of this process in state ESTABLISHED to 127.0.0.1:``port``."""
    inodes = set()
    for fd in os.listdir('/proc/self/fd'):
        try:
            target = os.readlink('/proc/self/fd/' + fd)
        except OSError:
            continue
        if target.startswith('socket:['):
            inodes.add(target[8:-1])
    found = 0
    for table in ('/proc/self/net/tcp', '/proc/self/net/tcp6'):
        try:
            with open(table) as lines:
                next(lines)
                for line in lines:
                    fields = line.split()
                    remote_port = int(fields[2].rsplit(':', 1)[1], 16)
                    if fields[3] == '01' and remote_port == port and fields[9] in inodes:
                        found += 1
        except OSError:
            continue
    return found


def _delayed_calls():
    from twisted.internet import reactor

    from binance import _reactor

    def names():
        return sorted('{}.{}'.format(getattr(c.func, '__module__', '?'),
                                     getattr(c.func, '__qualname__', repr(c.func)))
                      for c in reactor.getDelayedCalls())
    return _reactor.blocking_call(names)


def _is_pool_thread(name):
    return name.startswith('PoolThread-')


#: Library objects that must not outlive ``close()`` (module, class name).
_TRACKED = (('binance.protocol', 'StreamClientProtocol'), ('binance.protocol', 'StreamClientFactory'),
            ('binance.connection', 'StreamConnection'))


def _holder(obj, depth=10):
    """The chain of referrers from a module down to ``obj`` (types only), or ``None``."""
    seen = {id(obj)}
    frontier = [(obj, [])]
    for _ in range(depth):
        found, following = None, []
        seen.add(id(following))
        for item, path in frontier:
            for ref in gc.get_referrers(item):
                if id(ref) in seen or isinstance(ref, types.FrameType) or ref is frontier:
                    continue
                seen.add(id(ref))
                if isinstance(ref, types.ModuleType):
                    found = ' <- '.join(['module ' + ref.__name__] + path[::-1])
                    break
                following.append((ref, path + [type(ref).__name__]))
            if found:
                return found
        frontier = following
    return None


def _live_objects():
    """``{class name: [instances alive, what holds the first one]}`` for :data:`_TRACKED`."""
    classes = [getattr(sys.modules[module], name) for module, name in _TRACKED]
    counts = collections.Counter()
    first = {}
    for obj in gc.get_objects():
        for cls in classes:
            # issubclass(type(obj)), not isinstance(obj): isinstance reads obj.__class__,
            # which loads a module imported lazily (autobahn's flatbuffers, WAMP messages).
            if issubclass(type(obj), cls):
                counts[cls.__name__] += 1
                first.setdefault(cls.__name__, obj)
    result = {name: [n, _holder(first[name])] for name, n in counts.items()}
    first.clear()
    return result


def _object_types():
    """``{type: instances}`` of every object the collector tracks, by module-qualified name."""
    counts = collections.Counter()
    for obj in gc.get_objects():
        cls = type(obj)
        counts['{}.{}'.format(cls.__module__, cls.__qualname__)] += 1
    return dict(counts)


def _return_free_heap():
    """Ask the C allocator to give freed memory back to the system (glibc's ``malloc_trim``).

    Freed memory that ``malloc`` keeps for reuse (per-thread arenas, holes in
    the heap) counts in RSS until then; it is not memory anything holds. Done
    the same way before both measurements. Returns False where there is no
    ``malloc_trim``.
    """
    try:
        libc = ctypes.CDLL(None)
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim(0)
    return True


def _pymalloc_mb():
    """``(arenas, blocks in use)`` of Python's small-object allocator, in MB (or ``None``).

    Read from ``sys._debugmallocstats()``, which writes to the C standard error:
    arenas are what the allocator holds from the system (an arena is returned
    only when all its blocks are free), blocks what live objects use.
    """
    if not hasattr(sys, '_debugmallocstats'):
        return None
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile('w+') as out:
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read()
    found = {}
    for line in text.splitlines():
        name, sep, value = line.partition('=')
        if sep and ('bytes/arena' in name or 'bytes in allocated blocks' in name):
            found.setdefault('arenas' if 'arena' in name else 'blocks',
                             int(value.strip().replace(',', '')) / 1048576.0)
    if len(found) != 2:
        return None
    return round(found['arenas'], 2), round(found['blocks'], 2)


def _rss_by_kind():
    """Resident MB of this process by kind of mapping: C heap, anonymous, files."""
    kinds = collections.Counter()
    kind = None
    try:
        with open('/proc/self/smaps') as smaps:
            for line in smaps:
                fields = line.split()
                if fields[0].endswith(':'):
                    if fields[0] == 'Rss:' and kind:
                        kinds[kind] += int(fields[1]) / 1024.0
                    continue
                path = fields[5] if len(fields) > 5 else ''
                kind = 'heap' if path == '[heap]' else 'anonymous' if not path \
                    else None if path.startswith('[') else 'files'
    except OSError:
        return {}
    return {k: round(v, 2) for k, v in kinds.items()}


def measure(port):
    """RSS, threads, delayed calls, live library objects and TCP connections to the exchange.

    ``rss_mb`` is measured after a full collection and after the C allocator
    returned its free memory (``rss_raw_mb`` before that); ``python_blocks``
    counts the memory blocks Python's allocator has handed out and not got
    back (``sys.getallocatedblocks()``), so a leak of Python objects shows
    there whatever the allocator does with freed pages.
    """
    gc.collect()
    threads = sorted(t.name for t in threading.enumerate())
    raw = _rss_mb()
    trimmed = _return_free_heap()
    result = {'rss_mb': round(_rss_mb(), 2), 'rss_raw_mb': round(raw, 2),
              'heap_returned': trimmed, 'python_blocks': sys.getallocatedblocks(),
              'pymalloc_mb': _pymalloc_mb(), 'rss_by_kind': _rss_by_kind(),
              'object_types': _object_types(), 'modules': sorted(sys.modules),
              'threads': threads,
              'delayed_calls': _delayed_calls(), 'tcp_to_exchange': _established_to(port),
              'live_objects': _live_objects()}
    if tracemalloc.is_tracing():
        result['trace'] = tracemalloc.take_snapshot()
    return result


def _memory_growth(baseline, after, top=5):
    """The allocation sites that grew most between two traced measurements."""
    if 'trace' not in baseline or 'trace' not in after:
        return ''
    stats = after['trace'].compare_to(baseline['trace'], 'lineno')
    total = sum(s.size_diff for s in stats) / 1024.0
    blocks = sum(s.count_diff for s in stats)
    return '; traced Python memory {:+.1f} KiB in {:+d} blocks, grew most: {}'.format(
        total, blocks, ', '.join('{}:{} {:+.1f} KiB'.format(
            os.path.relpath(s.traceback[0].filename, os.path.dirname(HERE)),
            s.traceback[0].lineno, s.size_diff / 1024.0) for s in stats[:top]))


def identity(event):
    """What makes an account event unique, for completeness and duplicate checks."""
    kind = event.get('e')
    if kind == 'executionReport':
        return ('executionReport', event.get('i'), event.get('x'), event.get('t'))
    if kind == 'outboundAccountPosition':
        return ('outboundAccountPosition', event.get('u'),
                tuple(sorted((b.get('a'), b.get('f'), b.get('l')) for b in event.get('B') or ())))
    return (kind, json.dumps(event, sort_keys=True))


class Check:
    """One line of the verdict."""

    def __init__(self, name, passed, detail):
        self.name, self.passed, self.detail = name, bool(passed), detail

    def line(self):
        return '[{}] {}: {}'.format('PASS' if self.passed else 'FAIL', self.name, self.detail)

    def as_dict(self):
        return {'name': self.name, 'passed': self.passed, 'detail': self.detail}


def _first(items, n=5):
    items = list(items)
    text = ', '.join(str(i) for i in items[:n])
    return text + (', ... ({} in all)'.format(len(items)) if len(items) > n else '')


def _account_events(delivered):
    """The account events among ``delivered``, and the rebuilt ones that came outside a gap.

    A rebuilt event (``'reconciled': True``) counts only between a ``userDataGap``
    notice and the ``userDataReconciled`` notice that ends it: the library must
    announce a gap before it fills it.
    """
    account, unannounced = [], []
    in_gap = False
    for message in delivered:
        if not isinstance(message, dict):
            continue
        kind = message.get('e')
        if kind == 'userDataGap':
            in_gap = True
        elif kind == 'userDataReconciled':
            in_gap = False
        elif kind not in NOTICES:
            if message.get('reconciled') and not in_gap:
                unannounced.append(message)
            else:
                account.append(message)
    return account, unannounced


def user_data_checks(label, published, delivered, final_balances):
    """Completeness and uniqueness of one user socket's account events.

    Args:
        label: the socket's name in the report.
        published: every event the account published (the exchange's record).
        delivered: every message the callback received, in order; an event
            rebuilt over REST counts only after a gap notice (see
            :func:`_account_events`), a duplicate (stream or rebuilt) fails.
        final_balances: ``{asset: [free, locked]}`` on the exchange at the end.

    Returns:
        A list of :class:`Check`.
    """
    checks = []
    account, unannounced = _account_events(delivered)
    notices = collections.Counter(m.get('e') for m in delivered
                                  if isinstance(m, dict) and m.get('e') in NOTICES)
    orders_published = collections.Counter(identity(e) for e in published
                                           if e.get('e') == 'executionReport')
    orders_delivered = collections.Counter(identity(e) for e in account
                                           if e.get('e') == 'executionReport')
    missing = sorted(set(orders_published) - set(orders_delivered), key=str)
    twice = sorted((k for k, n in orders_delivered.items() if n > 1), key=str)
    unknown = sorted(set(orders_delivered) - set(orders_published), key=str)
    rebuilt = sum(1 for e in account if e.get('reconciled'))
    detail = '{} order events published, {} delivered ({} rebuilt over REST); notices: {}'.format(
        sum(orders_published.values()), sum(orders_delivered.values()), rebuilt,
        dict(notices) or 'none')
    if missing:
        detail += '; MISSING {}: {}'.format(len(missing), _first(
            'i={} x={} t={}'.format(*k[1:]) for k in missing))
    if unannounced:
        detail += '; {} rebuilt outside a gap (not counted): {}'.format(len(unannounced), _first(
            'i={} x={} t={}'.format(*identity(e)[1:]) for e in unannounced
            if e.get('e') == 'executionReport'))
    checks.append(Check('{}: every order event delivered'.format(label), not missing, detail))
    detail = 'no order event twice'
    if twice:
        detail = 'DUPLICATED {}: {}'.format(len(twice), _first(
            'i={} x={} t={} ({} times)'.format(*k[1:], orders_delivered[k]) for k in twice))
    if unknown:
        detail += '; {} delivered that were never published: {}'.format(
            len(unknown), _first('i={} x={} t={}'.format(*k[1:]) for k in unknown))
    checks.append(Check('{}: order events unique'.format(label), not twice and not unknown,
                        detail))
    positions = collections.Counter(identity(e) for e in account
                                    if e.get('e') == 'outboundAccountPosition'
                                    and not e.get('reconciled'))
    twice = [k for k, n in positions.items() if n > 1]
    checks.append(Check('{}: balance events unique'.format(label), not twice,
                        '{} balance events from the stream{}'.format(
                            sum(positions.values()),
                            '; DUPLICATED {} (u={})'.format(len(twice), _first(k[1] for k in twice))
                            if twice else '')))
    seen = {}
    for event in account:
        if event.get('e') == 'outboundAccountPosition':
            for entry in event.get('B') or ():
                seen[entry.get('a')] = [entry.get('f'), entry.get('l')]
    wrong = {a: (seen[a], final_balances.get(a)) for a in seen
             if [float(x) for x in seen[a]] != [float(x) for x in final_balances.get(a, [0, 0])]}
    checks.append(Check('{}: last balances delivered match the exchange'.format(label), not wrong,
                        '{} assets'.format(len(seen)) if not wrong else 'DIFFER: {}'.format(
                            _first('{} delivered {} exchange {}'.format(a, d, x)
                                   for a, (d, x) in sorted(wrong.items())))))
    return checks


def process_checks(baseline, after, rss_tolerance, websockets_left):
    """What ``close()`` left behind, against the baseline (lists of :class:`Check`)."""
    tcp = after['tcp_to_exchange']
    checks = [Check('no TCP connection to the exchange after close()', tcp == 0,
                    '{} established{}'.format(tcp, ' (HTTP keep-alive: the REST session)'
                                              if tcp and not websockets_left else '')),
              Check('no WebSocket left on the exchange after close()', not websockets_left,
                    '{} open{}'.format(len(websockets_left), ': ' + _first(
                        '{} {}'.format(c.get('kind'), c.get('path')) for c in websockets_left)
                        if websockets_left else ''))]
    extra_calls = collections.Counter(after['delayed_calls']) - collections.Counter(
        baseline['delayed_calls'])
    checks.append(Check('delayed calls back to baseline', not extra_calls,
                        '{} now, {} at baseline{}'.format(
                            len(after['delayed_calls']), len(baseline['delayed_calls']),
                            '; EXTRA: ' + _first('{} x{}'.format(k, n) for k, n in
                                                 sorted(extra_calls.items()))
                            if extra_calls else '')))
    own = [t for t in after['threads'] if not _is_pool_thread(t)]
    own_base = [t for t in baseline['threads'] if not _is_pool_thread(t)]
    extra_threads = collections.Counter(own) - collections.Counter(own_base)
    pool = sum(1 for t in after['threads'] if _is_pool_thread(t))
    checks.append(Check('threads back to baseline', not extra_threads,
                        '{} now, {} at baseline (reactor thread pool: {}){}'.format(
                            len(after['threads']), len(baseline['threads']), pool,
                            '; EXTRA: ' + _first(sorted(extra_threads.elements()))
                            if extra_threads else '')))
    alive = after.get('live_objects', {})
    checks.append(Check('no connection or protocol object alive after close()', not alive,
                        'none' if not alive else 'ALIVE: ' + _first(
                            '{} x{} (held by {})'.format(name, n, holder or 'a cycle')
                            for name, (n, holder) in sorted(alive.items()))))
    growth = _growth(baseline, after, 'rss_mb')
    detail = '{:.1f} MB -> {:.1f} MB ({:+.1f} %)'.format(baseline['rss_mb'], after['rss_mb'],
                                                        growth)
    if 'rss_raw_mb' in after:
        detail += ' with freed heap returned{}; before that {:.1f} -> {:.1f} MB ({:+.1f} %)'.format(
            '' if after.get('heap_returned') else ' (no malloc_trim here: not returned)',
            baseline['rss_raw_mb'], after['rss_raw_mb'], _growth(baseline, after, 'rss_raw_mb'))
    if 'python_blocks' in after:
        detail += '; Python blocks allocated {} -> {} ({:+.1f} %)'.format(
            baseline['python_blocks'], after['python_blocks'],
            _growth(baseline, after, 'python_blocks'))
    if after.get('pymalloc_mb') and baseline.get('pymalloc_mb'):
        detail += '; Python arenas {:.1f} -> {:.1f} MB holding {:.1f} -> {:.1f} MB in use'.format(
            baseline['pymalloc_mb'][0], after['pymalloc_mb'][0], baseline['pymalloc_mb'][1],
            after['pymalloc_mb'][1])
    more = collections.Counter(after.get('object_types', {}))
    more.subtract(baseline.get('object_types', {}))
    if more:
        detail += '; objects {:+d}, most: {}'.format(sum(more.values()), _first(
            '{} {:+d}'.format(name, n) for name, n in more.most_common(5) if n > 0))
    imported = sorted(set(after.get('modules', ())) - set(baseline.get('modules', ())))
    if imported:
        detail += '; {} modules imported since the baseline: {}'.format(len(imported),
                                                                        _first(imported))
    kinds = sorted(set(baseline.get('rss_by_kind', {})) | set(after.get('rss_by_kind', {})))
    if kinds:
        detail += '; resident by kind: ' + ', '.join('{} {:+.1f} MB'.format(
            k, after['rss_by_kind'].get(k, 0) - baseline['rss_by_kind'].get(k, 0)) for k in kinds)
    checks.append(Check('RSS within {:g} % of baseline'.format(rss_tolerance),
                        growth < rss_tolerance, detail + _memory_growth(baseline, after)))
    return checks


def _growth(baseline, after, key):
    return (after[key] - baseline[key]) / baseline[key] * 100.0


# -- the run ------------------------------------------------------------------------------------


class Recorder:
    """One socket's callback: counts messages, keeps user data messages.

    User data messages are kept encoded (one ``bytes`` each, from the C
    allocator, returned to the system when freed): kept as dicts, thousands of
    them allocated all along the run would spread over Python's arenas, and
    whatever else survives the run in those arenas would keep them resident
    after the soak dropped its records, growth of the soak's own making.
    """

    def __init__(self, label, kind):
        self.label, self.kind = label, kind
        self.count = 0
        self.last = None
        self._encoded = []
        self.errors = []
        self.lock = threading.Lock()

    def __call__(self, message):
        with self.lock:
            self.count += 1
            self.last = time.monotonic()
            if self.kind == 'user':
                self._encoded.append(orjson.dumps(message))
            if isinstance(message, dict) and message.get('e') == 'error':
                self.errors.append(message.get('m'))

    @property
    def messages(self):
        """The user data messages received so far, decoded, in order."""
        with self.lock:
            encoded = list(self._encoded)
        return [orjson.loads(m) for m in encoded]


class Soak:
    """One soak run (see the module docstring); :meth:`run` returns the report dict."""

    def __init__(self, args, out=print, exchange_log=os.devnull):
        self.args = args
        self.exchange_log = exchange_log
        self.out = out
        self.rng = random.Random(args.seed)
        self.faults = collections.Counter()
        self.orders = collections.Counter()
        self.frozen = []
        self.stop_event = threading.Event()

    def build(self, exchange):
        from binance.backoff import BackoffPolicy
        from binance.client import Client
        from binance.options import ConnectionOptions
        from binance.simulator import DEFAULT_API_KEY, DEFAULT_API_SECRET
        from binance.websockets import BinanceSocketManager
        urls = exchange.urls

        class SoakClient(Client):
            API_URL = urls['api_url']
            MARGIN_API_URL = urls['margin_api_url']

        class SoakManager(BinanceSocketManager):
            STREAM_URL = urls['stream_url']
            WS_API_URL = urls['ws_api_url']

        client = SoakClient(DEFAULT_API_KEY, DEFAULT_API_SECRET)
        # A bot that must stay up retries for longer than the drop-in default (5 failed
        # retries in a row, about 3 s), which a 10 s refusal of handshakes outlasts.
        retry = BackoffPolicy(max_retries=self.args.max_retries)
        return client, SoakManager(client, options=ConnectionOptions(retry=retry))

    def start_sockets(self, manager, plan):
        recorders = {}
        for label, kind, start in plan:
            recorder = Recorder(label, kind)
            key = start(manager, recorder)
            if key is False:
                raise RuntimeError('socket {} could not be started (duplicate key)'.format(label))
            recorders[key] = recorder
        return recorders

    def wait(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            self.stop_event.wait(0.2)
        return predicate()

    def market_live(self, recorders, window):
        now = time.monotonic()
        return all(r.last is not None and now - r.last < window
                   for r in recorders.values() if r.kind != 'user')

    def close(self, exchange, client, manager):
        manager.close()
        manager.join(10)
        client.close_connection()
        self.wait(lambda: not [c for c in exchange.connections() if c.get('kind') != 'http'], 15)
        self.wait(lambda: _established_to(exchange.port) == 0, 1.5)

    # -- load and faults -------------------------------------------------------------------

    def place_orders(self, exchange):
        """Orders on both accounts, all along (a thread)."""
        interval = 1.0 / self.args.order_rate
        side = 'BUY'
        open_orders = collections.deque()
        while not self.stop_event.wait(interval):
            side = 'SELL' if side == 'BUY' else 'BUY'
            for account in ('spot', 'isolated'):
                try:
                    if self.rng.random() < 0.2:
                        answer = exchange.soak('POST', 'order', account=account, symbol='BNBBTC',
                                               side='BUY', type='LIMIT', quantity='0.01',
                                               price='0.000001')
                        if 'orderId' in answer:
                            open_orders.append((account, answer['orderId']))
                    else:
                        exchange.soak('POST', 'order', account=account, symbol='BNBBTC',
                                      side=side, type='MARKET', quantity='0.01')
                    self.orders[account] += 1
                    while len(open_orders) > 3:
                        acc, order_id = open_orders.popleft()
                        exchange.soak('POST', 'cancel', account=acc, symbol='BNBBTC',
                                      orderId=order_id)
                except requests.RequestException as exc:
                    self.orders['failed'] += 1
                    logging.getLogger('soak').warning('order failed: %s', exc)

    def inject(self, exchange, kinds, until):
        """Random faults until ``until`` (monotonic)."""
        if not kinds:
            return
        while time.monotonic() < until and not self.stop_event.is_set():
            self.stop_event.wait(self.rng.expovariate(1.0 / self.args.fault_every))
            self.thaw_due(exchange)
            if time.monotonic() >= until:
                break
            kind = self.rng.choice(kinds)
            try:
                self.apply(exchange, kind)
                self.faults[kind] += 1
            except (requests.RequestException, ValueError) as exc:
                logging.getLogger('soak').warning('fault %s failed: %s', kind, exc)
        self.stop_event.wait(0)
        exchange.control('thaw_all')
        self.frozen.clear()

    def thaw_due(self, exchange):
        now = time.monotonic()
        for entry in [f for f in self.frozen if f[0] <= now]:
            self.frozen.remove(entry)
            exchange.control('thaw', conn_id=entry[1])

    def apply(self, exchange, kind):
        conns = [c for c in exchange.connections() if c.get('kind') in ('stream', 'ws-api')]
        target = self.rng.choice(conns)['id'] if conns else None
        if kind == 'drop' and target is not None:
            exchange.control('drop_one', conn_id=target)
        elif kind == 'freeze' and target is not None and len(self.frozen) < 3:
            exchange.control('freeze', conn_id=target)
            self.frozen.append((time.monotonic() + self.rng.uniform(5, 40), target))
        elif kind.startswith('refuse'):
            status = {'refuse': None, 'refuse_503': 503, 'refuse_429': 429}[kind]
            exchange.control('refuse_connections', seconds=self.rng.uniform(2, 10), status=status)
        elif kind == 'shutdown' and target is not None:
            exchange.control('server_shutdown', conn_id=target)
        elif kind == 'token_expiry':
            exchange.control('expire_listen_tokens')

    # -- the whole run -----------------------------------------------------------------------

    def run(self):
        args = self.args
        plan = socket_plan(args.sockets)
        kinds = FAULTS if args.faults == 'all' else [] if args.faults == 'none' \
            else args.faults.split(',')
        for kind in kinds:
            if kind not in FAULTS:
                raise ValueError('unknown fault {!r}; choose from {}'.format(kind, ', '.join(FAULTS)))
        exchange = Exchange(args.seed, args.trade_rate, self.exchange_log)
        checks = []
        manager = None
        report = {'sockets': len(plan), 'seconds': args.seconds, 'faults_enabled': kinds}
        try:
            self.out('soak: {} sockets, {} s of faults ({}), exchange on port {}'.format(
                len(plan), args.seconds, ', '.join(kinds) or 'none', exchange.port))
            baseline = self.warm_up(exchange, plan, report)
            client, manager = self.build(exchange)
            manager.start()
            recorders = self.start_sockets(manager, plan)
            self.wait(lambda: self.market_live(recorders, args.live_window), 60)
            published = self.load_and_faults(exchange, kinds)
            self.settle(recorders, published, report)
            checks.extend(self.socket_checks(recorders, manager))
            for account, label in (('spot', 'user'), ('isolated', 'isolated_margin')):
                recorder = recorders_by_label(recorders, label)
                if recorder is not None:
                    balances = exchange.soak('GET', 'balances', account=account)
                    checks.extend(user_data_checks(label, published[account],
                                                   recorder.messages, balances))
            self.close(exchange, client, manager)
            # What the soak itself kept (recorded messages, the exchange's records) is not
            # the library's memory.
            recorders = published = recorder = None
            left = [c for c in exchange.connections() if c.get('kind') != 'http']
            after = measure(exchange.port)
            report['after'] = after
            checks.extend(process_checks(baseline, after, args.rss_tolerance, left))
        finally:
            self.stop_event.set()
            if manager is not None:
                manager.close()  # after an error too: its thread would keep the process alive
            exchange.stop()
        report['faults'] = dict(self.faults)
        report['orders'] = dict(self.orders)
        report['checks'] = [c.as_dict() for c in checks]
        report['passed'] = all(c.passed for c in checks)
        self.out('faults injected: {}'.format(dict(self.faults) or 'none'))
        self.out('orders placed: {}'.format(dict(self.orders) or 'none'))
        for check in checks:
            self.out(check.line())
        self.out('soak {}: {} of {} checks passed'.format(
            'PASSED' if report['passed'] else 'FAILED', sum(c.passed for c in checks),
            len(checks)))
        return report

    def warm_up(self, exchange, plan, report):
        """Every socket started until live, then closed; returns the baseline measured after."""
        client, manager = self.build(exchange)
        manager.start()
        warm = self.start_sockets(manager, plan)
        started = time.monotonic()
        if not self.wait(lambda: self.market_live(warm, self.args.live_window), 60):
            self.out('warm-up: not every market socket delivered within 60 s')
        report['warmup_live_s'] = round(time.monotonic() - started, 2)
        self.close(exchange, client, manager)
        baseline = measure(exchange.port)
        report['baseline'] = baseline
        return baseline

    def load_and_faults(self, exchange, kinds):
        """Orders and faults for ``--seconds``; returns what each account published."""
        orders = threading.Thread(target=self.place_orders, args=(exchange,), daemon=True)
        orders.start()
        until = time.monotonic() + self.args.seconds
        self.inject(exchange, kinds, until)
        self.wait(lambda: time.monotonic() >= until, self.args.seconds + 1)
        self.stop_event.set()
        orders.join(15)
        self.stop_event = threading.Event()
        return {account: exchange.soak('GET', 'published', account=account)
                for account in ('spot', 'isolated')}

    def settle(self, recorders, published, report):
        """Wait (``--settle`` at most) for every market socket to deliver and user data to arrive."""
        fault_end = time.monotonic()
        users = {'spot': recorders_by_label(recorders, 'user'),
                 'isolated': recorders_by_label(recorders, 'isolated_margin')}

        def recovered():
            fresh = all(r.last is not None and r.last > fault_end
                        for r in recorders.values() if r.kind != 'user')
            complete = all(recorder is None
                           or _orders_complete(published[account], recorder.messages)
                           for account, recorder in users.items())
            return fresh and complete and self.market_live(recorders, self.args.live_window)
        self.wait(recovered, self.args.settle)
        report['settle_s'] = round(time.monotonic() - fault_end, 2)

    def socket_checks(self, recorders, manager):
        now = time.monotonic()
        silent, gave_up = [], []
        for key, rec in sorted(recorders.items()):
            if rec.errors:
                gave_up.append('{} ({})'.format(rec.label, rec.errors[-1]))
            if rec.kind != 'user' and (rec.last is None or now - rec.last >= self.args.live_window):
                silent.append('{} (last message {})'.format(
                    rec.label, 'never' if rec.last is None else '{:.0f} s ago'.format(now - rec.last)))
        reconnects = 0
        for key in recorders:
            connection = manager.connection(key)
            reconnects += getattr(connection, 'reconnect_count', 0) if connection else 0
        market = sum(1 for r in recorders.values() if r.kind != 'user')
        return [Check('every market socket live', not silent,
                      '{}/{} delivered within {:g} s ({} reconnects in all){}'.format(
                          market - len(silent), market, self.args.live_window, reconnects,
                          '; SILENT: ' + _first(silent) if silent else '')),
                Check('no socket gave up', not gave_up,
                      'none' if not gave_up else 'GAVE UP: ' + _first(gave_up))]


def recorders_by_label(recorders, label):
    return next((r for r in recorders.values() if r.label == label), None)


def _orders_complete(published, delivered):
    want = {identity(e) for e in published if e.get('e') == 'executionReport'}
    have = {identity(e) for e in _account_events(list(delivered))[0]
            if e.get('e') == 'executionReport'}
    return want <= have


def build_parser():
    parser = argparse.ArgumentParser(prog='python -m benchmarks.soak',
                                     description=__doc__.split('\n')[0])
    parser.add_argument('--seconds', type=float, default=600.0, help='fault phase length')
    parser.add_argument('--sockets', type=int, default=50, help='sockets, 2 of them user data')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--faults', default='all',
                        help='all, none, or a comma list of: ' + ', '.join(FAULTS))
    parser.add_argument('--fault-every', type=float, default=3.0,
                        help='mean seconds between faults')
    parser.add_argument('--order-rate', type=float, default=1.0,
                        help='orders per second per account')
    parser.add_argument('--trade-rate', type=float, default=5.0,
                        help='simulated trades per second per symbol')
    parser.add_argument('--live-window', type=float, default=10.0,
                        help='a market socket is live if it delivered within this many seconds')
    parser.add_argument('--settle', type=float, default=90.0,
                        help='seconds allowed to recover after the faults stop')
    parser.add_argument('--max-retries', type=int, default=20,
                        help='failed reconnects in a row before a socket gives up (the '
                             'library\'s default is 5, about 3 s of retrying; 20 is about 140 s)')
    parser.add_argument('--rss-tolerance', type=float, default=5.0, help='percent')
    parser.add_argument('--json', help='write the report to this file')
    parser.add_argument('--log', help='library log file (WARNING and above); a temp file if '
                                      'unset; the exchange logs to the same name + .exchange')
    parser.add_argument('--trace-memory', action='store_true',
                        help='trace allocations (slow) and name where memory grew')
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    log_path = args.log or os.path.join(tempfile.gettempdir(), 'soak-{}.log'.format(os.getpid()))
    logging.basicConfig(filename=log_path, level=logging.WARNING,
                        format='%(asctime)s %(name)s %(levelname)s %(message)s')
    if args.trace_memory:
        tracemalloc.start(1)
    report = Soak(args, exchange_log=log_path + '.exchange').run()
    report['log'] = log_path
    print('library log: {} (exchange: {}.exchange)'.format(log_path, log_path))
    if args.json:
        for phase in ('baseline', 'after'):
            report.get(phase, {}).pop('trace', None)
            report.get(phase, {}).pop('object_types', None)
        with open(args.json, 'w') as out:
            json.dump(report, out, indent=1, default=str)
    return 0 if report['passed'] else 1


if __name__ == '__main__':
    sys.exit(main())
