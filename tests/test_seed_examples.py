"""Every code example of the original user documentation runs as written.

The examples are read from ``tests/seed/websockets.rst`` (python-binance's
websockets page, verbatim) and executed against :mod:`binance.simulator`; the
only change is where the sockets connect: ``BinanceSocketManager.STREAM_URL``
(and, for the user socket, ``WS_API_URL`` and ``Client.API_URL``).

One example cannot run literally: the error-check callback has comment-only
``if``/``else`` bodies, which Python rejects. :func:`runnable` fills each
such body with one call recording which branch ran, and changes nothing else.

``print`` in the examples is bound to a recorder, so the tests check what the
documented callbacks print without capturing the process's stdout.
"""
import ast
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from binance import _reactor
from binance.client import Client
from binance.simulator import DEFAULT_API_KEY, DEFAULT_API_SECRET
from binance.websockets import BinanceSocketManager
from tests.conftest import wait_for
from tests.recording import Recorder

ROOT = Path(__file__).resolve().parent.parent
SEED = Path(__file__).resolve().parent / 'seed' / 'websockets.rst'
SEED_TEXT = SEED.read_text(encoding='utf-8')
TIMEOUT = 15.0

ERROR_MSG = {'e': 'error', 'm': 'Max reconnect retries reached'}


# -------------------------------------------------------------------------------------------
# Reading the examples


def code_blocks(text):
    """The ``.. code:: python`` blocks of an .rst text, dedented, in order."""
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        if lines[i].strip() == '.. code:: python':
            i += 1
            body = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith((' ', '\t'))):
                body.append(lines[i])
                i += 1
            blocks.append(textwrap.dedent('\n'.join(body)).strip('\n'))
        else:
            i += 1
    return blocks


BLOCKS = code_blocks(SEED_TEXT)

#: Each example by a line only it contains; test_every_example_is_covered checks the map is complete.
MARKERS = {
    'create': 'bm = BinanceSocketManager(client)',
    'callback': 'print("message type: {}".format(msg[\'e\']))',
    'error': "if msg['e'] == 'error':",
    'multiplex': "bm.start_multiplex_socket(['bnbbtc@aggTrade', 'neobtc@ticker'], process_m_message)",
    'depth': 'diff_key = bm.start_depth_socket(',
    'kline': 'interval=KLINE_INTERVAL_30MINUTE',
    'aggtrade': 'bm.start_aggtrade_socket(',
    'trade': "conn_key = bm.start_trade_socket('BNBBTC', process_message)",
    'symbol_ticker': 'bm.start_symbol_ticker_socket(',
    'ticker': 'bm.start_ticker_socket(process_message)',
    'user': 'bm.start_user_socket(process_message)',
    'stop': 'bm.stop_socket(conn_key)',
    'close': 'bm.close()',
    'exit': 'reactor.stop()',
}


def example(name):
    """The seed example that is ``MARKERS[name]``, else the one containing it, as written."""
    marker = MARKERS[name]
    found = [b for b in BLOCKS if b == marker] or [b for b in BLOCKS if marker in b]
    assert len(found) == 1, (name, found)
    return found[0]


def runnable(source):
    """``source`` with every comment-only block body given one statement.

    The added statement calls ``_reached(header, msg)`` so a test sees which
    branch ran; every line of ``source`` is kept as it is.
    """
    lines = source.splitlines()
    after = {}
    for i, line in enumerate(lines):
        if not line.rstrip().endswith(':') or line.lstrip().startswith('#'):
            continue
        indent = len(line) - len(line.lstrip())
        body = []
        for j in range(i + 1, len(lines)):
            if lines[j].strip() and len(lines[j]) - len(lines[j].lstrip()) <= indent:
                break
            if lines[j].strip():
                body.append(j)
        if all(lines[j].lstrip().startswith('#') for j in body):
            last = body[-1] if body else i
            pad = ' ' * (indent + 4)
            after[last] = '{}_reached({!r}, msg)'.format(pad, line.strip())
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        if i in after:
            out.append(after[i])
    return '\n'.join(out)


# -------------------------------------------------------------------------------------------
# Running them


class Collected(Recorder):
    """Things that arrive on the reactor thread; tests wait on them with a timeout."""

    def wait_for(self, predicate, what, timeout=TIMEOUT):
        return self.wait(predicate, timeout, what)


