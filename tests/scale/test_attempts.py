"""The connection-attempt budget: sliding window, FIFO queue, pauses and cancels on a fake clock."""
import logging

import pytest
from twisted.internet import defer
from twisted.internet.task import Clock

from binance import _attempts
from binance._attempts import AttemptBudget, budget_for, budget_key, forget_budgets, set_budget


def grant_log(budget, count, label='s'):
    """Request ``count`` attempts; returns (deferreds, [(index, grant time)])."""
    granted = []
    deferreds = []
    for i in range(count):
        d = budget.request('{}{}'.format(label, i))
        d.addCallback(lambda _r, i=i: granted.append((i, budget.clock.seconds())))
        deferreds.append(d)
    return deferreds, granted


def max_in_any_window(times, window):
    """The largest number of ``times`` inside any half-open window of ``window`` seconds."""
    times = sorted(times)
    best = 0
    start = 0
    for end, t in enumerate(times):
        while times[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_400_requests_at_once_never_exceed_the_window_and_are_granted_in_order():
    clock = Clock()
    budget = AttemptBudget(limit=270, window=300.0, clock=clock)
    _ds, granted = grant_log(budget, 400)
    assert len(granted) == 270  # at once, synchronously
    assert budget.queued == 130
    clock.advance(299.9)
    assert len(granted) == 270
    clock.advance(0.1)
    assert len(granted) == 400
    assert [i for i, _t in granted] == list(range(400))  # first come, first served
    assert max_in_any_window([t for _i, t in granted], 300.0) <= 270
    assert budget.queued == 0
    assert clock.getDelayedCalls() == []


def test_a_steady_stream_of_requests_is_paced_within_the_window():
    clock = Clock()
    budget = AttemptBudget(limit=10, window=60.0, clock=clock)
    granted = []
    for step in range(200):  # one request per second for 200 s
        budget.request().addCallback(lambda _r: granted.append(clock.seconds()))
        clock.advance(1.0)
    clock.pump([1.0] * 1200)  # a jump would grant everything due at the end of it
    assert len(granted) == 200
    assert max_in_any_window(granted, 60.0) <= 10
    # paced, not bunched: after the first burst, about one every 6 s
    gaps = [b - a for a, b in zip(granted[10:], granted[11:])]
    assert min(gaps) >= 0 and max(gaps) <= 60.0


def test_retry_after_pauses_every_request_then_resumes_in_order():
    clock = Clock()
    budget = AttemptBudget(limit=100, window=300.0, clock=clock)
    budget.request()
    budget.pause(30, 'HTTP 429')
    _ds, granted = grant_log(budget, 3)
    assert granted == []
    assert budget.paused_for() == 30
    clock.advance(29.5)
    assert granted == []
    clock.advance(0.5)
    assert granted == [(0, 30.0), (1, 30.0), (2, 30.0)]
    assert budget.pauses == 1


def test_a_shorter_pause_does_not_shorten_a_longer_one_and_max_pause_caps():
    clock = Clock()
    budget = AttemptBudget(limit=5, window=10.0, clock=clock, max_pause=100.0)
    budget.pause(50)
    budget.pause(5)
    assert budget.paused_for() == 50
    budget.pause(10 ** 9)
    assert budget.paused_for() == 100.0
    _ds, granted = grant_log(budget, 1)
    clock.advance(100)
    assert granted == [(0, 100.0)]


def test_pause_while_requests_wait_moves_their_slot():
    clock = Clock()
    budget = AttemptBudget(limit=1, window=10.0, clock=clock)
    _ds, granted = grant_log(budget, 2)
    assert granted == [(0, 0.0)]
    clock.advance(5)
    budget.pause(20)  # until 25
    clock.advance(5)  # the window would have allowed one at 10
    assert granted == [(0, 0.0)]
    clock.advance(15)
    assert granted == [(0, 0.0), (1, 25.0)]


def test_a_cancelled_request_leaves_the_queue_and_frees_its_turn():
    clock = Clock()
    budget = AttemptBudget(limit=1, window=10.0, clock=clock)
    ds, granted = grant_log(budget, 3)
    failures = []
    ds[1].addErrback(lambda f: failures.append(f.check(defer.CancelledError)))
    ds[1].cancel()
    assert failures == [defer.CancelledError]
    assert budget.queued == 1
    clock.advance(10)
    assert granted == [(0, 0.0), (2, 10.0)]
    assert budget.cancelled_total == 1
    assert clock.getDelayedCalls() == []


def test_cancelling_the_last_waiter_leaves_no_timer():
    clock = Clock()
    budget = AttemptBudget(limit=1, window=10.0, clock=clock)
    ds, _granted = grant_log(budget, 2)
    ds[1].addErrback(lambda f: f.trap(defer.CancelledError))
    ds[1].cancel()
    assert budget.queued == 0
    assert clock.getDelayedCalls() == []
    # cancelling a granted request changes nothing
    ds[0].cancel()
    assert budget.cancelled_total == 1


def test_a_callback_that_requests_again_queues_behind_the_others():
    clock = Clock()
    budget = AttemptBudget(limit=1, window=1.0, clock=clock)
    budget.request()  # fills the window: 'a' and 'b' queue
    order = []

    def again(_r):
        order.append('a')
        if order.count('a') == 1:
            budget.request().addCallback(again)

    budget.request().addCallback(again)
    budget.request().addCallback(lambda _r: order.append('b'))
    clock.pump([1, 1, 1])
    assert order == ['a', 'b', 'a']


def test_one_log_line_when_requests_start_to_queue(caplog):
    clock = Clock()
    budget = AttemptBudget(limit=270, window=300.0, clock=clock, name='stream.example:9443')
    with caplog.at_level(logging.DEBUG, logger='binance._attempts'):
        grant_log(budget, 400)
        clock.advance(0)
        warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert [r.getMessage() for r in warnings] == [
            'stream.example:9443: 130 connection attempts queued; spreading them over ~300 s '
            'to stay within 270 attempts per 300 s']
        clock.advance(300)
        grant_log(budget, 150)  # 140 free slots: 10 queue, a new episode
        clock.advance(0)
        assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 2


def test_the_estimate_follows_the_window():
    clock = Clock()
    budget = AttemptBudget(limit=2, window=10.0, clock=clock)
    grant_log(budget, 2)
    clock.advance(4)
    grant_log(budget, 3)  # slots at 10, 14 (window), 20
    assert budget.estimated_wait() == pytest.approx(16.0)
    assert budget.snapshot()['queued'] == 3


def test_snapshot_counts():
    clock = Clock()
    budget = AttemptBudget(limit=2, window=10.0, clock=clock)
    grant_log(budget, 3)
    clock.advance(10)
    snap = budget.snapshot()
    assert snap['granted'] == 3 and snap['waited'] == 1 and snap['queued'] == 0
    assert snap['in_window'] == 1
    assert snap['longest_wait'] == 10.0


@pytest.mark.parametrize('kwargs, error', [
    ({'limit': 0}, ValueError), ({'limit': 2.5}, TypeError), ({'limit': True}, TypeError),
    ({'window': 0}, ValueError), ({'window': 'x'}, TypeError), ({'window': float('inf')}, ValueError),
    ({'max_pause': -1}, ValueError),
])
def test_bad_arguments_name_themselves(kwargs, error):
    with pytest.raises(error) as info:
        AttemptBudget(clock=Clock(), **kwargs)
    assert list(kwargs)[0] in str(info.value)


def test_bad_pause_values():
    budget = AttemptBudget(clock=Clock())
    with pytest.raises(TypeError):
        budget.pause('5')
    with pytest.raises(ValueError):
        budget.pause(-1)
    with pytest.raises(ValueError):
        budget.pause(float('nan'))


def test_registry_shares_one_budget_per_key():
    forget_budgets()
    try:
        a = budget_for('stream.binance.com')
        assert budget_for('stream.binance.com') is a
        assert budget_for('fstream.binance.com') is not a
        assert a.limit == _attempts.DEFAULT_LIMIT < _attempts.BINANCE_ATTEMPT_LIMIT
        custom = AttemptBudget(limit=5, clock=Clock())
        set_budget('x', custom)
        assert budget_for('x') is custom
        with pytest.raises(TypeError):
            set_budget('x', object())
    finally:
        forget_budgets()


@pytest.mark.parametrize('url, key', [
    ('wss://Stream.Binance.com:9443/ws/x', 'stream.binance.com'),
    ('wss://stream.binance.com:443/ws/x', 'stream.binance.com'),
    ('wss://fstream.binance.com/public/ws/x', 'fstream.binance.com'),
    ('ws://127.0.0.1:5000/', '127.0.0.1'),
    ('ws://[::1]:80/', '::1'),
])
def test_budget_key_is_the_host_whatever_the_port(url, key):
    assert budget_key(url) == key


def test_other_clocks_get_budgets_of_their_own_while_in_use():
    forget_budgets()
    try:
        clock = Clock()
        mine = budget_for('stream.binance.com', clock)
        assert mine is budget_for('stream.binance.com', clock)
        assert mine.clock is clock
        assert mine is not budget_for('stream.binance.com')
        assert budget_for('stream.binance.com', Clock()) is not mine
    finally:
        forget_budgets()


def test_budget_key_needs_a_host():
    with pytest.raises(ValueError):
        budget_key('not a url')


def test_an_attempt_counts_from_when_it_reached_the_server():
    clock = Clock()
    budget = AttemptBudget(limit=1, window=10.0, clock=clock)
    grants = []
    budget.request().addCallback(grants.append)
    clock.advance(4)
    grants[0].done()  # the handshake was answered 4 s after the grant
    grants[0].done()  # idempotent
    budget.request().addCallback(grants.append)
    clock.advance(6.5)
    assert len(grants) == 1, 'granted 10 s after the grant rather than after the attempt'
    clock.advance(3.6)
    assert len(grants) == 2 and grants[1].at == pytest.approx(14.1)
