"""Fixtures shared by the whole suite.

The reactor runs in the library's own thread for the whole session, exactly as
it does for users; tests talk to it through :func:`binance._reactor.blocking_call`.
Tests that stop the reactor run in a child process.
"""
import threading

import pytest

from binance import _reactor


@pytest.fixture(scope='session')
def reactor_thread():
    """The library's reactor, running in its background thread."""
    _reactor.ensure_running()
    from twisted.internet import reactor
    return reactor


@pytest.fixture
def make_sim(reactor_thread):
    """Factory: start a :class:`binance.simulator.Simulator` on loopback; stopped after the test."""
    from binance.simulator import Simulator
    started = []

    def factory(**kwargs):
        sim = Simulator(**kwargs)
        _reactor.blocking_call(sim.start)
        started.append(sim)
        return sim

    yield factory
    for sim in started:
        _reactor.blocking_call(sim.stop, timeout=10)


@pytest.fixture
def sim(make_sim):
    """A simulator with default settings and a fixed seed."""
    return make_sim(seed=1234)


def wait_for(predicate, timeout=10.0, interval=0.01, message='condition'):
    """Poll ``predicate`` until true; fail the test after ``timeout`` seconds.

    Waits on an Event so the waiting thread sleeps between checks without
    being a fixed ``time.sleep`` synchronisation.
    """
    event = threading.Event()
    deadline_checks = int(timeout / interval) + 1
    for _ in range(deadline_checks):
        if predicate():
            return
        event.wait(interval)
    if predicate():
        return
    pytest.fail('timed out after {:g} s waiting for {}'.format(timeout, message))
