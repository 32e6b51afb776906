"""Binance market stream names: the grammar each venue serves, builders and validation.

Pure code, no I/O. A Binance server accepts any well-formed stream name and
then sends nothing for one it does not serve (an unknown type, an upper-case
symbol, ``depth@100.0ms``): the silent stream is the most common complaint
about Binance clients. So every name a socket opens is checked here against
the venue's grammar, and a name the venue does not serve raises at the call
(``TypeError`` for a wrong type, ``ValueError`` for a wrong value, with the
closest name it does serve).

* :class:`StreamType` describes one kind of stream (``aggTrade``, the
  ``kline_<interval>`` family, ``!miniTicker@arr``): the exact forms it takes
  after ``<symbol>@`` (or its whole name for all-market streams), whether it
  sends JSON arrays, the route that serves it on venues with routes, and its
  update cadence.
* :class:`StreamGrammar` is one venue's catalogue of types, symbol rules and
  per-connection stream limit; :meth:`StreamGrammar.parse` turns a name into
  a :class:`StreamName` or raises. :data:`SPOT` is binance.com's spot
  grammar (also the spot test network's and the simulator's), :data:`SPOT_US`
  Binance US's. :mod:`binance.venues` says which grammar each venue uses.
* :func:`well_formed` is the looser syntax a Binance server checks before it
  accepts a name (and then stays silent if it serves no such stream); the
  simulator answers ``SUBSCRIBE`` with it.
* The builders (:func:`trade_stream`, :func:`depth_stream`, ...) make the
  names python-binance's socket methods open, checking their arguments;
  :func:`raw_path` and :func:`combined_path` turn names into the path after
  the base URL, which is also the ``conn_key`` the socket manager returns.

Symbols are ASCII letters and digits, or letters of scripts without case:
Binance lists a few symbols in such scripts (Chinese, for instance), while an
accented capital or a full-width ``Ｂ`` is a typing slip that would open a
stream that never sends anything.
"""
import difflib
import re
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Sequence, \
    Tuple

from urllib.parse import parse_qs, unquote, urlsplit

from .enums import KLINE_INTERVALS, WEBSOCKET_DEPTHS
from .helpers import interval_to_milliseconds

__all__ = [
    'ALL_TICKERS', 'ALL_BOOK_TICKERS', 'DEPTH_INTERVALS', 'MAX_STREAMS_PER_CONNECTION',
    'MAX_SYMBOL_LENGTH', 'MAX_STREAM_NAME_LENGTH', 'MINI_TICKER_UPDATE_TIMES',
    'StreamType', 'StreamName', 'StreamGrammar', 'SPOT', 'SPOT_US', 'USDM', 'COINM', 'OPTIONS',
    'PUBLIC', 'MARKET', 'FUTURES_KLINE_INTERVALS', 'OPTIONS_KLINE_INTERVALS',
    'well_formed', 'check_callback', 'normalize_symbol', 'url_streams', 'check_kline_interval',
    'check_depth',
    'trade_stream', 'aggtrade_stream', 'kline_stream', 'depth_stream',
    'symbol_ticker_stream', 'miniticker_stream', 'symbol_book_ticker_stream',
    'raw_path', 'combined_path',
]

