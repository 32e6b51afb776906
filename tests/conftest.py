"""Fixtures shared by the whole suite.

The reactor runs in the library's own thread for the whole session, exactly as
it does for users; tests talk to it through :func:`binance._reactor.blocking_call`.
Tests that stop the reactor run in a child process.
"""
import contextlib
import threading

import pytest

from binance import _reactor



@contextlib.contextmanager
def undone_after(make, undo):
    """The body of a factory fixture: ``with undone_after(make, undo) as factory: yield factory``.

    ``factory(*args, **kwargs)`` returns ``make(*args, **kwargs)`` and keeps
    it; on leaving the block each thing made is passed to ``undo`` (closed,
    stopped), in the order made.
    """
    made = []

    def factory(*args, **kwargs):
        thing = make(*args, **kwargs)
        made.append(thing)
        return thing

    try:
        yield factory
    finally:
        for thing in made:
            undo(thing)


@pytest.fixture(scope='session')
def reactor_thread():
    """The library's reactor, running in its background thread."""
    _reactor.ensure_running()
    from twisted.internet import reactor
    return reactor


@pytest.fixture
def make_sim(reactor_thread):
    """Factory: start a :class:`binance.simulator.Simulator` on loopback; stopped after the test."""
    from binance.simulator import Simulator

    def start(**kwargs):
        sim = Simulator(**kwargs)
        _reactor.blocking_call(sim.start)
        return sim

    with undone_after(start, lambda sim: _reactor.blocking_call(sim.stop, timeout=10)) as factory:
        yield factory


@pytest.fixture
def manager_for(reactor_thread):
    """Factory: ``manager_for(sim, client=None, start=True, **options)`` -> a manager pointed at ``sim``.

    ``STREAM_URL`` (and the futures and options URLs) are overridden on a
    subclass, so the real class keeps pointing at Binance. Every manager is
    closed after the test.
    """
    from binance.websockets import BinanceSocketManager

    def make(sim, client, options):
        class SimManager(BinanceSocketManager):
            STREAM_URL = sim.stream_url
            WS_API_URL = sim.ws_api_url
            FSTREAM_URL = sim.fstream_url
            DSTREAM_URL = sim.dstream_url
            VSTREAM_URL = sim.options_stream_url
        return SimManager(client, **options)

    def close(manager):
        manager.close()
        manager.join(5)

    with undone_after(make, close) as made:
        def factory(sim, client=None, start=True, **options):
            manager = made(sim, client, options)
            if start:
                manager.start()
            return manager

        yield factory


@pytest.fixture
def sim(make_sim):
    """A simulator with default settings and a fixed seed."""
    return make_sim(seed=1234)


def wait_for(predicate, timeout=10.0, interval=0.01, message='condition'):
    """Poll ``predicate`` until true; fail the test after ``timeout`` seconds.

    Waits on an Event so the waiting thread sleeps between checks without
    being a fixed ``time.sleep`` synchronisation.
    """
    event = threading.Event()
    deadline_checks = int(timeout / interval) + 1
    for _ in range(deadline_checks):
        if predicate():
            return
        event.wait(interval)
    if predicate():
        return
    pytest.fail('timed out after {:g} s waiting for {}'.format(timeout, message))


# -- no secret in any log line of the whole run -----------------------------------------

import functools  # noqa: E402
import logging  # noqa: E402
import re  # noqa: E402
import traceback  # noqa: E402


class _SecretWatch:
    """Secrets the run produces and the log text of the libraries under test.

    Secrets: API secrets of every Client (16 characters and more: tests
    also use placeholders such as ``'s'``), every HMAC signature, and every
    listen key and token the simulator mints. Log text: every :mod:`logging`
    record that reaches the root logger and every Twisted log event, except
    the test's own HTTP client (urllib3 and requests print the URLs the test
    built) and the simulator's WebSocket server protocol (the exchange's
    access log, not the client's). Only the letter-and-digit runs of 16 and
    more characters of each line are kept, so the check at the end is a set
    lookup rather than a scan of every line for every secret.
    """

    RUN = re.compile(r'[A-Za-z0-9]{16,}')
    EXCLUDED_LOGGERS = ('urllib3', 'requests')
    EXCLUDED_NAMESPACES = ('autobahn.twisted.websocket.WebSocketServerProtocol',)

    def __init__(self):
        self.secrets = {}          # value -> kind
        self.seen = {}             # run -> set of sources
        self.other_hits = {}       # (source, kind) -> count, for secrets with other characters
        self.lock = threading.Lock()

    def add(self, value, kind):
        if isinstance(value, bytes):
            value = value.decode('utf-8', 'replace')
        if isinstance(value, str) and len(value) >= 16:
            with self.lock:
                self.secrets.setdefault(value, kind)

    def text(self, source, text):
        runs = self.RUN.findall(text)
        with self.lock:
            for run in runs:
                self.seen.setdefault(run, set()).add(source)
            for secret, kind in self.secrets.items():
                if not secret.isalnum() and secret in text:
                    key = (source, kind)
                    self.other_hits[key] = self.other_hits.get(key, 0) + 1

    def hits(self):
        """``{(source, kind)}`` of every secret that appeared in a log line."""
        found = set(self.other_hits)
        alnum = {s: k for s, k in self.secrets.items() if s.isalnum()}
        lengths = sorted({len(s) for s in alnum})
        for run, sources in self.seen.items():
            kinds = set()
            if run in alnum:
                kinds.add(alnum[run])
            else:
                for n in lengths:
                    if n >= len(run):
                        break
                    for i in range(len(run) - n + 1):
                        kind = alnum.get(run[i:i + n])
                        if kind is not None:
                            kinds.add(kind)
            for kind in kinds:
                found.update((source, kind) for source in sources)
        return found