class Printed(Collected):
    """Stands in for ``print`` inside the examples: keeps each printed line."""

    @property
    def lines(self):
        return self.items

    def __call__(self, *args, **kwargs):
        self.add(' '.join(str(a) for a in args))


class Received(Collected):
    """Wraps the seed's callback: calls it (its errors propagate), then keeps the message."""

    def __init__(self, callback):
        super().__init__()
        self.callback = callback
        self.errors = []

    @property
    def messages(self):
        return self.items

    def __call__(self, msg):
        # Kept after the callback ran, so a test that sees a message also sees what it printed.
        try:
            self.callback(msg)
        except Exception as exc:
            self.errors.append(exc)
            raise
        finally:
            self.add(msg)


def run(name, ns, transform=None):
    """Execute the seed example ``name`` in namespace ``ns``."""
    source = example(name)
    assert _indented(source) in SEED_TEXT
    exec(compile(transform(source) if transform else source, '<seed: {}>'.format(name), 'exec'), ns)
    return ns


def _indented(source):
    return textwrap.indent(source, '    ', lambda line: bool(line.strip()))


def event_type(e):
    return lambda m: isinstance(m, dict) and m.get('e') == e


def any_event(e):
    return lambda ms: any(map(event_type(e), ms))


@pytest.fixture
def seed_urls(monkeypatch):
    """Point the classes at a simulator, as a user of the docs would: class attributes only."""
    def point(sim):
        monkeypatch.setattr(BinanceSocketManager, 'STREAM_URL', sim.stream_url)
        monkeypatch.setattr(BinanceSocketManager, 'WS_API_URL', sim.ws_api_url)
        monkeypatch.setattr(Client, 'API_URL', sim.api_url)
        monkeypatch.setattr(Client, 'MARGIN_API_URL', sim.margin_api_url)
    return point


@pytest.fixture
def managers():
    """Closes every manager an example created, even when the test failed."""
    made = []
    yield made
    for bm in made:
        bm.close()
        if bm.ident is not None:
            bm.join(timeout=10)


@pytest.fixture
def namespace(sim, seed_urls, managers):
    """What the examples after the first assume: ``bm`` started, ``process_message`` defined."""
    seed_urls(sim)
    return _namespace(managers)


def _namespace(managers, client=None):
    printed = Printed()
    ns = {'__name__': '__seed__', 'print': printed, 'client': client}
    run('callback', ns)
    ns['process_message'] = Received(ns['process_message'])
    ns['BinanceSocketManager'] = BinanceSocketManager
    bm = ns['bm'] = BinanceSocketManager(client)
    managers.append(bm)
    bm.start()
    return ns


# -------------------------------------------------------------------------------------------
# The tests


def test_every_example_is_covered():
    assert len(BLOCKS) == 14
    chosen = [example(name) for name in MARKERS]
    assert sorted(chosen) == sorted(BLOCKS)   # each example once, none left out
    for source in chosen:
        assert _indented(source) in SEED_TEXT  # exactly as the page shows it


def test_runnable_only_fills_empty_bodies():
    source = example('error')
    fixed = runnable(source)
    ast.parse(fixed)
    with pytest.raises(SyntaxError):
        ast.parse(source)
    added = [line for line in fixed.splitlines() if line not in source.splitlines()]
    assert [line.strip() for line in added] == [
        "_reached(\"if msg['e'] == 'error':\", msg)", "_reached('else:', msg)"]
    assert runnable(example('callback')) == example('callback')


def test_create_manager_and_process_message(sim, seed_urls, managers):
    """The first two examples: a callback printing the event type, a trade socket, start()."""
    seed_urls(sim)
    printed = Printed()
    ns = {'__name__': '__seed__', 'print': printed, 'client': Client(DEFAULT_API_KEY, DEFAULT_API_SECRET)}
    run('callback', ns)
    run('create', ns)
    managers.append(ns['bm'])
    assert isinstance(ns['conn_key'], str) and 'bnbbtc@trade' in ns['conn_key']
    lines = printed.wait_for(lambda lines: lines.count('message type: trade') >= 3, 'three trades')
    i = lines.index('message type: trade')
    shown = ast.literal_eval(lines[i + 1])   # print(msg): the dict as Python shows it
    assert shown['e'] == 'trade' and shown['s'] == 'BNBBTC' and float(shown['p']) > 0
    assert all(line == 'message type: trade' or line.startswith("{'e': 'trade'") for line in lines)


