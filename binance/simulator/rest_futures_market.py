"""Futures and options market data over REST (``/fapi``, ``/dapi``, ``/futures/data``, ``/eapi``).

Answers come from the venues' own markets (:mod:`binance.simulator.venues`)
and are built from the same state as their streams: tickers, mark prices and
book tickers through the stream payload builders of
:mod:`binance.simulator.derivative_payloads` (renamed to the REST fields),
depth from the venue's snapshot (``lastUpdateId`` links it to the ``@depth``
stream with ``pu``), klines and trades from the trade tape. Funding and open
interest history cover the time since the simulator started; open interest is
the venue's 24-hour volume.
"""
from typing import Any, Callable, Dict, List, Mapping

from .._weights import futures_depth_weight
from ..enums import KLINE_INTERVALS
from . import apierrors
from .derivative_market import FUNDING_INTERVAL_MS, contract_usd, parse_option_symbol
from .derivative_payloads import (futures_book_ticker_event, futures_kline_event, futures_ticker_event,
                                  index_price_entry, mark_price_event, option_mark_price_entry)
from .fixedpoint import format_e8
from .market import UnknownSymbolError
from .market_payloads import DAY_MS
from .market_symbols import RATE_LIMITS
from .rest_market import agg_trade_row, kline_row, ticker_weight, trade_row
from .rest_params import optional_int, required
from .rest_route import Call, Route

__all__ = ['ROUTES']

_USDM, _COINM, _OPTIONS = 'usdm', 'coinm', 'options'
_PERPETUAL_DELIVERY = 4133404800000   # 2100-12-25, Binance's "no delivery" date
_PERIODS = {'5m': 300000, '15m': 900000, '30m': 1800000, '1h': 3600000, '2h': 7200000,
            '4h': 14400000, '6h': 21600000, '12h': 43200000, '1d': 86400000}


def _market(api: Any, venue: str) -> Any:
    return api.sim.venue(venue).market


def _symbol_market(api: Any, call: Call, venue: str, name: str = 'symbol') -> Any:
    try:
        return _market(api, venue)[required(call.params, name)]
    except UnknownSymbolError:
        raise apierrors.bad_symbol() from None


def _one_or_all(api: Any, call: Call, venue: str, row: Callable[[Any], Dict[str, Any]]) -> Any:
    if call.params.get('symbol'):
        return row(_symbol_market(api, call, venue))
    market = _market(api, venue)
    return [row(market[name]) for name in market.symbols]


def _limit(call: Call, default: int, high: int) -> int:
    value = optional_int(call.params, 'limit', default, low=1, high=high, clamp=True)
    assert value is not None
    return value


# -- exchange information ----------------------------------------------------------

def _futures_symbol(market: Any, coin: bool) -> Dict[str, Any]:
    spec = market.spec
    pair = spec.symbol.partition('_')[0]
    decimals = [len(s.partition('.')[2].rstrip('0')) for s in (spec.tick_size, spec.step_size)]
    entry: Dict[str, Any] = {
        'symbol': spec.symbol, 'pair': pair, 'contractType': 'PERPETUAL',
        'deliveryDate': _PERPETUAL_DELIVERY, 'onboardDate': 1569398400000, 'status': 'TRADING',
        'maintMarginPercent': '2.5000', 'requiredMarginPercent': '5.0000',
        'baseAsset': spec.base_asset, 'quoteAsset': spec.quote_asset,
        'marginAsset': spec.base_asset if coin else spec.quote_asset,
        'pricePrecision': decimals[0], 'quantityPrecision': decimals[1],
        'baseAssetPrecision': 8, 'quotePrecision': 8, 'underlyingType': 'COIN',
        'underlyingSubType': [], 'settlePlan': 0, 'triggerProtect': '0.0500',
        'liquidationFee': '0.012500', 'marketTakeBound': '0.05',
        'filters': [
            {'filterType': 'PRICE_FILTER', 'minPrice': spec.tick_size, 'maxPrice': '4529764',
             'tickSize': spec.tick_size},
            {'filterType': 'LOT_SIZE', 'minQty': spec.step_size, 'maxQty': '1000',
             'stepSize': spec.step_size},
            {'filterType': 'MARKET_LOT_SIZE', 'minQty': spec.step_size, 'maxQty': '120',
             'stepSize': spec.step_size},
            {'filterType': 'MAX_NUM_ORDERS', 'limit': 200},
            {'filterType': 'PERCENT_PRICE', 'multiplierUp': '1.0500', 'multiplierDown': '0.9500',
             'multiplierDecimal': '4'}],
        'orderTypes': ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT',
                       'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'],
        'timeInForce': ['GTC', 'IOC', 'FOK', 'GTX', 'GTD']}
    if coin:
        entry.update(contractSize=contract_usd(spec), contractStatus='TRADING', equalQtyPrecision=4)
    else:
        entry['filters'].append({'filterType': 'MIN_NOTIONAL', 'notional': '5'})
    return entry