class _SecretLogHandler(logging.Handler):
    def __init__(self, watch):
        super().__init__(logging.NOTSET)
        self.watch = watch

    def emit(self, record):
        try:
            if record.name.startswith(_SecretWatch.EXCLUDED_LOGGERS):
                return
            text = record.getMessage()
            if record.exc_info:
                text += '\n' + ''.join(traceback.format_exception(*record.exc_info))
            self.watch.text('logger {!r}'.format(record.name), text)
        except Exception:
            self.handleError(record)


@pytest.fixture(scope='session', autouse=True)
def no_secret_in_any_log_line():
    """Fail the run if a secret it produced appears in a log line of the library, Twisted or Autobahn."""
    from twisted.logger import formatEvent, globalLogPublisher

    from binance import client as client_module
    from binance import signing
    from binance.simulator import DEFAULT_API_SECRET
    from binance.simulator import listening

    watch = _SecretWatch()
    watch.add(DEFAULT_API_SECRET, 'API secret')
    originals = (signing.hmac_sha256_hex, listening.random_text, client_module.Client.__init__)
    hmac_sha256_hex, random_text, client_init = originals

    @functools.wraps(hmac_sha256_hex)
    def signed(secret, payload):
        digest = hmac_sha256_hex(secret, payload)
        watch.add(digest, 'signature')
        return digest

    @functools.wraps(random_text)
    def minted(length):
        value = random_text(length)
        watch.add(value, 'listen key or token')
        return value

    @functools.wraps(client_init)
    def init(self, *args, **kwargs):
        client_init(self, *args, **kwargs)
        watch.add(getattr(self, 'API_SECRET', None), 'API secret')

    def observer(event):
        try:
            namespace = str(event.get('log_namespace', ''))
            if namespace.startswith(_SecretWatch.EXCLUDED_NAMESPACES):
                return
            text = formatEvent(event) or ''
            failure = event.get('log_failure')
            if failure is not None:
                text += '\n' + failure.getTraceback()
            watch.text('Twisted namespace {!r}'.format(namespace), text)
        except Exception:
            pass  # an observer must never raise

    signing.hmac_sha256_hex = signed
    listening.random_text = minted
    client_module.Client.__init__ = init
    handler = _SecretLogHandler(watch)
    logging.getLogger().addHandler(handler)
    globalLogPublisher.addObserver(observer)
    try:
        yield watch
    finally:
        globalLogPublisher.removeObserver(observer)
        logging.getLogger().removeHandler(handler)
        signing.hmac_sha256_hex, listening.random_text, client_module.Client.__init__ = originals
    hits = sorted(watch.hits())
    assert not hits, 'secrets appeared in log lines: ' + '; '.join(
        '{} in a line of {}'.format(kind, source) for source, kind in hits)


@pytest.fixture
def library_debug_logging():
    """The library logs at DEBUG during the test, so the suite-wide no-secret
    check above sees its quietest lines too."""
    import logging
    logger = logging.getLogger('binance')
    level = logger.level
    logger.setLevel(logging.DEBUG)
    yield
    logger.setLevel(level)


# -- connection-attempt budgets: every test starts with its own ---------------------------

@pytest.fixture(autouse=True)
def _fresh_attempt_budgets():
    """Each test gets fresh process-wide connection-attempt budgets.

    The budgets are per host and process-wide, like Binance's limit per IP
    address; every test dials 127.0.0.1, so without this one test's attempts
    would count against the next one's window. Tests of the budget itself
    pass their own ``AttemptBudget`` explicitly.
    """
    from binance._attempts import forget_budgets
    forget_budgets()
    yield
    forget_budgets()
