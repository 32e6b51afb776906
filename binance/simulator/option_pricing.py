"""Black-Scholes prices and greeks of European options, free of I/O.

The simulated options venue quotes its mark prices, implied volatilities and
greeks with these (zero interest rate, no dividends). Floats are fine here:
nothing is summed, and every value is printed with 8 decimals.
"""
import math
from typing import NamedTuple

__all__ = ['Greeks', 'black_scholes', 'YEAR_MS']

#: Milliseconds in a (365-day) year, the unit of time to expiry.
YEAR_MS = 365 * 86400 * 1000
# Below this time to expiry (in years, about 30 s) an option is priced at intrinsic value.
_MIN_YEARS = 1e-6


class Greeks(NamedTuple):
    """Price and sensitivities of one option.

    ``theta`` is per day, ``vega`` per volatility point (0.01).
    """

    price: float
    delta: float
    gamma: float
    theta: float
    vega: float


def _cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def black_scholes(spot: float, strike: float, years: float, volatility: float, call: bool) -> Greeks:
    """The Black-Scholes price and greeks of a call (``call``) or put.

    Args:
        spot: price of the underlying, positive.
        strike: strike price, positive.
        years: time to expiry in years; at or below zero the option is worth
            its intrinsic value.
        volatility: annual volatility, e.g. 0.5 for 50 %, positive.
        call: True for a call, False for a put.

    Raises:
        ValueError: a non-positive spot, strike or volatility.
    """
    if spot <= 0 or strike <= 0 or volatility <= 0:
        raise ValueError('spot, strike and volatility must be positive, got {!r}, {!r}, {!r}'.format(
            spot, strike, volatility))
    if years <= _MIN_YEARS:
        intrinsic = max(0.0, spot - strike) if call else max(0.0, strike - spot)
        in_the_money = spot > strike if call else spot < strike
        return Greeks(intrinsic, (1.0 if call else -1.0) if in_the_money else 0.0, 0.0, 0.0, 0.0)
    root = math.sqrt(years)
    d1 = (math.log(spot / strike) + 0.5 * volatility * volatility * years) / (volatility * root)
    d2 = d1 - volatility * root
    if call:
        price = spot * _cdf(d1) - strike * _cdf(d2)
        delta = _cdf(d1)
    else:
        price = strike * _cdf(-d2) - spot * _cdf(-d1)
        delta = _cdf(d1) - 1.0
    gamma = _pdf(d1) / (spot * volatility * root)
    theta = -spot * _pdf(d1) * volatility / (2.0 * root) / 365.0
    vega = spot * _pdf(d1) * root / 100.0
    return Greeks(max(0.0, price), delta, gamma, theta, vega)
