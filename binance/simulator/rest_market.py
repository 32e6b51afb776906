"""The simulator's public market-data endpoints (``/api/v3``), from its own market.

Every answer is built from the state the streams publish: tickers from the
same 24-hour window and book as ``@ticker`` and ``@bookTicker``
(:mod:`binance.simulator.market_payloads` builds both), klines from the
candles the kline streams are folded from, trades from the trade tape
(:mod:`binance.simulator.tape`).
"""
from typing import Any, Callable, Dict, List, Mapping, Optional

from ..enums import KLINE_INTERVALS
from . import apierrors
from .fixedpoint import format_e8
from .market import UnknownSymbolError
from .market_payloads import avg_price_event, book_ticker_event, ticker_event
from .rest_params import optional_int, required, symbol_list
from .rest_route import Route
from .stats import AVG_PRICE_WINDOW_MS, Candle

__all__ = ['ROUTES', 'ticker_weight', 'kline_row', 'trade_row', 'agg_trade_row']

DEFAULT_LIMIT = 500
MAX_LIMIT = 1000
_HOUR_MS = 60 * 60 * 1000


def ticker_weight(per_symbol: int, all_symbols: int) -> Callable[[Mapping[str, str]], int]:
    """Weight of a ticker endpoint: by the number of ``symbols``, or for all of them."""
    def weight(params: Mapping[str, str]) -> int:
        if params.get('symbol'):
            return per_symbol
        raw = params.get('symbols')
        if not raw:
            return all_symbols
        count = raw.count(',') + 1
        if count <= 20:
            return per_symbol
        return all_symbols // 2 if count <= 100 else all_symbols
    return weight


def _markets(api: Any, params: Mapping[str, str]) -> Optional[List[Any]]:
    """The SymbolMarkets named by ``symbol``/``symbols`` (None: all are wanted)."""
    names = symbol_list(params)
    if names is None:
        return None
    try:
        return [api.sim.market[name] for name in names]
    except UnknownSymbolError:
        raise apierrors.bad_symbol() from None


def _one_or_all(api: Any, params: Mapping[str, str], row: Callable[[Any], Dict[str, Any]]) -> Any:
    markets = _markets(api, params)
    if markets is None:
        market = api.sim.market
        return [row(market[name]) for name in market.symbols]
    rows = [row(m) for m in markets]
    return rows[0] if params.get('symbol') else rows


def _symbol_market(api: Any, params: Mapping[str, str]) -> Any:
    name = required(params, 'symbol')
    try:
        return api.sim.market[name]
    except UnknownSymbolError:
        raise apierrors.bad_symbol() from None


def _limit(params: Mapping[str, str]) -> int:
    value = optional_int(params, 'limit', DEFAULT_LIMIT, low=1, high=MAX_LIMIT, clamp=True)
    assert value is not None
    return value


def trade_row(trade: Any) -> Dict[str, Any]:
    """A trade as ``GET /api/v3/trades`` shows it."""
    return {'id': trade.id, 'price': format_e8(trade.price), 'qty': format_e8(trade.qty),
            'quoteQty': format_e8(trade.quote), 'time': trade.time,
            'isBuyerMaker': trade.buyer_maker, 'isBestMatch': True}


def agg_trade_row(agg: Any) -> Dict[str, Any]:
    """An aggregate trade as ``GET /api/v3/aggTrades`` shows it (the ``@aggTrade`` fields)."""
    return {'a': agg.id, 'p': format_e8(agg.price), 'q': format_e8(agg.qty), 'f': agg.first_id,
            'l': agg.last_id, 'T': agg.time, 'm': agg.buyer_maker, 'M': True}


def kline_row(open_time: int, close_time: int, candle: Candle) -> List[Any]:
    """One ``GET /api/v3/klines`` row."""
    price = format_e8
    return [open_time, price(candle.open), price(candle.high), price(candle.low),
            price(candle.close), format_e8(candle.volume), close_time, format_e8(candle.quote),
            candle.count, format_e8(candle.taker_volume), format_e8(candle.taker_quote), '0']


def trades(api: Any, call: Any) -> Any:
    """``GET /api/v3/trades``: the newest trades."""
    market = _symbol_market(api, call.params)
    return [trade_row(t) for t in market.tape.recent(_limit(call.params))]


def historical_trades(api: Any, call: Any) -> Any:
    """``GET /api/v3/historicalTrades``: trades from ``fromId`` (default: the newest)."""
    market = _symbol_market(api, call.params)
    limit = _limit(call.params)
    from_id = optional_int(call.params, 'fromId', low=0)
    if from_id is None:
        rows = market.tape.recent(limit)
    else:
        rows = market.tape.trades_from(from_id, limit)
    return [trade_row(t) for t in rows]


def agg_trades(api: Any, call: Any) -> Any:
    """``GET /api/v3/aggTrades``: by ``fromId``, by time window (at most one hour), or the newest."""
    params = call.params
    market = _symbol_market(api, params)
    limit = _limit(params)
    from_id = optional_int(params, 'fromId', low=0)
    start = optional_int(params, 'startTime', low=0)
    end = optional_int(params, 'endTime', low=0)
    if start is not None and end is not None and (end < start or end - start > _HOUR_MS):
        raise apierrors.ApiError(400, -1127, 'More than 1 hours between startTime and endTime.')
    if from_id is not None:
        rows = [a for a in market.tape.aggs_from(from_id, limit)
                if (start is None or a.time >= start) and (end is None or a.time <= end)]
    elif start is None and end is None:
        rows = list(market.tape.aggs)[-limit:]
    else:
        if start is None:
            start = end - _HOUR_MS  # type: ignore[operator]
        rows = market.tape.aggs_between(start, end, limit)
    return [agg_trade_row(a) for a in rows]


