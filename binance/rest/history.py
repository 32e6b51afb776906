"""Paging through klines and aggregate trades (pure logic over a fetch function).

python-binance 0.7.11 let scripts ask for "every 1m kline since 1 day ago
UTC" or "every aggregate trade since this id"; Binance answers at most
``limit`` rows per request. The generators here ask for one page after the
other until the range is covered, and work for any market whose klines and
aggregate trades have Binance's shape (spot, USD-M and COIN-M futures).

They never sleep: the client paces requests by the weight Binance reports
and refuses to send while a base is paused after a 429 (see
:mod:`binance.rest.limits`).
"""
from typing import Any, Callable, Dict, Iterator, List, Optional

from ..helpers import to_milliseconds

__all__ = ['iter_klines', 'iter_aggregate_trades', 'AGG_WINDOW_MS']

#: Binance refuses aggTrades windows (``startTime`` to ``endTime``) over one hour.
AGG_WINDOW_MS = 60 * 60 * 1000

Fetch = Callable[..., List[Any]]


def _positive_limit(limit: Any) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
        raise ValueError('limit must be a positive int, not {!r}'.format(limit))
    return limit


def iter_klines(fetch: Fetch, symbol: str, interval: str, start: Any, end: Any = None,
                limit: int = 500) -> Iterator[List[Any]]:
    """Kline rows from ``start`` to ``end``, one page of ``limit`` rows at a time.

    Each page starts one millisecond after the open time of the previous
    page's last row, so every interval (``1s`` to ``1M``) pages the same way
    and no row comes twice.

    Args:
        fetch: the klines call (``client.get_klines``), taking Binance's
            parameters as keywords.
        symbol: e.g. ``'BNBBTC'``.
        interval: e.g. ``'1m'``.
        start: first open time: milliseconds, a date string (``"1 day ago
            UTC"``) or a ``datetime``.
        end: last open time, the same forms, or ``None`` for up to now.
        limit: rows per request.

    Yields:
        Kline rows as Binance sends them, oldest first.

    Raises:
        TypeError, ValueError: a bad ``start``, ``end`` or ``limit`` (at the
            call, not at the first ``next()``).
    """
    start_ms = to_milliseconds(start, 'start_str')
    if start_ms is None:
        raise ValueError('start_str is required: milliseconds, a date string or a datetime')
    return _kline_pages(fetch, symbol, interval, start_ms, to_milliseconds(end, 'end_str'),
                        _positive_limit(limit))


def _kline_pages(fetch: Fetch, symbol: str, interval: str, start_ms: int, end_ms: Optional[int],
                 limit: int) -> Iterator[List[Any]]:
    while end_ms is None or start_ms <= end_ms:
        params: Dict[str, Any] = {'symbol': symbol, 'interval': interval, 'limit': limit,
                                  'startTime': start_ms}
        if end_ms is not None:
            params['endTime'] = end_ms
        rows = fetch(**params)
        if not rows:
            return
        yield from rows
        if len(rows) < limit:
            return
        start_ms = int(rows[-1][0]) + 1


def iter_aggregate_trades(fetch: Fetch, symbol: str, start: Any = None,
                          last_id: Optional[int] = None,
                          now_ms: Callable[[], int] = lambda: 0,
                          limit: int = 1000) -> Iterator[Dict[str, Any]]:
    """Aggregate trades from a time or after an id, up to the newest one.

    With ``start``, the first trades are found by asking for one-hour
    windows (Binance's largest) from ``start`` until one is not empty or the
    window passes ``now_ms()``. From then on pages are asked by id.

    Args:
        fetch: the aggTrades call (``client.get_aggregate_trades``).
        symbol: e.g. ``'BNBBTC'``.
        start: milliseconds, a date string or a ``datetime``; ``None`` with
            ``last_id`` ``None`` starts at the symbol's first trade.
        last_id: yield the trades after this aggregate trade id.
        now_ms: the current time (to stop looking for a first trade).
        limit: trades per request (Binance's maximum is 1000).

    Yields:
        Aggregate trade dicts (``a``, ``p``, ``q``, ``f``, ``l``, ``T``, ``m``, ``M``).

    Raises:
        ValueError: both ``start`` and ``last_id`` given (at the call).
    """
    if start is not None and last_id is not None:
        raise ValueError('start_str and last_id may not be given together')
    if last_id is not None and (isinstance(last_id, bool) or not isinstance(last_id, int)):
        raise TypeError('last_id must be an int, not {}'.format(type(last_id).__name__))
    return _agg_pages(fetch, symbol, to_milliseconds(start, 'start_str'), last_id, now_ms, limit)


def _agg_pages(fetch: Fetch, symbol: str, window_start: Optional[int], last_id: Optional[int],
               now_ms: Callable[[], int], limit: int) -> Iterator[Dict[str, Any]]:
    if last_id is None:
        if window_start is None:
            trades = fetch(symbol=symbol, fromId=0, limit=limit)
        else:
            while True:
                window_end = window_start + AGG_WINDOW_MS
                trades = fetch(symbol=symbol, startTime=window_start, endTime=window_end)
                if trades or window_end > now_ms():
                    break
                window_start = window_end
        if not trades:
            return
        yield from trades
        last_id = int(trades[-1]['a'])
    while True:
        trades = fetch(symbol=symbol, fromId=last_id + 1, limit=limit)
        if not trades:
            return
        yield from trades
        last_id = int(trades[-1]['a'])
