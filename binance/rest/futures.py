"""USD-M futures (``/fapi``): python-binance 0.7.11's ``futures_*`` methods on today's endpoints.

Paths moved where Binance retired a version: the account, balance and
position queries use ``v2`` (v1 is gone; ``v2`` keeps v1's shape, where
``v3`` lists only symbols with a position), the symbol price ticker ``v2``.
"""
from typing import Any, Iterator, List

from .endpoint import FAPI, FDATA, MARKET_DATA, TRADE, USER_DATA, Endpoint, EndpointMethods, calls
from .history import iter_klines

__all__ = ['Futures', 'FORCE_ORDERS_REMOVED']

#: Why the public liquidation list is gone, and what replaced it.
FORCE_ORDERS_REMOVED = ('Binance stopped serving the public list of liquidation orders on '
                        '2021-04-27. Today {} lists your own forced orders (signed), and the '
                        '``!forceOrder@arr`` stream publishes liquidations as they happen.')

_KLINES = ('symbol', 'interval', 'startTime', 'endTime', 'limit')
_ORDER_REF = ('symbol', 'orderId', 'origClientOrderId', 'recvWindow')


def _public(path: str, summary: str, params: tuple = ('symbol',), weight: Any = 1,
            **extra: Any) -> Endpoint:
    return Endpoint('GET', FAPI, path, weight=weight, params=params, summary=summary, **extra)


def _signed(method: str, path: str, summary: str, params: tuple = ('symbol', 'recvWindow'),
            weight: Any = 1, security: str = USER_DATA, **extra: Any) -> Endpoint:
    return Endpoint(method, FAPI, path, security=security, weight=weight, params=params,
                    summary=summary, **extra)


