"""Market stream names as the simulated exchange understands them.

Pure code. Two questions are answered here:

* :func:`is_valid_stream_name`: is the name well formed? Binance answers a
  ``SUBSCRIBE`` with a malformed name with ``Invalid request: invalid stream``;
  well-formed names for unknown symbols or unknown stream types are accepted
  and then stay silent.
* :func:`parse_stream`: which stream carries data, at what cadence? It returns
  a :class:`StreamSpec`, or None for a name that will never carry data (an
  unknown or upper-case symbol, an unknown type).
"""
import re
from typing import Mapping, NamedTuple, Optional, Tuple

from ..enums import KLINE_INTERVALS
from .stats import TIMEZONE_OFFSETS

__all__ = [
    'StreamSpec', 'parse_stream', 'is_valid_stream_name', 'stream_names_for',
    'all_market_stream_names',
    'TRADE', 'AGG_TRADE', 'KLINE', 'MINI_TICKER', 'TICKER', 'WINDOW_TICKER',
    'BOOK_TICKER', 'AVG_PRICE', 'PARTIAL_DEPTH', 'DIFF_DEPTH', 'ALL_MINI_TICKERS',
    'ALL_WINDOW_TICKERS', 'ALL_TICKERS', 'ALL_BOOK_TICKERS', 'RETIRED_KINDS',
    'WINDOWS', 'PARTIAL_DEPTH_LEVELS', 'MAX_STREAM_NAME_LENGTH',
]

TRADE = 'trade'
AGG_TRADE = 'aggTrade'
KLINE = 'kline'
MINI_TICKER = 'miniTicker'
TICKER = 'ticker'
WINDOW_TICKER = 'windowTicker'
BOOK_TICKER = 'bookTicker'
AVG_PRICE = 'avgPrice'
PARTIAL_DEPTH = 'partialDepth'
DIFF_DEPTH = 'diffDepth'
ALL_MINI_TICKERS = 'allMiniTickers'
ALL_WINDOW_TICKERS = 'allWindowTickers'
#: ``!ticker@arr``: retired on binance.com on 2026-03-26, still live on Binance US.
ALL_TICKERS = 'allTickers'
#: ``!bookTicker``: removed from binance.com in December 2022.
ALL_BOOK_TICKERS = 'allBookTickers'
#: Kinds that carry data only when retired streams are switched live.
RETIRED_KINDS = frozenset((ALL_TICKERS, ALL_BOOK_TICKERS))

#: Rolling-window ticker sizes and their length in ms.
WINDOWS = {'1h': 3600000, '4h': 4 * 3600000, '1d': 86400000}
#: Levels of the partial book depth streams.
PARTIAL_DEPTH_LEVELS = (5, 10, 20)
#: Cadences of ``!miniTicker@arr@<n>ms``. Binance documents only the bare
#: name; python-binance builds ``@1000ms`` (and historically used 3000 ms).
_MINI_TICKER_ARR_SPEEDS = {'1000ms': 1000, '3000ms': 3000}
#: Longest name accepted by :func:`is_valid_stream_name`. Binance documents no
#: limit; this is generous for any real name while refusing garbage.
MAX_STREAM_NAME_LENGTH = 200

_SYMBOL_TYPES = {
    'trade': (TRADE, None, None),
    'aggTrade': (AGG_TRADE, None, None),
    'miniTicker': (MINI_TICKER, None, 1000),
    'ticker': (TICKER, None, 1000),
    'bookTicker': (BOOK_TICKER, None, None),
    'avgPrice': (AVG_PRICE, None, 1000),
    'depth': (DIFF_DEPTH, None, 1000),
    'depth@100ms': (DIFF_DEPTH, None, 100),
}
for _window in WINDOWS:
    _SYMBOL_TYPES['ticker_' + _window] = (WINDOW_TICKER, _window, 1000)
for _levels in PARTIAL_DEPTH_LEVELS:
    _SYMBOL_TYPES['depth{}'.format(_levels)] = (PARTIAL_DEPTH, _levels, 1000)
    _SYMBOL_TYPES['depth{}@100ms'.format(_levels)] = (PARTIAL_DEPTH, _levels, 100)
