"""Market stream names as the simulated exchange understands them.

Pure code. Two questions are answered here:

* :func:`is_valid_stream_name`: is the name well formed? Binance answers a
  ``SUBSCRIBE`` with a malformed name with ``Invalid request: invalid stream``;
  well-formed names for unknown symbols or unknown stream types are accepted
  and then stay silent. The syntax is the same on every venue.
* :func:`parse_stream`: which stream carries data, at what cadence? It returns
  a :class:`StreamSpec`, or None for a name that will never carry data (an
  unknown or upper-case symbol, an unknown type).

What a venue serves is one :class:`StreamCatalogue` (name tables to kinds and
cadences); :data:`SPOT_STREAMS` is spot's, and the module functions answer
for it. The derivatives venues' catalogues are in
:mod:`binance.simulator.derivative_streams`.
"""
import re
from typing import AbstractSet, Mapping, NamedTuple, Optional, Tuple

from ..enums import KLINE_INTERVALS
from .stats import TIMEZONE_OFFSETS

__all__ = [
    'StreamSpec', 'StreamCatalogue', 'SPOT_STREAMS', 'parse_stream', 'is_valid_stream_name',
    'stream_names_for', 'all_market_stream_names',
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


#: ``stream type -> (kind, arg, cadence_ms)``: one table of a catalogue.
StreamTable = Mapping[str, Tuple[str, object, Optional[int]]]


class StreamCatalogue:
    """The stream names one venue serves.

    Args:
        symbol_types: ``<symbol>@<type>`` types.
        all_market: whole names of the all-market streams (``!miniTicker@arr``).
        retired_kinds: kinds that stay silent unless retired streams are live.
        group_types: ``<group>@<type>`` types whose first part names a group
            of symbols (an options underlying such as ``btcusdt``) instead of
            a symbol; their spec has no symbol and the group as ``arg``.
    """

    def __init__(self, symbol_types: StreamTable, all_market: StreamTable,
                 retired_kinds: AbstractSet[str] = frozenset(),
                 group_types: Optional[StreamTable] = None) -> None:
        self.symbol_types = dict(symbol_types)
        self.all_market = dict(all_market)
        self.retired_kinds = frozenset(retired_kinds)
        self.group_types = dict(group_types or {})

    def __repr__(self) -> str:
        return '<StreamCatalogue {} symbol types, {} all-market names>'.format(
            len(self.symbol_types), len(self.all_market))

    def parse(self, name: str, symbols: Mapping[str, str],
              groups: Optional[Mapping[str, str]] = None) -> Optional[StreamSpec]:
        """Interpret a stream name; None if it will never carry data.

        Args:
            name: the stream name, e.g. ``'bnbbtc@kline_1m'`` or ``'!miniTicker@arr'``.
            symbols: lower-case symbol -> listed symbol (``{'bnbbtc': 'BNBBTC'}``).
                Symbols must be lower-case in stream names, as on Binance.
            groups: lower-case group -> its name, for :attr:`group_types`.
        """
        if not isinstance(name, str):
            return None
        known = self.all_market.get(name)
        if known is not None:
            return StreamSpec(name, known[0], None, known[1], known[2])
        symbol_part, sep, stream_type = name.partition('@')
        if not sep:
            return None
        symbol = symbols.get(symbol_part)
        if symbol is not None and symbol.lower() == symbol_part:
            known = self.symbol_types.get(stream_type)
            return None if known is None else StreamSpec(name, known[0], symbol, known[1], known[2])
        group = (groups or {}).get(symbol_part)
        known = self.group_types.get(stream_type)
        if group is None or known is None:
            return None
        return StreamSpec(name, known[0], None, group, known[2])

    def stream_names_for(self, symbol: str) -> Tuple[str, ...]:
        """Every per-symbol stream name that carries data for ``symbol`` (lower-cased)."""
        prefix = symbol.lower() + '@'
        return tuple(prefix + stream_type for stream_type in self.symbol_types)

    def all_market_stream_names(self, retired: bool = False) -> Tuple[str, ...]:
        """Every all-market stream name; the retired ones only if ``retired``."""
        return tuple(name for name, (kind, _, _) in self.all_market.items()
                     if retired or kind not in self.retired_kinds)


#: What binance.com's spot market streams serve.
SPOT_STREAMS = StreamCatalogue(_SYMBOL_TYPES, _ALL_MARKET, RETIRED_KINDS)


def parse_stream(name: str, symbols: Mapping[str, str]) -> Optional[StreamSpec]:
    """Interpret a spot stream name; None if it will never carry data.

    Args:
        name: the stream name, e.g. ``'bnbbtc@kline_1m'`` or ``'!miniTicker@arr'``.
        symbols: lower-case symbol -> listed symbol (``{'bnbbtc': 'BNBBTC'}``).
            Symbols must be lower-case in stream names, as on Binance.
    """
    return SPOT_STREAMS.parse(name, symbols)


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
    """Every spot per-symbol stream name that carries data for ``symbol`` (lower-cased)."""
    return SPOT_STREAMS.stream_names_for(symbol)


def all_market_stream_names(retired: bool = False) -> Tuple[str, ...]:
    """Every spot all-market stream name; the retired ones only if ``retired``."""
    return SPOT_STREAMS.all_market_stream_names(retired)
