"""Reading REST parameters as Binance does: each mistake gets Binance's error.

Shared by the simulator's REST modules. Parameters arrive as strings
(:class:`~binance.simulator.rest.Call.params`).
"""
from typing import Any, List, Mapping, Optional

import orjson

from . import apierrors

__all__ = ['required', 'optional_int', 'optional_decimal_text', 'optional_bool', 'symbol_list']

_INT_RULE = '^[0-9]{1,20}$'


def required(params: Mapping[str, str], name: str) -> str:
    """A mandatory parameter's value.

    Raises:
        ApiError: -1102 when missing or empty.
    """
    value = params.get(name)
    if value is None or value == '':
        raise apierrors.mandatory(name)
    return value


def optional_int(params: Mapping[str, str], name: str, default: Optional[int] = None,
                 low: Optional[int] = None, high: Optional[int] = None,
                 clamp: bool = False) -> Optional[int]:
    """An integer parameter (``limit``, ``fromId``, ``startTime``...).

    Args:
        params: the request's parameters.
        name: the parameter.
        default: its value when absent.
        low, high: the accepted range.
        clamp: above ``high``, use ``high`` (Binance does for some limits)
            instead of failing.

    Raises:
        ApiError: -1100 when not digits; -1130 when out of range.
    """
    raw = params.get(name)
    if raw is None or raw == '':
        return default
    text = raw[1:] if raw.startswith('-') else raw
    if not text.isdigit() or len(text) > 20:
        raise apierrors.illegal_chars(name, _INT_RULE)
    value = int(raw)
    if low is not None and value < low:
        raise apierrors.invalid_value(name)
    if high is not None and value > high:
        if not clamp:
            raise apierrors.invalid_value(name)
        value = high
    return value


def optional_decimal_text(params: Mapping[str, str], name: str) -> Optional[str]:
    """A decimal parameter (``amount``, ``quantity``) as text, checked to be a number.

    Raises:
        ApiError: -1100 when it is not a plain decimal number.
    """
    raw = params.get(name)
    if raw is None or raw == '':
        return None
    body = raw.replace('.', '', 1)
    if not body.isdigit():
        raise apierrors.illegal_chars(name, '^([0-9]{1,20})(\\.[0-9]{1,20})?$')
    return raw


def optional_bool(params: Mapping[str, str], name: str, default: bool = False) -> bool:
    """``true``/``false`` (any case), as Binance reads booleans.

    Raises:
        ApiError: -1130 for anything else.
    """
    raw = params.get(name)
    if raw is None or raw == '':
        return default
    lowered = raw.lower()
    if lowered not in ('true', 'false'):
        raise apierrors.invalid_value(name)
    return lowered == 'true'


def symbol_list(params: Mapping[str, str]) -> Optional[List[str]]:
    """``symbol`` or ``symbols`` (a JSON array) as a list, or None for neither.

    Raises:
        ApiError: -1130 for a malformed ``symbols``; -1101 when both are sent.
    """
    single = params.get('symbol')
    raw = params.get('symbols')
    if single and raw:
        raise apierrors.ApiError(400, -1101, "Parameter 'symbol' and 'symbols' cannot be sent "
                                             'together.')
    if single:
        return [single]
    if not raw:
        return None
    try:
        names: Any = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise apierrors.invalid_value('symbols') from None
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise apierrors.invalid_value('symbols')
    return names
