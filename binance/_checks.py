"""Argument checks shared by the public constructors and options.

Each check returns the value when it is good and otherwise raises a
``TypeError`` (wrong type) or ``ValueError`` (wrong value) whose message names
the argument, so that a mistake fails at the call that made it and says what
to pass instead, never later with ``'<=' not supported between instances of
'str' and 'int'``.
"""
import math
import os
from typing import Any, Optional

__all__ = ['positive_number', 'optional_positive_number', 'positive_int', 'non_negative_int',
           'int_at_least', 'fraction', 'flag', 'optional_path', 'text']


def _number(name: str, value: Any) -> float:
    # bool is an int, but True seconds is a slip, not a duration.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError('{} must be a number, got {}'.format(name, _got(value)))
    if not math.isfinite(value):
        raise ValueError('{} must be a finite number, got {!r}'.format(name, value))
    return value


def positive_number(name: str, value: Any) -> float:
    """``value`` if it is an int or float greater than 0 (seconds, usually).

    Raises:
        TypeError: not a number (strings and bools included).
        ValueError: not finite, or not greater than 0.
    """
    if _number(name, value) <= 0:
        raise ValueError('{} must be greater than 0, got {!r}'.format(name, value))
    return value


def optional_positive_number(name: str, value: Any) -> Optional[float]:
    """``None``, or ``value`` checked by :func:`positive_number`."""
    return None if value is None else positive_number(name, value)


def positive_int(name: str, value: Any) -> int:
    """``value`` if it is an int greater than 0.

    Raises:
        TypeError: not an int (floats and bools included).
        ValueError: not greater than 0.
    """
    return int_at_least(name, value, 1)


def non_negative_int(name: str, value: Any) -> int:
    """``value`` if it is an int of at least 0.

    Raises:
        TypeError: not an int.
        ValueError: negative.
    """
    return int_at_least(name, value, 0)


def int_at_least(name: str, value: Any, minimum: int) -> int:
    """``value`` if it is an int of at least ``minimum`` (bools are refused).

    Raises:
        TypeError: not an int (floats and bools included).
        ValueError: smaller than ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError('{} must be an int, got {}'.format(name, _got(value)))
    if value < minimum:
        if minimum == 1:
            raise ValueError('{} must be greater than 0, got {!r}'.format(name, value))
        if minimum == 0:
            raise ValueError('{} must be 0 or more, got {!r}'.format(name, value))
        raise ValueError('{} must be at least {}, got {!r}'.format(name, minimum, value))
    return value


def fraction(name: str, value: Any) -> float:
    """``value`` if it is a number in [0, 1).

    Raises:
        TypeError: not a number.
        ValueError: outside [0, 1).
    """
    if not 0 <= _number(name, value) < 1:
        raise ValueError('{} must be at least 0 and below 1, got {!r}'.format(name, value))
    return value


def flag(name: str, value: Any) -> bool:
    """``value`` if it is ``True`` or ``False``.

    Raises:
        TypeError: anything else.
    """
    if not isinstance(value, bool):
        raise TypeError('{} must be True or False, got {}'.format(name, _got(value)))
    return value


def optional_path(name: str, value: Any) -> Optional[str]:
    """``None``, or ``value`` if it is a file path (``str`` or ``os.PathLike``), as a string.

    Raises:
        TypeError: anything else (an int would be taken as a file descriptor).
    """
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError('{} must be a file path or None, got {}'.format(name, _got(value)))
    return os.fspath(value)


def text(name: str, value: Any) -> str:
    """``value`` if it is a non-empty string.

    Raises:
        TypeError: not a string.
        ValueError: empty.
    """
    if not isinstance(value, str):
        raise TypeError('{} must be a string, got {}'.format(name, _got(value)))
    if not value:
        raise ValueError('{} must not be empty'.format(name))
    return value


def _got(value: Any) -> str:
    """What an error message says was passed: short values as they are, others by type."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:60]) + '...'
    if isinstance(value, (bool, int, float, type(None))):
        return repr(value)
    return 'a ' + type(value).__name__
