"""Argument checks shared by the option values: a clear TypeError/ValueError naming the argument."""
import math
from typing import Any


def count(value: Any, name: str, minimum: int = 1) -> int:
    """``value`` if it is an int of at least ``minimum`` (``bool`` is refused).

    Raises:
        TypeError: ``value`` is not an int.
        ValueError: ``value`` is smaller than ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError('{} must be an int, got {!r}'.format(name, value))
    if value < minimum:
        raise ValueError('{} must be at least {}, got {!r}'.format(name, minimum, value))
    return value


def seconds(value: Any, name: str) -> float:
    """``value`` as a float if it is a positive, finite number (``bool`` is refused).

    Raises:
        TypeError: ``value`` is not a number.
        ValueError: ``value`` is not positive or not finite.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError('{} must be a number of seconds, got {!r}'.format(name, value))
    if not (value > 0 and math.isfinite(value)):
        raise ValueError('{} must be positive and finite, got {!r}'.format(name, value))
    return float(value)
