"""Command-line tools: a live demo on the simulated exchange, and a stream printer.

``python -m binance demo`` starts :mod:`binance.simulator` in this process,
opens trade, kline, partial depth and multiplex sockets on it with a
:class:`~binance.websockets.BinanceSocketManager`, and shows a live view of
them (messages per second, totals, last price, reconnects) until ``--seconds``
run out or Ctrl-C; then it prints a summary.

``python -m binance stream NAME...`` writes the messages of any stream names to
stdout as JSON lines, from Binance (``BinanceSocketManager.STREAM_URL``), from
another server (``--url``) or from the in-process simulator (``--simulator``).

The presentation pieces (:class:`RateMeter`, :func:`summarize`,
:class:`SocketStats`, :func:`render_view`, :func:`render_summary`,
:class:`LiveScreen`) are plain code without sockets or threads, so they are
tested with plain values; the commands at the bottom wire them to a manager.
"""
import argparse
import contextlib
import os
import queue
import signal
import sys
import threading
import time
from collections import deque
from typing import IO, Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

__all__ = [
    'RateMeter', 'SocketStats', 'LiveScreen', 'summarize', 'format_number',
    'format_table', 'render_view', 'render_plain', 'render_summary', 'normalize_stream_name',
    'retired_stream_warnings', 'build_parser', 'main',
]

#: Exit status after a command-line usage error (argparse uses the same).
EXIT_USAGE = 2

# --------------------------------------------------------------------------------------------
# Presentation: pure code


class RateMeter:
    """Messages per second over a sliding window of ``(time, total)`` samples.

    Feed it the running total of a counter at each refresh; it answers the
    rate over roughly the last ``window`` seconds, so a burst fades out of the
    view instead of being averaged into the whole run.

    Args:
        window: seconds the rate is measured over.
    """

    def __init__(self, window: float = 5.0) -> None:
        if window <= 0:
            raise ValueError('window must be positive, got {!r}'.format(window))
        self.window = window
        self._samples: 'deque[Tuple[float, int]]' = deque()

    def sample(self, now: float, total: int) -> float:
        """Record ``total`` at time ``now`` (seconds) and return the current rate."""
        samples = self._samples
        samples.append((now, total))
        # Keep the newest sample that is at least a window old: it anchors the span.
        while len(samples) > 2 and now - samples[1][0] >= self.window:
            samples.popleft()
        return self.rate()

    def rate(self) -> float:
        """The rate over the samples held, or 0.0 before two samples span some time."""
        if len(self._samples) < 2:
            return 0.0
        (t0, n0), (t1, n1) = self._samples[0], self._samples[-1]
        if t1 <= t0:
            return 0.0
        return max(0, n1 - n0) / (t1 - t0)


def format_number(value: Any) -> str:
    """Binance's decimal strings without trailing zeros: ``'0.01230000'`` -> ``'0.0123'``."""
    text = str(value)
    if '.' in text and 'e' not in text.lower():
        text = text.rstrip('0').rstrip('.')
    return text or '0'


def _best(levels: Any) -> Optional[str]:
    if isinstance(levels, list) and levels and isinstance(levels[0], (list, tuple)) and levels[0]:
        return format_number(levels[0][0])
    return None


def _book(bid: Optional[str], ask: Optional[str]) -> str:
    return 'bid {} / ask {}'.format(bid or '-', ask or '-')


