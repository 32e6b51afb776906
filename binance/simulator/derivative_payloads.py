"""Payloads of the derivatives venues' streams, field for field as Binance sends them.

Pure functions from market state to the dicts the streams carry. Field sets
follow Binance's USDⓈ-M, COIN-M and options stream pages as of 2026: USDⓈ-M
aggregate trades carry ``nq`` (the quantity without RPI orders, which the
simulator does not have, so it equals ``q``); COIN-M payloads add the pair
``ps`` and count quantities in contracts; futures book tickers and depth
events carry ``e``, ``E`` and the transaction time ``T``; every futures and
options depth event links to the previous one with ``pu``.

``coin`` selects the COIN-M variant of a futures payload.
"""
from typing import List, Optional, Tuple

from .derivative_market import DerivativeSymbolMarket, OptionsMarket, contract_usd, next_funding_ms
from .fixedpoint import E8, format_e8, format_percent
from .market import AggTrade
from .market_payloads import DAY_MS, kline_event, mini_ticker_event
from .stats import Candle, Trade

__all__ = [
    'futures_trade_event', 'futures_agg_trade_event', 'futures_book_ticker_event',
    'futures_depth_event', 'futures_ticker_event', 'futures_mini_ticker_event',
    'futures_kline_event', 'mark_price_event', 'force_order_event', 'option_trade_event',
    'option_book_ticker_event', 'option_kline_event', 'option_mark_price_entry', 'index_price_entry',
]

Top = Optional[Tuple[int, int]]
Levels = List[Tuple[int, int]]
_ZERO = '0.00000000'


def _pair(market: DerivativeSymbolMarket) -> str:
    return market.symbol.partition('_')[0]


def _with_pair(event: dict, market: DerivativeSymbolMarket, after: str = 's') -> dict:
    """``event`` with ``"ps"`` (the COIN-M pair) right after the ``after`` key."""
    out = {}
    for key, value in event.items():
        out[key] = value
        if key == after:
            out['ps'] = _pair(market)
    return out


def _side(buyer_maker: bool) -> str:
    """The taker's side: a buyer-maker trade was taken by a seller."""
    return 'SELL' if buyer_maker else 'BUY'


def futures_trade_event(market: DerivativeSymbolMarket, trade: Trade, now: int) -> dict:
    """``<symbol>@trade`` (undocumented for futures; the shape observed on ``/public``)."""
    return {'e': 'trade', 'E': now, 'T': trade.time, 's': market.symbol, 't': trade.id,
            'p': format_e8(trade.price), 'q': format_e8(trade.qty), 'X': 'MARKET', 'm': trade.buyer_maker}


def futures_agg_trade_event(market: DerivativeSymbolMarket, agg: AggTrade, now: int, coin: bool = False) -> dict:
    """``<symbol>@aggTrade``: USDⓈ-M with ``nq``, COIN-M without (and with ``a`` before ``s``)."""
    qty = format_e8(agg.qty)
    if coin:
        return {'e': 'aggTrade', 'E': now, 'a': agg.id, 's': market.symbol, 'p': format_e8(agg.price),
                'q': qty, 'f': agg.first_id, 'l': agg.last_id, 'T': agg.time, 'm': agg.buyer_maker}
    return {'e': 'aggTrade', 'E': now, 's': market.symbol, 'a': agg.id, 'p': format_e8(agg.price),
            'q': qty, 'nq': qty, 'f': agg.first_id, 'l': agg.last_id, 'T': agg.time, 'm': agg.buyer_maker}


def _level(market: DerivativeSymbolMarket, level: Top) -> Tuple[str, str]:
    if level is None:
        return _ZERO, _ZERO
    return market.price_str(level[0]), market.qty_str(level[1])


def futures_book_ticker_event(market: DerivativeSymbolMarket, update_id: int, bid: Top, ask: Top, now: int,
                              coin: bool = False) -> dict:
    """``<symbol>@bookTicker`` and ``!bookTicker``."""
    bid_price, bid_qty = _level(market, bid)
    ask_price, ask_qty = _level(market, ask)
    if coin:
        return {'e': 'bookTicker', 'u': update_id, 's': market.symbol, 'ps': _pair(market), 'b': bid_price,
                'B': bid_qty, 'a': ask_price, 'A': ask_qty, 'T': market.changed_ms, 'E': now}
    return {'e': 'bookTicker', 'u': update_id, 'E': now, 'T': market.changed_ms, 's': market.symbol,
            'b': bid_price, 'B': bid_qty, 'a': ask_price, 'A': ask_qty}


