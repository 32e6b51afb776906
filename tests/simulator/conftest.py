"""Fixtures for the simulator's server tests."""
import pytest

from binance.simulator.market import Market
from sim_server_helpers import Client, ScriptedFeed


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