def test_error_check_gets_the_error_dict_once(make_sim, seed_urls, managers):
    """The documented error dict reaches the documented check exactly once, then silence."""
    sim = make_sim(seed=7)
    seed_urls(sim)
    reached = Collected()                   # (branch, msg) for each call of the callback
    ns = {'__name__': '__seed__', 'print': Printed(), 'client': None,
          '_reached': lambda branch, msg: reached.add((branch, msg))}
    run('error', ns, transform=runnable)
    documented = ast.literal_eval(ast.parse(example('error')[:example('error').index('}') + 1]).body[0].value)
    assert documented == ERROR_MSG
    error_branch = "if msg['e'] == 'error':"

    def calls(branch):
        return reached.matching(lambda item: item[0] == branch)

    run('create', ns)                       # the seed's trade socket, with this callback
    bm = ns['bm']
    managers.append(bm)
    _fast_retries(bm, ns['conn_key'])
    reached.wait_for(lambda items: items, 'a normal message')
    assert [branch for branch, _ in reached.items[:1]] == ['else:']
    assert event_type('trade')(calls('else:')[0][1])

    sim.faults.refuse_connections(600)
    sim.faults.drop_all()
    reached.wait_for(lambda items: calls(error_branch), 'the error dict', timeout=30)
    assert [msg for _, msg in calls(error_branch)] == [documented]
    # Given up for good: no second error and no new normal message, however long we wait.
    before = len(reached.items)
    assert not reached.arrives(lambda items: len(items) > before, 1.0), reached.items[before:]


def _fast_retries(bm, conn_key):
    """A shorter backoff for this socket: the behaviour tested is the same, the test is faster."""
    from binance.backoff import BackoffPolicy
    connection = bm.connection(conn_key)
    assert connection is not None
    connection.options = connection.options.replace(retry=BackoffPolicy(initial=0.02, max_delay=0.1))


def test_multiplex_socket(namespace):
    run('multiplex', namespace)
    printed = namespace['print']
    assert 'bnbbtc@aggTrade' in namespace['conn_key'] and 'neobtc@ticker' in namespace['conn_key']

    def both(lines):
        return (any(line.startswith('stream: bnbbtc@aggTrade data: ') for line in lines)
                and any(line.startswith('stream: neobtc@ticker data: ') for line in lines))
    lines = printed.wait_for(both, 'both streams printed')
    agg = next(line for line in lines if line.startswith('stream: bnbbtc@aggTrade'))
    data = ast.literal_eval(agg.split(' data: ', 1)[1])
    assert data['e'] == 'aggTrade' and data['s'] == 'BNBBTC'
    ticker = next(line for line in lines if line.startswith('stream: neobtc@ticker'))
    assert ast.literal_eval(ticker.split(' data: ', 1)[1])['e'] == '24hrTicker'


def test_depth_diff_and_partial(namespace):
    run('depth', namespace)
    received = namespace['process_message']
    assert namespace['diff_key'] != namespace['partial_key']
    assert namespace['partial_key'].endswith('bnbbtc@depth5')

    def partial(m):
        return isinstance(m, dict) and 'lastUpdateId' in m and 'e' not in m

    received.wait_for(lambda ms: sum(map(partial, ms)) >= 2 and any(map(event_type('depthUpdate'), ms)),
                      'diff and partial depth messages')
    for book in received.matching(partial):
        assert 0 < len(book['bids']) <= 5 and 0 < len(book['asks']) <= 5
        assert float(book['bids'][0][0]) < float(book['asks'][0][0])
    diff = received.matching(event_type('depthUpdate'))[0]
    assert diff['s'] == 'BNBBTC' and diff['U'] <= diff['u']
    assert 'message type: depthUpdate' in namespace['print'].lines
    # The seed's callback reads msg['e'], which partial books do not have: it raises on
    # each of them, and the socket keeps delivering regardless.
    assert any(isinstance(e, KeyError) for e in received.errors)


def test_kline_socket_with_enums(namespace):
    run('kline', namespace)
    assert namespace['KLINE_INTERVAL_30MINUTE'] == '30m'   # the star import worked
    assert namespace['conn_key'].endswith('bnbbtc@kline_30m')
    received = namespace['process_message']
    kline = received.wait_for(lambda ms: any(map(event_type('kline'), ms)), 'a kline')[0]
    assert kline['k']['i'] == '30m' and kline['s'] == 'BNBBTC'
    assert 'message type: kline' in namespace['print'].lines


