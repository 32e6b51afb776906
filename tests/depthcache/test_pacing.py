"""Pacing of snapshots (binance._pacing): the shared weight budget and the per-book backoff."""
import pytest

from binance._pacing import ResyncBackoff, WeightBudget
from binance._weights import futures_depth_weight, spot_depth_weight
from binance.backoff import BackoffPolicy


def test_request_weights_follow_binance_tiers():
    assert [spot_depth_weight(n) for n in (5, 100, 101, 500, 501, 1000, 1001, 5000)] == \
        [5, 5, 25, 25, 50, 50, 250, 250]
    assert [futures_depth_weight(n) for n in (5, 50, 100, 500, 1000)] == [2, 2, 5, 10, 20]


def test_a_burst_within_the_budget_goes_at_once_then_requests_are_spread():
    budget = WeightBudget(per_minute=600)          # 10 weight per second
    assert [budget.reserve(100, 0.0) for _ in range(6)] == [0.0] * 6
    waits = [budget.reserve(50, 0.0) for _ in range(3)]
    assert waits == pytest.approx([5.0, 10.0, 15.0]), 'each waits for its share'
    assert budget.reserve(50, 30.0) == pytest.approx(0.0, abs=1e-9), 'refilled by then'


def test_fifty_symbols_resyncing_at_once_stay_within_the_weight_limit():
    # the spot budget: any minute spends at most burst + one minute of refill = half of 6000
    budget = WeightBudget(per_minute=2000, burst=1000)
    starts = sorted(budget.reserve(250, 0.0) for _ in range(50))   # limit=5000 snapshots
    for t in range(0, 400, 5):
        spent = 250 * sum(1 for s in starts if t <= s < t + 60)
        assert spent <= 3000, 'more than half the IP limit in the minute from {} s'.format(t)
    assert starts[-1] > 300, 'the last ones wait minutes rather than hammering the server'


def test_retry_after_pauses_every_request():
    budget = WeightBudget(per_minute=6000)
    budget.pause(7.0, now=100.0)
    assert budget.paused_for(101.0) == pytest.approx(6.0)
    assert budget.reserve(5, 101.0) == pytest.approx(6.0)
    budget.pause(1.0, now=102.0)
    assert budget.paused_for(102.0) == pytest.approx(5.0), 'a shorter pause does not shorten it'
    assert budget.paused_for(200.0) == 0.0


def test_budget_arguments_are_checked():
    for bad in (0, -1):
        with pytest.raises(ValueError):
            WeightBudget(bad)
    with pytest.raises(ValueError):
        WeightBudget(10, burst=0)


def test_backoff_grows_with_failures_and_quick_losses_and_resets_after_a_stable_book():
    backoff = ResyncBackoff(BackoffPolicy(initial=1.0, factor=2.0, max_delay=8.0, jitter=0.0,
                                          max_retries=100), stable_after=30.0)
    assert backoff.delay() == 0.0
    backoff.failed()
    backoff.failed()
    assert backoff.delay() == 2.0
    backoff.went_live(now=100.0)
    backoff.lost(now=110.0)                        # lost after 10 s: counts
    assert backoff.delay() == 4.0
    backoff.went_live(now=200.0)
    backoff.lost(now=240.0)                        # lived 40 s: a fresh start
    assert backoff.delay() == 0.0
    for _ in range(10):
        backoff.failed()
    assert backoff.delay() == 8.0, 'capped'
    backoff.lost(now=300.0)                        # not live: nothing to judge
    assert backoff.failures == 10
