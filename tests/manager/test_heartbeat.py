"""Heartbeat: half-open detection with one timer on an injected clock."""
import pytest
from twisted.internet.task import Clock

from binance.protocol import Heartbeat


class Traffic:
    """What the protocol does: a flag set on arrival, read and cleared by poll()."""

    def __init__(self):
        self.seen = False

    def poll(self):
        seen, self.seen = self.seen, False
        return seen


def make(timeout=30.0):
    clock = Clock()
    events = []
    traffic = Traffic()
    beat = Heartbeat(clock, timeout, traffic.poll,
                     lambda: events.append(('ping', clock.seconds())),
                     lambda: events.append(('dead', clock.seconds())))
    beat.start()
    beat.traffic = traffic
    return clock, beat, events


def test_silence_pings_then_declares_dead_within_the_timeout():
    clock, beat, events = make(30.0)
    clock.advance(10)  # the first check sees the activity of start()
    assert events == []
    clock.advance(10)
    assert events == [('ping', 20.0)]
    clock.advance(10)
    assert events == [('ping', 20.0), ('dead', 30.0)]
    assert not beat.running
    assert clock.getDelayedCalls() == []


def test_activity_keeps_the_connection_alive_forever():
    clock, beat, events = make(30.0)
    for _ in range(100):
        beat.traffic.seen = True
        clock.advance(10)
    assert events == []
    assert len(clock.getDelayedCalls()) == 1


def test_answer_to_the_ping_resets_the_check():
    clock, beat, events = make(30.0)
    clock.pump([10, 10])
    assert events == [('ping', 20.0)]
    beat.traffic.seen = True  # the pong arrived
    clock.advance(10)
    clock.advance(10)
    assert events == [('ping', 20.0), ('ping', 40.0)]
    clock.advance(10)
    assert events[-1] == ('dead', 50.0)


def test_detection_never_takes_longer_than_the_timeout_after_the_last_byte():
    clock, beat, events = make(9.0)
    clock.advance(2.9)
    beat.traffic.seen = True  # last byte just before a check
    last_byte = clock.seconds()
    clock.pump([0.1] * 100)
    dead = [t for kind, t in events if kind == 'dead']
    assert dead and dead[0] - last_byte <= 9.0


def test_stop_cancels_the_only_timer_and_start_is_idempotent():
    clock, beat, events = make(30.0)
    beat.start()
    assert len(clock.getDelayedCalls()) == 1
    beat.stop()
    beat.stop()
    assert clock.getDelayedCalls() == []
    clock.advance(100)
    assert events == []


@pytest.mark.parametrize('timeout', [0, -1])
def test_rejects_non_positive_timeout(timeout):
    with pytest.raises(ValueError):
        Heartbeat(Clock(), timeout, lambda: False, lambda: None, lambda: None)
