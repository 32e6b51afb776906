"""Options: python-binance 0.7.11's ``options_*`` methods on European options (``/eapi``).

0.7.11 called the vanilla options API (``vapi.binance.com/vapi``), which
Binance removed in 2022 and replaced with European options
(``eapi.binance.com/eapi``). The methods call the eapi endpoint of the same
purpose and return its answer inside vapi's wrapper, ``{"code": 0, "msg":
"success", "data": <answer>}``, which is what scripts written for 0.7.11
unwrap. The data inside is eapi's (option symbols look the same:
``BTC-250926-100000-C``).
"""
from typing import Any, Dict

from . import shapes
from .endpoint import EAPI, MARKET_DATA, TRADE, USER_DATA, Endpoint, EndpointMethods

__all__ = ['Options']


def _vapi(path: str) -> str:
    return 'vapi {} (vanilla options, removed 2022)'.format(path)


def _market(path: str, summary: str, params: tuple = (), vapi: str = '', weight: Any = 1,
            to_old: Any = shapes.options_wrapped, **extra: Any) -> Endpoint:
    return Endpoint('GET', EAPI, path, weight=weight, params=params, summary=summary,
                    was='GET /vapi/v1/' + (vapi or path.split('/', 1)[1]), to_old=to_old, **extra)


def _account(method: str, path: str, summary: str, params: tuple, vapi: str = '',
             security: str = USER_DATA, weight: Any = 1, **extra: Any) -> Endpoint:
    return Endpoint(method, EAPI, path, security=security, weight=weight, params=params,
                    summary=summary, was='{} /vapi/v1/{}'.format(
                        extra.pop('vapi_method', method), vapi or path.split('/', 1)[1]),
                    to_old=shapes.options_wrapped, **extra)


def _server_time(answer: Dict[str, Any]) -> Dict[str, Any]:
    return shapes.options_wrapped(answer.get('serverTime'))


def _option_symbols(answer: Dict[str, Any]) -> Dict[str, Any]:
    return shapes.options_wrapped(answer.get('optionSymbols', []))


def _transfer_direction(params: Dict[str, Any]) -> Dict[str, Any]:
    """vapi's ``currency`` and ``type`` IN/OUT as a universal transfer to or from options."""
    direction = str(params.pop('type', '')).upper()
    if direction not in ('IN', 'OUT'):
        raise ValueError("type must be 'IN' (spot to options) or 'OUT' (options to spot), not "
                         '{!r}'.format(direction))
    params['type'] = 'MAIN_OPTION' if direction == 'IN' else 'OPTION_MAIN'
    if 'currency' in params:
        params['asset'] = params.pop('currency')
    return params


