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


@pytest.fixture(autouse=True)
def retired_stream_warnings_afresh():
    """Each test sees the once-per-process retired-stream warnings as if it came first."""
    from binance import websockets
    with websockets._warned_lock:
        websockets._warned_streams.clear()
    yield