#: All-market 24 h tickers; retired on binance.com (use ``<symbol>@ticker`` or ``!miniTicker@arr``).
ALL_TICKERS = '!ticker@arr'
#: All-market book tickers; removed on binance.com (use ``<symbol>@bookTicker``).
ALL_BOOK_TICKERS = '!bookTicker'
#: Values accepted for ``start_depth_socket(..., interval=)``: ``None`` or ``0``
#: (1000 ms, as python-binance documented) or ``100`` (100 ms).
DEPTH_INTERVALS = (None, 0, 100)
#: ``update_time`` values of ``start_miniticker_socket``: the cadences Binance has
#: served ``!miniTicker@arr@<n>ms`` at.
MINI_TICKER_UPDATE_TIMES = (1000, 3000)
#: Most streams one spot connection may carry (Binance disconnects beyond that).
MAX_STREAMS_PER_CONNECTION = 1024
#: Longest symbol accepted; Binance's longest (options such as ``BTC-260925-100000-C``)
#: are far shorter.
MAX_SYMBOL_LENGTH = 32
#: Longest stream name accepted.
MAX_STREAM_NAME_LENGTH = 100
#: ASCII characters allowed in a stream name besides letters and digits
#: (``!miniTicker@arr@1000ms``, ``bnbbtc@kline_1m@+08:00``).
_STREAM_PUNCTUATION = frozenset('@_!:+.-')
#: Characters of a bad name shown in an error message.
_SHOWN = 60
#: The update speed a name may end with: ``@100ms``, ``@1000ms``, ``@1s``.
_SPEED = re.compile(r'@(\d+)(ms|s)$')
#: Longest name :func:`well_formed` accepts. Binance documents no limit; this is
#: generous for any real name while refusing garbage.
_SERVER_NAME_LIMIT = 200
#: One ``@``-separated part of a name a server accepts: letters and digits of any
#: script, ``_`` (``kline_1m``) and ``+:.-`` (``@+08:00``, option symbols).
_SERVER_PART = re.compile(r'[\w+:.\-]+')


def _shown(text: str) -> str:
    """``repr`` of ``text``, cut short: an error never carries a 100 KB argument."""
    if len(text) > _SHOWN:
        return repr(text[:_SHOWN]) + '... ({} characters)'.format(len(text))
    return repr(text)


def _symbol_char_ok(char: str) -> bool:
    """ASCII letter or digit, or a letter of a caseless script (not a full-width form)."""
    if char.isascii():
        return char.isalnum()
    return (char.isalpha() and char.lower() == char.upper()
            and not '\uff00' <= char <= '\uffef')


class StreamType(NamedTuple):
    """One kind of stream a venue serves.

    ``kind`` is a short name of the kind (``'kline'``, ``'partialDepth'``);
    ``forms`` every exact form the name takes after ``<symbol>@`` (per-symbol
    streams) or the whole name (all-market streams, starting with ``!``);
    ``per_symbol`` whether the name starts with ``<symbol>@``; ``arrays``
    whether the raw stream may send JSON arrays (all-market ``@arr``);
    ``route`` the route that serves it on venues with routes (``'public'``,
    ``'market'``), else ``None``; ``cadence_ms`` how often it is pushed,
    ``None`` for real-time (event-driven) streams; ``pattern`` a regular
    expression for forms with a free parameter (an expiry date), matched
    when no exact form does.
    """

    kind: str
    forms: Tuple[str, ...]
    per_symbol: bool = True
    arrays: bool = False
    route: Optional[str] = None
    cadence_ms: Optional[int] = None
    pattern: Optional[str] = None


class StreamName(NamedTuple):
    """A parsed stream name: ``name`` exactly as it travels (``'bnbbtc@kline_1m'``),
    ``symbol`` its symbol part (lower case) or ``None`` for all-market streams,
    ``type`` its :class:`StreamType`."""

    name: str
    symbol: Optional[str]
    type: StreamType

    @property
    def arrays(self) -> bool:
        """Whether the raw stream sends JSON arrays."""
        return self.type.arrays

    @property
    def route(self) -> Optional[str]:
        """The route that serves this stream (venues with routes), else ``None``."""
        return self.type.route

    @property
    def form(self) -> str:
        """The name after ``<symbol>@`` (``'kline_1m'``), or the whole all-market name."""
        return self.name if self.symbol is None else self.name.partition('@')[2]

    @property
    def cadence_ms(self) -> Optional[int]:
        """How often the stream is pushed, in ms; ``None`` for real-time (event-driven) streams.

        The update speed the name ends with (``@100ms``, ``@1s``) if any,
        else its type's cadence; a kline interval shorter than that cadence
        (``kline_1s``) is pushed every interval.
        """
        cadence = self.type.cadence_ms
        if cadence is None:
            return None
        speed = _SPEED.search(self.form)
        if speed is not None:
            return int(speed.group(1)) * (1 if speed.group(2) == 'ms' else 1000)
        if self.type.kind == 'kline':
            interval = interval_to_milliseconds(self.form.split('@')[0][len('kline_'):])
            if interval is not None and interval < cadence:
                return interval
        return cadence


