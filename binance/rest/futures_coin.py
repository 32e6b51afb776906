"""COIN-M futures (``/dapi``): python-binance 0.7.11's ``futures_coin_*`` methods."""
from typing import Any

from .endpoint import DAPI, DDATA, MARKET_DATA, TRADE, USER_DATA, Endpoint, EndpointMethods
from .futures import FORCE_ORDERS_REMOVED

__all__ = ['FuturesCoin']

_KLINES = ('symbol', 'interval', 'startTime', 'endTime', 'limit')
_PAIR_KLINES = ('pair', 'interval', 'startTime', 'endTime', 'limit')
_ORDER_REF = ('symbol', 'orderId', 'origClientOrderId', 'recvWindow')


def _public(path: str, summary: str, params: tuple = ('symbol', 'pair'), weight: Any = 1,
            **extra: Any) -> Endpoint:
    return Endpoint('GET', DAPI, path, weight=weight, params=params, summary=summary, **extra)


def _signed(method: str, path: str, summary: str, params: tuple = ('symbol', 'pair', 'recvWindow'),
            weight: Any = 1, security: str = USER_DATA, **extra: Any) -> Endpoint:
    return Endpoint(method, DAPI, path, security=security, weight=weight, params=params,
                    summary=summary, **extra)


class FuturesCoin(EndpointMethods):
    """COIN-M futures market data, orders and account."""

    futures_coin_ping = _public('v1/ping', 'Test connectivity.', params=(), kwargs=False,
                                returns='``{}``')
    futures_coin_time = _public('v1/time', 'The server time.', params=(), kwargs=False,
                                returns='``{"serverTime"}``')
    futures_coin_exchange_info = _public('v1/exchangeInfo', 'Trading rules and symbols.',
                                         params=(), kwargs=False)
    futures_coin_order_book = _public('v1/depth', 'Order book snapshot.', params=('symbol', 'limit'),
                                      weight='2 to 20 by limit', required=('symbol',))
    futures_coin_recent_trades = _public('v1/trades', 'Recent trades.', params=('symbol', 'limit'),
                                         weight=5, required=('symbol',))
    futures_coin_historical_trades = _public('v1/historicalTrades', 'Older trades, from a trade id.',
                                             params=('symbol', 'limit', 'fromId'), weight=20,
                                             security=MARKET_DATA, required=('symbol',))
    futures_coin_aggregate_trades = _public(
        'v1/aggTrades', 'Aggregate trades.', params=('symbol', 'fromId', 'startTime', 'endTime',
                                                     'limit'), weight=20, required=('symbol',))
    futures_coin_klines = _public('v1/klines', 'Kline rows.', params=_KLINES,
                                  weight='1 to 10 by limit', required=('symbol', 'interval'))
    futures_coin_continous_klines = _public(
        'v1/continuousKlines', "Klines of a pair's continuous contract.",
        params=('pair', 'contractType', 'interval', 'startTime', 'endTime', 'limit'),
        weight='1 to 10 by limit', required=('pair', 'contractType', 'interval'))
    futures_coin_index_price_klines = _public('v1/indexPriceKlines', 'Index price klines of a pair.',
                                              params=_PAIR_KLINES, weight='1 to 10 by limit',
                                              required=('pair', 'interval'))
    futures_coin_mark_price_klines = _public('v1/markPriceKlines', 'Mark price klines of a symbol.',
                                             params=_KLINES, weight='1 to 10 by limit',
                                             required=('symbol', 'interval'))
    futures_coin_mark_price = _public('v1/premiumIndex', 'Mark price and funding rate.', weight=10)
    futures_coin_funding_rate = _public('v1/fundingRate', 'Funding rate history.',
                                        params=('symbol', 'startTime', 'endTime', 'limit'),
                                        required=('symbol',))
    futures_coin_ticker = _public('v1/ticker/24hr', '24 hour statistics.',
                                  weight='1 with symbol, 40 without')
    futures_coin_symbol_ticker = _public('v1/ticker/price', 'Latest price.',
                                         weight='1 with symbol, 2 without')
    futures_coin_orderbook_ticker = _public('v1/ticker/bookTicker', 'Best bid and ask.',
                                            weight='2 with symbol, 5 without')
    futures_coin_liquidation_orders = Endpoint(
        'GET', DAPI, 'v1/allForceOrders',
        removed=FORCE_ORDERS_REMOVED.format('GET /dapi/v1/forceOrders'),
        summary='The public liquidation list (removed).')
    futures_coin_open_interest = _public('v1/openInterest', 'Open interest of a symbol.',
                                         params=('symbol',), required=('symbol',))
    futures_coin_open_interest_hist = Endpoint(
        'GET', DDATA, 'openInterestHist', weight=0,
        params=('pair', 'contractType', 'period', 'limit', 'startTime', 'endTime'),
        required=('pair', 'contractType', 'period'), summary='Open interest history.')
    futures_coin_leverage_bracket = _signed('GET', 'v2/leverageBracket',
                                            'Notional and leverage brackets.',
                                            params=('symbol', 'recvWindow'))
    futures_coin_create_order = _signed(
        'POST', 'v1/order', 'Place an order.', security=TRADE, weight=0,
        params=('symbol', 'side', 'positionSide', 'type', 'timeInForce', 'quantity', 'reduceOnly',
                'price', 'newClientOrderId', 'stopPrice', 'closePosition', 'activationPrice',
                'callbackRate', 'workingType', 'priceProtect', 'newOrderRespType', 'recvWindow'),
        required=('symbol', 'side', 'type'))
    futures_coin_get_order = _signed('GET', 'v1/order', "An order's status.", params=_ORDER_REF,
                                     required=('symbol',))
    futures_coin_get_open_orders = _signed('GET', 'v1/openOrders', 'Open orders.',
                                           weight='1 with symbol, 40 without')
    futures_coin_get_all_orders = _signed(
        'GET', 'v1/allOrders', 'Every order of a symbol or pair.', weight=20,
        params=('symbol', 'pair', 'orderId', 'startTime', 'endTime', 'limit', 'recvWindow'))
    futures_coin_cancel_order = _signed('DELETE', 'v1/order', 'Cancel an order.', security=TRADE,
                                        params=_ORDER_REF, required=('symbol',))
    futures_coin_cancel_all_open_orders = _signed(
        'DELETE', 'v1/allOpenOrders', 'Cancel every open order of a symbol.', security=TRADE,
        params=('symbol', 'recvWindow'), required=('symbol',))
    futures_coin_cancel_orders = _signed(
        'DELETE', 'v1/batchOrders', 'Cancel several orders.', security=TRADE,
        params=('symbol', 'orderIdList', 'origClientOrderIdList', 'recvWindow'), required=('symbol',))
    futures_coin_account_balance = _signed('GET', 'v1/balance', 'Balances of the COIN-M wallet.',
                                           params=('recvWindow',))
    futures_coin_account = _signed('GET', 'v1/account', 'Account: balances and positions.',
                                   params=('recvWindow',), weight=5)
    futures_coin_change_leverage = _signed('POST', 'v1/leverage', 'Set the leverage of a symbol.',
                                           security=TRADE, params=('symbol', 'leverage', 'recvWindow'),
                                           required=('symbol', 'leverage'))
    futures_coin_change_margin_type = _signed(
        'POST', 'v1/marginType', "Set a symbol's margin type.", security=TRADE,
        params=('symbol', 'marginType', 'recvWindow'), required=('symbol', 'marginType'))
    futures_coin_change_position_margin = _signed(
        'POST', 'v1/positionMargin', 'Add or remove isolated position margin.', security=TRADE,
        params=('symbol', 'positionSide', 'amount', 'type', 'recvWindow'),
        required=('symbol', 'amount', 'type'))
    futures_coin_position_margin_history = _signed(
        'GET', 'v1/positionMargin/history', 'Position margin changes.',
        params=('symbol', 'type', 'startTime', 'endTime', 'limit', 'recvWindow'), required=('symbol',))
    futures_coin_position_information = _signed('GET', 'v1/positionRisk', 'Positions.',
                                                params=('marginAsset', 'pair', 'recvWindow'))
    futures_coin_account_trades = _signed(
        'GET', 'v1/userTrades', 'Your trades.', weight=20,
        params=('symbol', 'pair', 'orderId', 'startTime', 'endTime', 'fromId', 'limit', 'recvWindow'))
    futures_coin_income_history = _signed(
        'GET', 'v1/income', 'Income history.', weight=20,
        params=('symbol', 'incomeType', 'startTime', 'endTime', 'page', 'limit', 'recvWindow'))
    futures_coin_change_position_mode = _signed(
        'POST', 'v1/positionSide/dual', 'Hedge mode or one-way mode.', security=TRADE,
        params=('dualSidePosition', 'recvWindow'), required=('dualSidePosition',))
    futures_coin_get_position_mode = _signed('GET', 'v1/positionSide/dual', 'The position mode.',
                                             params=('recvWindow',), weight=30)