def summarize(msg: Any) -> str:
    """One short line describing a stream message: its last price or best bid/ask.

    Knows the market payloads Binance sends (trade, aggTrade, kline, partial
    and diff depth, tickers, book ticker, the combined ``{"stream", "data"}``
    form and the manager's error dict); anything else is named by its event type.
    """
    if isinstance(msg, list):
        if not msg:
            return '0 items'
        first = msg[0] if isinstance(msg[0], dict) else {}
        suffix = ', {} last {}'.format(first['s'], format_number(first['c'])) if 's' in first and 'c' in first else ''
        return '{} items{}'.format(len(msg), suffix)
    if not isinstance(msg, dict):
        return type(msg).__name__
    if 'stream' in msg and 'data' in msg:
        return summarize(msg['data'])
    event = msg.get('e')
    symbol = msg.get('s', '')
    if event == 'error':
        return 'error: {}'.format(msg.get('m', ''))
    if event in ('trade', 'aggTrade'):
        return '{} {} x {}'.format(symbol, format_number(msg.get('p')), format_number(msg.get('q')))
    if event == 'kline' and isinstance(msg.get('k'), dict):
        k = msg['k']
        return '{} {} close {}'.format(symbol, k.get('i', ''), format_number(k.get('c')))
    if 'bids' in msg or 'asks' in msg:
        return _book(_best(msg.get('bids')), _best(msg.get('asks')))
    if event == 'depthUpdate':
        return '{} {}'.format(symbol, _book(_best(msg.get('b')), _best(msg.get('a'))))
    if event in ('24hrTicker', '24hrMiniTicker'):
        change = ' ({}%)'.format(format_number(msg['P'])) if 'P' in msg else ''
        return '{} last {}{}'.format(symbol, format_number(msg.get('c')), change)
    if 'b' in msg and 'a' in msg and 'u' in msg:  # book ticker: no event type field
        return '{} {}'.format(symbol, _book(format_number(msg['b']), format_number(msg['a']))).strip()
    return str(event or 'message')


class SocketStats:
    """Counters of one socket (or one stream of a multiplex socket).

    :meth:`record` runs on the reactor thread for every message and only
    stores; the view reads the fields from another thread once a second and
    formats them there, so the callback stays cheap.

    Args:
        name: the label shown in the view.
        window: seconds :attr:`meter` measures the rate over.
    """

    def __init__(self, name: str, window: float = 5.0) -> None:
        self.name = name
        self.total = 0
        self.errors = 0
        self.reconnects: Optional[int] = None
        self.last_message: Any = None
        self.meter = RateMeter(window)

    def record(self, msg: Any) -> None:
        """Count one message."""
        self.total += 1
        if isinstance(msg, dict) and msg.get('e') == 'error':
            self.errors += 1
        self.last_message = msg

    def last(self) -> str:
        """The summary of the last message, or ``'-'`` before the first one."""
        return '-' if self.last_message is None else summarize(self.last_message)

    def row(self, now: float) -> Tuple[str, str, str, str, str]:
        """Sample the rate at ``now`` and return the cells of a live-view row."""
        rate = self.meter.sample(now, self.total)
        return (self.name, '{:.1f}'.format(rate), str(self.total), _count(self.reconnects), self.last())


def _count(value: Optional[int]) -> str:
    return '-' if value is None else str(value)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]], width: Optional[int] = None,
                 right: Sequence[int] = ()) -> List[str]:
    """Align ``rows`` under ``headers`` in columns; lines are cut to ``width`` if given.

    Args:
        headers: column titles.
        rows: cells as strings, one sequence per row, as many cells as headers.
        width: the terminal width; longer lines end with ``'…'``.
        right: indexes of columns to align right (numbers).
    """
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    lines = []
    for row in [tuple(headers)] + [tuple(r) for r in rows]:
        cells = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        line = '  '.join(cells).rstrip()
        if width is not None and len(line) > width:
            line = line[:max(0, width - 1)] + '…'
        lines.append(line)
    return lines


VIEW_HEADERS = ('socket', 'msg/s', 'total', 'reconnects', 'last')


def render_view(rows: Sequence[Sequence[str]], elapsed: float, title: str = '',
                width: Optional[int] = None) -> List[str]:
    """The lines of one live-view frame: a title line, then the table of ``rows``.

    Args:
        rows: cells in :data:`VIEW_HEADERS` order (see :meth:`SocketStats.row`).
        elapsed: seconds since the start, shown in the title.
        title: text before the elapsed time.
        width: the terminal width, see :func:`format_table`.
    """
    head = '{}  {:.0f} s  (Ctrl-C to stop)'.format(title, elapsed).strip()
    return [head] + format_table(VIEW_HEADERS, rows, width=width, right=(1, 2, 3))


def render_plain(rows: Sequence[Sequence[str]], elapsed: float) -> List[str]:
    """One self-contained line per row, for logs and pipes where the view cannot redraw."""
    return ['[{:6.1f}s] {} {} msg/s total={} reconnects={} last: {}'.format(elapsed, *row) for row in rows]


SUMMARY_HEADERS = ('socket', 'total', 'avg msg/s', 'reconnects', 'errors')


