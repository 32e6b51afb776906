"""Fixtures of the depth cache tests: quick pacing and a client aimed at a simulator.

Socket managers aimed at a simulator come from ``manager_for`` (tests/conftest.py).
"""
import pytest

from binance import depthcache
from binance._pacing import ResyncBackoff, WeightBudget
from binance.backoff import BackoffPolicy
from tests.conftest import undone_after


@pytest.fixture(autouse=True)
def quick_pacing(monkeypatch):
    """Generous weight budgets and short backoffs: tests rebuild books many times a second.

    ``tests/depthcache/test_pacing.py`` checks the real values; one test here
    (``test_snapshots_honour_retry_after``) puts a small budget back.
    """
    budgets = {venue: WeightBudget(10 ** 7) for venue in depthcache._BUDGETS}
    monkeypatch.setattr(depthcache, '_BUDGETS', budgets)
    monkeypatch.setattr(depthcache, 'ResyncBackoff', lambda: ResyncBackoff(
        BackoffPolicy(initial=0.02, factor=2.0, max_delay=0.2, jitter=0.0, max_retries=1 << 30),
        stable_after=0.5))
    monkeypatch.setattr(depthcache, 'QUIET_SNAPSHOT_AFTER', 0.3)
    return budgets


@pytest.fixture
def sim_client():
    """``sim_client(sim)``: a Client whose REST calls (spot, futures, options) go to ``sim``."""
    from binance.client import Client
    from tests.client.conftest import client_for
    with undone_after(client_for, Client.close_connection) as factory:
        yield factory