@pytest.mark.parametrize('name, event, suffix', [
    ('aggtrade', 'aggTrade', 'bnbbtc@aggTrade'),
    ('trade', 'trade', 'bnbbtc@trade'),
    ('symbol_ticker', '24hrTicker', 'bnbbtc@ticker'),
])
def test_single_stream_sockets(namespace, name, event, suffix):
    run(name, namespace)
    assert namespace['conn_key'].endswith(suffix)
    msg = namespace['process_message'].wait_for(lambda ms: any(map(event_type(event), ms)), event)[0]
    assert msg['s'] == 'BNBBTC'
    namespace['print'].wait_for(lambda lines: 'message type: {}'.format(event) in lines, 'the printed type')


@pytest.mark.parametrize('live', [False, True], ids=['like binance.com', 'still served'])
def test_ticker_socket_delivers_ticker_arrays(make_sim, seed_urls, managers, monkeypatch, live):
    # Like binance.com the simulator serves no '!ticker@arr' by default: the manager rebuilds
    # it from per-symbol tickers, and the seed's script gets the arrays it was written for.
    import binance.websockets
    monkeypatch.setattr(binance.websockets, '_warned_streams', set())
    sim = make_sim(seed=5, retired_streams_live=live)
    seed_urls(sim)
    ns = _namespace(managers)
    with pytest.warns(binance.websockets.RetiredStreamWarning, match='rebuilds it'):
        run('ticker', ns)
    assert ns['conn_key'].endswith('!ticker@arr')
    received = ns['process_message']
    arrays = received.wait_for(lambda ms: any(isinstance(m, list) and m for m in ms), 'a ticker array')
    tickers = next(m for m in arrays if isinstance(m, list) and m)
    assert all(t['e'] == '24hrTicker' and float(t['c']) > 0 for t in tickers)
    # The seed's callback reads msg['e'] of a list: it raises, and the socket keeps delivering.
    assert any(isinstance(e, TypeError) for e in received.errors)


def test_ticker_socket_on_binance_com_warns_at_the_call(monkeypatch, managers, reactor_thread):
    # The real binance.com URL: the warning must come at the call. No connection may reach
    # the internet, so the manager is stopped before the reactor could open one... and in case
    # it connects anyway, its transport is pointed at a refused loopback port.
    dialed = _no_internet(monkeypatch)
    import binance.websockets
    monkeypatch.setattr(binance.websockets, '_warned_streams', set())  # warned once per process
    # binance.com's URL, the class default (set again in case another test changed it for good).
    monkeypatch.setattr(BinanceSocketManager, 'STREAM_URL', 'wss://stream.binance.com:9443/')
    ns = {'__name__': '__seed__', 'print': Printed(), 'client': None}
    run('callback', ns)
    bm = ns['bm'] = BinanceSocketManager(None)
    managers.append(bm)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        run('ticker', ns)
        bm.stop_socket(ns['conn_key'])
    # Calls reach the reactor thread in order: once this runs, the socket was started and
    # stopped while the connect functions were still redirected.
    _reactor.blocking_call(lambda: None)
    assert set(dialed) <= {('stream.binance.com', 9443)}
    texts = [str(w.message) for w in caught]
    assert [w.category for w in caught] == [binance.websockets.RetiredStreamWarning], texts
    assert '!ticker@arr' in texts[0]
    # It names what to use instead.
    assert 'start_symbol_ticker_socket' in texts[0] and 'start_miniticker_socket' in texts[0]
    assert caught[0].filename == '<seed: ticker>'   # reported at the user's line


def _no_internet(monkeypatch):
    """Send any TCP connection the library opens to a closed loopback port."""
    import socket
    from twisted.internet import reactor
    probe = socket.socket()
    probe.bind(('127.0.0.1', 0))
    closed_port = probe.getsockname()[1]
    probe.close()
    original_tcp = reactor.connectTCP
    dialed = []

    def connect_tcp(host, port, factory, *args, **kwargs):
        dialed.append((host, port))
        return original_tcp('127.0.0.1', closed_port, factory, *args, **kwargs)

    def connect_ssl(host, port, factory, context_factory, *args, **kwargs):
        dialed.append((host, port))
        return original_tcp('127.0.0.1', closed_port, factory, *args, **kwargs)

    monkeypatch.setattr(reactor, 'connectTCP', connect_tcp)
    monkeypatch.setattr(reactor, 'connectSSL', connect_ssl)
    return dialed


