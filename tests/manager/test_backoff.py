"""BackoffPolicy: delays per retry, cap, jitter, giving up."""
import pytest

from binance.backoff import MAX_RETRIES, BackoffPolicy


def middle():
    return 0.5  # jitter factor exactly 1


def test_first_delay_is_about_a_tenth_of_a_second_and_doubles():
    policy = BackoffPolicy(random=middle)
    assert [policy.delay(n) for n in range(1, 6)] == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.6])


def test_delay_is_capped_at_ten_seconds():
    policy = BackoffPolicy(random=middle)
    assert policy.delay(8) == pytest.approx(10.0)
    assert policy.delay(10_000) == pytest.approx(10.0)


def test_jitter_spreads_within_bounds_and_never_exceeds_cap():
    low = BackoffPolicy(jitter=0.25, random=lambda: 0.0)
    high = BackoffPolicy(jitter=0.25, random=lambda: 0.999999)
    assert low.delay(1) == pytest.approx(0.075)
    assert high.delay(1) == pytest.approx(0.125, rel=1e-4)
    assert high.delay(20) <= 10.0
    assert low.delay(20) == pytest.approx(7.5)


def test_jitter_uses_the_injected_random_source():
    values = iter([0.0, 1.0 - 1e-9, 0.5])
    policy = BackoffPolicy(jitter=0.5, random=lambda: next(values))
    delays = [policy.delay(3) for _ in range(3)]
    assert delays == pytest.approx([0.2, 0.6, 0.4], rel=1e-6)


def test_default_jitter_varies_between_calls():
    policy = BackoffPolicy()
    delays = {policy.delay(2) for _ in range(50)}
    assert len(delays) > 1
    assert all(0.15 <= d <= 0.25 for d in delays)


def test_gives_up_after_five_failed_retries():
    policy = BackoffPolicy()
    assert MAX_RETRIES == 5
    assert [policy.exhausted(n) for n in range(7)] == [False] * 5 + [True] * 2


@pytest.mark.parametrize('kwargs', [
    {'initial': 0}, {'initial': 20, 'max_delay': 10}, {'factor': 0.5},
    {'jitter': 1.0}, {'jitter': -0.1}, {'max_retries': -1},
])
def test_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs)) if len(kwargs) == 1 else 'max_delay'):
        BackoffPolicy(**kwargs)


@pytest.mark.parametrize('kwargs', [
    {'initial': '0.1'}, {'factor': None}, {'max_delay': [10]}, {'jitter': '0.25'},
    {'max_retries': 5.0}, {'max_retries': True}, {'random': 0.5},
])
def test_rejects_parameters_of_the_wrong_type_naming_them(kwargs):
    with pytest.raises(TypeError, match=next(iter(kwargs))):
        BackoffPolicy(**kwargs)


def test_retry_numbers_start_at_one():
    with pytest.raises(ValueError):
        BackoffPolicy().delay(0)
