"""The command-line tools: view and rate logic with plain values, then the real commands in child processes."""
import io
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from binance.cli import (
    LiveScreen, RateMeter, SocketStats, build_parser, format_number, format_table, normalize_stream_name,
    render_plain, render_summary, render_view, retired_stream_warnings, summarize, wants_ansi,
)

ROOT = Path(__file__).resolve().parent.parent

# -------------------------------------------------------------------------------------------
# RateMeter


def test_rate_meter_needs_two_samples():
    meter = RateMeter(window=5)
    assert meter.rate() == 0.0
    assert meter.sample(10.0, 100) == 0.0


def test_rate_meter_measures_messages_per_second():
    meter = RateMeter(window=5)
    meter.sample(0.0, 0)
    assert meter.sample(1.0, 40) == pytest.approx(40.0)
    assert meter.sample(2.0, 100) == pytest.approx(50.0)


def test_rate_meter_forgets_what_is_older_than_the_window():
    meter = RateMeter(window=2)
    meter.sample(0.0, 0)
    meter.sample(1.0, 1000)   # a burst
    meter.sample(2.0, 1000)
    meter.sample(3.0, 1010)
    # Over the last 2 s only 10 messages arrived: the burst has left the window.
    assert meter.sample(4.0, 1020) == pytest.approx(10.0)


def test_rate_meter_is_zero_when_nothing_arrives_and_never_negative():
    meter = RateMeter(window=5)
    meter.sample(0.0, 7)
    assert meter.sample(1.0, 7) == 0.0
    assert meter.sample(2.0, 3) == 0.0  # a counter reset must not show a negative rate
    meter2 = RateMeter()
    meter2.sample(1.0, 0)
    assert meter2.sample(1.0, 5) == 0.0  # no time passed: no division by zero


def test_rate_meter_rejects_empty_window():
    with pytest.raises(ValueError):
        RateMeter(window=0)


# -------------------------------------------------------------------------------------------
# summarize: payloads as Binance sends them


TRADE = {'e': 'trade', 'E': 1672515782136, 's': 'BNBBTC', 't': 12345, 'p': '0.00150000',
         'q': '2.50000000', 'T': 1672515782136, 'm': True, 'M': True}
AGG = {'e': 'aggTrade', 'E': 1, 's': 'NEOBTC', 'a': 5, 'p': '0.00110000', 'q': '10.00000000',
       'f': 1, 'l': 2, 'T': 1, 'm': False, 'M': True}
KLINE = {'e': 'kline', 'E': 1, 's': 'BNBBTC', 'k': {'t': 0, 'T': 59999, 's': 'BNBBTC', 'i': '1m',
                                                    'o': '0.0010', 'c': '0.00200000', 'x': False}}
PARTIAL = {'lastUpdateId': 160, 'bids': [['0.00140000', '431.0'], ['0.00139000', '1']],
           'asks': [['0.00160000', '9.0']]}
DIFF = {'e': 'depthUpdate', 'E': 1, 's': 'BNBBTC', 'U': 157, 'u': 160,
        'b': [['0.0024', '10']], 'a': [['0.0026', '100']]}
TICKER = {'e': '24hrTicker', 'E': 1, 's': 'BTCUSDT', 'p': '10', 'P': '1.500', 'c': '65000.10000000'}
BOOK = {'u': 400900217, 's': 'BNBUSDT', 'b': '25.35190000', 'B': '31.21', 'a': '25.36520000', 'A': '40.66'}


@pytest.mark.parametrize('value, expected', [
    ('0.00150000', '0.0015'), ('2.50000000', '2.5'), ('100.00000000', '100'), ('15', '15'),
    ('0', '0'), ('0.00000000', '0'), (1.5, '1.5'), ('1e-8', '1e-8'),
])
def test_format_number_drops_trailing_zeros(value, expected):
    assert format_number(value) == expected


@pytest.mark.parametrize('msg, expected', [
    (TRADE, 'BNBBTC 0.0015 x 2.5'),
    (AGG, 'NEOBTC 0.0011 x 10'),
    (KLINE, 'BNBBTC 1m close 0.002'),
    (PARTIAL, 'bid 0.0014 / ask 0.0016'),
    ({'lastUpdateId': 1, 'bids': [], 'asks': []}, 'bid - / ask -'),
    (DIFF, 'BNBBTC bid 0.0024 / ask 0.0026'),
    (TICKER, 'BTCUSDT last 65000.1 (1.5%)'),
    (BOOK, 'BNBUSDT bid 25.3519 / ask 25.3652'),
    ({'stream': 'bnbbtc@trade', 'data': TRADE}, 'BNBBTC 0.0015 x 2.5'),
    ([TICKER, TICKER], '2 items, BTCUSDT last 65000.1'),
    ([], '0 items'),
    ({'e': 'error', 'm': 'Max reconnect retries reached'}, 'error: Max reconnect retries reached'),
    ({'e': 'outboundAccountPosition', 'E': 1}, 'outboundAccountPosition'),
    ({}, 'message'),
    ('text', 'str'),
])
def test_summarize_names_the_price_that_matters(msg, expected):
    assert summarize(msg) == expected


