"""Market stream names as the simulated exchange understands them.

Pure code. The names themselves, which venue serves which and on which
route, are :mod:`binance.streams`'s (the grammar the client checks its names
with); this module says what the simulator does with them:

* :func:`is_valid_stream_name` (:func:`binance.streams.well_formed`): is the
  name well formed? Binance answers a ``SUBSCRIBE`` with a malformed name
  with ``Invalid request: invalid stream``; well-formed names it does not
  serve are accepted and then stay silent.
* :meth:`StreamCatalogue.parse`: which stream carries data, at what cadence?
  It returns a :class:`StreamSpec`, or None for a name that will never carry
  data here (one the venue's grammar refuses, an unlisted symbol, a kind of
  stream the simulator does not feed).

A venue's :class:`StreamCatalogue` is its grammar plus the kinds the
simulator feeds; :data:`SPOT_STREAMS` is spot's, and the module functions
answer for it. The derivatives venues' catalogues are in
:mod:`binance.simulator.derivative_streams`.
"""
import re
from typing import AbstractSet, Mapping, NamedTuple, Optional, Tuple

from .. import streams, venues
from ..streams import StreamGrammar, StreamName
from .stats import TIMEZONE_OFFSETS

__all__ = [
    'StreamSpec', 'StreamCatalogue', 'SPOT_STREAMS', 'parse_stream', 'is_valid_stream_name',
    'stream_names_for', 'all_market_stream_names',
    'TRADE', 'AGG_TRADE', 'KLINE', 'MINI_TICKER', 'TICKER', 'WINDOW_TICKER',
    'BOOK_TICKER', 'AVG_PRICE', 'PARTIAL_DEPTH', 'DIFF_DEPTH', 'ALL_MINI_TICKERS',
    'ALL_WINDOW_TICKERS', 'ALL_TICKERS', 'ALL_BOOK_TICKERS', 'WINDOWS',
]

# Kinds of stream the simulator feeds: the kinds of binance.streams.
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

#: Rolling-window ticker sizes and their length in ms.
WINDOWS = {'1h': 3600000, '4h': 4 * 3600000, '1d': 86400000}

#: Syntax check of a ``SUBSCRIBE`` parameter (see :func:`binance.streams.well_formed`).
is_valid_stream_name = streams.well_formed

#: ``kline_<interval>[@<timezone>]``, ``ticker_<window>``, ``!ticker_<window>@arr``, ``depth<levels>``.
_KLINE = re.compile(r'kline_([0-9]+[a-zA-Z])(?:@(\+\d\d:\d\d))?$')
_WINDOW = re.compile(r'!?ticker_([0-9]+[a-z])(?:@arr)?$')
_LEVELS = re.compile(r'depth([0-9]+)')


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


