"""Date and interval helpers, as python-binance 0.7.11 offered them.

``date_to_milliseconds`` reads the same strings 0.7.11 did (``"1 day ago
UTC"``, ``"January 01, 2018"``, ``"now UTC"``...) with the same library,
dateparser, which understands relative and absolute dates in many
languages. It is imported on first use, so programs that never pass a date
string do not pay for it.
"""
import datetime
from typing import Any, Optional, Union

__all__ = ['date_to_milliseconds', 'interval_to_milliseconds', 'to_milliseconds']

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)

_SECONDS_PER_UNIT = {
    's': 1,
    'm': 60,
    'h': 60 * 60,
    'd': 24 * 60 * 60,
    'w': 7 * 24 * 60 * 60,
}


def _datetime_ms(value: datetime.datetime) -> int:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return int((value - _EPOCH).total_seconds() * 1000.0)


def date_to_milliseconds(date_str: str) -> int:
    """Milliseconds since the epoch of a date written for people.

    A date without a time zone is taken as UTC. Relative dates are computed
    by dateparser from the local clock: add ``"UTC"`` (``"11 hours ago
    UTC"``), as python-binance's documentation advised, to compute them in UTC.

    Args:
        date_str: e.g. ``"January 01, 2018"``, ``"11 hours ago UTC"``,
            ``"now UTC"``; see dateparser's documentation for every format.

    Returns:
        The time in milliseconds.

    Raises:
        TypeError: ``date_str`` is not a string.
        ValueError: dateparser cannot read ``date_str``.
    """
    if not isinstance(date_str, str):
        raise TypeError('date_str must be a string such as "1 day ago UTC", not {}'.format(
            type(date_str).__name__))
    import dateparser  # heavy; only when a date string is actually given

    parsed = dateparser.parse(date_str)
    if parsed is None:
        raise ValueError('date_str {!r} is not a date dateparser can read (try "1 day ago UTC" '
                         'or "January 01, 2018")'.format(date_str))
    return _datetime_ms(parsed)


def to_milliseconds(value: Union[int, str, datetime.datetime, None], name: str) -> Optional[int]:
    """A time given as milliseconds, a date string or a ``datetime``, in milliseconds.

    Args:
        value: an int (milliseconds, returned as is), a string for
            :func:`date_to_milliseconds`, a ``datetime`` (naive means UTC),
            or ``None``.
        name: the argument's name, for the error message.

    Returns:
        Milliseconds since the epoch, or ``None`` for ``None``.

    Raises:
        TypeError: another type.
        ValueError: a string dateparser cannot read.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError('{} must be milliseconds, a date string or a datetime, not bool'.format(name))
    if isinstance(value, int):
        return value
    if isinstance(value, datetime.datetime):
        return _datetime_ms(value)
    if isinstance(value, str):
        try:
            return date_to_milliseconds(value)
        except ValueError as exc:
            raise ValueError('{}: {}'.format(name, exc)) from None
    raise TypeError('{} must be milliseconds, a date string or a datetime, not {}'.format(
        name, type(value).__name__))


def interval_to_milliseconds(interval: Any) -> Optional[int]:
    """The length of a kline interval in milliseconds.

    Args:
        interval: a Binance interval such as ``'1m'``, ``'4h'``, ``'1w'``
            (``'1s'`` too, which Binance added after python-binance 0.7.11).

    Returns:
        The length in milliseconds, or ``None`` when the number is not a
        decimal integer or the unit is not one of ``s``, ``m``, ``h``,
        ``d``, ``w`` (``'1M'``, a calendar month, has no fixed length and
        gives ``None``, as in 0.7.11).
    """
    try:
        return int(interval[:-1]) * _SECONDS_PER_UNIT[interval[-1]] * 1000
    except (ValueError, KeyError, TypeError, IndexError):
        return None