class StreamGrammar:
    """The stream names one venue serves.

    Args:
        venue: the venue's name, used in error messages (``'binance.com spot'``).
        types: every :class:`StreamType` the venue serves.
        max_streams: most streams one connection may carry.
        symbol_punctuation: characters a symbol may hold besides letters and
            digits (``'-'`` for options such as ``btc-260925-100000-c``).

    Raises:
        ValueError: two types share a form.
    """

    def __init__(self, venue: str, types: Iterable[StreamType], max_streams: int = 1024,
                 symbol_punctuation: str = '') -> None:
        self.venue = venue
        self.types: Tuple[StreamType, ...] = tuple(types)
        self.max_streams = max_streams
        self._punctuation = frozenset(symbol_punctuation)
        self._symbol_forms: Dict[str, StreamType] = {}
        self._market_forms: Dict[str, StreamType] = {}
        self._patterns = [(re.compile(t.pattern), t) for t in self.types if t.pattern]
        for stream_type in self.types:
            table = self._symbol_forms if stream_type.per_symbol else self._market_forms
            for form in stream_type.forms:
                if form in table:
                    raise ValueError('{}: form {!r} is listed twice'.format(venue, form))
                table[form] = stream_type

    def __repr__(self) -> str:
        return '<StreamGrammar {} ({} types)>'.format(self.venue, len(self.types))

    @property
    def symbol_forms(self) -> FrozenSet[str]:
        """Every form that follows ``<symbol>@``."""
        return frozenset(self._symbol_forms)

    @property
    def market_streams(self) -> FrozenSet[str]:
        """Every all-market stream name."""
        return frozenset(self._market_forms)

    def with_types(self, venue: str, *, add: Iterable[StreamType] = (),
                   remove: Iterable[str] = (), max_streams: Optional[int] = None) -> 'StreamGrammar':
        """A grammar like this one, with types added and forms removed.

        Args:
            venue: the new grammar's venue name.
            add: types the new venue serves in addition.
            remove: forms (or all-market names) it does not serve.
            max_streams: its stream limit per connection, if different.
        """
        gone = frozenset(remove)
        types = [t._replace(forms=tuple(f for f in t.forms if f not in gone)) for t in self.types]
        return StreamGrammar(venue, [t for t in types if t.forms or t.pattern] + list(add),
                             self.max_streams if max_streams is None else max_streams,
                             ''.join(sorted(self._punctuation)))

    def symbol_ok(self, symbol: str) -> bool:
        """Whether ``symbol`` is made of characters a symbol of this venue has (any case)."""
        punctuation = self._punctuation
        return all(char in punctuation or _symbol_char_ok(char) for char in symbol)

    def parse(self, name: Any) -> StreamName:
        """Check that this venue serves the stream ``name``.

        Well-formed names for a symbol that is not listed cannot be told apart
        here (that needs the exchange's symbol list); everything else is.

        Raises:
            TypeError: ``name`` is not a string.
            ValueError: the venue does not serve ``name``: an unknown stream
                type, an upper-case or malformed symbol, a character no stream
                name has; the message names the closest stream it serves.
        """
        if not isinstance(name, str):
            raise TypeError('a stream name must be a string such as \'bnbbtc@trade\', got {!r}'
                            .format(type(name).__name__))
        if not name:
            raise ValueError('stream names must not be empty')
        if len(name) > MAX_STREAM_NAME_LENGTH:
            raise ValueError('stream name {} is longer than any stream {} serves'.format(
                _shown(name), self.venue))
        bad = [char for char in name
               if not (char in _STREAM_PUNCTUATION or char in self._punctuation
                       or _symbol_char_ok(char))]
        if bad:
            raise ValueError('invalid stream name {}: {!r} is not allowed in a stream name '
                             '(such as \'bnbbtc@aggTrade\')'.format(_shown(name), bad[0]))
        if name.startswith('!'):
            stream_type = self._market_forms.get(name)
            if stream_type is None:
                raise ValueError('{} serves no all-market stream {}{}'.format(
                    self.venue, _shown(name), self._suggest(name, self._market_forms)))
            return StreamName(name, None, stream_type)
        symbol, sep, form = name.partition('@')
        if not sep or not symbol:
            raise ValueError('invalid stream name {}: a stream name is \'<symbol>@<type>\' such '
                             'as \'bnbbtc@trade\', or an all-market name such as '
                             '\'!miniTicker@arr\''.format(_shown(name)))
        stream_type = self._symbol_forms.get(form) or self._matching(form)
        if stream_type is None:
            raise ValueError('{} serves no stream type {!r} (in {}){}'.format(
                self.venue, form, _shown(name),
                self._suggest(form, self._symbol_forms, prefix=symbol.lower() + '@')))
        if not self.symbol_ok(symbol):
            raise ValueError('invalid stream name {}: the symbol {} has a character no symbol '
                             'of {} has'.format(_shown(name), _shown(symbol), self.venue))
        if symbol != symbol.lower():
            raise ValueError('symbols in stream names are lower case: use {!r}, not {!r} '
                             '(Binance sends nothing on the upper-case name)'.format(
                                 symbol.lower() + '@' + form, name))
        if len(symbol) > MAX_SYMBOL_LENGTH:
            raise ValueError('the symbol of stream {} is longer than any symbol'.format(
                _shown(name)))
        return StreamName(name, symbol, stream_type)

    def parse_all(self, names: Any, per_connection: bool = True) -> List[StreamName]:
        """Check a list of stream names for one connection (a multiplex socket).

        Args:
            names: the stream names.
            per_connection: refuse more than :attr:`max_streams` names
                (``False`` for a socket that spreads them over connections).

        Raises:
            TypeError: ``names`` is not a list or tuple of strings.
            ValueError: it is empty, longer than :attr:`max_streams`, names a
                stream twice, or holds a name the venue does not serve (see
                :meth:`parse`).
        """
        if not isinstance(names, (list, tuple)):
            raise TypeError('streams must be a list of stream names such as '
                            '[\'bnbbtc@aggTrade\', \'neobtc@ticker\'], got {}'.format(
                                type(names).__name__))
        if not names:
            raise ValueError('streams must name at least one stream')
        if per_connection and len(names) > self.max_streams:
            raise ValueError('one {} connection carries at most {} streams, got {}; split them '
                             'over several multiplex sockets'.format(
                                 self.venue, self.max_streams, len(names)))
        parsed = [self.parse(name) for name in names]
        seen = set()
        for name in parsed:
            if name.name in seen:
                raise ValueError('streams names {!r} more than once'.format(name.name))
            seen.add(name.name)
        return parsed

    def _matching(self, form: str) -> Optional[StreamType]:
        for pattern, stream_type in self._patterns:
            if pattern.fullmatch(form):
                return stream_type
        return None

    def route_of(self, name: str) -> Optional[str]:
        """The route that serves stream ``name`` (venues with routes), else ``None``.

        Raises:
            TypeError, ValueError: see :meth:`parse`.
        """
        return self.parse(name).route

    @staticmethod
    def _suggest(wrong: str, known: Dict[str, StreamType], prefix: str = '') -> str:
        """``'; did you mean ...?'`` with the closest served forms, or a hint."""
        lowered = {form.lower(): form for form in known}
        if wrong.lower() in lowered:
            return '; did you mean {!r}?'.format(prefix + lowered[wrong.lower()])
        longer = sorted(form for form in known if form.startswith(wrong + '@'))
        close = longer[:3] or difflib.get_close_matches(wrong, list(known), n=3, cutoff=0.6)
        if close:
            return '; did you mean {}?'.format(' or '.join(repr(prefix + c) for c in close))
        return ''


