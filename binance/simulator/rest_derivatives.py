"""The simulator's futures and options account endpoints (``/fapi``, ``/dapi``, ``/eapi``).

Their market data is served by :mod:`binance.simulator.rest_futures_market`.

Each venue has a wallet per API key (account scopes ``usdm``, ``coinm`` and
``options``, funded by universal transfers from spot), per-symbol settings
(leverage, margin type) and the position mode. Positions stay flat: the
simulator does not match futures or options orders, so position, trade and
income lists are empty and new orders are refused with a clear error.
Symbols are checked against the venue's market when the simulator has one,
else against the spot symbols.
"""
from decimal import Decimal
from typing import Any, Callable, Dict, List, Tuple

from . import apierrors
from .accounts import fmt
from .rest_params import optional_bool, optional_int, required
from .rest_route import Call, Route
from .wallet import wallet_for

__all__ = ['ROUTES', 'VENUE_SCOPES']

#: URL prefix -> account scope of the venue's wallet (and venue name).
VENUE_SCOPES = {'fapi': 'usdm', 'dapi': 'coinm', 'eapi': 'options'}
_MAX_LEVERAGE = 125
_ZERO = fmt(Decimal(0))


def _venue_symbols(api: Any, scope: str) -> Tuple[str, ...]:
    venues = getattr(api.sim, 'venues', None) or {}
    venue = venues.get(scope)
    if venue is not None:
        return tuple(venue.market.symbols)
    return tuple(api.sim.market.symbols)


def _symbol(api: Any, call: Call, scope: str, name: str = 'symbol') -> str:
    symbol = required(call.params, name)
    if symbol not in _venue_symbols(api, scope):
        raise apierrors.bad_symbol()
    return symbol


def _settings(api: Any, api_key: str, scope: str) -> Dict[str, Any]:
    settings = wallet_for(api.sim).settings
    key = (api_key, 'derivatives:' + scope)
    if key not in settings:
        settings[key] = {'leverage': {}, 'marginType': {}, 'dualSidePosition': False}
    return settings[key]


def _ping(api: Any, call: Call) -> Any:
    return {}


def _time(api: Any, call: Call) -> Any:
    return {'serverTime': call.now_ms}


def _balances(api: Any, api_key: str, scope: str, now: int) -> List[Dict[str, Any]]:
    rows = []
    for asset, (free, locked) in sorted(api.accounts.balances(api_key, scope).items()):
        total = fmt(free + locked)
        rows.append({'accountAlias': 'SimAccount', 'asset': asset, 'balance': total,
                     'crossWalletBalance': total, 'crossUnPnl': _ZERO,
                     'availableBalance': fmt(free), 'maxWithdrawAmount': fmt(free),
                     'marginAvailable': True, 'updateTime': now})
    return rows


def _position(api: Any, api_key: str, scope: str, symbol: str) -> Dict[str, Any]:
    settings = _settings(api, api_key, scope)
    leverage = settings['leverage'].get(symbol, 20)
    isolated = settings['marginType'].get(symbol, 'CROSSED') == 'ISOLATED'
    return {'symbol': symbol, 'positionAmt': '0', 'entryPrice': '0.0', 'breakEvenPrice': '0.0',
            'markPrice': '0.00000000', 'unRealizedProfit': _ZERO, 'liquidationPrice': '0',
            'leverage': str(leverage), 'maxNotionalValue': str(_max_notional(leverage)),
            'marginType': 'isolated' if isolated else 'cross', 'isolatedMargin': _ZERO,
            'isAutoAddMargin': 'false', 'positionSide': 'BOTH', 'notional': '0',
            'isolatedWallet': '0', 'updateTime': 0}