def render_summary(stats: Sequence[SocketStats], elapsed: float, reason: str = '',
                   total: Optional[int] = None) -> List[str]:
    """The final report: per socket its total, average rate, reconnects and errors.

    Args:
        stats: the sockets, in display order.
        elapsed: seconds the run lasted (averages are over this).
        reason: why the run ended, e.g. ``'interrupted'``.
        total: messages received in all, when ``stats`` also lists streams of a
            multiplex socket (counted twice otherwise); default: the sum of ``stats``.
    """
    span = max(elapsed, 1e-9)
    rows = [(s.name, str(s.total), '{:.1f}'.format(s.total / span), _count(s.reconnects), str(s.errors))
            for s in stats]
    total = sum(s.total for s in stats) if total is None else total
    head = 'summary after {:.1f} s{}: {} messages'.format(elapsed, ' ({})'.format(reason) if reason else '', total)
    return [head] + format_table(SUMMARY_HEADERS, rows, right=(1, 2, 3, 4))


class LiveScreen:
    """Writes frames to a stream: redrawn in place on a terminal, appended otherwise.

    Args:
        out: the text stream (stdout).
        ansi: redraw in place with ANSI cursor movement; else plain lines.
    """

    def __init__(self, out: IO[str], ansi: bool) -> None:
        self.out = out
        self.ansi = ansi
        self._drawn = 0

    def draw(self, lines: Sequence[str]) -> None:
        """Show ``lines``, replacing the previous frame on a terminal."""
        if self.ansi:
            up = '\x1b[{}F'.format(self._drawn) if self._drawn else ''
            # Clear each line as it is rewritten and whatever is below, in case a frame shrank.
            self.out.write(up + ''.join('\x1b[2K{}\n'.format(line) for line in lines) + '\x1b[J')
            self._drawn = len(lines)
        else:
            self.out.write(''.join(line + '\n' for line in lines))
        self.out.flush()

    def release(self) -> None:
        """Leave the last frame on screen; later output goes below it."""
        self._drawn = 0


def wants_ansi(out: IO[str], environ: Optional[Dict[str, str]] = None) -> bool:
    """True when ``out`` is a terminal that can redraw in place."""
    environ = os.environ if environ is None else environ
    isatty = getattr(out, 'isatty', None)
    return bool(isatty and isatty()) and environ.get('TERM', '') not in ('', 'dumb')


# --------------------------------------------------------------------------------------------
# Wiring: simulator, manager, signals


class _Stop:
    """Why a command should end: a deadline, SIGINT, or a count reached."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.reason = ''

    def set(self, reason: str) -> None:
        if not self.event.is_set():
            self.reason = reason
            self.event.set()


@contextlib.contextmanager
def _sigint_stops(stop: _Stop) -> Iterator[None]:
    """First Ctrl-C asks for a clean end (summary printed); a second one aborts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        stop.set('interrupted')

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _manager_class(stream_url: Optional[str]) -> type:
    """BinanceSocketManager, or a subclass pointed at ``stream_url``.

    A subclass rather than assigning the class attribute, so the process-wide
    ``BinanceSocketManager.STREAM_URL`` stays as the user's code set it.
    """
    from .websockets import BinanceSocketManager
    if not stream_url:
        return BinanceSocketManager
    if not stream_url.endswith('/'):
        stream_url += '/'
    return type('BinanceSocketManager', (BinanceSocketManager,), {'STREAM_URL': stream_url})


def _reconnects(bm: Any, conn_key: str) -> Optional[int]:
    """How often the manager reconnected ``conn_key``, if it says; else ``None``."""
    if not isinstance(conn_key, str):
        return None
    # reconnect_count: how many times the socket opened again after its first connection.
    count = getattr(bm.connection(conn_key), 'reconnect_count', None)
    return count if isinstance(count, int) else None


@contextlib.contextmanager
def _simulator(enabled: bool, **kwargs: Any) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    from .simulator import running
    with running(**kwargs) as sim:
        yield sim


def _simulator_options(args: argparse.Namespace) -> Dict[str, Any]:
    options: Dict[str, Any] = {'seed': args.seed}
    if args.trade_rate is not None:
        options['trade_rate'] = args.trade_rate
    return options


