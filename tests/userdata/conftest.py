"""Fixtures for user-data socket tests against the simulator (helpers: userdata_support.py)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from userdata_support import UserEnv  # noqa: E402


@pytest.fixture
def user_env(make_sim):
    """Factory: ``user_env(model, sim_kwargs={}, **env_kwargs)`` -> UserEnv."""
    envs = []

    def factory(model='ws-api', sim_kwargs=None, **kwargs):
        sim_kwargs = dict(sim_kwargs or {})
        sim_kwargs.setdefault('seed', 11)
        if model == 'listen-key':
            sim_kwargs.setdefault('legacy_listen_keys', True)
        env = UserEnv(make_sim(**sim_kwargs), model, **kwargs)
        envs.append(env)
        return env

    yield factory
    for env in envs:
        env.close()


@pytest.fixture(autouse=True)
def no_rest_on_the_reactor(monkeypatch):
    """Fail the test if any REST call of the client runs on the reactor thread.

    Blocking HTTP there would freeze every socket (and, here, the simulator
    that has to answer it). Both the client's request method and the HTTP
    session's lowest-level call are watched; a violation is recorded where it
    happens (raising there would only fail a Deferred) and reported at teardown.
    """
    import requests

    from binance import _reactor
    from binance.client import Client

    violations = []

    def guarded(name, original):
        def call(*args, **kwargs):
            if _reactor.in_reactor_thread():
                violations.append(name)
            return original(*args, **kwargs)
        return call

    monkeypatch.setattr(Client, '_send', guarded('Client._send', Client._send))
    monkeypatch.setattr(requests.Session, 'request',
                        guarded('requests.Session.request', requests.Session.request))
    yield violations
    assert not violations, 'REST call(s) on the reactor thread: {}'.format(sorted(set(violations)))


@pytest.fixture(autouse=True)
def _library_logs_at_debug(library_debug_logging):
    """Secrets flow through these tests: check the library's quietest lines too."""
