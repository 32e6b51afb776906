"""Fixed-point numbers with 8 decimals, as Binance prints prices and quantities.

The simulated market counts in integers of 1e-8 ("e8 units"), so sums of
trades are exact and the strings in every payload agree to the last digit.
"""
from decimal import Decimal, InvalidOperation
from typing import Union

__all__ = ['E8', 'format_e8', 'parse_e8', 'format_percent']

#: One unit in e8 fixed point.
E8 = 10 ** 8


def format_e8(value: int) -> str:
    """Format an e8 integer as Binance does: ``123456789`` -> ``'1.23456789'``."""
    if value < 0:
        return '-' + format_e8(-value)
    return '%d.%08d' % divmod(value, E8)


def parse_e8(value: Union[str, int, float, Decimal]) -> int:
    """Parse a decimal number into e8 units.

    Raises:
        ValueError: ``value`` is not a finite number or has more than 8 decimals.
    """
    if isinstance(value, bool):
        raise ValueError('expected a number, got {!r}'.format(value))
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError('expected a decimal number, got {!r}'.format(value)) from None
    if not number.is_finite():
        raise ValueError('expected a finite number, got {!r}'.format(value))
    scaled = number * E8
    if scaled != scaled.to_integral_value():
        raise ValueError('{!r} has more than 8 decimals'.format(value))
    return int(scaled)


def format_percent(change: int, base: int) -> str:
    """``change / base * 100`` with 3 decimals, rounded half away from zero."""
    if base == 0:
        return '0.000'
    # Work in thousandths of a percent so the rounding is exact.
    scaled = abs(change) * 100000
    thousandths, rest = divmod(scaled, abs(base))
    if rest * 2 >= abs(base):
        thousandths += 1
    sign = '-' if (change < 0) != (base < 0) and thousandths else ''
    whole, frac = divmod(thousandths, 1000)
    return '{}{}.{:03d}'.format(sign, whole, frac)
