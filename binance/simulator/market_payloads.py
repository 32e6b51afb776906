"""Market stream payloads, field for field as Binance sends them.

Pure functions from market state to the dicts the streams carry (the feed
encodes them once with orjson). Field sets follow
``reference/binance-protocol.md`` section 2: the trade event has no ``b``/``a``
since June 2024, ``bookTicker`` and partial depth have no ``e``/``E``.
Prices and quantities are 8-decimal strings, ids and times are ints.
"""
from typing import List, Optional, Tuple

from .fixedpoint import format_e8, format_percent
from .market import AggTrade, SymbolMarket
from .stats import AVG_PRICE_WINDOW_MS, Candle, Trade

__all__ = [
    'trade_event', 'agg_trade_event', 'kline_event', 'mini_ticker_event', 'ticker_event',
    'window_ticker_event', 'book_ticker_event', 'avg_price_event', 'partial_depth_event',
    'diff_depth_event', 'DAY_MS',
]

#: The 24-hour window of ``@ticker`` and ``@miniTicker``.
DAY_MS = 86400000
_ZERO = '0.00000000'
_AVG_PRICE_INTERVAL = '{}m'.format(AVG_PRICE_WINDOW_MS // 60000)


def trade_event(symbol: str, trade: Trade, event_time: int) -> dict:
    """``<symbol>@trade``."""
    return {'e': 'trade', 'E': event_time, 's': symbol, 't': trade.id,
            'p': format_e8(trade.price), 'q': format_e8(trade.qty), 'T': trade.time,
            'm': trade.buyer_maker, 'M': True}


def agg_trade_event(symbol: str, agg: AggTrade, event_time: int) -> dict:
    """``<symbol>@aggTrade``."""
    return {'e': 'aggTrade', 'E': event_time, 's': symbol, 'a': agg.id,
            'p': format_e8(agg.price), 'q': format_e8(agg.qty), 'f': agg.first_id,
            'l': agg.last_id, 'T': agg.time, 'm': agg.buyer_maker, 'M': True}


def kline_event(symbol: str, interval: str, kline: Tuple[int, int, Candle], closed: bool,
                event_time: int) -> dict:
    """``<symbol>@kline_<interval>`` for ``kline = (open_time, next_open_time, candle)``."""
    start, end, candle = kline
    return {'e': 'kline', 'E': event_time, 's': symbol, 'k': {
        't': start, 'T': end - 1, 's': symbol, 'i': interval,
        'f': candle.first_id, 'L': candle.last_id,
        'o': _price(candle.open), 'c': _price(candle.close),
        'h': _price(candle.high), 'l': _price(candle.low),
        'v': format_e8(candle.volume), 'n': candle.count, 'x': closed,
        'q': format_e8(candle.quote), 'V': format_e8(candle.taker_volume),
        'Q': format_e8(candle.taker_quote), 'B': '0'}}


def mini_ticker_event(market: SymbolMarket, now: int) -> dict:
    """``<symbol>@miniTicker`` (24-hour rolling window)."""
    candle = market.stats.window(DAY_MS, now).candle
    return {'e': '24hrMiniTicker', 'E': now, 's': market.symbol,
            'c': _price(candle.close), 'o': _price(candle.open), 'h': _price(candle.high),
            'l': _price(candle.low), 'v': format_e8(candle.volume), 'q': format_e8(candle.quote)}


def ticker_event(market: SymbolMarket, now: int) -> dict:
    """``<symbol>@ticker`` (24-hour rolling window, with the book's best prices)."""
    window = market.stats.window(DAY_MS, now)
    candle = window.candle
    last = market.stats.last_trade
    bid, ask = market.book.best_bid(), market.book.best_ask()
    change, percent = _change(candle)
    bid_price, bid_qty = _level(market, bid)
    ask_price, ask_qty = _level(market, ask)
    return {'e': '24hrTicker', 'E': now, 's': market.symbol, 'p': change, 'P': percent,
            'w': _weighted(candle), 'x': _price(window.prev_close), 'c': _price(candle.close),
            'Q': format_e8(last.qty) if last is not None else _ZERO,
            'b': bid_price, 'B': bid_qty, 'a': ask_price, 'A': ask_qty,
            'o': _price(candle.open), 'h': _price(candle.high), 'l': _price(candle.low),
            'v': format_e8(candle.volume), 'q': format_e8(candle.quote),
            'O': window.open_time, 'C': window.close_time,
            'F': candle.first_id, 'L': candle.last_id, 'n': candle.count}


def window_ticker_event(market: SymbolMarket, window_name: str, window_ms: int,
                        now: int) -> dict:
    """``<symbol>@ticker_<window>``; the event type is e.g. ``1hTicker``."""
    window = market.stats.window(window_ms, now)
    candle = window.candle
    change, percent = _change(candle)
    return {'e': window_name + 'Ticker', 'E': now, 's': market.symbol,
            'p': change, 'P': percent, 'o': _price(candle.open), 'h': _price(candle.high),
            'l': _price(candle.low), 'c': _price(candle.close), 'w': _weighted(candle),
            'v': format_e8(candle.volume), 'q': format_e8(candle.quote),
            'O': window.open_time, 'C': window.close_time,
            'F': candle.first_id, 'L': candle.last_id, 'n': candle.count}


def book_ticker_event(market: SymbolMarket, update_id: int,
                      bid: Optional[Tuple[int, int]], ask: Optional[Tuple[int, int]]) -> dict:
    """``<symbol>@bookTicker`` (no event type or time, as on Binance)."""
    bid_price, bid_qty = _level(market, bid)
    ask_price, ask_qty = _level(market, ask)
    return {'u': update_id, 's': market.symbol, 'b': bid_price, 'B': bid_qty,
            'a': ask_price, 'A': ask_qty}


def avg_price_event(market: SymbolMarket, now: int) -> Optional[dict]:
    """``<symbol>@avgPrice``; None while the symbol has no trade."""
    avg = market.stats.avg_price(now)
    if avg is None:
        return None
    price, last_time = avg
    return {'e': 'avgPrice', 'E': now, 's': market.symbol, 'i': _AVG_PRICE_INTERVAL,
            'w': format_e8(price), 'T': last_time}


def partial_depth_event(market: SymbolMarket, levels: int) -> dict:
    """``<symbol>@depth<levels>``: the top of the book (no ``e``, ``E`` or ``s``)."""
    return market.depth_snapshot(levels)


def diff_depth_event(market: SymbolMarket, first_id: int, last_id: int,
                     bids: List[Tuple[int, int]], asks: List[Tuple[int, int]],
                     now: int) -> dict:
    """``<symbol>@depth``: absolute quantities of the levels changed in ``[U; u]``."""
    return {'e': 'depthUpdate', 'E': now, 's': market.symbol, 'U': first_id, 'u': last_id,
            'b': market.levels_str(bids), 'a': market.levels_str(asks)}


# -- shared pieces ----------------------------------------------------------

def _price(value: Optional[int]) -> str:
    return _ZERO if value is None else format_e8(value)


def _level(market: SymbolMarket, level: Optional[Tuple[int, int]]) -> Tuple[str, str]:
    if level is None:
        return _ZERO, _ZERO
    return market.price_str(level[0]), market.qty_str(level[1])


def _weighted(candle: Candle) -> str:
    if not candle.volume:
        return _ZERO
    return format_e8(candle.quote * 10 ** 8 // candle.volume)


def _change(candle: Candle) -> Tuple[str, str]:
    if not candle.count:
        return _ZERO, '0.000'
    change = candle.close - candle.open
    return format_e8(change), format_percent(change, candle.open)