def _futures_exchange_info(venue: str) -> Callable[[Any, Call], Any]:
    coin = venue == _COINM

    def handler(api: Any, call: Call) -> Any:
        market = _market(api, venue)
        symbols = [_futures_symbol(market[name], coin) for name in market.symbols]
        assets = sorted({s['marginAsset'] for s in symbols})
        answer: Dict[str, Any] = {
            'timezone': 'UTC', 'serverTime': call.now_ms,
            'rateLimits': [dict(limit) for limit in RATE_LIMITS], 'exchangeFilters': [],
            'symbols': symbols}
        if not coin:
            answer['futuresType'] = 'U_MARGINED'
            answer['assets'] = [{'asset': a, 'marginAvailable': True, 'autoAssetExchange': '-10000'}
                                for a in assets]
        return answer
    return handler


def options_exchange_info(api: Any, call: Call) -> Any:
    """``GET /eapi/v1/exchangeInfo``."""
    options = _market(api, _OPTIONS)
    rows = []
    for name in options.symbols:
        contract = options.contracts[name]
        spec = options[name].spec
        base, expiry, strike, call_side = parse_option_symbol(name)
        rows.append({
            'symbol': name, 'side': 'CALL' if call_side else 'PUT', 'strikePrice': str(strike),
            'underlying': contract.underlying, 'unit': 1, 'expiryDate': expiry,
            'makerFeeRate': '0.0002', 'takerFeeRate': '0.0002', 'minQty': spec.step_size,
            'maxQty': '10000', 'initialMargin': '0.15', 'maintenanceMargin': '0.075',
            'minInitialMargin': '0.1', 'minMaintenanceMargin': '0.05',
            'priceScale': len(spec.tick_size.partition('.')[2]),
            'quantityScale': len(spec.step_size.partition('.')[2]), 'quoteAsset': 'USDT',
            'status': 'TRADING',
            'filters': [{'filterType': 'PRICE_FILTER', 'minPrice': spec.tick_size,
                         'maxPrice': '1000000', 'tickSize': spec.tick_size},
                        {'filterType': 'LOT_SIZE', 'minQty': spec.step_size, 'maxQty': '10000',
                         'stepSize': spec.step_size}]})
    contracts = [{'baseAsset': u[:-4], 'quoteAsset': 'USDT', 'underlying': u, 'settleAsset': 'USDT'}
                 for u in options.underlyings]
    return {'timezone': 'UTC', 'serverTime': call.now_ms, 'optionContracts': contracts,
            'optionAssets': [{'name': 'USDT'}], 'optionSymbols': rows,
            'rateLimits': [dict(limit) for limit in RATE_LIMITS]}


# -- book, trades, klines ------------------------------------------------------------

def _depth(venue: str, default: int, high: int) -> Callable[[Any, Call], Any]:
    def handler(api: Any, call: Call) -> Any:
        market = _symbol_market(api, call, venue)
        return _market(api, venue).depth_snapshot(market.symbol, _limit(call, default, high))
    return handler