for _interval in KLINE_INTERVALS:
    for _suffix, _offset in TIMEZONE_OFFSETS.items():
        _SYMBOL_TYPES['kline_' + _interval + ('@' + _suffix if _suffix else '')] = (
            KLINE, (_interval, _offset), 1000 if _interval == '1s' else 2000)

_ALL_MARKET = {
    '!miniTicker@arr': (ALL_MINI_TICKERS, None, 1000),
    '!ticker@arr': (ALL_TICKERS, None, 1000),
    '!bookTicker': (ALL_BOOK_TICKERS, None, None),
}
for _speed, _ms in _MINI_TICKER_ARR_SPEEDS.items():
    _ALL_MARKET['!miniTicker@arr@' + _speed] = (ALL_MINI_TICKERS, None, _ms)
for _window in WINDOWS:
    _ALL_MARKET['!ticker_{}@arr'.format(_window)] = (ALL_WINDOW_TICKERS, _window, 1000)

# Letters and digits of any script (test networks list non-ASCII symbols)
# plus the punctuation real names use: '@' separators, '_' in 'kline_1m',
# '!' for all-market streams, '+:' in '@+08:00', '-' and '.' for safety.
_PART = re.compile(r'[\w+:.\-]+')


class StreamSpec(NamedTuple):
    """What a stream name means.

    Attributes:
        name: the stream name as subscribed.
        kind: one of the kind constants of this module.
        symbol: the upper-case symbol, or None for all-market streams.
        arg: interval and timezone offset for klines, window for window
            tickers, levels for partial depth, otherwise None.
        cadence_ms: how often the stream is pushed, or None for real-time streams.
    """

    name: str
    kind: str
    symbol: Optional[str]
    arg: object
    cadence_ms: Optional[int]


def parse_stream(name: str, symbols: Mapping[str, str]) -> Optional[StreamSpec]:
    """Interpret a stream name; None if it will never carry data.

    Args:
        name: the stream name, e.g. ``'bnbbtc@kline_1m'`` or ``'!miniTicker@arr'``.
        symbols: lower-case symbol -> listed symbol (``{'bnbbtc': 'BNBBTC'}``).
            Symbols must be lower-case in stream names, as on Binance.
    """
    if not isinstance(name, str):
        return None
    known = _ALL_MARKET.get(name)
    if known is not None:
        return StreamSpec(name, known[0], None, known[1], known[2])
    symbol_part, sep, stream_type = name.partition('@')
    if not sep:
        return None
    symbol = symbols.get(symbol_part)
    if symbol is None or symbol.lower() != symbol_part:
        return None
    known = _SYMBOL_TYPES.get(stream_type)
    if known is None:
        return None
    return StreamSpec(name, known[0], symbol, known[1], known[2])


def is_valid_stream_name(name: object) -> bool:
    """Whether Binance would accept ``name`` in a ``SUBSCRIBE`` (syntax only).

    Binance does not document its rule; observed behaviour is that names with
    spaces or other stray characters are refused with ``invalid stream``
    while well-formed names for unknown symbols are accepted and stay silent.
    This check accepts ``<symbol>@<type>[@<option>...]`` and
    ``!<name>[@<option>...]`` where every part is non-empty and made of
    letters, digits, ``_`` and ``+:.-``; upper-case letters are allowed (the
    stream then simply stays silent).
    """
    if not isinstance(name, str) or not name or len(name) > MAX_STREAM_NAME_LENGTH:
        return False
    body = name[1:] if name.startswith('!') else name
    parts = body.split('@')
    if not name.startswith('!') and len(parts) < 2:
        return False
    return all(_PART.fullmatch(part) is not None for part in parts)


def stream_names_for(symbol: str) -> Tuple[str, ...]:
    """Every per-symbol stream name that carries data for ``symbol`` (lower-cased)."""
    prefix = symbol.lower() + '@'
    return tuple(prefix + stream_type for stream_type in _SYMBOL_TYPES)


def all_market_stream_names(retired: bool = False) -> Tuple[str, ...]:
    """Every all-market stream name; the retired ones only if ``retired``."""
    return tuple(name for name, (kind, _, _) in _ALL_MARKET.items()
                 if retired or kind not in RETIRED_KINDS)
