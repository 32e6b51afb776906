"""Reconnect policy: how long to wait before each retry, and when to give up.

Pure logic, no Twisted: :class:`BackoffPolicy` maps a retry number to a delay
(exponential, capped, with jitter) and says when the retries are exhausted.
:mod:`binance.connection` owns the counting and the timer.
"""
import random as _random
from typing import Callable

from . import _checks

__all__ = ['BackoffPolicy', 'MAX_RETRIES']

#: Failed retries in a row after which a socket gives up (the seed documents 5).
MAX_RETRIES = 5


class BackoffPolicy:
    """Exponential backoff with jitter for reconnecting sockets.

    The n-th retry (1-based) waits ``initial * factor ** (n - 1)`` seconds,
    capped at ``max_delay``, spread by up to ``jitter`` (a fraction) either
    way so that many sockets dropped at once do not reconnect in lockstep.

    Args:
        initial: delay before the first retry, in seconds.
        factor: growth per retry.
        max_delay: upper bound of any delay, jitter included.
        jitter: relative spread, ``0`` for none; ``0.25`` means +/-25 %.
        max_retries: failed retries in a row before giving up.
        random: source of uniform numbers in [0, 1); inject one for tests.

    Raises:
        TypeError: a parameter has the wrong type.
        ValueError: a parameter is out of range.
    """

    def __init__(self, initial: float = 0.1, factor: float = 2.0, max_delay: float = 10.0,
                 jitter: float = 0.25, max_retries: int = MAX_RETRIES,
                 random: Callable[[], float] = _random.random) -> None:
        initial = _checks.positive_number('initial', initial)
        max_delay = _checks.positive_number('max_delay', max_delay)
        if max_delay < initial:
            raise ValueError('need initial <= max_delay, got initial={!r}, max_delay={!r}'
                             .format(initial, max_delay))
        if _checks.positive_number('factor', factor) < 1:
            raise ValueError('factor must be >= 1, got {!r}'.format(factor))
        jitter = _checks.fraction('jitter', jitter)
        max_retries = _checks.non_negative_int('max_retries', max_retries)
        if not callable(random):
            raise TypeError('random must be callable, got {}'.format(type(random).__name__))
        self.initial = initial
        self.factor = factor
        self.max_delay = max_delay
        self.jitter = jitter
        self.max_retries = max_retries
        self._random = random

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1 for the first).

        Raises:
            ValueError: ``retry`` is smaller than 1.
        """
        if retry < 1:
            raise ValueError('retry numbers start at 1, got {!r}'.format(retry))
        # Cap the exponent first: factor ** retry overflows for absurd retry numbers.
        base = self.initial
        for _ in range(retry - 1):
            base *= self.factor
            if base >= self.max_delay:
                base = self.max_delay
                break
        spread = 1.0 + self.jitter * (2.0 * self._random() - 1.0)
        return min(self.max_delay, base * spread)

    def exhausted(self, failed_retries: int) -> bool:
        """True when ``failed_retries`` failed retries in a row mean: stop retrying."""
        return failed_retries >= self.max_retries

    def __repr__(self) -> str:
        return ('BackoffPolicy(initial={!r}, factor={!r}, max_delay={!r}, jitter={!r}, '
                'max_retries={!r})'.format(self.initial, self.factor, self.max_delay,
                                           self.jitter, self.max_retries))
