"""Spot account and orders: python-binance 0.7.11's methods on today's ``/api/v3``."""
from typing import Any, Dict, Optional

from .. import enums
from .endpoint import API, TRADE, USER_DATA, Endpoint, EndpointMethods, calls

__all__ = ['Trading', 'oco_to_order_list']

_ORDER_PARAMS = (
    'symbol', 'side', 'type', 'timeInForce', 'quantity', 'quoteOrderQty', 'price',
    'newClientOrderId', 'strategyId', 'strategyType', 'stopPrice', 'trailingDelta', 'icebergQty',
    'newOrderRespType', 'selfTradePreventionMode', 'recvWindow')
_ORDER_ANSWER = ('``{"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}``, '
                 'plus ``price``, ``origQty``, ``executedQty``, ``status``... for ``RESULT`` and '
                 '``fills`` for ``FULL`` (the default for MARKET and LIMIT orders).')
_ORDER_REF = ('symbol', 'orderId', 'origClientOrderId', 'recvWindow')

# python-binance 0.7.11's OCO parameters (POST /api/v3/order/oco), by leg.
_LIMIT_LEG = {'price': 'Price', 'limitClientOrderId': 'ClientOrderId',
              'limitIcebergQty': 'IcebergQty', 'limitStrategyId': 'StrategyId',
              'limitStrategyType': 'StrategyType'}
_STOP_LEG = {'stopPrice': 'StopPrice', 'stopLimitPrice': 'Price',
             'stopLimitTimeInForce': 'TimeInForce', 'stopClientOrderId': 'ClientOrderId',
             'stopIcebergQty': 'IcebergQty', 'stopStrategyId': 'StrategyId',
             'stopStrategyType': 'StrategyType', 'trailingDelta': 'TrailingDelta'}


def oco_to_order_list(params: Dict[str, Any]) -> Dict[str, Any]:
    """0.7.11's OCO parameters as ``POST /api/v3/orderList/oco`` names them.

    The old endpoint had a limit leg (``price``) and a stop leg
    (``stopPrice``, ``stopLimitPrice``). The new one has an ``above`` and a
    ``below`` leg: for a SELL the limit (``LIMIT_MAKER``) is above the market
    and the stop below; for a BUY the other way round. Parameters already in
    the new form pass through unchanged.

    Raises:
        ValueError: ``side`` is missing or not BUY/SELL.
    """
    if 'aboveType' in params or 'belowType' in params:
        return params
    side = params.get('side')
    if side not in (enums.SIDE_BUY, enums.SIDE_SELL):
        raise ValueError("side must be 'BUY' or 'SELL' for an OCO order, not {!r}".format(side))
    limit_leg, stop_leg = ('above', 'below') if side == enums.SIDE_SELL else ('below', 'above')
    result: Dict[str, Any] = {}
    for name, value in params.items():
        if name in _LIMIT_LEG:
            result[limit_leg + _LIMIT_LEG[name]] = value
        elif name in _STOP_LEG:
            result[stop_leg + _STOP_LEG[name]] = value
        else:
            result[name] = value
    result[limit_leg + 'Type'] = enums.ORDER_TYPE_LIMIT_MAKER
    has_limit = params.get('stopLimitPrice') is not None
    result[stop_leg + 'Type'] = (enums.ORDER_TYPE_STOP_LOSS_LIMIT if has_limit
                                 else enums.ORDER_TYPE_STOP_LOSS)
    return result


