"""Fixtures of the depth cache tests: a client and socket managers aimed at a simulator."""
import pytest

from binance import depthcache
from binance._pacing import ResyncBackoff, WeightBudget
from binance.backoff import BackoffPolicy


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
    """``sim_client(sim)``: a Client whose REST calls go to ``sim``."""
    from binance.client import Client

    def factory(sim):
        class SimClient(Client):
            API_URL = sim.api_url
            MARGIN_API_URL = sim.margin_api_url
        return SimClient()
    return factory


@pytest.fixture
def sim_bm(reactor_thread):
    """``sim_bm(sim, client=None, start=True, **options)``: a socket manager aimed at ``sim``."""
    from binance.websockets import BinanceSocketManager
    managers = []

    def factory(sim, client=None, start=True, **options):
        class SimManager(BinanceSocketManager):
            STREAM_URL = sim.stream_url
            WS_API_URL = sim.ws_api_url
        manager = SimManager(client, **options)
        managers.append(manager)
        if start:
            manager.start()
        return manager

    yield factory
    for manager in managers:
        manager.close()
        manager.join(5)