class Options(EndpointMethods):
    """European options market data, account and orders, in vapi's answer wrapper."""

    options_ping = _market('v1/ping', 'Test connectivity.', kwargs=False,
                           returns='``{"code": 0, "msg": "success", "data": {}}``')
    options_time = _market('v1/time', 'The server time.', kwargs=False, to_old=_server_time,
                           returns='``{"code": 0, "msg": "success", "data": <ms>}``')
    options_info = _market('v1/exchangeInfo', 'Every option symbol.', kwargs=False,
                           vapi='optionInfo', to_old=_option_symbols,
                           returns='``{"code": 0, "msg": "success", "data": [option symbol, ...]}``')
    options_exchange_info = _market('v1/exchangeInfo', 'Trading rules and symbols.', kwargs=False)
    options_index_price = _market('v1/index', 'Index price of an underlying (``BTCUSDT``).',
                                  params=('underlying',), required=('underlying',))
    options_price = _market('v1/ticker', '24 hour ticker of one option, or of all.',
                            params=('symbol',), weight=5)
    options_mark_price = _market('v1/mark', 'Mark price and greeks.', params=('symbol',), weight=5)
    options_order_book = _market('v1/depth', 'Order book snapshot.', params=('symbol', 'limit'),
                                 weight='2 to 10 by limit', required=('symbol',))
    options_klines = _market('v1/klines', 'Kline rows.',
                             params=('symbol', 'interval', 'startTime', 'endTime', 'limit'),
                             required=('symbol', 'interval'))
    options_recent_trades = _market('v1/trades', 'Recent trades.', params=('symbol', 'limit'),
                                    weight=5, required=('symbol',))
    options_historical_trades = _market('v1/historicalTrades', 'Older trades, from a trade id.',
                                        params=('symbol', 'fromId', 'limit'), weight=20,
                                        security=MARKET_DATA, required=('symbol',))
    options_account_info = _account('GET', 'v1/marginAccount', 'Options margin account.',
                                    params=('recvWindow',), vapi='account', weight=3)
    options_funds_transfer = Endpoint(
        'POST', 'sapi', 'v1/asset/transfer', security=USER_DATA, weight=900,
        params=('currency', 'type', 'amount', 'recvWindow'), required=('currency', 'type', 'amount'),
        adapt_params=_transfer_direction, to_old=shapes.options_wrapped,
        was='POST /vapi/v1/transfer',
        summary='Move funds between spot and options (``type`` IN or OUT), as a universal '
                'transfer (MAIN_OPTION / OPTION_MAIN).',
        returns='``{"code": 0, "msg": "success", "data": {"tranId"}}``')
    options_positions = _account('GET', 'v1/position', 'Open positions.',
                                 params=('symbol', 'recvWindow'), weight=5)
    options_bill = _account('GET', 'v1/bill', 'Account funding flow.',
                            params=('currency', 'recordId', 'startTime', 'endTime', 'limit',
                                    'recvWindow'), vapi_method='POST', required=('currency',))
    options_place_order = _account(
        'POST', 'v1/order', 'Place an order.', security=TRADE,
        params=('symbol', 'side', 'type', 'quantity', 'price', 'timeInForce', 'reduceOnly',
                'postOnly', 'newOrderRespType', 'clientOrderId', 'isMmp', 'recvWindow'),
        required=('symbol', 'side', 'type', 'quantity'))
    options_place_batch_order = _account('POST', 'v1/batchOrders', 'Place several orders '
                                         '(``orders``: a JSON list).', security=TRADE,
                                         params=('orders', 'recvWindow'), weight=5,
                                         required=('orders',))
    options_cancel_order = _account('DELETE', 'v1/order', 'Cancel an order.', security=TRADE,
                                    params=('symbol', 'orderId', 'clientOrderId', 'recvWindow'),
                                    required=('symbol',))
    options_cancel_batch_order = _account(
        'DELETE', 'v1/batchOrders', 'Cancel several orders.', security=TRADE,
        params=('symbol', 'orderIds', 'clientOrderIds', 'recvWindow'), required=('symbol',))
    options_cancel_all_orders = _account('DELETE', 'v1/allOpenOrders',
                                         'Cancel every open order of a symbol.', security=TRADE,
                                         params=('symbol', 'recvWindow'), required=('symbol',))
    options_query_order = _account('GET', 'v1/order', "An order's status.",
                                   params=('symbol', 'orderId', 'clientOrderId', 'recvWindow'),
                                   required=('symbol',))
    options_query_pending_orders = _account(
        'GET', 'v1/openOrders', 'Open orders.',
        params=('symbol', 'orderId', 'startTime', 'endTime', 'recvWindow'))
    options_query_order_history = _account(
        'GET', 'v1/historyOrders', 'Finished orders.',
        params=('symbol', 'orderId', 'startTime', 'endTime', 'limit', 'recvWindow'), weight=3,
        required=('symbol',))
    options_user_trades = _account('GET', 'v1/userTrades', 'Your trades.',
                                   params=('symbol', 'fromId', 'startTime', 'endTime', 'limit',
                                           'recvWindow'), weight=5)
