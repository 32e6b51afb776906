"""Request-weight accounting per IP, shared by the REST endpoints and the WebSocket API.

Binance counts request weight per IP in fixed one-minute windows. A request
that would go over the limit gets HTTP 429 with ``Retry-After`` (seconds to the
next window). An IP that keeps sending after 429s is banned with HTTP 418; bans
grow for repeat offenders (2 minutes doubling up to 3 days on Binance). Every
duration here is in the simulator's (possibly compressed) seconds.

Pure code: the caller passes the current time.
"""
import math
import weakref
from dataclasses import dataclass
from typing import Any, Dict, Optional

from . import apierrors

#: Ban length for a first offence, in unscaled seconds (Binance: 2 minutes).
FIRST_BAN_SECONDS = 120.0
#: Longest ban, in unscaled seconds (Binance: 3 days).
MAX_BAN_SECONDS = 3 * 86400.0
#: 429 answers tolerated within one window before the IP is banned.
REJECTIONS_BEFORE_BAN = 2


@dataclass
class _IpState:
    window: int = -1
    used: int = 0
    rejections: int = 0
    banned_until: float = 0.0
    bans: int = 0


class WeightLimiter:
    """Weight used per IP in the current window, with 429s and 418 bans.

    Args:
        limit: weight allowed per window (Binance: 6000).
        window: window length in seconds (Binance: 60; scaled in the simulator).
        time_scale: factor applied to ban durations.
    """

    def __init__(self, limit: int, window: float, time_scale: float = 1.0) -> None:
        self.limit = limit
        self.window = window
        self.time_scale = time_scale
        self._ips: Dict[str, _IpState] = {}

    def __repr__(self) -> str:
        return '<WeightLimiter limit={} window={:g}s ips={}>'.format(self.limit, self.window, len(self._ips))

    def _state(self, ip: str, now: float) -> _IpState:
        state = self._ips.setdefault(ip, _IpState())
        index = int(now // self.window)
        if index != state.window:
            state.window = index
            state.used = 0
            state.rejections = 0
        return state

    def used(self, ip: str, now: float) -> int:
        """Weight ``ip`` used in the current window."""
        return self._state(ip, now).used

    def charge(self, ip: str, weight: int, now: float) -> int:
        """Count a request of ``weight``; return the weight used in the window.

        Raises:
            ApiError: 418 while banned (or when the IP keeps going after
                429s), 429 when the request would exceed the limit.
        """
        state = self._state(ip, now)
        if now < state.banned_until:
            raise self._banned(state, now)
        if state.used + weight > self.limit:
            if state.rejections >= REJECTIONS_BEFORE_BAN:
                ban = min(FIRST_BAN_SECONDS * 2 ** state.bans, MAX_BAN_SECONDS) * self.time_scale
                state.bans += 1
                state.banned_until = now + ban
                raise self._banned(state, now)
            state.rejections += 1
            end = (state.window + 1) * self.window
            raise apierrors.too_much_weight(self.limit, _seconds(end - now))
        state.used += weight
        return state.used

    def _banned(self, state: _IpState, now: float) -> apierrors.ApiError:
        return apierrors.ip_banned(int(state.banned_until * 1000), _seconds(state.banned_until - now))

    def banned_until(self, ip: str) -> Optional[float]:
        """When ``ip``'s ban ends (clock seconds), or None if it was never banned."""
        state = self._ips.get(ip)
        return state.banned_until if state is not None and state.bans else None


def _seconds(delta: float) -> int:
    return max(1, int(math.ceil(delta)))


_limiters: 'weakref.WeakKeyDictionary[Any, Dict[str, WeightLimiter]]' = weakref.WeakKeyDictionary()

#: Limit of each weight pool, relative to ``request_weight_limit`` (Binance: ``/api`` 6000,
#: ``/sapi`` 12000 per IP and 180000 per account, futures and options 2400 per IP).
POOL_FACTORS: Dict[str, float] = {'api': 1.0, 'sapi': 2.0, 'uid': 30.0, 'fapi': 0.4, 'dapi': 0.4,
                                  'eapi': 0.4}


def limiter_for(sim: Any, pool: str = 'api') -> WeightLimiter:
    """A simulator's limiter of one weight pool (REST ``/api`` and the WebSocket API share ``api``)."""
    pools = _limiters.get(sim)
    if pools is None:
        pools = _limiters[sim] = {}
    limiter = pools.get(pool)
    if limiter is None:
        config = sim.config
        limit = max(1, int(config.request_weight_limit * POOL_FACTORS.get(pool, 1.0)))
        limiter = WeightLimiter(limit, config.interval('request_weight_window'), config.time_scale)
        pools[pool] = limiter
    return limiter


class OrderCounter:
    """Orders placed per account in fixed windows (Binance's ``ORDERS`` limits).

    Args:
        limits: ``(window_seconds, limit, header_interval)`` triples, e.g.
            ``(10.0, 50, '10S')`` and ``(86400.0, 160000, '1D')``.
    """

    def __init__(self, limits: 'list[tuple[float, int, str]]') -> None:
        self.limits = list(limits)
        self._counts: Dict[tuple, int] = {}

    def __repr__(self) -> str:
        return '<OrderCounter limits={}>'.format([(n, i) for _w, n, i in self.limits])

    def charge(self, account: str, now: float) -> Dict[str, int]:
        """Count one new order of ``account``; returns ``{interval: count}`` for the headers.

        Raises:
            ApiError: 429 / -1015 when a window's limit is already reached
                (the order is not counted).
        """
        keys = [(account, interval, int(now // window)) for window, _limit, interval in self.limits]
        for key, (window, limit, interval) in zip(keys, self.limits):
            if self._counts.get(key, 0) >= limit:
                end = (key[2] + 1) * window
                raise apierrors.too_many_orders(limit, interval, _seconds(end - now))
        counts = {}
        for key, (_window, _limit, interval) in zip(keys, self.limits):
            self._counts[key] = self._counts.get(key, 0) + 1
            counts[interval] = self._counts[key]
        if len(self._counts) > 4096:   # forget closed windows
            current = set(keys)
            self._counts = {k: v for k, v in self._counts.items()
                            if k in current or k[0] != account}
        return counts


_order_counters: 'weakref.WeakKeyDictionary[Any, OrderCounter]' = weakref.WeakKeyDictionary()


def order_counter_for(sim: Any) -> OrderCounter:
    """The one order counter of a simulator (REST orders; windows scaled by ``time_scale``)."""
    counter = _order_counters.get(sim)
    if counter is None:
        options = getattr(sim.config, 'options', None) or {}
        scale = sim.config.time_scale
        limits = options.get('order_limits') or [(10.0, 50, '10S'), (86400.0, 160000, '1D')]
        counter = OrderCounter([(window * scale, limit, interval)
                                for window, limit, interval in limits])
        _order_counters[sim] = counter
    return counter
