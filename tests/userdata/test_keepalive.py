"""Listen-key keepalive and listen-token renewal timing, driven by task.Clock.

The REST side is a recording double with scripted answers; the Deferreds it
returns fire synchronously, as deferToThread's would once the thread is done.
"""
from twisted.internet import defer, task

from binance.backoff import BackoffPolicy
from binance.exceptions import BinanceAPIException, BinanceRequestException
from binance._userkeepers import ListenKeyKeepalive, ListenTokenRenewer


class ScriptedRest:
    """Records calls; answers from per-method scripts (exceptions are raised)."""

    def __init__(self, clock):
        self.clock = clock
        self.calls = []
        self.keepalive_answers = []
        self.listen_key_answers = []
        self.token_answers = []

    def run(self, fn, *args):
        return defer.maybeDeferred(fn, *args)

    @staticmethod
    def _answer(script, default):
        value = script.pop(0) if script else default
        if isinstance(value, Exception):
            raise value
        return value

    def stream_keepalive(self, key):
        self.calls.append(('keepalive', key, self.clock.seconds()))
        return self._answer(self.keepalive_answers, {})

    def stream_get_listen_key(self):
        self.calls.append(('new key', None, self.clock.seconds()))
        return self._answer(self.listen_key_answers, 'key-1')

    def stream_close(self, key):
        self.calls.append(('delete', key, self.clock.seconds()))
        return {}

    def timestamp(self):
        return int(self.clock.seconds() * 1000)

    def margin_create_listen_token(self, isolated_symbol=None):
        self.calls.append(('token', isolated_symbol, self.clock.seconds()))
        answer = self._answer(self.token_answers, None)
        if answer is None:
            n = sum(1 for c in self.calls if c[0] == 'token')
            answer = {'token': 'tok-{}'.format(n), 'expirationTime': self.timestamp() + 100000}
        return answer


def no_jitter():
    return BackoffPolicy(initial=1.0, max_delay=60.0, jitter=0.0)


def keepalive(interval=1800.0):
    clock = task.Clock()
    rest = ScriptedRest(clock)
    new_keys = []
    keeper = ListenKeyKeepalive(rest, interval, new_keys.append, clock, rest.run,
                                retry_policy=no_jitter())
    return clock, rest, keeper, new_keys


def times(rest, kind):
    return [t for k, _, t in rest.calls if k == kind]


def test_keepalive_fires_every_interval_and_rearms():
    clock, rest, keeper, _ = keepalive(1800.0)
    keeper.start('key-1')
    clock.advance(1799)
    assert rest.calls == []
    for _ in range(5):
        clock.advance(1)
        clock.advance(1799)
    assert times(rest, 'keepalive') == [1800.0, 3600.0, 5400.0, 7200.0, 9000.0]
    assert all(key == 'key-1' for _, key, _ in rest.calls)
    assert keeper.next_call_in() == 1


def test_keepalive_survives_failed_calls_with_backoff_then_resumes_cadence():
    clock, rest, keeper, _ = keepalive(1800.0)
    rest.keepalive_answers = [BinanceRequestException('PUT /api/v3/userDataStream: no answer'),
                              BinanceAPIException(500, 0, 'HTTP 500', endpoint='PUT x'),
                              BinanceAPIException(429, -1003, 'busy', retry_after=30)]
    keeper.start('key-1')
    clock.pump([1800, 1, 2, 30])
    # Failure at 1800 -> retry after 1 s, then 2 s, then Retry-After's 30 s (more than the
    # 4 s backoff); the success at 1833 re-arms the regular 1800 s.
    assert times(rest, 'keepalive') == [1800.0, 1801.0, 1803.0, 1833.0]
    assert keeper.failures == 0
    clock.advance(1799)
    assert times(rest, 'keepalive')[-1] == 1833.0
    clock.advance(1)
    assert times(rest, 'keepalive')[-1] == 3633.0


def test_retry_delay_never_exceeds_the_interval():
    clock, rest, keeper, _ = keepalive(5.0)
    rest.keepalive_answers = [BinanceRequestException('x')] * 20
    keeper.start('key-1')
    for _ in range(40):
        clock.advance(1)
    gaps = [b - a for a, b in zip(times(rest, 'keepalive'), times(rest, 'keepalive')[1:])]
    assert gaps and max(gaps) <= 5.0
    assert keeper.running and keeper.next_call_in() is not None


def test_invalid_listen_key_gets_a_new_key_and_reports_it():
    clock, rest, keeper, new_keys = keepalive(10.0)
    rest.keepalive_answers = [BinanceAPIException(400, -1125, 'This listenKey does not exist.')]
    rest.listen_key_answers = ['key-2']
    keeper.start('key-1')
    clock.advance(10)
    assert new_keys == ['key-2']
    clock.advance(10)
    assert rest.calls[-1][:2] == ('keepalive', 'key-2')


def test_same_key_after_renewal_is_not_reported():
    clock, rest, keeper, new_keys = keepalive(10.0)
    rest.keepalive_answers = [BinanceAPIException(400, -1125, 'gone')]
    rest.listen_key_answers = ['key-1']
    keeper.start('key-1')
    clock.advance(10)
    assert new_keys == []
    assert keeper.next_call_in() == 10


def test_failed_renewal_is_retried():
    clock, rest, keeper, new_keys = keepalive(100.0)
    rest.keepalive_answers = [BinanceAPIException(400, -1125, 'gone')]
    rest.listen_key_answers = [BinanceRequestException('down'), BinanceRequestException('down'),
                               'key-9']
    keeper.start('key-1')
    clock.pump([100, 1, 2])
    assert times(rest, 'new key') == [100.0, 101.0, 103.0]
    assert new_keys == ['key-9']