class Futures(EndpointMethods):
    """USD-M futures market data, orders and account."""

    futures_ping = _public('v1/ping', 'Test connectivity.', params=(), kwargs=False, returns='``{}``')
    futures_time = _public('v1/time', 'The server time.', params=(), kwargs=False,
                           returns='``{"serverTime"}``')
    futures_exchange_info = _public('v1/exchangeInfo', 'Trading rules and symbols.', params=(),
                                    kwargs=False)
    futures_order_book = _public('v1/depth', 'Order book snapshot.', params=('symbol', 'limit'),
                                 weight='2 to 20 by limit', required=('symbol',),
                                 returns='``{"lastUpdateId", "E", "T", "bids", "asks"}``')
    futures_recent_trades = _public('v1/trades', 'Recent trades.', params=('symbol', 'limit'),
                                    weight=5, required=('symbol',))
    futures_historical_trades = _public('v1/historicalTrades', 'Older trades, from a trade id.',
                                        params=('symbol', 'limit', 'fromId'), weight=20,
                                        security=MARKET_DATA, required=('symbol',))
    futures_aggregate_trades = _public('v1/aggTrades', 'Aggregate trades.',
                                       params=('symbol', 'fromId', 'startTime', 'endTime', 'limit'),
                                       weight=20, required=('symbol',))
    futures_klines = _public('v1/klines', 'Kline rows (limit default 500, at most 1500).',
                             params=_KLINES, weight='1 to 10 by limit',
                             required=('symbol', 'interval'))
    futures_continous_klines = _public(
        'v1/continuousKlines', 'Klines of a pair\'s continuous contract (``contractType`` '
        'PERPETUAL, CURRENT_QUARTER, NEXT_QUARTER).',
        params=('pair', 'contractType', 'interval', 'startTime', 'endTime', 'limit'),
        weight='1 to 10 by limit', required=('pair', 'contractType', 'interval'))
    futures_mark_price = _public('v1/premiumIndex', 'Mark price and funding rate.')
    futures_funding_rate = _public('v1/fundingRate', 'Funding rate history.',
                                   params=('symbol', 'startTime', 'endTime', 'limit'))
    futures_ticker = _public('v1/ticker/24hr', '24 hour statistics of one symbol, or of all.',
                             weight='1 with symbol, 40 without')
    futures_symbol_ticker = _public('v2/ticker/price', 'Latest price of one symbol, or of all.',
                                    weight='1 with symbol, 2 without', was='GET /fapi/v1/ticker/price')
    futures_orderbook_ticker = _public('v1/ticker/bookTicker', 'Best bid and ask.',
                                       weight='2 with symbol, 5 without')
    futures_liquidation_orders = Endpoint(
        'GET', FAPI, 'v1/allForceOrders', removed=FORCE_ORDERS_REMOVED.format('GET /fapi/v1/forceOrders'),
        summary='The public liquidation list (removed).')
    futures_open_interest = _public('v1/openInterest', 'Open interest of a symbol.',
                                    required=('symbol',), was='GET /fapi/v1/ticker/openInterest',
                                    returns='``{"openInterest", "symbol", "time"}``')
    futures_open_interest_hist = Endpoint(
        'GET', FDATA, 'openInterestHist', weight=0,
        params=('symbol', 'period', 'limit', 'startTime', 'endTime'), required=('symbol', 'period'),
        summary='Open interest history (``period`` 5m to 1d).')
    futures_leverage_bracket = _signed('GET', 'v1/leverageBracket', 'Notional and leverage brackets.')
    futures_create_order = _signed(
        'POST', 'v1/order', 'Place an order.', security=TRADE, weight=0,
        params=('symbol', 'side', 'positionSide', 'type', 'timeInForce', 'quantity', 'reduceOnly',
                'price', 'newClientOrderId', 'stopPrice', 'closePosition', 'activationPrice',
                'callbackRate', 'workingType', 'priceProtect', 'newOrderRespType',
                'selfTradePreventionMode', 'goodTillDate', 'recvWindow'),
        required=('symbol', 'side', 'type'))
    futures_get_order = _signed('GET', 'v1/order', "An order's status.", params=_ORDER_REF,
                                required=('symbol',))
    futures_get_open_orders = _signed('GET', 'v1/openOrders', 'Open orders.',
                                      weight='1 with symbol, 40 without')
    futures_get_all_orders = _signed('GET', 'v1/allOrders', 'Every order of a symbol.', weight=5,
                                     params=('symbol', 'orderId', 'startTime', 'endTime', 'limit',
                                             'recvWindow'))
    futures_cancel_order = _signed('DELETE', 'v1/order', 'Cancel an order.', security=TRADE,
                                   params=_ORDER_REF, required=('symbol',))
    futures_cancel_all_open_orders = _signed('DELETE', 'v1/allOpenOrders',
                                             'Cancel every open order of a symbol.', security=TRADE,
                                             required=('symbol',))
    futures_cancel_orders = _signed(
        'DELETE', 'v1/batchOrders', 'Cancel several orders (``orderIdList`` or '
        '``origClientOrderIdList``, JSON lists).', security=TRADE,
        params=('symbol', 'orderIdList', 'origClientOrderIdList', 'recvWindow'), required=('symbol',))
    futures_account_balance = _signed('GET', 'v2/balance', 'Balances of the futures wallet.',
                                      params=('recvWindow',), weight=5, was='GET /fapi/v1/balance')
    futures_account = _signed('GET', 'v2/account', 'Account: balances, margins and positions.',
                              params=('recvWindow',), weight=5, was='GET /fapi/v1/account')
    futures_change_leverage = _signed('POST', 'v1/leverage', 'Set the leverage of a symbol.',
                                      security=TRADE, params=('symbol', 'leverage', 'recvWindow'),
                                      required=('symbol', 'leverage'),
                                      returns='``{"leverage", "maxNotionalValue", "symbol"}``')
    futures_change_margin_type = _signed('POST', 'v1/marginType',
                                         'Set a symbol\'s margin type (ISOLATED or CROSSED).',
                                         security=TRADE, params=('symbol', 'marginType', 'recvWindow'),
                                         required=('symbol', 'marginType'))
    futures_change_position_margin = _signed(
        'POST', 'v1/positionMargin', 'Add or remove isolated position margin.', security=TRADE,
        params=('symbol', 'positionSide', 'amount', 'type', 'recvWindow'),
        required=('symbol', 'amount', 'type'))
    futures_position_margin_history = _signed(
        'GET', 'v1/positionMargin/history', 'Position margin changes.',
        params=('symbol', 'type', 'startTime', 'endTime', 'limit', 'recvWindow'), required=('symbol',))
    futures_position_information = _signed('GET', 'v2/positionRisk', 'Positions.', weight=5,
                                           was='GET /fapi/v1/positionRisk')
    futures_account_trades = _signed('GET', 'v1/userTrades', 'Your trades of a symbol.', weight=5,
                                     params=('symbol', 'orderId', 'startTime', 'endTime', 'fromId',
                                             'limit', 'recvWindow'), required=('symbol',))
    futures_income_history = _signed('GET', 'v1/income', 'Income history.', weight=30,
                                     params=('symbol', 'incomeType', 'startTime', 'endTime', 'page',
                                             'limit', 'recvWindow'))
    futures_change_position_mode = _signed('POST', 'v1/positionSide/dual',
                                           'Hedge mode (``dualSidePosition=true``) or one-way mode.',
                                           security=TRADE, params=('dualSidePosition', 'recvWindow'),
                                           required=('dualSidePosition',))
    futures_get_position_mode = _signed('GET', 'v1/positionSide/dual', 'The position mode.',
                                        params=('recvWindow',), weight=30,
                                        returns='``{"dualSidePosition"}``')

    @calls('GET /fapi/v1/klines (paged)')
    def futures_historical_klines(self, symbol: str, interval: str, start_str: Any,
                                  end_str: Any = None, limit: int = 500) -> List[List[Any]]:
        """Every USD-M kline of a range, ``limit`` rows per request.

        See :meth:`get_historical_klines` for the arguments.
        """
        return list(iter_klines(self.futures_klines, symbol, interval, start_str, end_str, limit))

    @calls('GET /fapi/v1/klines (paged)')
    def futures_historical_klines_generator(self, symbol: str, interval: str, start_str: Any,
                                            end_str: Any = None) -> Iterator[List[Any]]:
        """Like :meth:`futures_historical_klines`, yielding rows as pages arrive (1000 per page)."""
        return iter_klines(self.futures_klines, symbol, interval, start_str, end_str, 1000)
