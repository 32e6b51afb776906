"""python-binance 0.7.11's futures and options socket methods, dialling where Binance serves them today.

Mixed into :class:`~binance.websockets.BinanceSocketManager`. Each method
builds its stream name, checks its arguments, and hands the name to the
manager's ``_open_streams``, which checks it against the venue's grammar,
routes it (USD-M futures and options are served on ``/public`` and
``/market`` since 2026) and opens it. Messages keep 0.7.11's shape: the
futures sockets deliver the combined form ``{"stream": ..., "data": ...}``
(0.7.11 opened them as ``stream?streams=``), the single options sockets the
raw payload. Options stream names changed on Binance's side; the methods
open today's (``@optionTicker``, ``@optionTrade``, ``@depth10@500ms``).

Added here, not in 0.7.11: futures diff and partial depth sockets for USD-M
and COIN-M (the depth cache needs them) and futures multiplex sockets; every
method takes ``delivery=`` (keyword only) as the spot sockets do (see
:meth:`~binance.websockets.BinanceSocketManager.start_multiplex_socket`).
"""
from typing import Any, List, Optional, Sequence

from . import _checks
from . import streams as stream_names
from ._manager import Callback, ConnKey
from .enums import KLINE_INTERVAL_1MINUTE
from .streams import OPTIONS_KLINE_INTERVALS
from .venues import COINM, OPTIONS, USDM

__all__ = ['DerivativeSockets', 'FUTURES_DEPTH_INTERVALS', 'OPTIONS_DEPTH_SPEED']

#: ``interval`` values of the futures depth sockets: ``None`` or ``0`` (250 ms), 100, 500.
FUTURES_DEPTH_INTERVALS = (None, 0, 100, 500)
#: The update speed options depth names need (python-binance 1.0 chose 500 ms too).
OPTIONS_DEPTH_SPEED = '500ms'


def _futures_symbol(symbol: Any) -> str:
    """A futures symbol or pair (``BTCUSDT``, ``BTCUSD_PERP``), lower-cased."""
    return stream_names.normalize_symbol(symbol, punctuation='_')


def _options_symbol(symbol: Any) -> str:
    """An options symbol (``BTC-261225-90000-C``), lower-cased."""
    return stream_names.normalize_symbol(symbol, punctuation='-')


def _lower_symbols(streams: Any) -> Any:
    """Stream names with their symbol part lower-cased; the type after ``@`` keeps its case.

    0.7.11 lower-cased whole options names, which turns ``@optionTicker``
    into a name Binance does not serve.
    """
    if not isinstance(streams, (list, tuple)):
        return streams  # the grammar refuses it with a TypeError
    lowered: List[Any] = []
    for name in streams:
        if isinstance(name, str) and '@' in name and not name.startswith('!'):
            symbol, rest = name.split('@', 1)
            name = symbol.lower() + '@' + rest
        lowered.append(name)
    return lowered


def _futures_depth(symbol: Any, depth: Optional[Any], interval: Optional[int]) -> str:
    name = _futures_symbol(symbol) + '@depth'
    if depth is not None:
        name += stream_names.check_depth(depth)
    if (interval is not None and type(interval) is not int) or \
            interval not in FUTURES_DEPTH_INTERVALS:
        raise ValueError('interval must be None or 0 (250 ms), 100 or 500, got {!r}'.format(
            interval))
    return name + ('@{}ms'.format(interval) if interval else '')