def _spot_types() -> List[StreamType]:
    klines = tuple('kline_' + interval + suffix for interval in KLINE_INTERVALS
                   for suffix in ('', '@+08:00'))
    depths = tuple('depth' + levels + speed for levels in WEBSOCKET_DEPTHS
                   for speed in ('', '@100ms'))
    windows = ('1h', '4h', '1d')
    return [
        StreamType('trade', ('trade',)),
        StreamType('aggTrade', ('aggTrade',)),
        StreamType('kline', klines, cadence_ms=2000),
        StreamType('miniTicker', ('miniTicker',), cadence_ms=1000),
        StreamType('ticker', ('ticker',), cadence_ms=1000),
        StreamType('windowTicker', tuple('ticker_' + w for w in windows), cadence_ms=1000),
        StreamType('bookTicker', ('bookTicker',)),
        StreamType('avgPrice', ('avgPrice',), cadence_ms=1000),
        StreamType('referencePrice', ('referencePrice',), cadence_ms=1000),
        StreamType('blockTrade', ('blockTrade',)),
        StreamType('partialDepth', depths, cadence_ms=1000),
        StreamType('diffDepth', ('depth', 'depth@100ms'), cadence_ms=1000),
        StreamType('allMiniTickers', ('!miniTicker@arr',) + tuple(
            '!miniTicker@arr@{}ms'.format(ms) for ms in MINI_TICKER_UPDATE_TIMES),
            per_symbol=False, arrays=True, cadence_ms=1000),
        StreamType('allWindowTickers', tuple('!ticker_{}@arr'.format(w) for w in windows),
                   per_symbol=False, arrays=True, cadence_ms=1000),
        StreamType('allTickers', (ALL_TICKERS,), per_symbol=False, arrays=True,
                   cadence_ms=1000),
        StreamType('allBookTickers', (ALL_BOOK_TICKERS,), per_symbol=False),
    ]