def futures_depth_event(market: DerivativeSymbolMarket, first_id: int, last_id: int, previous_id: int,
                        bids: Levels, asks: Levels, now: int, coin: bool = False) -> dict:
    """``depthUpdate`` of the diff and the partial depth streams (futures and options).

    Args:
        first_id: ``U``, the first book update in the event.
        last_id: ``u``, the last one.
        previous_id: ``pu``, the ``u`` of the stream's previous event.
    """
    event = {'e': 'depthUpdate', 'E': now, 'T': market.changed_ms, 's': market.symbol, 'U': first_id,
             'u': last_id, 'pu': previous_id, 'b': market.levels_str(bids), 'a': market.levels_str(asks)}
    return _with_pair(event, market) if coin else event


def _price(value: Optional[int]) -> str:
    return _ZERO if value is None else format_e8(value)


def _change(candle: Candle) -> Tuple[str, str]:
    if not candle.count:
        return _ZERO, '0.000'
    change = candle.close - candle.open
    return format_e8(change), format_percent(change, candle.open)


def _weighted(candle: Candle) -> str:
    return format_e8(candle.quote * E8 // candle.volume) if candle.volume else _ZERO


def _base_e8(market: DerivativeSymbolMarket, contracts: int, quote: int) -> int:
    """COIN-M volume in the base asset: contracts times their USD value over their average price.

    ``contracts`` and ``quote`` (contracts times price) are e8 sums of the same trades.
    """
    if not contracts or not quote:
        return 0
    # contracts * size / vwap, with vwap = quote / contracts
    return contracts * contract_usd(market.spec) * contracts // quote


def _base_volume_e8(market: DerivativeSymbolMarket, candle: Candle) -> int:
    return _base_e8(market, candle.volume, candle.quote)


def futures_ticker_event(market: DerivativeSymbolMarket, now: int, coin: bool = False) -> dict:
    """``<symbol>@ticker`` and the entries of ``!ticker@arr`` (also options' ``@optionTicker``).

    COIN-M: ``v`` in contracts, ``q`` in the base asset.
    """
    window = market.stats.window(DAY_MS, now)
    candle = window.candle
    last = market.stats.last_trade
    change, percent = _change(candle)
    quote = format_e8(_base_volume_e8(market, candle)) if coin else format_e8(candle.quote)
    event = {'e': '24hrTicker', 'E': now, 's': market.symbol, 'p': change, 'P': percent,
             'w': _weighted(candle), 'c': _price(candle.close),
             'Q': format_e8(last.qty) if last is not None else _ZERO,
             'o': _price(candle.open), 'h': _price(candle.high), 'l': _price(candle.low),
             'v': format_e8(candle.volume), 'q': quote, 'O': window.open_time, 'C': window.close_time,
             'F': candle.first_id, 'L': candle.last_id, 'n': candle.count}
    return _with_pair(event, market) if coin else event


def futures_mini_ticker_event(market: DerivativeSymbolMarket, now: int, coin: bool = False) -> dict:
    """``<symbol>@miniTicker`` and the entries of ``!miniTicker@arr``."""
    event = mini_ticker_event(market, now)
    if coin:
        event['q'] = format_e8(_base_volume_e8(market, market.stats.window(DAY_MS, now).candle))
        return _with_pair(event, market)
    return event


def futures_kline_event(market: DerivativeSymbolMarket, interval: str, kline: tuple, closed: bool,
                        now: int, coin: bool = False) -> dict:
    """``<symbol>@kline_<interval>`` (the spot shape; COIN-M ``q``/``Q`` in the base asset)."""
    event = kline_event(market.symbol, interval, kline, closed, now)
    if coin:
        candle = kline[2]
        event['k']['q'] = format_e8(_base_volume_e8(market, candle))
        event['k']['Q'] = format_e8(_base_e8(market, candle.taker_volume, candle.taker_quote))
    return event


def mark_price_event(market: DerivativeSymbolMarket, now: int, coin: bool = False) -> dict:
    """``<symbol>@markPrice[@1s]`` and the entries of ``!markPrice@arr``."""
    mark = format_e8(market.mark_price_e8())
    index = format_e8(market.index_price_e8())
    funding = format_e8(market.funding_rate_e8())
    next_funding = next_funding_ms(now)
    if coin:
        return {'e': 'markPriceUpdate', 'E': now, 's': market.symbol, 'p': mark, 'P': index, 'i': index,
                'r': funding, 'T': next_funding}
    return {'e': 'markPriceUpdate', 'E': now, 's': market.symbol, 'p': mark, 'i': index, 'P': index,
            'r': funding, 'ap': mark, 'T': next_funding}


def force_order_event(market: DerivativeSymbolMarket, agg: AggTrade, now: int, coin: bool = False) -> dict:
    """``<symbol>@forceOrder`` and ``!forceOrder@arr``: one liquidation, filled at once."""
    qty = format_e8(agg.qty)
    price = format_e8(agg.price)
    order = {'s': market.symbol, 'S': _side(agg.buyer_maker), 'o': 'LIMIT', 'f': 'IOC', 'q': qty,
             'p': price, 'ap': price, 'X': 'FILLED', 'l': qty, 'z': qty, 'T': agg.time}
    return {'e': 'forceOrder', 'E': now, 'o': _with_pair(order, market) if coin else order}


# -- options ------------------------------------------------------------------

def option_trade_event(market: DerivativeSymbolMarket, trade: Trade, now: int) -> dict:
    """``<symbol>@optionTrade``: ``t`` is a string, ``b``/``a`` the buy and sell order ids."""
    return {'e': 'trade', 'E': now, 's': market.symbol, 't': str(trade.id), 'p': format_e8(trade.price),
            'q': format_e8(trade.qty), 'b': 2 * trade.id, 'a': 2 * trade.id + 1, 'T': trade.time,
            'S': _side(trade.buyer_maker), 'X': 'MARKET'}


def option_book_ticker_event(market: DerivativeSymbolMarket, update_id: int, bid: Top, ask: Top,
                             now: int) -> dict:
    """``<symbol>@bookTicker`` of an option."""
    bid_price, bid_qty = _level(market, bid)
    ask_price, ask_qty = _level(market, ask)
    return {'e': 'bookTicker', 'u': update_id, 's': market.symbol, 'b': bid_price, 'B': bid_qty,
            'a': ask_price, 'A': ask_qty, 'T': market.changed_ms, 'E': now}


def option_kline_event(market: DerivativeSymbolMarket, interval: str, kline: tuple, closed: bool,
                       now: int) -> dict:
    """``<symbol>@kline_<interval>`` of an option (trade ids as ``F`` and ``L``, no ``B``)."""
    start, end, candle = kline
    return {'e': 'kline', 'E': now, 's': market.symbol, 'k': {
        't': start, 'T': end - 1, 's': market.symbol, 'i': interval, 'F': candle.first_id,
        'L': candle.last_id, 'o': _price(candle.open), 'c': _price(candle.close),
        'h': _price(candle.high), 'l': _price(candle.low), 'v': format_e8(candle.volume),
        'n': candle.count, 'x': closed, 'q': format_e8(candle.quote), 'V': format_e8(candle.taker_volume),
        'Q': format_e8(candle.taker_quote)}}


def _fixed(value: float) -> str:
    return '{:.8f}'.format(value)


def option_mark_price_entry(options: OptionsMarket, symbol: str, now: int) -> dict:
    """One entry of ``<underlying>@optionMarkPrice``: mark price, book, volatilities, greeks."""
    market = options[symbol]
    contract = options.contracts[symbol]
    greeks = options.greeks(symbol, now)
    mark_e8 = int(greeks.price * E8)
    bid, ask = market.book.best_bid(), market.book.best_ask()
    bid_price, bid_qty = _level(market, bid)
    ask_price, ask_qty = _level(market, ask)
    vol = contract.volatility
    return {'s': symbol, 'mp': format_e8(mark_e8), 'E': now, 'e': 'markPrice',
            'i': format_e8(options.underlying_price_e8(contract.underlying)),
            'P': format_e8(options.underlying_price_e8(contract.underlying)),
            'bo': bid_price, 'ao': ask_price, 'bq': bid_qty, 'aq': ask_qty,
            'b': _fixed(max(0.0, vol - 0.02)), 'a': _fixed(vol + 0.02),
            'hl': format_e8(mark_e8 * 3 // 2 + market.tick_e8), 'll': format_e8(market.tick_e8),
            'vo': _fixed(vol), 'rf': _ZERO, 'd': _fixed(greeks.delta), 't': _fixed(greeks.theta),
            'g': _fixed(greeks.gamma), 'v': _fixed(greeks.vega)}


def index_price_entry(options: OptionsMarket, underlying: str, now: int) -> dict:
    """One entry of ``!index@arr``."""
    return {'e': 'index', 'E': now, 's': underlying, 'p': format_e8(options.underlying_price_e8(underlying))}
