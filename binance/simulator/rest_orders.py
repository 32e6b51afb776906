"""The simulator's signed spot account and order endpoints.

``account``, ``order`` (POST, GET, DELETE), ``order/test``, ``openOrders``
(GET and DELETE), ``allOrders`` and ``myTrades``, against the accounts of
:mod:`binance.simulator.accounts`. The order handlers take the account scope,
so the margin endpoints reuse them.
Order lists (OCO and the like) are refused with an error saying so.
Every request is verified as Binance does (API key, timestamp window,
signature over the exact bytes received).
"""
from typing import Any, Dict, List, Optional, Tuple

from . import apierrors
from .accounts import SPOT
from .rest_params import optional_bool, optional_int, required
from .rest_route import Call, Route

__all__ = ['ROUTES']

_ORDER_LIST_MAX = 1000


def _filter_time(rows: List[Dict[str, Any]], call: Call, field: str) -> List[Dict[str, Any]]:
    start = optional_int(call.params, 'startTime', low=0)
    end = optional_int(call.params, 'endTime', low=0)
    return [r for r in rows if (start is None or r[field] >= start)
            and (end is None or r[field] <= end)]


def _limit(call: Call, default: int) -> int:
    value = optional_int(call.params, 'limit', default, low=1, high=_ORDER_LIST_MAX, clamp=True)
    assert value is not None
    return value


def account(api: Any, call: Call) -> Any:
    """``GET /api/v3/account``."""
    return api.accounts.account_info(api._signed(call))


def new_order(api: Any, call: Call, account: str = SPOT) -> Any:
    """``POST /api/v3/order``: LIMIT and MARKET orders (also margin's, by ``account``)."""
    api_key = api._signed(call)
    params = call.params
    for name in ('symbol', 'side', 'type', 'quantity'):
        required(params, name)
    if params['type'] == 'LIMIT':
        for name in ('timeInForce', 'price'):
            required(params, name)
    return api.accounts.place_order(
        api_key, params['symbol'], params['side'], params['type'], params['quantity'],
        price=params.get('price'), time_in_force=params.get('timeInForce'),
        client_order_id=params.get('newClientOrderId'), resp_type=params.get('newOrderRespType'),
        account=account)


def _order_ref(call: Call) -> Tuple[str, Optional[int]]:
    symbol = required(call.params, 'symbol')
    raw = call.params.get('orderId')
    if raw in (None, ''):
        return symbol, None
    if not raw.isdigit():
        raise apierrors.illegal_chars('orderId')
    return symbol, int(raw)


def cancel_order(api: Any, call: Call, account: str = SPOT) -> Any:
    """``DELETE /api/v3/order``: by ``orderId`` or ``origClientOrderId``."""
    api_key = api._signed(call)
    symbol, order_id = _order_ref(call)
    return api.accounts.cancel_order(api_key, symbol, order_id, call.params.get('origClientOrderId'),
                                     account=account,
                                     new_client_order_id=call.params.get('newClientOrderId'))


def get_order(api: Any, call: Call, account: str = SPOT) -> Any:
    """``GET /api/v3/order``."""
    api_key = api._signed(call)
    symbol, order_id = _order_ref(call)
    return api.accounts.get_order(api_key, symbol, order_id, call.params.get('origClientOrderId'),
                                  account=account)


def test_order(api: Any, call: Call) -> Any:
    """``POST /api/v3/order/test``: every check of a new order, nothing placed."""
    api_key = api._signed(call)
    params = call.params
    for name in ('symbol', 'side', 'type'):
        required(params, name)
    api.accounts.check_order(api_key, params['symbol'], params['side'], params['type'],
                             required(params, 'quantity'), price=params.get('price'),
                             time_in_force=params.get('timeInForce'))
    if optional_bool(params, 'computeCommissionRates'):
        zero = '0.00000000'
        return {'standardCommissionForOrder': {'maker': zero, 'taker': zero},
                'taxCommissionForOrder': {'maker': zero, 'taker': zero},
                'discount': {'enabledForAccount': False, 'enabledForSymbol': False,
                             'discountAsset': 'BNB', 'discount': zero}}
    return {}


