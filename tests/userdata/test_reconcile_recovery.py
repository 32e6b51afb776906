"""GapRecovery on its own: notices, rebuilt events, stream copies, overlapping gaps, stop, errors.

REST calls go through a runner the test answers one at a time, so the order of
stream events and REST answers is chosen here, not by thread timing.
"""
import collections

import pytest
from twisted.internet import defer

from binance._usergap import GapRecovery, reconcile_setting
from binance.options import ConnectionOptions
from binance.reconcile import GAP_EVENT, RECONCILED_EVENT, SPOT
from tests.scale.test_reconcile import Exchange


class Runner:
    """``run(fn, *args)``: queued; :meth:`answer` runs the oldest call and fires its Deferred."""

    def __init__(self):
        self.calls = collections.deque()

    def __call__(self, fn, *args):
        d = defer.Deferred()
        self.calls.append((fn, args, d))
        return d

    def answer(self, fail=None):
        fn, args, d = self.calls.popleft()
        if fail is not None:
            d.errback(fail)
        else:
            d.callback(fn(*args))

    def answer_all(self):
        while self.calls:
            self.answer()


class Client:
    def __init__(self, exchange):
        self.exchange = exchange

    def timestamp(self):
        return self.exchange.now


def make(exchange, **kwargs):
    runner = Runner()
    recovery = GapRecovery(Client(exchange), SPOT, run=runner, fetch=exchange.answer, **kwargs)
    out = []
    recovery.bind(out.append)
    return recovery, runner, out


def started(exchange, fill=True):
    """A recovery past its first subscription (baseline answered), with one filled order seen."""
    recovery, runner, out = make(exchange)
    recovery.live()
    runner.answer_all()
    if fill:
        exchange.place(1, '0.001', fills=['1'])
        stream(recovery, out, exchange.events)
    return recovery, runner, out


def stream(recovery, out, events):
    for event in events:
        if recovery.observe(event):
            out.append(event)


def kinds(messages):
    return [m['e'] for m in messages]


def test_first_live_takes_a_baseline_and_tells_nothing():
    ex = Exchange()
    recovery, runner, out = make(ex)
    recovery.live()
    assert out == [] and len(runner.calls) == 1       # the starting balances
    runner.answer_all()
    ex.place(1, '0.001', fills=['1'])
    stream(recovery, out, ex.events)
    assert kinds(out) == ['executionReport', 'executionReport', 'outboundAccountPosition']


def test_a_gap_is_told_then_reconciled_and_stream_copies_are_dropped():
    ex = Exchange()
    recovery, runner, out = make(ex)
    recovery.live()
    runner.answer_all()
    ex.place(2, '0.001', fills=['1'])
    stream(recovery, out, ex.events)
    seen = len(ex.events)
    order = ex.place(1, '0.002', fills=['0.5', '0.5'])     # lost in the gap
    lost = ex.events[seen:]
    out.clear()
    ex.tick()
    recovery.live()
    assert kinds(out) == [GAP_EVENT] and out[0]['reconcile'] is True
    runner.answer_all()
    assert kinds(out)[-1] == RECONCILED_EVENT
    rebuilt = out[1:-1]
    assert [(m['x'], m['i']) for m in rebuilt if m['e'] == 'executionReport'] == [
        ('NEW', order), ('TRADE', order), ('TRADE', order)]
    assert out[-1]['events'] == len(rebuilt)
    # The old socket's copies, arriving late, are dropped.
    before = len(out)
    stream(recovery, out, lost)
    assert len(out) == before


def test_a_gap_during_a_reconciliation_extends_it():
    ex = Exchange()
    recovery, runner, out = started(ex)
    first = ex.place(1, '0.001', fills=['1'])          # lost in the first gap
    ex.tick()
    recovery.live()
    since = out[-1]['since']
    runner.answer()                                    # the account; then a second gap
    second = ex.place(1, '0.001', fills=['1'])         # lost in the second gap
    ex.tick()
    recovery.live()
    assert kinds(out).count(GAP_EVENT) == 2 and out[-1]['since'] == since
    runner.answer_all()                                # the first run's answer is ignored
    done = [m for m in out if m['e'] == RECONCILED_EVENT]
    assert len(done) == 1
    fills = [m['i'] for m in out if m.get('reconciled') and m.get('x') == 'TRADE']
    assert fills == [first, second]


def test_stop_ends_everything_quietly():
    ex = Exchange()
    recovery, runner, out = started(ex, fill=False)
    ex.place(1, '0.001', fills=['1'])
    recovery.live()
    recovery.stop()
    runner.answer_all()
    assert kinds(out) == [GAP_EVENT]
    recovery.live()
    assert kinds(out) == [GAP_EVENT]


def test_a_rotation_covered_by_the_old_socket_tells_nothing():
    ex = Exchange()
    recovery, runner, out = started(ex, fill=False)
    recovery.live(gapless=True)
    assert out == [] and not runner.calls


def test_a_broken_reconciliation_gives_a_notice_not_a_crash():
    ex = Exchange()
    recovery, runner, out = started(ex)
    recovery.reconciler.events = lambda now: 1 / 0      # a bug in rebuilding
    recovery.live()
    runner.answer_all()
    done = out[-1]
    assert done['e'] == RECONCILED_EVENT and done['failed'] == ['reconciliation']
    assert recovery.running == 0


def test_failed_calls_are_named_in_the_notice_without_secrets():
    ex = Exchange()
    recovery, runner, out = started(ex)
    recovery.live()
    runner.answer()                                      # account
    runner.answer(fail=RuntimeError('GET /api/v3/allOrders?signature=0123abcdef failed'))
    runner.answer_all()
    done = out[-1]
    assert done['failed'] == ['orders BNBBTC']
    assert '0123abcdef' not in repr(out)


def test_without_reconciliation_only_the_notice():
    ex = Exchange()
    recovery, runner, out = make(ex, enabled=False)
    recovery.live()
    assert not runner.calls                              # no baseline either
    recovery.live()
    assert kinds(out) == [GAP_EVENT] and out[0]['reconcile'] is False and not runner.calls


@pytest.mark.parametrize('value,expected', [
    (None, (True, ())), (True, (True, ())), (False, (False, ())),
    (['bnbbtc', 'ETHBTC', 'BNBBTC'], (True, ('BNBBTC', 'ETHBTC'))), ((), (True, ())),
])
def test_reconcile_setting(value, expected):
    assert reconcile_setting(value) == expected


@pytest.mark.parametrize('value,error', [('yes', TypeError), (1, TypeError), ('BNBBTC', TypeError),
                                         (['BNB BTC'], ValueError), ([3], TypeError)])
def test_bad_reconcile_settings_are_refused(value, error):
    with pytest.raises(error, match='reconcile|symbol'):
        reconcile_setting(value)


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match='user_heartbeat_timeout'):
        ConnectionOptions(user_heartbeat_timeout=0)
    with pytest.raises(TypeError, match='user_heartbeat_timeout'):
        ConnectionOptions(user_heartbeat_timeout='10')
    with pytest.raises(TypeError, match='reconcile_user_data'):
        ConnectionOptions(reconcile_user_data='yes')
    assert ConnectionOptions(user_heartbeat_timeout=None).user_heartbeat_timeout is None