class DerivativeSockets:
    """Futures and options sockets (see the module docstring)."""

    def _open_streams(self, market: str, names: Sequence[str], callback: Callback, *,
                      combined: bool,
                      delivery: Any = None) -> ConnKey:  # pragma: no cover - the manager's
        raise NotImplementedError

    def _futures(self, name: str, callback: Callback, market: str = USDM,
                 delivery: Any = None) -> ConnKey:
        return self._open_streams(market, [name], callback, combined=True, delivery=delivery)

    # -- USD-M futures (python-binance 0.7.11) -------------------------------------------

    def start_aggtrade_futures_socket(self, symbol: str, callback: Callback, *,
                                      delivery: Any = None) -> ConnKey:
        """USD-M aggregated trades of ``symbol`` (``<symbol>@aggTrade``, route ``market``).

        Raises:
            TypeError, ValueError: bad symbol or callback.
        """
        return self._futures(_futures_symbol(symbol) + '@aggTrade', callback, delivery=delivery)

    def start_symbol_mark_price_socket(self, symbol: str, callback: Callback,
                                       fast: bool = True, *,
                                       delivery: Any = None) -> ConnKey:
        """Mark price and funding rate of ``symbol``: every second if ``fast``, else every 3 s.

        Raises:
            TypeError, ValueError: bad symbol, ``fast`` or callback.
        """
        suffix = '@markPrice@1s' if _checks.flag('fast', fast) else '@markPrice'
        return self._futures(_futures_symbol(symbol) + suffix, callback, delivery=delivery)

    def start_all_mark_price_socket(self, callback: Callback, fast: bool = True, *,
                                    delivery: Any = None) -> ConnKey:
        """Mark prices of every USD-M symbol (``!markPrice@arr``, ``@1s`` if ``fast``).

        Raises:
            TypeError: bad ``fast`` or callback.
        """
        return self._futures('!markPrice@arr@1s' if _checks.flag('fast', fast)
                             else '!markPrice@arr', callback, delivery=delivery)

    def start_symbol_ticker_futures_socket(self, symbol: str, callback: Callback, *,
                                           delivery: Any = None) -> ConnKey:
        """Best bid and ask of ``symbol`` (``<symbol>@bookTicker``, route ``public``).

        Raises:
            TypeError, ValueError: bad symbol or callback.
        """
        return self._futures(_futures_symbol(symbol) + '@bookTicker', callback,
                             delivery=delivery)

    def start_individual_symbol_ticker_futures_socket(self, symbol: str,
                                                      callback: Callback, *,
                                                      delivery: Any = None) -> ConnKey:
        """24-hour ticker of ``symbol`` (``<symbol>@ticker``, route ``market``).

        Raises:
            TypeError, ValueError: bad symbol or callback.
        """
        return self._futures(_futures_symbol(symbol) + '@ticker', callback, delivery=delivery)

    def start_all_ticker_futures_socket(self, callback: Callback, *,
                                        delivery: Any = None) -> ConnKey:
        """Best bid and ask of every USD-M symbol (``!bookTicker``, route ``public``).

        Raises:
            TypeError: callback not callable.
        """
        return self._futures(stream_names.ALL_BOOK_TICKERS, callback, delivery=delivery)

    # -- futures depth and multiplex (additions) ---------------------------------------

    def start_futures_depth_socket(self, symbol: str, callback: Callback,
                                   depth: Optional[Any] = None,
                                   interval: Optional[int] = None, *,
                                   delivery: Any = None) -> ConnKey:
        """USD-M diff depth (``depth=None``) or partial book (5, 10, 20) of ``symbol``.

        Args:
            symbol: the contract, e.g. ``'BTCUSDT'``.
            callback: called with ``{'stream': ..., 'data': ...}`` messages.
            depth: ``None`` for diff depth, else 5, 10 or 20.
            interval: ``None`` (every 250 ms), 100 or 500 (ms).

        Raises:
            TypeError, ValueError: bad symbol, depth, interval or callback.
        """
        return self._futures(_futures_depth(symbol, depth, interval), callback,
                             delivery=delivery)

    def start_coin_futures_depth_socket(self, symbol: str, callback: Callback,
                                        depth: Optional[Any] = None,
                                        interval: Optional[int] = None, *,
                                        delivery: Any = None) -> ConnKey:
        """COIN-M diff depth or partial book of ``symbol`` (e.g. ``'BTCUSD_PERP'``).

        Arguments as :meth:`start_futures_depth_socket`.

        Raises:
            TypeError, ValueError: bad symbol, depth, interval or callback.
        """
        return self._futures(_futures_depth(symbol, depth, interval), callback, COINM,
                             delivery=delivery)

    def start_futures_multiplex_socket(self, streams: Sequence[str], callback: Callback, *,
                                       delivery: Any = None) -> ConnKey:
        """One socket for several USD-M streams, delivered as ``{'stream', 'data'}``.

        Streams of the ``public`` and ``market`` routes may be mixed: each
        route gets its own connection, delivered to ``callback`` as one socket.

        Raises:
            TypeError, ValueError: bad stream list (a name USD-M futures do not
                serve, more than 1024) or callback.
        """
        return self._open_streams(USDM, streams, callback, combined=True,
                                  delivery=delivery)

    def start_coin_futures_multiplex_socket(self, streams: Sequence[str],
                                            callback: Callback, *,
                                            delivery: Any = None) -> ConnKey:
        """One socket for several COIN-M streams, delivered as ``{'stream', 'data'}``.

        Raises:
            TypeError, ValueError: bad stream list or callback.
        """
        return self._open_streams(COINM, streams, callback, combined=True,
                                  delivery=delivery)

    # -- options (python-binance 0.7.11) -------------------------------------------------

    def _option(self, name: str, callback: Callback, delivery: Any = None) -> ConnKey:
        return self._open_streams(OPTIONS, [name], callback, combined=False, delivery=delivery)

    def start_options_multiplex_socket(self, streams: Sequence[str], callback: Callback, *,
                                       delivery: Any = None) -> ConnKey:
        """One socket for several options streams, delivered as ``{'stream', 'data'}``.

        Symbols are lower-cased for you (the stream type keeps its case).
        Streams of both routes may be mixed (one connection per route).

        Raises:
            TypeError, ValueError: bad stream list (a name the options venue does
                not serve, more than 200) or callback.
        """
        return self._open_streams(OPTIONS, _lower_symbols(streams), callback, combined=True,
                                  delivery=delivery)

    def start_options_ticker_socket(self, symbol: str, callback: Callback, *,
                                    delivery: Any = None) -> ConnKey:
        """24-hour ticker of the option ``symbol`` (today ``<symbol>@optionTicker``).

        Raises:
            TypeError, ValueError: bad symbol or callback.
        """
        return self._option(_options_symbol(symbol) + '@optionTicker', callback, delivery)

    def start_options_recent_trades_socket(self, symbol: str, callback: Callback, *,
                                           delivery: Any = None) -> ConnKey:
        """Trades of the option ``symbol`` (today ``<symbol>@optionTrade``).

        Raises:
            TypeError, ValueError: bad symbol or callback.
        """
        return self._option(_options_symbol(symbol) + '@optionTrade', callback, delivery)

    def start_options_kline_socket(self, symbol: str, callback: Callback,
                                   interval: str = KLINE_INTERVAL_1MINUTE, *,
                                   delivery: Any = None) -> ConnKey:
        """Klines of the option ``symbol`` (``<symbol>@kline_<interval>``, route ``market``).

        Raises:
            TypeError, ValueError: bad symbol, interval (options have no 1s,
                8h or 1M klines) or callback.
        """
        name = _options_symbol(symbol) + '@kline_' + stream_names.check_kline_interval(
            interval, OPTIONS_KLINE_INTERVALS)
        return self._option(name, callback, delivery)

    def start_options_depth_socket(self, symbol: str, callback: Callback,
                                   depth: str = '10', *,
                                   delivery: Any = None) -> ConnKey:
        """Top ``depth`` (5, 10, 20) levels of the option ``symbol`` (``<symbol>@depth10@500ms``).

        Raises:
            TypeError, ValueError: bad symbol, depth or callback.
        """
        name = '{}@depth{}@{}'.format(_options_symbol(symbol), stream_names.check_depth(depth),
                                      OPTIONS_DEPTH_SPEED)
        return self._option(name, callback, delivery)