def _max_notional(leverage: int) -> int:
    return 50000 * max(1, _MAX_LEVERAGE // max(1, leverage))


def _positions(api: Any, call: Call, api_key: str, scope: str) -> List[Dict[str, Any]]:
    symbols = [_symbol(api, call, scope)] if call.params.get('symbol') else \
        list(_venue_symbols(api, scope))
    return [_position(api, api_key, scope, s) for s in symbols]


def _venue(handler: Callable[..., Any], scope: str, signed: bool = True) -> Callable[[Any, Call], Any]:
    def run(api: Any, call: Call) -> Any:
        api_key = api._signed(call) if signed else ''
        return handler(api, call, api_key, scope)
    return run


def balance(api: Any, call: Call, api_key: str, scope: str) -> Any:
    """``GET /fapi/v2/balance``, ``GET /dapi/v1/balance``."""
    return _balances(api, api_key, scope, call.now_ms)


def account(api: Any, call: Call, api_key: str, scope: str) -> Any:
    """``GET /fapi/v2/account``, ``GET /dapi/v1/account``: wallet, no open positions."""
    assets = []
    wallet = Decimal(0)
    for asset, (free, locked) in sorted(api.accounts.balances(api_key, scope).items()):
        total = free + locked
        if asset in ('USDT', 'USDC', 'BUSD'):
            wallet += total
        assets.append({'asset': asset, 'walletBalance': fmt(total), 'unrealizedProfit': _ZERO,
                       'marginBalance': fmt(total), 'maintMargin': _ZERO, 'initialMargin': _ZERO,
                       'positionInitialMargin': _ZERO, 'openOrderInitialMargin': _ZERO,
                       'crossWalletBalance': fmt(total), 'crossUnPnl': _ZERO,
                       'availableBalance': fmt(free), 'maxWithdrawAmount': fmt(free),
                       'marginAvailable': True, 'updateTime': call.now_ms})
    totals = {name: _ZERO for name in (
        'totalInitialMargin', 'totalMaintMargin', 'totalUnrealizedProfit',
        'totalPositionInitialMargin', 'totalOpenOrderInitialMargin', 'totalCrossUnPnl')}
    for name in ('totalWalletBalance', 'totalMarginBalance', 'totalCrossWalletBalance',
                 'availableBalance', 'maxWithdrawAmount'):
        totals[name] = fmt(wallet)
    answer: Dict[str, Any] = {'feeTier': 0, 'canTrade': True, 'canDeposit': True,
                              'canWithdraw': True, 'updateTime': call.now_ms}
    answer.update(totals)
    answer['assets'] = assets
    answer['positions'] = _positions(api, call, api_key, scope)
    return answer


def position_risk(api: Any, call: Call, api_key: str, scope: str) -> Any:
    """``GET /fapi/v2/positionRisk``, ``GET /dapi/v1/positionRisk``: flat positions."""
    return _positions(api, call, api_key, scope)


def leverage(api: Any, call: Call, api_key: str, scope: str) -> Any:
    """``POST .../v1/leverage``: 1 to 125."""
    symbol = _symbol(api, call, scope)
    value = optional_int(call.params, 'leverage', low=1, high=_MAX_LEVERAGE)
    if value is None:
        raise apierrors.mandatory('leverage')
    _settings(api, api_key, scope)['leverage'][symbol] = value
    return {'leverage': value, 'maxNotionalValue': str(_max_notional(value)), 'symbol': symbol}


def margin_type(api: Any, call: Call, api_key: str, scope: str) -> Any:
    """``POST .../v1/marginType``: ISOLATED or CROSSED; no change answers -4046."""
    symbol = _symbol(api, call, scope)
    kind = required(call.params, 'marginType').upper()
    if kind not in ('ISOLATED', 'CROSSED'):
        raise apierrors.invalid_value('marginType')
    types = _settings(api, api_key, scope)['marginType']
    if types.get(symbol, 'CROSSED') == kind:
        raise apierrors.ApiError(400, -4046, 'No need to change margin type.')
    types[symbol] = kind
    return {'code': 200, 'msg': 'success'}


def position_mode(api: Any, call: Call, api_key: str, scope: str) -> Any:
    """``GET``/``POST .../v1/positionSide/dual``; no change answers -4059."""
    settings = _settings(api, api_key, scope)
    if call.method == 'GET':
        return {'dualSidePosition': settings['dualSidePosition']}
    required(call.params, 'dualSidePosition')
    wanted = optional_bool(call.params, 'dualSidePosition')
    if wanted == settings['dualSidePosition']:
        raise apierrors.ApiError(400, -4059, 'No need to change position side.')
    settings['dualSidePosition'] = wanted
    return {'code': 200, 'msg': 'success'}


def leverage_bracket(api: Any, call: Call, api_key: str, scope: str) -> Any:
    """``GET /fapi/v1/leverageBracket``, ``GET /dapi/v2/leverageBracket``."""
    symbols = [_symbol(api, call, scope)] if call.params.get('symbol') else \
        list(_venue_symbols(api, scope))
    brackets = [{'bracket': i + 1, 'initialLeverage': lev, 'notionalCap': cap, 'notionalFloor': floor,
                 'maintMarginRatio': ratio, 'cum': 0.0}
                for i, (lev, floor, cap, ratio) in enumerate(
                    ((125, 0, 50000, 0.004), (100, 50000, 250000, 0.005), (50, 250000, 3000000, 0.01)))]
    rows = [{'symbol': s, 'brackets': brackets} for s in symbols]
    return rows[0] if call.params.get('symbol') and scope == 'coinm' else rows


def empty_list(api: Any, call: Call, api_key: str, scope: str) -> Any:
    """Trades, income, open and past orders: none without order matching."""
    if call.params.get('symbol'):
        _symbol(api, call, scope)
    return []


def no_matching(api: Any, call: Call, api_key: str, scope: str) -> Any:
    """New futures and options orders: refused, naming what the simulator lacks."""
    _symbol(api, call, scope)
    raise apierrors.not_supported('{} orders (no order matching on this venue)'.format(scope))


def unknown_order(api: Any, call: Call, api_key: str, scope: str) -> Any:
    """Order queries and cancels: no order exists."""
    _symbol(api, call, scope)
    raise apierrors.no_such_order()


def options_margin_account(api: Any, call: Call, api_key: str, scope: str) -> Any:
    """``GET /eapi/v1/marginAccount``."""
    assets = []
    for asset, (free, locked) in sorted(api.accounts.balances(api_key, scope).items()):
        total = fmt(free + locked)
        assets.append({'asset': asset, 'marginBalance': total, 'equity': total,
                       'available': fmt(free), 'initialMargin': _ZERO, 'maintMargin': _ZERO,
                       'unrealizedPNL': _ZERO, 'adjustedEquity': total})
    return {'asset': assets, 'greek': [], 'time': call.now_ms, 'canTrade': True,
            'canDeposit': True, 'canWithdraw': True, 'reduceOnly': False}


def options_bill(api: Any, call: Call, api_key: str, scope: str) -> Any:
    """``GET /eapi/v1/bill``: the transfers in and out of the options wallet."""
    currency = required(call.params, 'currency')
    rows: List[Dict[str, Any]] = []
    for row in wallet_for(api.sim).transfers:
        if row['_api_key'] != api_key or row['asset'] != currency:
            continue
        if row['type'] in ('MAIN_OPTION', 'OPTION_MAIN'):
            signed = row['amount'] if row['type'] == 'MAIN_OPTION' else '-' + row['amount']
            rows.append({'id': row['tranId'], 'asset': currency, 'amount': signed,
                         'type': 'TRANSFER', 'createDate': row['timestamp']})
    return rows


def _derivative_routes(prefix: str, scope: str, versions: Dict[str, str]) -> Dict[Any, Route]:
    base = '/{}/'.format(prefix)

    def v(name: str) -> str:
        return versions.get(name, 'v1')
    return {
        ('GET', base + 'v1/ping'): Route(_ping, 1),
        ('GET', base + 'v1/time'): Route(_time, 1),
        ('GET', base + v('balance') + '/balance'): Route(_venue(balance, scope), 5),
        ('GET', base + v('account') + '/account'): Route(_venue(account, scope), 5),
        ('GET', base + v('positionRisk') + '/positionRisk'): Route(_venue(position_risk, scope), 5),
        ('POST', base + 'v1/leverage'): Route(_venue(leverage, scope), 1),
        ('POST', base + 'v1/marginType'): Route(_venue(margin_type, scope), 1),
        ('GET', base + 'v1/positionSide/dual'): Route(_venue(position_mode, scope), 30),
        ('POST', base + 'v1/positionSide/dual'): Route(_venue(position_mode, scope), 1),
        ('GET', base + v('leverageBracket') + '/leverageBracket'):
            Route(_venue(leverage_bracket, scope), 1),
        ('GET', base + 'v1/income'): Route(_venue(empty_list, scope), 30),
        ('GET', base + 'v1/userTrades'): Route(_venue(empty_list, scope), 5),
        ('GET', base + 'v1/openOrders'): Route(_venue(empty_list, scope), 1),
        ('GET', base + 'v1/allOrders'): Route(_venue(empty_list, scope), 5),
        ('POST', base + 'v1/order'): Route(_venue(no_matching, scope), 0, counts_order=True),
        ('GET', base + 'v1/order'): Route(_venue(unknown_order, scope), 1),
        ('DELETE', base + 'v1/order'): Route(_venue(unknown_order, scope), 1),
    }


def _options_routes() -> Dict[Any, Route]:
    scope = 'options'
    return {
        ('GET', '/eapi/v1/ping'): Route(_ping, 1),
        ('GET', '/eapi/v1/time'): Route(_time, 1),
        ('GET', '/eapi/v1/marginAccount'): Route(_venue(options_margin_account, scope), 3),
        ('GET', '/eapi/v1/position'): Route(_venue(empty_list, scope), 5),
        ('GET', '/eapi/v1/bill'): Route(_venue(options_bill, scope), 1),
        ('GET', '/eapi/v1/openOrders'): Route(_venue(empty_list, scope), 1),
        ('GET', '/eapi/v1/historyOrders'): Route(_venue(empty_list, scope), 3),
        ('GET', '/eapi/v1/userTrades'): Route(_venue(empty_list, scope), 5),
        ('POST', '/eapi/v1/order'): Route(_venue(no_matching, scope), 1, counts_order=True),
        ('GET', '/eapi/v1/order'): Route(_venue(unknown_order, scope), 1),
        ('DELETE', '/eapi/v1/order'): Route(_venue(unknown_order, scope), 1),
    }


#: ``(method, path) -> Route`` of this module.
ROUTES: Dict[Any, Route] = {}
ROUTES.update(_derivative_routes('fapi', 'usdm', {'balance': 'v2', 'account': 'v2',
                                                  'positionRisk': 'v2'}))
ROUTES.update(_derivative_routes('dapi', 'coinm', {'leverageBracket': 'v2'}))
ROUTES.update(_options_routes())