#: binance.com spot (and its test network, and the simulator). ``!ticker@arr`` and
#: ``!bookTicker`` parse; that binance.com retired them is the venue's business
#: (:mod:`binance.venues`).
SPOT = StreamGrammar('binance.com spot', _spot_types(), max_streams=MAX_STREAMS_PER_CONNECTION)

#: Binance US: no 1-second klines, no UTC+8 klines, no average, reference-price or
#: block-trade streams.
SPOT_US = SPOT.with_types('Binance US', remove=(
    ['kline_1s', 'kline_1s@+08:00'] + ['kline_{}@+08:00'.format(i) for i in KLINE_INTERVALS]
    + ['avgPrice', 'referencePrice', 'blockTrade']))


#: Kline intervals of the futures venues (no 1-second klines).
FUTURES_KLINE_INTERVALS = tuple(i for i in KLINE_INTERVALS if i != '1s')
#: Kline intervals of the options venue.
OPTIONS_KLINE_INTERVALS = tuple(i for i in FUTURES_KLINE_INTERVALS if i not in ('8h', '1M'))
#: Routes of the USD-M futures and options hosts (since 2026-04-23 for USD-M).
PUBLIC, MARKET = 'public', 'market'


def _futures_types(routed: bool) -> List[StreamType]:
    public = PUBLIC if routed else None
    market = MARKET if routed else None
    speeds = ('', '@500ms', '@100ms')
    klines = tuple('kline_' + i for i in FUTURES_KLINE_INTERVALS)
    return [
        StreamType('bookTicker', ('bookTicker',), route=public),
        StreamType('partialDepth', tuple('depth' + levels + speed for levels in WEBSOCKET_DEPTHS
                                         for speed in speeds), route=public, cadence_ms=250),
        StreamType('diffDepth', tuple('depth' + speed for speed in speeds), route=public,
                   cadence_ms=250),
        # Not documented for futures; observed on /public (and on unrouted URLs) only.
        StreamType('trade', ('trade',), route=public),
        StreamType('aggTrade', ('aggTrade',), route=market),
        StreamType('markPrice', ('markPrice', 'markPrice@1s'), route=market, cadence_ms=3000),
        StreamType('kline', klines, route=market, cadence_ms=250),
        StreamType('continuousKline', tuple('continuousKline_' + i
                                            for i in FUTURES_KLINE_INTERVALS),
                   route=market, cadence_ms=250),
        StreamType('miniTicker', ('miniTicker',), route=market, cadence_ms=500),
        StreamType('ticker', ('ticker',), route=market, cadence_ms=500),
        # Liquidations are snapshots: at most the latest one per second.
        StreamType('forceOrder', ('forceOrder',), route=market, cadence_ms=1000),
        StreamType('allBookTickers', ('!bookTicker',), per_symbol=False, route=public),
        StreamType('allMarkPrices', ('!markPrice@arr', '!markPrice@arr@1s'), per_symbol=False,
                   arrays=True, route=market, cadence_ms=3000),
        StreamType('allMiniTickers', ('!miniTicker@arr',), per_symbol=False, arrays=True,
                   route=market, cadence_ms=1000),
        StreamType('allTickers', ('!ticker@arr',), per_symbol=False, arrays=True, route=market,
                   cadence_ms=1000),
        StreamType('allForceOrders', ('!forceOrder@arr',), per_symbol=False, arrays=True,
                   route=market, cadence_ms=1000),
    ]