#: The demo's symbol and the streams of its multiplex socket.
DEMO_SYMBOL = 'BNBBTC'
DEMO_MULTIPLEX = ('ethbtc@trade', 'neobtc@aggTrade', 'btcusdt@ticker')


class _DemoSocket:
    """One socket of the demo: its manager key, its stats, and per-stream stats for multiplex."""

    def __init__(self, label: str, streams: Sequence[str], window: float) -> None:
        self.conn_key: Any = None
        self.stats = SocketStats(label, window)
        # Created up front: the reactor thread must never grow a dict the view iterates.
        self.children = {s: SocketStats('  ' + s, window) for s in streams}

    def record(self, msg: Any) -> None:
        self.stats.record(msg)
        child = self.children.get(msg.get('stream')) if isinstance(msg, dict) else None
        if child is not None:
            child.record(msg)


class _DemoBoard:
    """The demo's sockets and their stats, in display order."""

    def __init__(self, window: float) -> None:
        self.window = window
        self.sockets: List[_DemoSocket] = []

    def open(self, label: str, start: Callable[[Callable[[Any], None]], Any],
             streams: Sequence[str] = ()) -> None:
        """Start a socket with ``start(callback)`` and show it under ``label``."""
        socket = _DemoSocket(label, streams, self.window)
        self.sockets.append(socket)
        socket.conn_key = start(socket.stats.record if not streams else socket.record)

    def all_stats(self) -> List[SocketStats]:
        out: List[SocketStats] = []
        for socket in self.sockets:
            out.append(socket.stats)
            out.extend(socket.children.values())
        return out

    def refresh_reconnects(self, bm: Any) -> None:
        for socket in self.sockets:
            socket.stats.reconnects = _reconnects(bm, socket.conn_key)

    def rows(self, now: float) -> List[Tuple[str, str, str, str, str]]:
        return [s.row(now) for s in self.all_stats()]

    def mark(self, now: float) -> None:
        """Sample every meter at ``now`` so the first frame already shows rates."""
        for stats in self.all_stats():
            stats.meter.sample(now, stats.total)


def _start_demo_sockets(bm: Any, board: _DemoBoard) -> None:
    from .enums import KLINE_INTERVAL_1MINUTE
    sym, depth = DEMO_SYMBOL.lower(), bm.WEBSOCKET_DEPTH_5
    board.open('{}@trade'.format(sym), lambda cb: bm.start_trade_socket(DEMO_SYMBOL, cb))
    board.open('{}@kline_{}'.format(sym, KLINE_INTERVAL_1MINUTE),
               lambda cb: bm.start_kline_socket(DEMO_SYMBOL, cb, interval=KLINE_INTERVAL_1MINUTE))
    board.open('{}@depth{}'.format(sym, depth), lambda cb: bm.start_depth_socket(DEMO_SYMBOL, cb, depth=depth))
    board.open('multiplex ({} streams)'.format(len(DEMO_MULTIPLEX)),
               lambda cb: bm.start_multiplex_socket(list(DEMO_MULTIPLEX), cb), DEMO_MULTIPLEX)


def run_demo(args: argparse.Namespace, out: Optional[IO[str]] = None) -> int:
    """``demo``: the simulator and a manager in this process, with a live view."""
    out = sys.stdout if out is None else out
    stop = _Stop()
    board = _DemoBoard(window=args.window)
    screen = LiveScreen(out, ansi=wants_ansi(out) and not args.plain)
    started = time.monotonic()
    with _sigint_stops(stop):
        with _simulator(True, **_simulator_options(args)) as sim:
            bm = _manager_class(sim.stream_url)(None)
            try:
                _start_demo_sockets(bm, board)
                bm.start()
                started = time.monotonic()  # --seconds and the rates count from here
                board.mark(started)
                _demo_loop(args, sim, bm, board, screen, stop, started)
            finally:
                board.refresh_reconnects(bm)
                bm.close()
    elapsed = time.monotonic() - started
    screen.release()
    total = sum(socket.stats.total for socket in board.sockets)
    out.write('\n'.join(render_summary(board.all_stats(), elapsed, stop.reason, total)) + '\n')
    out.flush()
    return 0


