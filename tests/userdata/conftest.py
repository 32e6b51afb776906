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