def test_stop_cancels_and_ignores_calls_in_flight():
    clock = task.Clock()
    rest = ScriptedRest(clock)
    pending = []

    def run(fn, *args):
        d = defer.Deferred()
        pending.append((d, fn, args))
        return d

    keeper = ListenKeyKeepalive(rest, 10.0, lambda key: None, clock, run)
    keeper.start('key-1')
    clock.advance(10)
    assert len(pending) == 1
    keeper.stop()
    pending[0][0].callback({})
    assert keeper.next_call_in() is None
    clock.advance(100)
    # Only the keepalive was ever asked for: no DELETE (stream_close) on stop,
    # which the double would have recorded had it been run.
    assert [fn for _, fn, _ in pending] == [rest.stream_keepalive]
    for _, fn, args in pending:
        fn(*args)
    assert [c[0] for c in rest.calls] == ['keepalive']


def test_token_renewed_before_expiry_and_after_failures():
    clock = task.Clock()
    clock.advance(1000)
    rest = ScriptedRest(clock)
    tokens = []
    renewer = ListenTokenRenewer(rest, 'BNBBTC', tokens.append, clock, rest.run,
                                 retry_policy=no_jitter())
    first = []
    renewer.fetch().addCallback(first.append)
    assert first == ['tok-1']
    # validity 100 s, lead 20 % -> renewal 80 s later
    assert abs(renewer.next_renewal_in() - 80.0) < 0.01
    rest.token_answers = [BinanceRequestException('down')]
    clock.advance(80)  # fails
    assert tokens == []
    clock.advance(1)   # retried after 1 s
    assert tokens == ['tok-3']
    assert [c[1] for c in rest.calls] == ['BNBBTC'] * 3
    renewer.stop()
    clock.advance(1000)
    assert tokens == ['tok-3']


class RaisingRunner:
    """A runner that raises at once for its first ``failures`` calls, then runs the call."""

    def __init__(self, failures):
        self.failures = failures

    def __call__(self, fn, *args):
        if self.failures > 0:
            self.failures -= 1
            raise RuntimeError('no thread available')
        return defer.maybeDeferred(fn, *args)


def test_keepalive_rearms_when_the_runner_raises():
    clock = task.Clock()
    rest = ScriptedRest(clock)
    keeper = ListenKeyKeepalive(rest, 10.0, lambda key: None, clock, RaisingRunner(2),
                                retry_policy=no_jitter())
    keeper.start('key-1')
    clock.advance(10)                   # raises inside the runner: retried after 1 s
    assert keeper.failures == 1 and keeper.next_call_in() == 1
    clock.pump([1, 2])                  # raises again, then the keepalive goes through
    assert times(rest, 'keepalive') == [13.0]
    assert keeper.failures == 0 and keeper.next_call_in() == 10


def test_new_key_request_is_retried_when_the_runner_raises():
    clock = task.Clock()
    rest = ScriptedRest(clock)
    rest.keepalive_answers = [BinanceAPIException(400, -1125, 'gone')]
    rest.listen_key_answers = ['key-2']
    raised = []

    def run(fn, *args):
        if fn == rest.stream_get_listen_key and not raised:
            raised.append(fn)
            raise RuntimeError('no thread available')
        return defer.maybeDeferred(fn, *args)

    new_keys = []
    keeper = ListenKeyKeepalive(rest, 10.0, new_keys.append, clock, run, retry_policy=no_jitter())
    keeper.start('key-1')
    clock.advance(10)                   # -1125, then the new-key request raises
    assert raised and new_keys == [] and keeper.next_call_in() == 1
    clock.advance(1)
    assert new_keys == ['key-2']


def test_token_fetch_fails_its_deferred_and_renewal_retries_when_the_runner_raises():
    clock = task.Clock()
    rest = ScriptedRest(clock)
    runner = RaisingRunner(1)
    tokens = []
    renewer = ListenTokenRenewer(rest, None, tokens.append, clock, runner,
                                 retry_policy=no_jitter())
    failed = []
    renewer.fetch().addErrback(lambda f: failed.append(f.type))   # no exception escapes
    assert failed == [RuntimeError]
    first = []
    renewer.fetch().addCallback(first.append)
    assert first == ['tok-1']
    runner.failures = 1
    clock.advance(80)                   # the renewal's runner raises: retried after 1 s
    assert tokens == [] and renewer.next_renewal_in() == 1
    clock.advance(1)
    assert tokens == ['tok-2']


def test_tokens_expired_on_arrival_are_not_renewed_back_to_back():
    clock = task.Clock()
    clock.advance(1000)
    rest = ScriptedRest(clock)

    def stale(isolated_symbol=None):
        # Ten tokens that expire now or expired already, then valid ones.
        rest.calls.append(('token', isolated_symbol, clock.seconds()))
        n = len(rest.calls)
        if n > 10:
            return {'token': 'fresh', 'expirationTime': rest.timestamp() + 100000}
        return {'token': 'stale-{}'.format(n), 'expirationTime': rest.timestamp() - 5000 * (n % 2)}

    rest.margin_create_listen_token = stale
    renewer = ListenTokenRenewer(rest, None, lambda token: None, clock, rest.run,
                                 retry_policy=no_jitter())
    renewer.fetch()
    assert renewer.next_renewal_in() == 1.0
    clock.pump([1] * 30)
    calls = times(rest, 'token')
    gaps = [b - a for a, b in zip(calls, calls[1:])]
    assert 2 <= len(calls) < 10
    assert gaps[:3] == [1.0, 2.0, 4.0]      # a growing wait, never back to back