#: USD-M futures (``fstream``): every stream has a route, ``/public`` or ``/market``.
USDM = StreamGrammar('USD-M futures', _futures_types(routed=True) + [
    StreamType('rpiDepth', ('rpiDepth@500ms',), route=PUBLIC, cadence_ms=500),
    StreamType('compositeIndex', ('compositeIndex',), route=MARKET, cadence_ms=1000),
    StreamType('assetIndex', ('assetIndex',), route=MARKET, cadence_ms=1000),
    StreamType('contractInfo', ('!contractInfo',), per_symbol=False, route=MARKET),
    StreamType('allAssetIndexes', ('!assetIndex@arr',), per_symbol=False, arrays=True,
               route=MARKET, cadence_ms=1000),
], symbol_punctuation='_')

#: COIN-M futures (``dstream``): no routes; pairs such as ``btcusd_perp``.
COINM = StreamGrammar('COIN-M futures', _futures_types(routed=False) + [
    StreamType('indexPrice', ('indexPrice', 'indexPrice@1s'), cadence_ms=3000),
    StreamType('indexPriceKline', tuple('indexPriceKline_' + i for i in FUTURES_KLINE_INTERVALS),
               cadence_ms=250),
    StreamType('markPriceKline', tuple('markPriceKline_' + i for i in FUTURES_KLINE_INTERVALS),
               cadence_ms=250),
], symbol_punctuation='_')

#: European options, served on the ``fstream`` host's routes since 2026: symbols such as
#: ``btc-261225-90000-c``; depth names need their update speed; 200 streams per connection.
OPTIONS = StreamGrammar('options', [
    StreamType('optionTrade', ('optionTrade',), route=PUBLIC),
    StreamType('bookTicker', ('bookTicker',), route=PUBLIC),
    StreamType('partialDepth', tuple('depth{}@{}'.format(levels, speed) for levels in WEBSOCKET_DEPTHS
                                     for speed in ('100ms', '500ms')), route=PUBLIC,
               cadence_ms=500),
    StreamType('diffDepth', ('depth@100ms', 'depth@500ms'), route=PUBLIC, cadence_ms=500),
    StreamType('optionTicker', ('optionTicker',), route=PUBLIC, cadence_ms=1000,
               pattern=r'optionTicker@\d{6}'),
    StreamType('kline', tuple('kline_' + i for i in OPTIONS_KLINE_INTERVALS), route=MARKET,
               cadence_ms=1000),
    StreamType('optionMarkPrice', ('optionMarkPrice',), route=MARKET, cadence_ms=1000),
    StreamType('openInterest', (), route=MARKET, cadence_ms=60000,
               pattern=r'(?:openInterest|optionOpenInterest)@\d{6}'),
    StreamType('indexPrices', ('!index@arr',), per_symbol=False, arrays=True, route=MARKET,
               cadence_ms=1000),
    StreamType('optionSymbols', ('!optionSymbol',), per_symbol=False, route=MARKET),
], max_streams=200, symbol_punctuation='-')