class Trading(EndpointMethods):
    """Spot orders and account (signed: needs the API key and secret)."""

    create_order = Endpoint('POST', API, 'v3/order', security=TRADE, weight=1,
                            params=_ORDER_PARAMS, required=('symbol', 'side', 'type'),
                            summary='Place an order.', returns=_ORDER_ANSWER)
    create_test_order = Endpoint(
        'POST', API, 'v3/order/test', security=TRADE,
        weight='1; 20 with computeCommissionRates',
        params=_ORDER_PARAMS + ('computeCommissionRates',), required=('symbol', 'side', 'type'),
        summary='Check an order as create_order would, without placing it.', returns='``{}``')
    create_oco_order = Endpoint(
        'POST', API, 'v3/orderList/oco', security=TRADE, weight=1,
        params=('symbol', 'listClientOrderId', 'side', 'quantity', 'price', 'limitClientOrderId',
                'limitIcebergQty', 'stopPrice', 'stopLimitPrice', 'stopLimitTimeInForce',
                'stopClientOrderId', 'stopIcebergQty', 'newOrderRespType', 'recvWindow'),
        required=('symbol', 'side', 'quantity'), adapt_params=oco_to_order_list,
        was='POST /api/v3/order/oco',
        summary='Place an OCO pair (a limit order and a stop order, one cancels the other); '
                "0.7.11's parameters are translated to the above/below legs of today's endpoint.",
        returns='``{"orderListId", "contingencyType": "OCO", "listStatusType", "orders", '
                '"orderReports", ...}``')
    get_order = Endpoint('GET', API, 'v3/order', security=USER_DATA, weight=4, params=_ORDER_REF,
                         required=('symbol',), summary="An order's status.")
    get_all_orders = Endpoint(
        'GET', API, 'v3/allOrders', security=USER_DATA, weight=20,
        params=('symbol', 'orderId', 'startTime', 'endTime', 'limit', 'recvWindow'),
        required=('symbol',), summary="Every order of a symbol: open, canceled or filled.")
    cancel_order = Endpoint('DELETE', API, 'v3/order', security=TRADE, weight=1,
                            params=_ORDER_REF + ('newClientOrderId', 'cancelRestrictions'),
                            required=('symbol',), summary='Cancel an open order.')
    get_open_orders = Endpoint('GET', API, 'v3/openOrders', security=USER_DATA,
                               weight='6 with symbol, 80 without', params=('symbol', 'recvWindow'),
                               summary='Open orders of one symbol, or of all.')
    get_account = Endpoint('GET', API, 'v3/account', security=USER_DATA, weight=20,
                           params=('omitZeroBalances', 'recvWindow'),
                           summary='Account information and balances.',
                           returns='``{"makerCommission", ..., "balances": [{"asset", "free", '
                                   '"locked"}, ...], "permissions"}``')
    get_my_trades = Endpoint(
        'GET', API, 'v3/myTrades', security=USER_DATA, weight=20,
        params=('symbol', 'orderId', 'startTime', 'endTime', 'fromId', 'limit', 'recvWindow'),
        required=('symbol',), summary="The account's trades of a symbol.")

    @calls('POST /api/v3/order')
    def order_limit(self, timeInForce: str = enums.TIME_IN_FORCE_GTC,  # noqa: N803 (0.7.11's name)
                    **params: Any) -> Dict[str, Any]:
        """Place a LIMIT order.

        Args:
            timeInForce: ``GTC`` (default), ``IOC`` or ``FOK``.
            **params: ``symbol``, ``side``, ``quantity``, ``price``... as for
                :meth:`create_order`.
        """
        params.update(type=enums.ORDER_TYPE_LIMIT, timeInForce=timeInForce)
        return self.create_order(**params)

    @calls('POST /api/v3/order')
    def order_limit_buy(self, timeInForce: str = enums.TIME_IN_FORCE_GTC,  # noqa: N803
                        **params: Any) -> Dict[str, Any]:
        """Place a LIMIT BUY order (see :meth:`order_limit`)."""
        params['side'] = enums.SIDE_BUY
        return self.order_limit(timeInForce=timeInForce, **params)

    @calls('POST /api/v3/order')
    def order_limit_sell(self, timeInForce: str = enums.TIME_IN_FORCE_GTC,  # noqa: N803
                         **params: Any) -> Dict[str, Any]:
        """Place a LIMIT SELL order (see :meth:`order_limit`)."""
        params['side'] = enums.SIDE_SELL
        return self.order_limit(timeInForce=timeInForce, **params)

    @calls('POST /api/v3/order')
    def order_market(self, **params: Any) -> Dict[str, Any]:
        """Place a MARKET order.

        Args:
            **params: ``symbol``, ``side``, and ``quantity`` (base asset) or
                ``quoteOrderQty`` (quote asset), as for :meth:`create_order`.
        """
        params['type'] = enums.ORDER_TYPE_MARKET
        return self.create_order(**params)

    @calls('POST /api/v3/order')
    def order_market_buy(self, **params: Any) -> Dict[str, Any]:
        """Place a MARKET BUY order (see :meth:`order_market`)."""
        params['side'] = enums.SIDE_BUY
        return self.order_market(**params)

    @calls('POST /api/v3/order')
    def order_market_sell(self, **params: Any) -> Dict[str, Any]:
        """Place a MARKET SELL order (see :meth:`order_market`)."""
        params['side'] = enums.SIDE_SELL
        return self.order_market(**params)

    @calls('POST /api/v3/orderList/oco')
    def order_oco_buy(self, **params: Any) -> Dict[str, Any]:
        """Place a BUY OCO pair (see :meth:`create_oco_order`)."""
        params['side'] = enums.SIDE_BUY
        return self.create_oco_order(**params)

    @calls('POST /api/v3/orderList/oco')
    def order_oco_sell(self, **params: Any) -> Dict[str, Any]:
        """Place a SELL OCO pair (see :meth:`create_oco_order`)."""
        params['side'] = enums.SIDE_SELL
        return self.create_oco_order(**params)

    @calls('GET /api/v3/account')
    def get_asset_balance(self, asset: str, **params: Any) -> Optional[Dict[str, Any]]:
        """One asset's balance, or ``None`` when the account has none.

        Args:
            asset: e.g. ``'BTC'`` (case does not matter).
            **params: passed to :meth:`get_account` (``recvWindow``).

        Returns:
            ``{"asset", "free", "locked"}``, or ``None``.

        Raises:
            TypeError: ``asset`` is not a string.
        """
        if not isinstance(asset, str):
            raise TypeError('asset must be a string, not {}'.format(type(asset).__name__))
        account = self.get_account(**params)
        for balance in account.get('balances', []):
            if str(balance.get('asset', '')).lower() == asset.lower():
                return balance
        return None