def _futures_trade(trade: Any, coin: bool, market: Any) -> Dict[str, Any]:
    row = trade_row(trade)
    del row['isBestMatch']
    if coin:
        del row['quoteQty']
        row['baseQty'] = format_e8(trade.qty * contract_usd(market.spec) * 10 ** 8 // trade.price)
    return row


def _trades(venue: str, from_id: bool) -> Callable[[Any, Call], Any]:
    coin = venue == _COINM

    def handler(api: Any, call: Call) -> Any:
        market = _symbol_market(api, call, venue)
        limit = _limit(call, 500, 1000)
        start = optional_int(call.params, 'fromId', low=0) if from_id else None
        trades = market.tape.recent(limit) if start is None else market.tape.trades_from(start, limit)
        if venue == _OPTIONS:
            return [{'id': t.id, 'tradeId': t.id, 'symbol': market.symbol, 'price': format_e8(t.price),
                     'qty': format_e8(t.qty), 'quoteQty': format_e8(t.quote),
                     'side': -1 if t.buyer_maker else 1, 'time': t.time} for t in trades]
        return [_futures_trade(t, coin, market) for t in trades]
    return handler


def _agg_trades(venue: str) -> Callable[[Any, Call], Any]:
    def handler(api: Any, call: Call) -> Any:
        market = _symbol_market(api, call, venue)
        limit = _limit(call, 500, 1000)
        from_id = optional_int(call.params, 'fromId', low=0)
        start = optional_int(call.params, 'startTime', low=0)
        end = optional_int(call.params, 'endTime', low=0)
        if from_id is not None:
            rows = market.tape.aggs_from(from_id, limit)
        elif start is None and end is None:
            rows = list(market.tape.aggs)[-limit:]
        else:
            rows = market.tape.aggs_between(start, end, limit)
        answer = []
        for agg in rows:
            row = agg_trade_row(agg)
            del row['M']
            answer.append(row)
        return answer
    return handler


def _interval(call: Call) -> str:
    interval = required(call.params, 'interval')
    if interval not in KLINE_INTERVALS:
        raise apierrors.ApiError(400, -1120, 'Invalid interval.')
    return interval


def _kline_rows(market: Any, call: Call, interval: str, coin: bool) -> List[List[Any]]:
    start = optional_int(call.params, 'startTime', low=0)
    end = optional_int(call.params, 'endTime', low=0)
    rows = []
    for open_time, close_time, candle in market.tape.klines(interval, start, end,
                                                            _limit(call, 500, 1500), call.now_ms):
        row = kline_row(open_time, close_time, candle)
        if coin:   # quote volumes in the base asset, as the COIN-M streams count them
            k = futures_kline_event(market, interval, (open_time, close_time + 1, candle), False,
                                    call.now_ms, coin=True)['k']
            row[7], row[10] = k['q'], k['Q']
        rows.append(row)
    return rows


def _klines(venue: str) -> Callable[[Any, Call], Any]:
    def handler(api: Any, call: Call) -> Any:
        market = _symbol_market(api, call, venue)
        return _kline_rows(market, call, _interval(call), venue == _COINM)
    return handler


def _continuous_klines(venue: str) -> Callable[[Any, Call], Any]:
    def handler(api: Any, call: Call) -> Any:
        if required(call.params, 'contractType') != 'PERPETUAL':
            raise apierrors.invalid_value('contractType')
        pair = required(call.params, 'pair')
        symbol = pair + '_PERP' if venue == _COINM else pair
        market = _market(api, venue)
        if symbol not in market:
            raise apierrors.bad_symbol()
        return _kline_rows(market[symbol], call, _interval(call), venue == _COINM)
    return handler


def options_klines(api: Any, call: Call) -> Any:
    """``GET /eapi/v1/klines``: objects, not rows, as eapi answers."""
    market = _symbol_market(api, call, _OPTIONS)
    interval = _interval(call)
    start = optional_int(call.params, 'startTime', low=0)
    end = optional_int(call.params, 'endTime', low=0)
    rows = []
    for open_time, close_time, c in market.tape.klines(interval, start, end, _limit(call, 500, 1500),
                                                       call.now_ms):
        rows.append({'open': format_e8(c.open), 'high': format_e8(c.high), 'low': format_e8(c.low),
                     'close': format_e8(c.close), 'volume': format_e8(c.volume),
                     'amount': format_e8(c.quote), 'interval': interval, 'tradeCount': c.count,
                     'takerVolume': format_e8(c.taker_volume), 'takerAmount': format_e8(c.taker_quote),
                     'openTime': open_time, 'closeTime': close_time})
    return rows


# -- tickers and prices --------------------------------------------------------------

_FUTURES_TICKER = (('priceChange', 'p'), ('priceChangePercent', 'P'), ('weightedAvgPrice', 'w'),
                   ('lastPrice', 'c'), ('lastQty', 'Q'), ('openPrice', 'o'), ('highPrice', 'h'),
                   ('lowPrice', 'l'), ('volume', 'v'), ('quoteVolume', 'q'), ('openTime', 'O'),
                   ('closeTime', 'C'), ('firstId', 'F'), ('lastId', 'L'), ('count', 'n'))


Row = Callable[[Any, Call, bool], Dict[str, Any]]


def _per_symbol(venue: str, build: Row, pair_key: str = 'pair') -> Callable[[Any, Call], Any]:
    """A handler answering ``build(market, call, coin)`` for one symbol or all; COIN-M rows
    also name their pair (under ``pair_key``)."""
    coin = venue == _COINM

    def handler(api: Any, call: Call) -> Any:
        def row(market: Any) -> Dict[str, Any]:
            answer = {'symbol': market.symbol}
            if coin:
                answer[pair_key] = market.symbol.partition('_')[0]
            answer.update(build(market, call, coin))
            return answer
        return _one_or_all(api, call, venue, row)
    return handler


def _ticker_row(market: Any, call: Call, coin: bool) -> Dict[str, Any]:
    event = futures_ticker_event(market, call.now_ms, coin=coin)
    return {('baseVolume' if coin and name == 'quoteVolume' else name): event[key]
            for name, key in _FUTURES_TICKER}


def _price_row(market: Any, call: Call, coin: bool) -> Dict[str, Any]:
    return {'price': format_e8(market.stats.last_price or 0), 'time': call.now_ms}


def _book_row(market: Any, call: Call, coin: bool) -> Dict[str, Any]:
    event = futures_book_ticker_event(market, market.update_id, market.book.best_bid(),
                                      market.book.best_ask(), call.now_ms, coin=coin)
    return {'bidPrice': event['b'], 'bidQty': event['B'], 'askPrice': event['a'],
            'askQty': event['A'], 'time': event['T'], 'lastUpdateId': event['u']}


def _premium_row(market: Any, call: Call, coin: bool) -> Dict[str, Any]:
    event = mark_price_event(market, call.now_ms, coin=coin)
    return {'markPrice': event['p'], 'indexPrice': event['i'], 'estimatedSettlePrice': event['P'],
            'lastFundingRate': event['r'], 'interestRate': '0.00010000',
            'nextFundingTime': event['T'], 'time': call.now_ms}


def _funding_rate(venue: str) -> Callable[[Any, Call], Any]:
    def handler(api: Any, call: Call) -> Any:
        market = _symbol_market(api, call, venue)
        start = max(optional_int(call.params, 'startTime', low=0) or 0, market.tape.start_ms)
        end = min(optional_int(call.params, 'endTime', low=0) or call.now_ms, call.now_ms)
        first = (start // FUNDING_INTERVAL_MS + 1) * FUNDING_INTERVAL_MS
        rate = format_e8(market.funding_rate_e8())
        mark = format_e8(market.mark_price_e8())
        times = range(first, end + 1, FUNDING_INTERVAL_MS)
        return [{'symbol': market.symbol, 'fundingRate': rate, 'fundingTime': t, 'markPrice': mark}
                for t in times][-_limit(call, 100, 1000):]
    return handler


def _open_interest_value(market: Any, now: int) -> str:
    return format_e8(market.stats.window(DAY_MS, now).candle.volume)


def _open_interest(venue: str) -> Callable[[Any, Call], Any]:
    def handler(api: Any, call: Call) -> Any:
        market = _symbol_market(api, call, venue)
        answer = {'symbol': market.symbol, 'openInterest': _open_interest_value(market, call.now_ms),
                  'time': call.now_ms}
        if venue == _COINM:
            answer.update(pair=market.symbol.partition('_')[0], contractType='PERPETUAL')
        return answer
    return handler


def _open_interest_hist(venue: str) -> Callable[[Any, Call], Any]:
    def handler(api: Any, call: Call) -> Any:
        params = call.params
        if venue == _COINM:
            symbol = required(params, 'pair') + '_PERP'
            if required(params, 'contractType') != 'PERPETUAL':
                raise apierrors.invalid_value('contractType')
        else:
            symbol = required(params, 'symbol')
        market = _market(api, venue)
        if symbol not in market:
            raise apierrors.bad_symbol()
        period = _PERIODS.get(required(params, 'period'))
        if period is None:
            raise apierrors.invalid_value('period')
        symbol_market = market[symbol]
        start = max(optional_int(params, 'startTime', low=0) or 0, symbol_market.tape.start_ms)
        first = -(-start // period) * period
        value = _open_interest_value(symbol_market, call.now_ms)
        rows = [{'symbol': symbol, 'sumOpenInterest': value, 'sumOpenInterestValue': value,
                 'timestamp': t} for t in range(first, call.now_ms + 1, period)]
        return rows[-_limit(call, 30, 500):]
    return handler


# -- options prices ------------------------------------------------------------------

def options_index(api: Any, call: Call) -> Any:
    """``GET /eapi/v1/index``: the underlying's index price."""
    options = _market(api, _OPTIONS)
    underlying = required(call.params, 'underlying')
    if underlying not in options.underlyings:
        raise apierrors.bad_symbol()
    entry = index_price_entry(options, underlying, call.now_ms)
    return {'time': call.now_ms, 'indexPrice': entry['p']}


def _options_rows(api: Any, call: Call, row: Callable[[Any, str], Dict[str, Any]]) -> Any:
    options = _market(api, _OPTIONS)
    if call.params.get('symbol'):
        return [row(options, _symbol_market(api, call, _OPTIONS).symbol)]
    return [row(options, name) for name in options.symbols]


def options_ticker(api: Any, call: Call) -> Any:
    """``GET /eapi/v1/ticker``: always a list, as eapi answers."""
    def row(options: Any, name: str) -> Dict[str, Any]:
        market = options[name]
        event = futures_ticker_event(market, call.now_ms)
        bid, ask = market.book.best_bid(), market.book.best_ask()
        contract = options.contracts[name]
        return {'symbol': name, 'priceChange': event['p'], 'priceChangePercent': event['P'],
                'lastPrice': event['c'], 'lastQty': event['Q'], 'open': event['o'],
                'high': event['h'], 'low': event['l'], 'volume': event['v'], 'amount': event['q'],
                'bidPrice': market.price_str(bid[0]) if bid else '0',
                'askPrice': market.price_str(ask[0]) if ask else '0',
                'openTime': event['O'], 'closeTime': event['C'], 'firstTradeId': event['F'],
                'tradeCount': event['n'], 'strikePrice': str(contract.strike),
                'exercisePrice': format_e8(options.underlying_price_e8(contract.underlying))}
    return _options_rows(api, call, row)


def options_mark(api: Any, call: Call) -> Any:
    """``GET /eapi/v1/mark``: the ``@optionMarkPrice`` values under their REST names."""
    def row(options: Any, name: str) -> Dict[str, Any]:
        e = option_mark_price_entry(options, name, call.now_ms)
        return {'symbol': name, 'markPrice': e['mp'], 'bidIV': e['b'], 'askIV': e['a'],
                'markIV': e['vo'], 'delta': e['d'], 'theta': e['t'], 'gamma': e['g'], 'vega': e['v'],
                'highPriceLimit': e['hl'], 'lowPriceLimit': e['ll'], 'riskFreeInterest': e['rf']}
    return _options_rows(api, call, row)


def open_interest_hist(api: Any, call: Call) -> Any:
    """``GET /futures/data/openInterestHist``: COIN-M when ``pair`` is given (one port serves both hosts)."""
    venue = _COINM if call.params.get('pair') else _USDM
    return _open_interest_hist(venue)(api, call)


def _futures_routes(prefix: str, venue: str) -> Dict[Any, Route]:
    base = '/{}/'.format(prefix)
    routes: Dict[Any, Route] = {
        ('GET', base + 'v1/exchangeInfo'): Route(_futures_exchange_info(venue), 1),
        ('GET', base + 'v1/depth'): Route(_depth(venue, 500, 1000), _depth_weight),
        ('GET', base + 'v1/trades'): Route(_trades(venue, False), 5),
        ('GET', base + 'v1/historicalTrades'): Route(_trades(venue, True), 20),
        ('GET', base + 'v1/aggTrades'): Route(_agg_trades(venue), 20),
        ('GET', base + 'v1/klines'): Route(_klines(venue), _kline_weight),
        ('GET', base + 'v1/continuousKlines'): Route(_continuous_klines(venue), _kline_weight),
        ('GET', base + 'v1/premiumIndex'): Route(_per_symbol(venue, _premium_row), 1),
        ('GET', base + 'v1/fundingRate'): Route(_funding_rate(venue), 1),
        ('GET', base + 'v1/ticker/24hr'): Route(_per_symbol(venue, _ticker_row), ticker_weight(1, 40)),
        ('GET', base + 'v1/ticker/price'): Route(_per_symbol(venue, _price_row, 'ps'), ticker_weight(1, 2)),
        ('GET', base + 'v2/ticker/price'): Route(_per_symbol(venue, _price_row, 'ps'), ticker_weight(1, 2)),
        ('GET', base + 'v1/ticker/bookTicker'): Route(_per_symbol(venue, _book_row), ticker_weight(2, 5)),
        ('GET', base + 'v1/openInterest'): Route(_open_interest(venue), 1),
    }
    return routes


def _depth_weight(params: Mapping[str, str]) -> int:
    return futures_depth_weight(optional_int(params, 'limit', 500, low=1) or 500)


def _kline_weight(params: Mapping[str, str]) -> int:
    limit = optional_int(params, 'limit', 500, low=1) or 500
    return 1 if limit < 100 else 2 if limit < 500 else 5 if limit <= 1000 else 10


def _options_routes() -> Dict[Any, Route]:
    return {
        ('GET', '/eapi/v1/exchangeInfo'): Route(options_exchange_info, 1),
        ('GET', '/eapi/v1/index'): Route(options_index, 1),
        ('GET', '/eapi/v1/ticker'): Route(options_ticker, 5),
        ('GET', '/eapi/v1/mark'): Route(options_mark, 5),
        ('GET', '/eapi/v1/depth'): Route(_depth(_OPTIONS, 100, 1000), 2),
        ('GET', '/eapi/v1/klines'): Route(options_klines, 1),
        ('GET', '/eapi/v1/trades'): Route(_trades(_OPTIONS, False), 5),
        ('GET', '/eapi/v1/historicalTrades'): Route(_trades(_OPTIONS, True), 20),
    }


#: ``(method, path) -> Route`` of this module.
ROUTES: Dict[Any, Route] = {('GET', '/futures/data/openInterestHist'): Route(open_interest_hist, 0)}
ROUTES.update(_futures_routes('fapi', _USDM))
ROUTES.update(_futures_routes('dapi', _COINM))
ROUTES.update(_options_routes())