# -------------------------------------------------------------------------------------------
# SocketStats


def test_socket_stats_counts_messages_and_errors():
    stats = SocketStats('bnbbtc@trade', window=5)
    assert stats.last() == '-'
    assert stats.row(0.0) == ('bnbbtc@trade', '0.0', '0', '-', '-')
    for _ in range(20):
        stats.record(TRADE)
    stats.record({'e': 'error', 'm': 'Max reconnect retries reached'})
    stats.reconnects = 3
    assert stats.total == 21
    assert stats.errors == 1
    name, rate, total, reconnects, last = stats.row(2.0)
    assert (name, total, reconnects) == ('bnbbtc@trade', '21', '3')
    assert float(rate) == pytest.approx(10.5)
    assert last == 'error: Max reconnect retries reached'


# -------------------------------------------------------------------------------------------
# Tables, view, summary


def test_format_table_aligns_columns_and_cuts_to_width():
    lines = format_table(('name', 'n'), [('a', '1'), ('longer', '100')], right=(1,))
    assert lines == ['name      n', 'a         1', 'longer  100']
    cut = format_table(('name', 'value'), [('x', 'y' * 50)], width=20)
    assert all(len(line) <= 20 for line in cut)
    assert cut[1].endswith('…')


def test_render_view_has_title_header_and_one_line_per_row():
    rows = [('bnbbtc@trade', '12.0', '36', '0', 'BNBBTC 0.0015 x 2.5'),
            ('bnbbtc@depth5', '1.0', '3', '-', 'bid 0.0014 / ask 0.0016')]
    lines = render_view(rows, 3.2, 'demo')
    assert lines[0].startswith('demo  3 s')
    assert lines[1].split() == ['socket', 'msg/s', 'total', 'reconnects', 'last']
    assert lines[2].split()[:4] == ['bnbbtc@trade', '12.0', '36', '0']
    assert lines[3].endswith('bid 0.0014 / ask 0.0016')
    assert len(lines) == 4


def test_render_plain_lines_stand_alone():
    lines = render_plain([('bnbbtc@trade', '12.0', '36', '2', 'BNBBTC 0.0015 x 2.5')], 3.0)
    assert lines == ['[   3.0s] bnbbtc@trade 12.0 msg/s total=36 reconnects=2 last: BNBBTC 0.0015 x 2.5']


def test_render_summary_reports_totals_and_averages():
    a, b = SocketStats('bnbbtc@trade'), SocketStats('multiplex (1 streams)')
    child = SocketStats('  ethbtc@trade')
    for _ in range(30):
        a.record(TRADE)
    for _ in range(10):
        b.record({'stream': 'ethbtc@trade', 'data': TRADE})
        child.record({'stream': 'ethbtc@trade', 'data': TRADE})
    a.reconnects = 1
    lines = render_summary([a, b, child], 2.0, 'interrupted', total=40)
    assert lines[0] == 'summary after 2.0 s (interrupted): 40 messages'
    assert lines[1].split() == ['socket', 'total', 'avg', 'msg/s', 'reconnects', 'errors']
    assert lines[2].split() == ['bnbbtc@trade', '30', '15.0', '1', '0']
    assert lines[4].split() == ['ethbtc@trade', '10', '5.0', '-', '0']
    assert render_summary([a], 1.0)[0] == 'summary after 1.0 s: 30 messages'


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_live_screen_redraws_in_place_on_a_terminal():
    out = _Terminal()
    screen = LiveScreen(out, ansi=True)
    screen.draw(['a', 'b'])
    screen.draw(['c', 'd', 'e'])
    text = out.getvalue()
    first, second = text.split('\x1b[J', 1)
    assert '\x1b[' not in first.replace('\x1b[2K', '')   # nothing to move over the first time
    assert second.startswith('\x1b[2F')                  # back over the two lines drawn before
    assert second.count('\x1b[2K') == 3
    screen.release()
    screen.draw(['f'])
    assert out.getvalue().split('\x1b[J')[-2] == '\x1b[2Kf\n'  # after release: below, not over


