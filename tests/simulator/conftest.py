"""Fixtures for the simulator's server tests."""
import pytest

from binance.simulator.market import Market
from sim_server_helpers import Client, ScriptedFeed
# Several test directories have a conftest.py and all are imported under the
# module name ``conftest``; modules collected after this one that do
# ``from conftest import wait_for`` must still find the shared helper here.
from tests.conftest import wait_for  # noqa: F401


@pytest.fixture
def scripted_sim(make_sim):
    """Factory: a simulator with the real market whose stream events the test publishes."""
    def factory(**kwargs):
        return make_sim(market_factory=Market, feed_factory=ScriptedFeed, **kwargs)
    return factory


@pytest.fixture
def connect():
    """Factory: open a WebSocket client; every client is closed after the test."""
    clients = []

    def factory(url, **kwargs):
        client = Client(url, **kwargs)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()