def well_formed(name: object) -> bool:
    """Whether a Binance server accepts ``name`` in a URL or ``SUBSCRIBE`` (syntax only).

    Binance does not document its rule. Observed: names with spaces or other
    stray characters are refused (``Invalid request: invalid stream``), while
    a well-formed name it does not serve (an unknown symbol or type, an
    upper-case symbol) is accepted and then sends nothing. Accepted here:
    ``<symbol>@<type>[@<option>...]`` and ``!<name>[@<option>...]`` whose
    parts are non-empty and made of letters and digits of any script, ``_``
    and ``+:.-``. :meth:`StreamGrammar.parse` is the strict check the
    library applies to the names it opens.
    """
    if not isinstance(name, str) or not name or len(name) > _SERVER_NAME_LIMIT:
        return False
    market_wide = name.startswith('!')
    parts = (name[1:] if market_wide else name).split('@')
    if not market_wide and len(parts) < 2:
        return False
    return all(_SERVER_PART.fullmatch(part) is not None for part in parts)


# -- builders: the names python-binance's socket methods open ---------------------------


def check_callback(callback: Any) -> Callable[[Any], Any]:
    """Return ``callback`` if it can be called.

    Raises:
        TypeError: ``callback`` is not callable.
    """
    if not callable(callback):
        raise TypeError('callback must be callable (a function taking one message), '
                        'got {!r}'.format(type(callback).__name__))
    return callback


def normalize_symbol(symbol: Any, punctuation: str = '') -> str:
    """Return ``symbol`` lower-cased, as stream names need it.

    Args:
        symbol: the market, any case (``'BNBBTC'``).
        punctuation: characters allowed besides letters and digits
            (``'-'`` for options symbols).

    Raises:
        TypeError: ``symbol`` is not a string.
        ValueError: ``symbol`` is empty, longer than :data:`MAX_SYMBOL_LENGTH`,
            or has characters other than ASCII letters and digits (or letters
            of a caseless script, such as Chinese).
    """
    if not isinstance(symbol, str):
        raise TypeError('symbol must be a string such as \'BNBBTC\', got {!r}'.format(
            type(symbol).__name__))
    if not symbol:
        raise ValueError('symbol must not be empty')
    if len(symbol) > MAX_SYMBOL_LENGTH:
        raise ValueError('symbol {} is longer than any symbol Binance lists'.format(
            _shown(symbol)))
    if not all(char in punctuation or _symbol_char_ok(char) for char in symbol):
        raise ValueError('symbol must contain ASCII letters and digits only (such as '
                         '\'BNBBTC\'), got {!r}'.format(symbol))
    return symbol.lower()


def trade_stream(symbol: str) -> str:
    """``<symbol>@trade``: every trade.

    Raises:
        TypeError, ValueError: see :func:`normalize_symbol`.
    """
    return normalize_symbol(symbol) + '@trade'


def aggtrade_stream(symbol: str) -> str:
    """``<symbol>@aggTrade``: aggregated trades.

    Raises:
        TypeError, ValueError: see :func:`normalize_symbol`.
    """
    return normalize_symbol(symbol) + '@aggTrade'


def check_kline_interval(interval: Any, intervals: Sequence[str] = KLINE_INTERVALS) -> str:
    """Return ``interval`` if it is one of ``intervals``.

    Raises:
        ValueError: it is not (any other type or value).
    """
    if not isinstance(interval, str) or interval not in intervals:
        raise ValueError('unknown kline interval {!r}; use one of {}'.format(
            interval, ', '.join(intervals)))
    return interval


def kline_stream(symbol: str, interval: str) -> str:
    """``<symbol>@kline_<interval>``.

    Raises:
        TypeError, ValueError: bad symbol, or ``interval`` not in
            :data:`binance.enums.KLINE_INTERVALS`.
    """
    name = normalize_symbol(symbol)
    return '{}@kline_{}'.format(name, check_kline_interval(interval))


def check_depth(depth: Any, depths: Sequence[str] = WEBSOCKET_DEPTHS) -> str:
    """``depth`` (an int or str such as 5 or ``'5'``) as a string, if it is one of ``depths``.

    Raises:
        ValueError: it is not; ``True`` is refused although it is an int.
    """
    # bool is an int; True must not quietly become depth '1'.
    if isinstance(depth, bool) or not isinstance(depth, (int, str)) or str(depth) not in depths:
        raise ValueError('depth must be one of {}, got {!r}'.format(', '.join(depths), depth))
    return str(depth)


