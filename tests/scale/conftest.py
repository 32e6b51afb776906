"""Fixtures of the scale tests: those of the manager tests (exact backoff,
an in-memory reactor), whose helpers (``manager_support``) they share."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), 'manager'))

from tests.manager.conftest import exact_policy, memory_reactor  # noqa: E402,F401