def test_live_screen_appends_plain_lines_elsewhere():
    out = io.StringIO()
    screen = LiveScreen(out, ansi=False)
    screen.draw(['a', 'b'])
    screen.draw(['c'])
    assert out.getvalue() == 'a\nb\nc\n'


def test_wants_ansi_only_on_a_real_terminal():
    assert wants_ansi(_Terminal(), {'TERM': 'xterm-256color'})
    assert not wants_ansi(_Terminal(), {'TERM': 'dumb'})
    assert not wants_ansi(_Terminal(), {})
    assert not wants_ansi(io.StringIO(), {'TERM': 'xterm'})


# -------------------------------------------------------------------------------------------
# The stream command's output loop, with a queue standing in for the socket


def _loop(messages, argv=(), stop_after=None, report=None):
    from binance.cli import _JsonLinesWriter, _Stop, _stream_loop
    args = build_parser().parse_args(['stream', 'x@trade', *argv])
    inbox = queue.Queue()
    for msg in messages:
        inbox.put(msg)
    out, err, stop = io.BytesIO(), io.StringIO(), _Stop()
    if stop_after is not None:
        stop.set(stop_after)
    status = _stream_loop(args, inbox, _JsonLinesWriter(out), stop, err, report)
    return status, out.getvalue().decode().splitlines(), err.getvalue()


def test_stream_loop_writes_one_json_line_per_message_up_to_count():
    msgs = [{'stream': 'bnbbtc@trade', 'data': dict(TRADE, t=i)} for i in range(10)]
    status, lines, err = _loop(msgs, ['--count', '3'])
    assert status == 0 and err == ''
    assert [json.loads(line) for line in lines] == msgs[:3]


def test_stream_loop_ends_on_the_error_dict_with_status_1():
    msgs = [{'stream': 's', 'data': TRADE}, {'e': 'error', 'm': 'Max reconnect retries reached'}, TRADE]
    status, lines, err = _loop(msgs)
    assert status == 1
    assert len(lines) == 1
    assert err == 'error: Max reconnect retries reached\n'


def test_stream_loop_stops_at_its_deadline_or_when_asked():
    status, lines, _ = _loop([TRADE], ['--seconds', '0.05'])
    assert (status, len(lines)) == (0, 1)
    status, lines, _ = _loop([TRADE], stop_after='interrupted')
    assert (status, lines) == (0, [])


def test_stream_loop_reports_stats_at_their_interval():
    reports = []
    status, lines, _ = _loop([TRADE], ['--seconds', '0.35', '--stats', '0.1'],
                             report=lambda: reports.append(1))
    assert status == 0 and len(lines) == 1
    assert 2 <= len(reports) <= 4
    assert build_parser().parse_args(['stream', 'x@trade', '--stats']).stats == 5.0
    assert build_parser().parse_args(['stream', 'x@trade']).stats is None


def test_format_stats_is_one_line_of_the_totals():
    from binance.cli import format_stats
    latency = {'count': 3, 'mean': 1.0, 'p50': 0.84, 'p90': 2.0, 'p99': 3.1, 'p999': 3.1,
               'max': 5.2}
    snapshot = {'sockets': {'a': {'queue': {'queued': 9, 'dropped': 2, 'high_water': 4}},
                            'b': {'queue': None}},
                'totals': {'sockets': 2, 'messages': 1234, 'bytes': 180200, 'reconnects': 1,
                           'latency_ms': latency}}
    assert format_stats(snapshot) == ('stats: 2 sockets, 1234 messages, 180.2 kB, 1 reconnect, '
                                      'latency ms p50 0.8 p99 3.1 max 5.2, '
                                      'queued 9 dropped 2 high 4')
    snapshot['totals']['latency_ms'] = None
    snapshot['sockets'] = {}
    assert format_stats(snapshot).endswith('latency ms -')
    assert format_stats({'sockets': {}, 'totals': None}) == 'stats: telemetry is off'


@pytest.mark.parametrize('name, expected', [
    ('BTCUSDT@aggTrade', 'btcusdt@aggTrade'), ('bnbbtc@kline_1M', 'bnbbtc@kline_1M'),
    ('EthBtc@depth5@100ms', 'ethbtc@depth5@100ms'), ('!miniTicker@arr', '!miniTicker@arr'),
    ('!ticker@arr', '!ticker@arr'), ('listenkeyABC', 'listenkeyABC'),
])
def test_stream_names_get_lower_case_symbols(name, expected):
    assert normalize_stream_name(name) == expected


