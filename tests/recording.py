"""A thread-safe recorder for what callbacks receive, shared by the test suites.

Callbacks run on the reactor thread while the test waits on its own thread:
the recorder keeps the items under a condition variable, so a test waits for
what it expects with a timeout instead of sleeping.
"""
import threading

import pytest


class Recorder:
    """A callable that records every item it is called with."""

    def __init__(self):
        self.items = []
        self._cond = threading.Condition()

    @property
    def messages(self):
        return self.items

    def __call__(self, item):
        with self._cond:
            self.items.append(item)
            self._cond.notify_all()

    add = __call__

    def snapshot(self):
        with self._cond:
            return list(self.items)

    def matching(self, predicate):
        with self._cond:
            return [item for item in self.items if predicate(item)]

    def arrives(self, predicate, timeout):
        """True as soon as ``predicate(items)`` holds, False after ``timeout`` seconds."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self.items), timeout)

    def wait(self, predicate, timeout=10.0, what='messages'):
        """A copy of the items once ``predicate(items)`` holds; fails the test after ``timeout``."""
        if not self.arrives(predicate, timeout):
            with self._cond:
                pytest.fail('timed out after {:g} s waiting for {}; {} so far, last {!r}'.format(
                    timeout, what, len(self.items), self.items[-3:]))
        return self.snapshot()

    def wait_count(self, count, timeout=10.0):
        return self.wait(lambda items: len(items) >= count, timeout, '{} messages'.format(count))
