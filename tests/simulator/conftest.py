"""Fixtures for the simulator's server tests."""
import pytest

from sim_server_helpers import Client, ScriptedFeed, ScriptedMarket


@pytest.fixture
def scripted_sim(make_sim):
    """Factory: a simulator whose market data is published by the test."""
    def factory(**kwargs):
        return make_sim(market_factory=ScriptedMarket, feed_factory=ScriptedFeed, **kwargs)
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
