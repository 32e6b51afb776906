"""Fixtures of the scale tests: those of the manager tests (managers on the simulator,
an in-memory reactor), whose helpers (``manager_support``) they share."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), 'manager'))

from tests.manager.conftest import exact_policy, manager_for, memory_reactor  # noqa: E402,F401
