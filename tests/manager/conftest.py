"""Fixtures of the socket-manager tests."""
import os
import sys

import pytest
from twisted.internet.testing import MemoryReactorClock

sys.path.insert(0, os.path.dirname(__file__))

from binance.backoff import BackoffPolicy  # noqa: E402


@pytest.fixture
def memory_reactor():
    """A reactor that records connection attempts and whose time tests advance."""
    return MemoryReactorClock()


@pytest.fixture
def exact_policy():
    """The default policy without jitter: delays 0.1, 0.2, 0.4, 0.8, 1.6 s."""
    return BackoffPolicy(random=lambda: 0.5)


@pytest.fixture
def manager_for(reactor_thread):
    """Factory: ``manager_for(sim, **options)`` -> a started manager pointed at ``sim``.

    ``STREAM_URL`` (and the futures and options URLs) are overridden on a
    subclass, so the real class keeps pointing at Binance. Every manager is closed after the test.
    """
    from binance.websockets import BinanceSocketManager
    managers = []

    def factory(sim, start=True, **options):
        class SimManager(BinanceSocketManager):
            STREAM_URL = sim.stream_url
            WS_API_URL = sim.ws_api_url
            FSTREAM_URL = sim.fstream_url
            DSTREAM_URL = sim.dstream_url
            VSTREAM_URL = sim.options_stream_url
        manager = SimManager(None, **options)
        managers.append(manager)
        if start:
            manager.start()
        return manager

    yield factory
    for manager in managers:
        manager.close()
        manager.join(5)


@pytest.fixture(autouse=True)
def retired_stream_warnings_afresh():
    """Each test sees the once-per-process retired-stream warnings as if it came first."""
    from binance import websockets
    with websockets._warned_lock:
        websockets._warned_streams.clear()
    yield