def klines(api: Any, call: Any) -> Any:
    """``GET /api/v3/klines``."""
    params = call.params
    market = _symbol_market(api, params)
    interval = required(params, 'interval')
    if interval not in KLINE_INTERVALS:
        raise apierrors.ApiError(400, -1120, 'Invalid interval.')
    zone = params.get('timeZone')
    if zone not in (None, '', '0', '+00:00', '-00:00', '00:00'):
        raise apierrors.invalid_value('timeZone')
    start = optional_int(params, 'startTime', low=0)
    end = optional_int(params, 'endTime', low=0)
    rows = market.tape.klines(interval, start, end, _limit(params), call.now_ms)
    return [kline_row(*row) for row in rows]


def avg_price(api: Any, call: Any) -> Any:
    """``GET /api/v3/avgPrice`` (the ``@avgPrice`` stream's value)."""
    market = _symbol_market(api, call.params)
    event = avg_price_event(market, call.now_ms)
    if event is None:
        return {'mins': AVG_PRICE_WINDOW_MS // 60000, 'price': '0.00000000', 'closeTime': call.now_ms}
    return {'mins': AVG_PRICE_WINDOW_MS // 60000, 'price': event['w'], 'closeTime': event['T']}


# REST names of the @ticker fields.
_TICKER_FIELDS = (
    ('priceChange', 'p'), ('priceChangePercent', 'P'), ('weightedAvgPrice', 'w'),
    ('prevClosePrice', 'x'), ('lastPrice', 'c'), ('lastQty', 'Q'), ('bidPrice', 'b'),
    ('bidQty', 'B'), ('askPrice', 'a'), ('askQty', 'A'), ('openPrice', 'o'), ('highPrice', 'h'),
    ('lowPrice', 'l'), ('volume', 'v'), ('quoteVolume', 'q'), ('openTime', 'O'),
    ('closeTime', 'C'), ('firstId', 'F'), ('lastId', 'L'), ('count', 'n'))
_MINI_FIELDS = ('openPrice', 'highPrice', 'lowPrice', 'lastPrice', 'volume', 'quoteVolume',
                'openTime', 'closeTime', 'firstId', 'lastId', 'count')


def ticker_24hr(api: Any, call: Any) -> Any:
    """``GET /api/v3/ticker/24hr``: the ``@ticker`` statistics under their REST names."""
    kind = call.params.get('type') or 'FULL'
    if kind not in ('FULL', 'MINI'):
        raise apierrors.invalid_value('type')

    def row(market: Any) -> Dict[str, Any]:
        event = ticker_event(market, call.now_ms)
        answer = {'symbol': market.symbol}
        for name, key in _TICKER_FIELDS:
            if kind == 'FULL' or name in _MINI_FIELDS:
                answer[name] = event[key]
        return answer
    return _one_or_all(api, call.params, row)


def ticker_price(api: Any, call: Any) -> Any:
    """``GET /api/v3/ticker/price``: the last trade's price."""
    def row(market: Any) -> Dict[str, Any]:
        return {'symbol': market.symbol, 'price': format_e8(market.stats.last_price or 0)}
    return _one_or_all(api, call.params, row)


def book_ticker(api: Any, call: Any) -> Any:
    """``GET /api/v3/ticker/bookTicker``: the best bid and ask, as ``@bookTicker`` shows them."""
    def row(market: Any) -> Dict[str, Any]:
        event = book_ticker_event(market, market.update_id, market.book.best_bid(),
                                  market.book.best_ask())
        return {'symbol': market.symbol, 'bidPrice': event['b'], 'bidQty': event['B'],
                'askPrice': event['a'], 'askQty': event['A']}
    return _one_or_all(api, call.params, row)


def products(api: Any, call: Any) -> Any:
    """The website's product list (``get_products``), from the listed symbols."""
    rows = []
    for name in api.sim.market.symbols:
        market = api.sim.market[name]
        spec = market.spec
        rows.append({'s': name, 'st': 'TRADING', 'b': spec.base_asset, 'q': spec.quote_asset,
                     'ts': spec.tick_size, 'c': format_e8(market.stats.last_price or 0)})
    return {'code': '000000', 'message': None, 'messageDetail': None, 'data': rows,
            'success': True}


#: ``(method, path) -> Route`` of this module.
ROUTES: Dict[Any, Route] = {
    ('GET', '/api/v3/trades'): Route(trades, 25),
    ('GET', '/api/v3/historicalTrades'): Route(historical_trades, 25),
    ('GET', '/api/v3/aggTrades'): Route(agg_trades, 4),
    ('GET', '/api/v3/klines'): Route(klines, 2),
    ('GET', '/api/v3/avgPrice'): Route(avg_price, 2),
    ('GET', '/api/v3/ticker/24hr'): Route(ticker_24hr, ticker_weight(2, 80)),
    ('GET', '/api/v3/ticker/price'): Route(ticker_price, ticker_weight(2, 4)),
    ('GET', '/api/v3/ticker/bookTicker'): Route(book_ticker, ticker_weight(2, 4)),
    ('GET', '/bapi/asset/v2/public/asset-service/product/get-products'): Route(products, 1),
}