def depth_stream(symbol: str, depth: Optional[Any] = None, interval: Optional[int] = None) -> str:
    """Diff depth ``<symbol>@depth`` or partial book ``<symbol>@depth<5|10|20>``.

    Args:
        symbol: the market, any case.
        depth: ``None`` for diff depth, else 5, 10 or 20 (int or str).
        interval: ``None`` or ``0`` for the 1000 ms stream, ``100`` for ``@100ms``.

    Raises:
        TypeError, ValueError: bad symbol, depth or interval.
    """
    name = normalize_symbol(symbol) + '@depth'
    if depth is not None:
        try:
            name += check_depth(depth)
        except ValueError:
            raise ValueError('depth must be None (diff depth) or one of 5, 10, 20, got {!r}'
                             .format(depth)) from None
    # Exactly an int: 100.0 would open 'depth@100.0ms', which Binance never serves.
    if (interval is not None and type(interval) is not int) or interval not in DEPTH_INTERVALS:
        raise ValueError('interval must be None or 0 (1000 ms) or 100 (100 ms), got {!r}'
                         .format(interval))
    if interval:
        name += '@{}ms'.format(interval)
    return name


def symbol_ticker_stream(symbol: str) -> str:
    """``<symbol>@ticker``: 24 h rolling ticker of one market.

    Raises:
        TypeError, ValueError: see :func:`normalize_symbol`.
    """
    return normalize_symbol(symbol) + '@ticker'


def miniticker_stream(update_time: int = 1000) -> str:
    """``!miniTicker@arr@<update_time>ms``: mini tickers of every market.

    Raises:
        TypeError: ``update_time`` is not an int.
        ValueError: ``update_time`` is not one of :data:`MINI_TICKER_UPDATE_TIMES`.
    """
    if isinstance(update_time, bool) or not isinstance(update_time, int):
        raise TypeError('update_time must be an int number of milliseconds, got {!r}'
                        .format(update_time))
    if update_time not in MINI_TICKER_UPDATE_TIMES:
        raise ValueError('update_time must be one of {} (milliseconds Binance serves '
                         '!miniTicker@arr at), got {!r}'.format(
                             ', '.join(map(str, MINI_TICKER_UPDATE_TIMES)), update_time))
    return '!miniTicker@arr@{}ms'.format(update_time)


def symbol_book_ticker_stream(symbol: str) -> str:
    """``<symbol>@bookTicker``: best bid and ask of one market.

    Raises:
        TypeError, ValueError: see :func:`normalize_symbol`.
    """
    return normalize_symbol(symbol) + '@bookTicker'


def raw_path(stream: str) -> str:
    """The path of a single raw stream: ``ws/<stream>``."""
    return 'ws/' + stream


def combined_path(streams: Sequence[str], grammar: StreamGrammar = SPOT) -> str:
    """The path of a combined stream: ``stream?streams=a/b/c``.

    Args:
        streams: the stream names.
        grammar: the venue whose stream names they must be.

    Raises:
        TypeError: ``streams`` is not a list or tuple of strings.
        ValueError: ``streams`` is empty, longer than the venue's limit per
            connection, or holds a name the venue does not serve (see
            :meth:`StreamGrammar.parse`).
    """
    return 'stream?streams=' + '/'.join(s.name for s in grammar.parse_all(streams))


def url_streams(url: str) -> Tuple[str, ...]:
    """The stream names in a stream URL: ``.../ws/<stream>`` or ``.../stream?streams=a/b``.

    Empty when the URL names none (a listen key's ``/ws?listenKey=...``).
    """
    parts = urlsplit(url)
    names = parse_qs(parts.query).get('streams')
    if names:
        return tuple(name for name in unquote(names[0]).split('/') if name)
    head, sep, tail = parts.path.rpartition('/ws/')
    if sep and tail and '/' not in tail:
        return (unquote(tail),)
    return ()