def _demo_loop(args: argparse.Namespace, sim: Any, bm: Any, board: _DemoBoard, screen: LiveScreen,
               stop: _Stop, started: float) -> None:
    deadline = None if args.seconds is None else started + args.seconds
    next_fault = None if args.faults is None else started + args.faults
    next_frame = started + args.refresh
    title = 'binance-sockets demo on {}'.format(sim.stream_url)
    while True:
        now = time.monotonic()
        wake = next_frame if deadline is None else min(next_frame, deadline)
        if stop.event.wait(max(0.0, wake - now)):
            return
        now = time.monotonic()
        if deadline is not None and now >= deadline:
            stop.set('{:g} s elapsed'.format(args.seconds))
            return
        if next_fault is not None and now >= next_fault:
            sim.faults.drop_all()
            next_fault = now + args.faults
        board.refresh_reconnects(bm)
        rows = board.rows(now)
        if screen.ansi:
            width = _terminal_width()
            screen.draw(render_view(rows, now - started, title, width=width))
        else:
            screen.draw(render_plain(rows, now - started))
        next_frame = now + args.refresh


def _terminal_width() -> int:
    import shutil
    return shutil.get_terminal_size((100, 24)).columns


def normalize_stream_name(name: str) -> str:
    """``'BTCUSDT@aggTrade'`` -> ``'btcusdt@aggTrade'``: Binance wants lower-case symbols only.

    The stream type after ``@`` keeps its case (``aggTrade``, ``kline_1M``);
    all-market names (``!miniTicker@arr``) are left as they are.
    """
    if '@' not in name or name.startswith('!'):
        return name
    symbol, rest = name.split('@', 1)
    return symbol.lower() + '@' + rest


def retired_stream_warnings(stream_url: str, streams: Sequence[str]) -> List[str]:
    """Warnings for the ``streams`` the venue at ``stream_url`` no longer serves (they stay silent)."""
    from .websockets import retired_stream_notice
    notices = (retired_stream_notice(stream_url, name) for name in streams)
    return ['warning: ' + notice for notice in notices if notice]


class _JsonLinesWriter:
    """Writes messages as JSON lines to a binary stream; counts them."""

    def __init__(self, out: IO[bytes]) -> None:
        import orjson
        self._dumps = orjson.dumps
        self.out = out
        self.written = 0

    def write(self, msg: Any) -> None:
        self.out.write(self._dumps(msg) + b'\n')
        self.written += 1

    def flush(self) -> None:
        self.out.flush()


def format_stats(snapshot: Dict[str, Any]) -> str:
    """One line of a manager's :meth:`~binance._manager.ManagerBase.stats` snapshot.

    ``stats: 1 socket, 1234 messages, 180.2 kB, 0 reconnects, latency ms p50 0.8 p99 3.1
    max 5.2`` and, for queued sockets, ``, queued 1234 dropped 0 high 12``. Latency is
    Binance's event time to the moment the message was read (``-`` before the first
    sample; it includes the clock difference to Binance's servers).
    """
    totals = snapshot.get('totals')
    if not totals:
        return 'stats: telemetry is off'
    latency = totals.get('latency_ms')
    parts = ['{} socket{}'.format(totals['sockets'], '' if totals['sockets'] == 1 else 's'),
             '{} messages'.format(totals['messages']),
             '{:.1f} kB'.format(totals['bytes'] / 1000.0),
             '{} reconnect{}'.format(totals['reconnects'],
                                     '' if totals['reconnects'] == 1 else 's')]
    parts.append('latency ms -' if not latency else 'latency ms p50 {:.1f} p99 {:.1f} max {:.1f}'
                 .format(latency['p50'], latency['p99'], latency['max']))
    queues = [entry['queue'] for entry in snapshot.get('sockets', {}).values()
              if entry.get('queue')]
    if queues:
        parts.append('queued {} dropped {} high {}'.format(
            sum(q.get('queued', 0) for q in queues), sum(q.get('dropped', 0) for q in queues),
            max(q.get('high_water', 0) for q in queues)))
    return 'stats: ' + ', '.join(parts)