class StreamCatalogue:
    """What the simulator feeds of the stream names one venue serves.

    Args:
        grammar: the venue's names (:mod:`binance.streams`).
        kinds: the grammar's kinds the simulator feeds -> the kind it feeds
            them as (``{'optionTrade': TRADE}``); names of other kinds are
            accepted and stay silent.
        retired: names the venue retired (:attr:`binance.venues.Venue.retired`):
            their kinds stay silent unless retired streams are live.
        group_kinds: kinds whose first part names a group of symbols (an
            options underlying such as ``btcusdt``) instead of a symbol; their
            spec has no symbol and the group as ``arg``.
    """

    def __init__(self, grammar: StreamGrammar, kinds: Mapping[str, str],
                 retired: AbstractSet[str] = frozenset(),
                 group_kinds: AbstractSet[str] = frozenset()) -> None:
        self.grammar = grammar
        self.kinds = dict(kinds)
        self.retired_kinds = frozenset(self.kinds[grammar.parse(name).type.kind]
                                       for name in retired)
        self.group_kinds = frozenset(group_kinds)

    def __repr__(self) -> str:
        return '<StreamCatalogue of {!r}, {} kinds fed>'.format(self.grammar, len(self.kinds))

    def _parsed(self, name: object) -> Optional[StreamName]:
        try:
            return self.grammar.parse(name)
        except (TypeError, ValueError):
            return None

    def parse(self, name: str, symbols: Mapping[str, str],
              groups: Optional[Mapping[str, str]] = None) -> Optional[StreamSpec]:
        """Interpret a stream name; None if it will never carry data.

        Args:
            name: the stream name, e.g. ``'bnbbtc@kline_1m'`` or ``'!miniTicker@arr'``.
            symbols: lower-case symbol -> listed symbol (``{'bnbbtc': 'BNBBTC'}``).
                Symbols must be lower-case in stream names, as on Binance.
            groups: lower-case group -> its name, for :attr:`group_kinds`.
        """
        parsed = self._parsed(name)
        # A form with a free parameter (an options expiry) is not fed.
        if parsed is None or parsed.type.kind not in self.kinds \
                or parsed.form not in parsed.type.forms:
            return None
        kind = self.kinds[parsed.type.kind]
        if parsed.symbol is None:
            return StreamSpec(parsed.name, kind, None, _arg(kind, parsed.form), parsed.cadence_ms)
        if parsed.type.kind in self.group_kinds:
            group = (groups or {}).get(parsed.symbol)
            return None if group is None else StreamSpec(parsed.name, kind, None, group,
                                                         parsed.cadence_ms)
        symbol = symbols.get(parsed.symbol)
        if symbol is None:
            return None
        return StreamSpec(parsed.name, kind, symbol, _arg(kind, parsed.form), parsed.cadence_ms)

    def route_of(self, name: str) -> Optional[str]:
        """The route that serves ``name`` (fed or not); None without routes or if not served here."""
        parsed = self._parsed(name)
        return None if parsed is None else parsed.route

    def _fed_types(self, per_symbol: bool) -> Tuple[streams.StreamType, ...]:
        return tuple(t for t in self.grammar.types if t.per_symbol == per_symbol
                     and t.kind in self.kinds and t.kind not in self.group_kinds)

    def stream_names_for(self, symbol: str) -> Tuple[str, ...]:
        """Every per-symbol stream name that carries data for ``symbol`` (lower-cased)."""
        prefix = symbol.lower() + '@'
        return tuple(prefix + form for t in self._fed_types(True) for form in t.forms)

    def all_market_stream_names(self, retired: bool = False) -> Tuple[str, ...]:
        """Every all-market stream name; the retired ones only if ``retired``."""
        return tuple(form for t in self._fed_types(False) for form in t.forms
                     if retired or self.kinds[t.kind] not in self.retired_kinds)


def _arg(kind: str, form: str) -> object:
    """The part of a name the feed needs: kline interval and timezone offset, window, levels."""
    if kind == KLINE:
        kline = _KLINE.match(form)
        if kline is not None:
            return kline.group(1), TIMEZONE_OFFSETS[kline.group(2) or '']
    elif kind in (WINDOW_TICKER, ALL_WINDOW_TICKERS):
        window = _WINDOW.match(form)
        if window is not None:
            return window.group(1)
    elif kind == PARTIAL_DEPTH:
        levels = _LEVELS.match(form)
        if levels is not None:
            return int(levels.group(1))
    return None


_SPOT_KINDS = (TRADE, AGG_TRADE, KLINE, MINI_TICKER, TICKER, WINDOW_TICKER, BOOK_TICKER,
               AVG_PRICE, PARTIAL_DEPTH, DIFF_DEPTH, ALL_MINI_TICKERS, ALL_WINDOW_TICKERS,
               ALL_TICKERS, ALL_BOOK_TICKERS)

#: What the simulator feeds of binance.com's spot market streams.
SPOT_STREAMS = StreamCatalogue(streams.SPOT, {kind: kind for kind in _SPOT_KINDS},
                               retired=venues.VENUES['spot'].retired.keys())


def parse_stream(name: str, symbols: Mapping[str, str]) -> Optional[StreamSpec]:
    """Interpret a spot stream name; None if it will never carry data.

    Args:
        name: the stream name, e.g. ``'bnbbtc@kline_1m'`` or ``'!miniTicker@arr'``.
        symbols: lower-case symbol -> listed symbol (``{'bnbbtc': 'BNBBTC'}``).
            Symbols must be lower-case in stream names, as on Binance.
    """
    return SPOT_STREAMS.parse(name, symbols)


def stream_names_for(symbol: str) -> Tuple[str, ...]:
    """Every spot per-symbol stream name that carries data for ``symbol`` (lower-cased)."""
    return SPOT_STREAMS.stream_names_for(symbol)


def all_market_stream_names(retired: bool = False) -> Tuple[str, ...]:
    """Every spot all-market stream name; the retired ones only if ``retired``."""
    return SPOT_STREAMS.all_market_stream_names(retired)