def test_user_socket(sim, seed_urls, managers):
    seed_urls(sim)
    client = Client(DEFAULT_API_KEY, DEFAULT_API_SECRET)
    ns = _namespace(managers, client=client)
    run('user', ns)
    received = ns['process_message']
    printed = ns['print']
    # The subscription completes in the background; orders placed before it are not
    # reported, so place one every 0.2 s until one is.
    has_report = any_event('executionReport')
    for _ in range(50):
        client.create_order(symbol='BNBBTC', side='BUY', type='MARKET', quantity='1')
        if received.arrives(has_report, 0.2):
            break
    else:
        pytest.fail('no executionReport after placing orders')
    report = received.matching(event_type('executionReport'))[0]
    assert report['s'] == 'BNBBTC' and report['S'] == 'BUY'
    assert 'subscriptionId' not in report          # the callback sees the bare event, as before
    printed.wait_for(lambda lines: 'message type: executionReport' in lines, 'the printed type')
    received.wait_for(lambda ms: any(map(event_type('outboundAccountPosition'), ms)), 'the account update')


def _server_paths(sim):
    return [c['path'] for c in sim.faults.connections()]


def test_stop_socket(namespace, sim):
    run('trade', namespace)
    received = namespace['process_message']
    received.wait_for(lambda ms: len(ms) >= 2, 'trades')
    assert any(p.endswith('bnbbtc@trade') for p in _server_paths(sim))
    run('stop', namespace)
    # Closed on the server side too, no message after that, and the key can be used again.
    wait_for(lambda: not _server_paths(sim), 10, message='the server to see the socket closed')
    count = len(received.messages)
    assert not _more_messages(received, count, 1.0), 'messages after stop_socket'
    again = namespace['bm'].start_trade_socket('BNBBTC', namespace['process_message'])
    assert again == namespace['conn_key']
    received.wait_for(lambda ms: len(ms) > count, 'trades after restarting')


def _more_messages(received, count, timeout):
    """True if messages keep coming: none may arrive for ``timeout`` once the stream went quiet.

    Messages already in flight when the socket was closed may still land, so first
    wait (at most 5 s) for a 0.3 s gap, then expect silence.
    """
    for _ in range(15):
        count = len(received.messages)
        if not received.arrives(lambda ms: len(ms) > count, 0.3):
            break
    count = len(received.messages)
    return received.arrives(lambda ms: len(ms) > count, timeout)


def test_close(namespace, sim):
    run('trade', namespace)
    run('aggtrade', namespace)
    received = namespace['process_message']
    received.wait_for(lambda ms: any(map(event_type('trade'), ms)) and any(map(event_type('aggTrade'), ms)),
                      'trades and aggregate trades')
    assert len(_server_paths(sim)) == 2
    run('close', namespace)
    bm = namespace['bm']
    bm.join(timeout=10)
    assert not bm.is_alive(), 'the manager thread still runs after close()'
    wait_for(lambda: not _server_paths(sim), 10, message='the server to see both sockets closed')
    assert not _more_messages(received, len(received.messages), 1.0), 'messages after close()'


EXIT_SCRIPT = r'''
import sys, threading
from binance import _reactor
from binance.simulator import Simulator
from binance.websockets import BinanceSocketManager

sim = Simulator(seed=3)
_reactor.blocking_call(sim.start)
BinanceSocketManager.STREAM_URL = sim.stream_url
got = threading.Event()

def process_message(msg):
    got.set()

bm = BinanceSocketManager(None)
bm.start_trade_socket('BNBBTC', process_message)
bm.start()
if not got.wait(20):
    sys.exit('no message')
print('receiving', flush=True)
exec(compile(sys.argv[1], '<seed: exit>', 'exec'))
print('stopped', flush=True)
'''


def test_close_and_exit_program():
    """``reactor.stop()`` as the seed shows it, in a child process: the program ends, promptly."""
    env = dict(os.environ)
    env['PYTHONPATH'] = str(ROOT) + os.pathsep + env.get('PYTHONPATH', '')
    proc = subprocess.run([sys.executable, '-c', EXIT_SCRIPT, example('exit')], cwd=str(ROOT), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    assert proc.stdout.split() == ['receiving', 'stopped'], (proc.stdout, proc.stderr)
    assert proc.returncode == 0, proc.stderr
    assert 'Traceback' not in proc.stderr