def run_stream(args: argparse.Namespace, out: Optional[IO[bytes]] = None, err: Optional[IO[str]] = None) -> int:
    """``stream``: every message of the named streams to ``out`` as one JSON line each.

    Messages come in Binance's combined form ``{"stream": name, "data": payload}``
    whatever the number of streams, so a reader always knows which stream a line is from.
    With ``--stats S`` a :func:`format_stats` line goes to stderr every ``S`` seconds, and
    the whole final snapshot (``bm.stats()``) as one JSON line ``stats {...}`` at the end.
    """
    out = sys.stdout.buffer if out is None else out
    err = sys.stderr if err is None else err
    writer = _JsonLinesWriter(out)
    stop = _Stop()
    inbox: 'queue.Queue[Any]' = queue.Queue(maxsize=args.buffer)
    dropped = [0]

    def on_message(msg: Any) -> None:
        try:
            inbox.put_nowait(msg)
        except queue.Full:  # never block the reactor thread on a slow reader
            dropped[0] += 1

    status = 0
    with _sigint_stops(stop):
        with _simulator(args.simulator, **_simulator_options(args)) as sim:
            url = sim.stream_url if sim is not None else args.url
            bm = _manager_class(url)(None)
            streams = [normalize_stream_name(name) for name in args.streams]
            for warning in retired_stream_warnings(bm.STREAM_URL, streams):
                err.write(warning + '\n')
            try:
                try:
                    bm.start_multiplex_socket(streams, on_message)
                except (TypeError, ValueError) as exc:
                    err.write('error: {}\n'.format(exc))
                    return EXIT_USAGE
                bm.start()
                report = None
                if args.stats is not None:
                    def report() -> None:
                        err.write(format_stats(bm.stats()) + '\n')
                        err.flush()
                status = _stream_loop(args, inbox, writer, stop, err, report)
                if report is not None:
                    import orjson
                    err.write('stats ' + orjson.dumps(bm.stats()).decode() + '\n')
            except BrokenPipeError:
                _silence_stdout()
            finally:
                bm.close()
    if dropped[0]:
        err.write('{} messages dropped: the output was too slow\n'.format(dropped[0]))
    return status


#: Most messages written between two checks of the deadline and of Ctrl-C.
_BATCH = 1000


def _stream_loop(args: argparse.Namespace, inbox: 'queue.Queue[Any]', writer: _JsonLinesWriter,
                 stop: _Stop, err: IO[str], report: Optional[Callable[[], None]] = None) -> int:
    deadline = None if args.seconds is None else time.monotonic() + args.seconds
    every = getattr(args, 'stats', None)
    next_report = None if report is None or every is None else time.monotonic() + every
    while not stop.event.is_set():
        if next_report is not None and time.monotonic() >= next_report:
            assert report is not None and every is not None
            report()
            next_report += every
        now = time.monotonic()
        if deadline is not None and deadline <= now:
            return 0
        timeout = min([0.5] + [t - now for t in (deadline, next_report) if t is not None])
        try:
            batch = [inbox.get(timeout=timeout)]
        except queue.Empty:
            continue
        # Take what is already queued too: one flush per batch, not per line.
        while len(batch) < _BATCH:
            try:
                batch.append(inbox.get_nowait())
            except queue.Empty:
                break
        for msg in batch:
            if isinstance(msg, dict) and msg.get('e') == 'error':
                writer.flush()
                err.write('error: {}\n'.format(msg.get('m', msg)))
                return 1
            writer.write(msg)
            if args.count is not None and writer.written >= args.count:
                writer.flush()
                return 0
        writer.flush()
    return 0


def _silence_stdout() -> None:
    """After the reader went away (``| head``), keep the interpreter's final flush quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)


# --------------------------------------------------------------------------------------------
# Arguments


def _positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse type: ``kind(text)``, which must be greater than 0."""
    def parse(text: str) -> Any:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError('must be greater than 0, got {}'.format(text))
        return value
    parse.__name__ = kind.__name__  # argparse names the type in "invalid <name> value"
    return parse


_positive_float = _positive(float)
_positive_int = _positive(int)


def _add_simulator_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--seed', type=int, default=0, help='simulator seed: same seed, same market (default 0)')
    parser.add_argument('--trade-rate', type=_positive_float, default=None, metavar='R',
                        help='simulated trades per second per symbol (default: the simulator\'s)')