def open_orders(api: Any, call: Call, account: str = SPOT) -> Any:
    """``GET /api/v3/openOrders``: of one symbol, or of all."""
    api_key = api._signed(call)
    symbol = call.params.get('symbol') or None
    accounts = api.accounts
    return [accounts.order_view(o) for o in accounts.orders(api_key, symbol, account, open_only=True)]


def cancel_open_orders(api: Any, call: Call, account: str = SPOT) -> Any:
    """``DELETE /api/v3/openOrders``: cancel every open order of a symbol."""
    api_key = api._signed(call)
    symbol = required(call.params, 'symbol')
    accounts = api.accounts
    orders = accounts.orders(api_key, symbol, account, open_only=True)
    if not orders:
        raise apierrors.cancel_rejected()
    return [accounts.cancel_order(api_key, symbol, o.order_id, account=account) for o in orders]


def all_orders(api: Any, call: Call, account: str = SPOT) -> Any:
    """``GET /api/v3/allOrders``: every order of a symbol, from ``orderId`` or a time range."""
    api_key = api._signed(call)
    symbol = required(call.params, 'symbol')
    accounts = api.accounts
    rows = [accounts.order_view(o) for o in accounts.orders(api_key, symbol, account)]
    from_id = optional_int(call.params, 'orderId', low=0)
    if from_id is not None:
        rows = [r for r in rows if r['orderId'] >= from_id]
    rows = _filter_time(rows, call, 'time')
    limit = _limit(call, 500)
    return rows[:limit] if from_id is not None or call.params.get('startTime') else rows[-limit:]


def my_trades(api: Any, call: Call, account: str = SPOT) -> Any:
    """``GET /api/v3/myTrades``: the account's trades of a symbol."""
    api_key = api._signed(call)
    symbol = required(call.params, 'symbol')
    rows = api.accounts.account_trades(api_key, symbol, account)
    order_id: Optional[int] = optional_int(call.params, 'orderId', low=0)
    if order_id is not None:
        rows = [r for r in rows if r['orderId'] == order_id]
    from_id = optional_int(call.params, 'fromId', low=0)
    if from_id is not None:
        rows = [r for r in rows if r['id'] >= from_id]
    rows = _filter_time(rows, call, 'time')
    limit = _limit(call, 500)
    return rows[:limit] if from_id is not None else rows[-limit:]


def order_list(api: Any, call: Call) -> Any:
    """``POST /api/v3/orderList/*``: order lists (OCO, OTO...) are not simulated; refused clearly."""
    api._signed(call)
    raise apierrors.not_supported('order lists (OCO, OTO, OTOCO)')


#: ``(method, path) -> Route`` of this module.
ROUTES: Dict[Any, Route] = {
    ('GET', '/api/v3/account'): Route(account, 20),
    ('POST', '/api/v3/order'): Route(new_order, 1, counts_order=True),
    ('DELETE', '/api/v3/order'): Route(cancel_order, 1),
    ('GET', '/api/v3/order'): Route(get_order, 4),
    ('POST', '/api/v3/order/test'): Route(test_order, 1),
    ('GET', '/api/v3/openOrders'): Route(
        open_orders, lambda params: 6 if params.get('symbol') else 80),
    ('DELETE', '/api/v3/openOrders'): Route(cancel_open_orders, 1),
    ('GET', '/api/v3/allOrders'): Route(all_orders, 20),
    ('GET', '/api/v3/myTrades'): Route(my_trades, 20),
    ('POST', '/api/v3/orderList/oco'): Route(order_list, 1, counts_order=True),
    ('POST', '/api/v3/orderList/oto'): Route(order_list, 1, counts_order=True),
    ('POST', '/api/v3/orderList/otoco'): Route(order_list, 1, counts_order=True),
}