def test_retired_streams_are_named_except_on_binance_us():
    com = 'wss://stream.binance.com:9443/'
    warnings = retired_stream_warnings(com, ['bnbbtc@trade', '!ticker@arr', '!bookTicker'])
    assert len(warnings) == 2
    assert warnings[0].startswith('warning: ') and '!ticker@arr' in warnings[0]
    assert '!bookTicker' in warnings[1]
    assert retired_stream_warnings('wss://stream.binance.us:9443/', ['!ticker@arr']) == []
    # A simulator behaves like binance.com by default: the name stays silent there too.
    assert len(retired_stream_warnings('ws://127.0.0.1:1234/', ['!bookTicker'])) == 1


# -------------------------------------------------------------------------------------------
# Arguments


def test_parser_reads_demo_and_stream_options():
    args = build_parser().parse_args(['demo', '--seconds', '3', '--seed', '7', '--trade-rate', '50', '--faults'])
    assert (args.command, args.seconds, args.seed, args.trade_rate, args.faults) == ('demo', 3.0, 7, 50.0, 5.0)
    args = build_parser().parse_args(['stream', 'bnbbtc@trade', 'ethbtc@depth5', '--simulator', '--count', '5'])
    assert (args.streams, args.simulator, args.count, args.url) == (['bnbbtc@trade', 'ethbtc@depth5'], True, 5, None)


@pytest.mark.parametrize('argv', [
    [], ['demo', '--seconds', '0'], ['demo', '--seconds', 'x'], ['stream'],
    ['stream', 'a@trade', '--count', '-1'], ['stream', 'a@trade', '--simulator', '--url', 'ws://x/'],
])
def test_parser_rejects_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 2


# -------------------------------------------------------------------------------------------
# The commands, in child processes


def _env():
    env = dict(os.environ)
    env['PYTHONPATH'] = str(ROOT) + os.pathsep + env.get('PYTHONPATH', '')
    env.pop('TERM', None)
    return env


def _run(*argv, timeout=60):
    return subprocess.run([sys.executable, '-m', 'binance', *argv], cwd=str(ROOT), env=_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)


SUMMARY_ROW = re.compile(r'^\s*(\S.*?)\s+(\d+)\s+([\d.]+)\s+(\S+)\s+(\d+)$')


def _summary(stdout):
    """The summary's head line and its rows by socket name."""
    lines = stdout.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith('summary after ')]
    assert starts, 'no summary in output:\n' + stdout
    head = lines[starts[-1]]
    rows = {}
    for line in lines[starts[-1] + 2:]:
        match = SUMMARY_ROW.match(line)
        assert match, 'unexpected summary line {!r}'.format(line)
        rows[match.group(1)] = match.groups()[1:]
    return head, rows


def test_demo_runs_for_its_seconds_and_summarizes():
    proc = _run('demo', '--seconds', '3', '--trade-rate', '20')
    assert proc.returncode == 0, proc.stderr
    head, rows = _summary(proc.stdout)
    total = int(re.match(r'summary after ([\d.]+) s \(3 s elapsed\): (\d+) messages', head).group(2))
    assert total > 0
    for name in ('bnbbtc@trade', 'bnbbtc@kline_1m', 'bnbbtc@depth5', 'ethbtc@trade', 'neobtc@aggTrade'):
        assert int(rows[name][0]) > 0, (name, proc.stdout)
    # Not a terminal: plain live lines, no cursor movement.
    assert '\x1b[' not in proc.stdout
    assert re.search(r'^\[\s*\d+\.\ds\] bnbbtc@trade [\d.]+ msg/s total=\d+', proc.stdout, re.M), proc.stdout
    assert 'Traceback' not in proc.stderr


def test_demo_faults_show_reconnects():
    proc = _run('demo', '--seconds', '3', '--faults', '1', '--trade-rate', '20')
    assert proc.returncode == 0, proc.stderr
    _, rows = _summary(proc.stdout)
    for name in ('bnbbtc@trade', 'bnbbtc@kline_1m', 'bnbbtc@depth5', 'multiplex (3 streams)'):
        reconnects, errors = rows[name][2:]
        assert int(reconnects) >= 1, proc.stdout
        assert errors == '0'
    # Trades keep flowing between the drops.
    assert int(rows['bnbbtc@trade'][0]) > 0 and int(rows['ethbtc@trade'][0]) > 0
    assert proc.stderr == ''   # the expected reconnect warnings do not disturb the view