def build_parser() -> argparse.ArgumentParser:
    """The ``binance-sockets`` / ``python -m binance`` argument parser."""
    parser = argparse.ArgumentParser(
        prog='python -m binance',
        description='binance-sockets command-line tools.')
    commands = parser.add_subparsers(dest='command', metavar='COMMAND')
    commands.required = True

    demo = commands.add_parser(
        'demo', help='live view of trade, kline, depth and multiplex sockets on the simulated exchange',
        description='Start the simulated exchange in this process, open trade, kline, partial depth and '
                    'multiplex sockets on it and show them live. Ctrl-C ends with a summary.')
    demo.add_argument('--seconds', type=_positive_float, default=None, metavar='N',
                      help='stop by itself after N seconds (default: run until Ctrl-C)')
    _add_simulator_options(demo)
    demo.add_argument('--faults', type=_positive_float, nargs='?', const=5.0, default=None, metavar='EVERY',
                      help='drop every connection every EVERY seconds (default 5) to show reconnects')
    demo.add_argument('--refresh', type=_positive_float, default=1.0, metavar='S',
                      help='seconds between view updates (default 1)')
    demo.add_argument('--window', type=_positive_float, default=5.0, metavar='S',
                      help='seconds the msg/s rate is measured over (default 5)')
    demo.add_argument('--plain', action='store_true',
                      help='plain lines even on a terminal (no redraw in place)')
    demo.add_argument('-v', '--verbose', action='store_true',
                      help='show the library\'s warnings (reconnects...) on stderr; they would '
                           'interleave with the live view, so only errors are shown by default')
    demo.set_defaults(run=lambda args: run_demo(args))

    stream = commands.add_parser(
        'stream', help='print the messages of any streams as JSON lines',
        description='Write every message of the given streams (e.g. bnbbtc@trade btcusdt@depth5)\n'
                    'to stdout, one JSON object {"stream": ..., "data": ...} per line.',
        epilog='examples:\n'
               '  python -m binance stream bnbbtc@trade --simulator --count 5\n'
               '  python -m binance stream btcusdt@aggTrade ethusdt@depth5 --seconds 60 > ticks.jsonl\n'
               '  python -m binance stream bnbbtc@trade --simulator --seconds 20 --stats 5\n\n'
               'exit status: 0 when --count or --seconds is reached, Ctrl-C or the reader closes the\n'
               'pipe; 1 when the server stays unreachable (the socket gave up); 2 for bad arguments.',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    stream.add_argument('streams', nargs='+', metavar='STREAM',
                        help='stream names, e.g. bnbbtc@trade (symbols are lower-cased for you)')
    where = stream.add_mutually_exclusive_group()
    where.add_argument('--simulator', action='store_true', help='stream from the simulated exchange, in process')
    where.add_argument('--url', default=None,
                       help='stream server base URL, e.g. wss://stream.binance.us:9443/ '
                            '(default: BinanceSocketManager.STREAM_URL, binance.com)')
    stream.add_argument('--count', type=_positive_int, default=None, metavar='N', help='exit after N messages')
    stream.add_argument('--seconds', type=_positive_float, default=None, metavar='N',
                        help='exit after N seconds')
    stream.add_argument('-v', '--verbose', action='store_true', help='log the library\'s info messages too')
    stream.add_argument('--buffer', type=_positive_int, default=100000, metavar='N',
                        help='messages held while the output is slow; more are dropped (default 100000)')
    stream.add_argument('--stats', type=_positive_float, nargs='?', const=5.0, default=None, metavar='S',
                        help='every S seconds (default 5) a line of the socket\'s counters on stderr '
                             '(messages, bytes, reconnects, latency), and the final snapshot as JSON')
    _add_simulator_options(stream)
    stream.set_defaults(run=lambda args: run_stream(args))
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``python -m binance`` and the ``binance-sockets`` script; returns the exit status."""
    import logging
    args = build_parser().parse_args(argv)
    # The demo's view owns the terminal; the stream command's stdout is data, logs go to stderr.
    quiet = logging.ERROR if args.command == 'demo' else logging.WARNING
    verbose = logging.WARNING if args.command == 'demo' else logging.INFO
    logging.basicConfig(level=verbose if args.verbose else quiet,
                        format='%(levelname)s %(name)s: %(message)s')
    try:
        return int(args.run(args))
    except BrokenPipeError:  # the reader went away (``| head``): nothing left to say to it
        _silence_stdout()
        return 0
    except KeyboardInterrupt:  # a second Ctrl-C during shutdown
        return 130
