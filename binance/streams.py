"""Binance market stream names: building and validating them.

Pure functions, no I/O. Each builder checks its arguments and raises at the
call (``TypeError`` for a wrong type, ``ValueError`` for a wrong value), so a
typo fails where it is made instead of opening a socket that stays silent.

Stream names follow Binance's rules: the symbol is lower-cased, intervals and
depths are taken from :mod:`binance.enums`. :func:`raw_path` and
:func:`combined_path` turn names into the path after the base URL, which is
also the ``conn_key`` the socket manager returns.

Symbols are ASCII letters and digits, or letters of scripts without case:
Binance lists a few symbols in such scripts (Chinese, for instance), while an
accented capital or a full-width ``Ｂ`` is a typing slip that would open a
stream that never sends anything.
"""
from typing import Any, Callable, Optional, Sequence

from .enums import KLINE_INTERVALS, WEBSOCKET_DEPTHS

__all__ = [
    'ALL_TICKERS', 'ALL_BOOK_TICKERS', 'DEPTH_INTERVALS', 'MAX_STREAMS_PER_CONNECTION',
    'check_callback', 'normalize_symbol',
    'trade_stream', 'aggtrade_stream', 'kline_stream', 'depth_stream',
    'symbol_ticker_stream', 'miniticker_stream', 'symbol_book_ticker_stream',
    'raw_path', 'combined_path',
]

#: All-market 24 h tickers; retired on binance.com (use ``<symbol>@ticker`` or ``!miniTicker@arr``).
ALL_TICKERS = '!ticker@arr'
#: All-market book tickers; removed on binance.com (use ``<symbol>@bookTicker``).
ALL_BOOK_TICKERS = '!bookTicker'
#: Values accepted for ``start_depth_socket(..., interval=)``: ``None`` (1000 ms) or 100 ms.
DEPTH_INTERVALS = (None, 100)
#: Most streams one connection may carry (Binance disconnects beyond that).
MAX_STREAMS_PER_CONNECTION = 1024
#: ASCII characters allowed in a stream name besides letters and digits
#: (``!miniTicker@arr@1000ms``, ``bnbbtc@kline_1m@+08:00``).
_STREAM_PUNCTUATION = frozenset('@_!:+.-')


def _symbol_char_ok(char: str) -> bool:
    """ASCII letter or digit, or a letter of a caseless script (not a full-width form)."""
    if char.isascii():
        return char.isalnum()
    return (char.isalpha() and char.lower() == char.upper()
            and not '\uff00' <= char <= '\uffef')


def check_callback(callback: Any) -> Callable[[Any], Any]:
    """Return ``callback`` if it can be called.

    Raises:
        TypeError: ``callback`` is not callable.
    """
    if not callable(callback):
        raise TypeError('callback must be callable (a function taking one message), '
                        'got {!r}'.format(type(callback).__name__))
    return callback


def normalize_symbol(symbol: Any) -> str:
    """Return ``symbol`` lower-cased, as stream names need it.

    Raises:
        TypeError: ``symbol`` is not a string.
        ValueError: ``symbol`` is empty or has characters other than ASCII
            letters and digits (or letters of a caseless script, such as Chinese).
    """
    if not isinstance(symbol, str):
        raise TypeError('symbol must be a string such as \'BNBBTC\', got {!r}'.format(symbol))
    if not symbol:
        raise ValueError('symbol must not be empty')
    if not all(_symbol_char_ok(char) for char in symbol):
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


def kline_stream(symbol: str, interval: str) -> str:
    """``<symbol>@kline_<interval>``.

    Raises:
        TypeError, ValueError: bad symbol, or ``interval`` not in
            :data:`binance.enums.KLINE_INTERVALS`.
    """
    name = normalize_symbol(symbol)
    if not isinstance(interval, str) or interval not in KLINE_INTERVALS:
        raise ValueError('unknown kline interval {!r}; use one of {}'.format(
            interval, ', '.join(KLINE_INTERVALS)))
    return '{}@kline_{}'.format(name, interval)


def depth_stream(symbol: str, depth: Optional[Any] = None, interval: Optional[int] = None) -> str:
    """Diff depth ``<symbol>@depth`` or partial book ``<symbol>@depth<5|10|20>``.

    Args:
        symbol: the market, any case.
        depth: ``None`` for diff depth, else 5, 10 or 20 (int or str).
        interval: ``None`` for the 1000 ms stream, ``100`` for ``@100ms``.

    Raises:
        TypeError, ValueError: bad symbol, depth or interval.
    """
    name = normalize_symbol(symbol) + '@depth'
    if depth is not None:
        # bool is an int; True must not quietly become depth '1'.
        if isinstance(depth, bool) or str(depth) not in WEBSOCKET_DEPTHS:
            raise ValueError('depth must be None (diff depth) or one of 5, 10, 20, got {!r}'
                             .format(depth))
        name += str(depth)
    if isinstance(interval, bool) or interval not in DEPTH_INTERVALS:
        raise ValueError('interval must be None (1000 ms) or 100 (100 ms), got {!r}'
                         .format(interval))
    if interval is not None:
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
        ValueError: ``update_time`` is not positive.
    """
    if isinstance(update_time, bool) or not isinstance(update_time, int):
        raise TypeError('update_time must be an int number of milliseconds, got {!r}'
                        .format(update_time))
    if update_time <= 0:
        raise ValueError('update_time must be positive, got {!r}'.format(update_time))
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


def combined_path(streams: Sequence[str]) -> str:
    """The path of a combined stream: ``stream?streams=a/b/c``.

    Raises:
        TypeError: ``streams`` is not a list or tuple of strings.
        ValueError: ``streams`` is empty, longer than
            :data:`MAX_STREAMS_PER_CONNECTION`, or holds a name that is empty or
            has a character no stream name has (space, ``/``, ``?``, ``&``,
            ``#``, ``%``, ...).
    """
    if not isinstance(streams, (list, tuple)):
        raise TypeError('streams must be a list of stream names such as '
                        '[\'bnbbtc@aggTrade\', \'neobtc@ticker\'], got {!r}'.format(streams))
    if not streams:
        raise ValueError('streams must name at least one stream')
    if len(streams) > MAX_STREAMS_PER_CONNECTION:
        raise ValueError('one connection carries at most {} streams, got {}; split them over '
                         'several multiplex sockets'.format(MAX_STREAMS_PER_CONNECTION,
                                                            len(streams)))
    for name in streams:
        if not isinstance(name, str):
            raise TypeError('every stream name must be a string, got {!r}'.format(name))
        if not name:
            raise ValueError('stream names must not be empty')
        bad = [char for char in name
               if not (char in _STREAM_PUNCTUATION or _symbol_char_ok(char))]
        if bad:
            raise ValueError('invalid stream name {!r}: {!r} is not allowed in a stream name '
                             '(such as \'bnbbtc@aggTrade\')'.format(name, bad[0]))
    return 'stream?streams=' + '/'.join(streams)