def test_sigint_ends_the_demo_cleanly_with_the_summary():
    proc = subprocess.Popen([sys.executable, '-m', 'binance', 'demo', '--refresh', '0.2'], cwd=str(ROOT),
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines: 'queue.Queue[str]' = queue.Queue()
        reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)
        reader.start()
        first = lines.get(timeout=30)          # the view is live: now interrupt it
        assert 'msg/s' in first
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) in (0, 130)
        reader.join(timeout=10)
        rest = []
        while not lines.empty():
            rest.append(lines.get_nowait())
        stdout = first + ''.join(rest)
        head, rows = _summary(stdout)
        assert '(interrupted)' in head
        assert 'Traceback' not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_stream_prints_json_lines_from_the_simulator():
    proc = _run('stream', 'bnbbtc@trade', '--simulator', '--count', '5')
    assert proc.stderr == ''  # nothing retired, nothing to warn about
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 5
    for line in lines:
        msg = json.loads(line)
        assert msg['stream'] == 'bnbbtc@trade'
        assert msg['data']['e'] == 'trade'
        assert msg['data']['s'] == 'BNBBTC'
        assert float(msg['data']['p']) > 0


def test_stream_several_names_and_seconds_limit():
    proc = _run('stream', 'BNBBTC@trade', 'ethbtc@depth5', '--simulator', '--seconds', '2', '--trade-rate', '20')
    assert proc.returncode == 0, proc.stderr
    streams = {json.loads(line)['stream'] for line in proc.stdout.splitlines()}
    assert streams == {'bnbbtc@trade', 'ethbtc@depth5'}


def test_stream_stats_go_to_stderr_and_the_data_stays_clean():
    proc = _run('stream', 'bnbbtc@trade', '--simulator', '--seconds', '2.5', '--stats', '1',
                '--trade-rate', '50')
    assert proc.returncode == 0, proc.stderr
    assert all(json.loads(line)['stream'] == 'bnbbtc@trade' for line in proc.stdout.splitlines())
    lines = proc.stderr.splitlines()
    periodic = [line for line in lines if line.startswith('stats: ')]
    assert len(periodic) >= 2 and ' messages, ' in periodic[-1]
    final = json.loads(lines[-1][len('stats '):])
    socket = final['sockets']['stream?streams=bnbbtc@trade']
    assert socket['state'] == 'open' and socket['messages'] >= len(proc.stdout.splitlines()) > 0


def test_stream_rejects_bad_names_without_a_traceback():
    proc = _run('stream', '', '--simulator', '--count', '1')
    assert proc.returncode == 2
    assert proc.stdout == ''
    assert proc.stderr.startswith('error: ')
    assert 'Traceback' not in proc.stderr


def test_stream_reports_an_unreachable_server_and_fails():
    import socket
    probe = socket.socket()
    probe.bind(('127.0.0.1', 0))
    url = 'ws://127.0.0.1:{}/'.format(probe.getsockname()[1])
    probe.close()                               # nothing listens there now: connections are refused
    proc = _run('stream', 'bnbbtc@trade', '--url', url)
    assert proc.returncode == 1
    assert proc.stdout == ''
    assert proc.stderr.splitlines()[-1] == 'error: Max reconnect retries reached'
    assert 'Traceback' not in proc.stderr


def test_demo_redraws_in_place_on_a_terminal():
    import pty
    env = _env()
    env['TERM'] = 'xterm'
    argv = [sys.executable, '-m', 'binance', 'demo', '--seconds', '1.5', '--refresh', '0.5']
    pid, fd = pty.fork()
    if pid == 0:  # the child, whose stdout is the terminal: nothing but exec after a fork
        os.chdir(str(ROOT))
        os.execve(sys.executable, argv, env)
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:                         # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    text = b''.join(chunks).decode()
    assert '\x1b[2K' in text and re.search('\x1b\\[\\d+F', text), text[:300]  # cleared and redrawn over
    assert 'binance-sockets demo on ws://127.0.0.1:' in text
    assert 'summary after' in text


@pytest.mark.parametrize('argv, first', [
    (['stream', 'bnbbtc@trade', '--simulator', '--trade-rate', '200'], b'{"stream":"bnbbtc@trade"'),
    (['demo', '--refresh', '0.2'], b'[ '),
])
def test_commands_end_quietly_when_the_reader_goes_away(argv, first):
    proc = subprocess.Popen([sys.executable, '-m', 'binance', *argv], cwd=str(ROOT), env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline().startswith(first)
        proc.stdout.close()                     # like `| head -n 1`
        assert proc.wait(timeout=30) == 0
        assert proc.stderr.read() == b''
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
