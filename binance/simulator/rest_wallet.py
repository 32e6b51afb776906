"""The simulator's wallet endpoints (``/sapi``): status, deposits, withdrawals, transfers, dust.

Answers have today's shapes (the ones the Client converts back to
python-binance 0.7.11's). Balances live in the accounts; what happened is
recorded in the :class:`~binance.simulator.wallet.WalletBook`. The
simulator has no sub-accounts: the sub-account list is empty and the other
sub-account calls answer ``-1002`` (not authorized), as for an account that
is not a master account.
"""
from typing import Any, Dict, List

import orjson

from . import apierrors
from .accounts import SPOT, fmt
from .rest_params import optional_decimal_text, optional_int, required
from .rest_route import Call, Route
from .wallet import WITHDRAW_FEES, public_row, wallet_for

__all__ = ['ROUTES']

_ZERO = fmt(0)


def _assets(api: Any, api_key: str) -> List[str]:
    """Every asset the simulator knows: balances and the listed symbols' assets."""
    names = set(api.accounts.balances(api_key, SPOT))
    for symbol in api.sim.market.symbols:
        names.update(api.accounts.assets(symbol))
    return sorted(names)


def _known_coin(api: Any, api_key: str, coin: str) -> str:
    if coin not in _assets(api, api_key):
        raise apierrors.ApiError(400, -4003, 'Coin does not exist.')
    return coin


def system_status(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/system/status``."""
    return {'status': 0, 'msg': 'normal'}


def account_status(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/account/status``."""
    api._signed(call)
    return {'data': 'Normal'}


def api_trading_status(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/account/apiTradingStatus``."""
    api._signed(call)
    return {'data': {'isLocked': False, 'plannedRecoverTime': 0,
                     'triggerCondition': {'GCR': 150, 'IFER': 150, 'UFR': 300},
                     'updateTime': call.now_ms}}


def dribblet(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/asset/dribblet``: the dust conversions."""
    api_key = api._signed(call)
    rows = [public_row(d) for d in wallet_for(api.sim).dribblets if d['_api_key'] == api_key]
    return {'total': len(rows), 'userAssetDribblets': rows}


def dust(api: Any, call: Call) -> Any:
    """``POST /sapi/v1/asset/dust``: ``asset`` (one, comma-separated, or a JSON list)."""
    api_key = api._signed(call)
    raw = required(call.params, 'asset')
    try:
        assets = orjson.loads(raw) if raw.startswith('[') else raw.split(',')
    except orjson.JSONDecodeError:
        raise apierrors.invalid_value('asset') from None
    if not isinstance(assets, list) or not all(isinstance(a, str) and a for a in assets):
        raise apierrors.invalid_value('asset')
    return wallet_for(api.sim).convert_dust(api_key, assets)


def asset_dividend(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/asset/assetDividend``: no dividends are paid in the simulator."""
    api._signed(call)
    return {'rows': [], 'total': 0}


def transfer(api: Any, call: Call) -> Any:
    """``POST /sapi/v1/asset/transfer``: the universal transfer."""
    api_key = api._signed(call)
    params = call.params
    amount = optional_decimal_text(params, 'amount')
    if amount is None:
        raise apierrors.mandatory('amount')
    tran_id = wallet_for(api.sim).universal_transfer(
        api_key, required(params, 'type'), required(params, 'asset'), amount,
        params.get('fromSymbol'), params.get('toSymbol'))
    return {'tranId': tran_id}


def transfer_history(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/asset/transfer``: one type, newest page first as Binance pages it."""
    api_key = api._signed(call)
    rows = wallet_for(api.sim).transfer_rows(api_key, required(call.params, 'type'))
    start = optional_int(call.params, 'startTime', low=0)
    end = optional_int(call.params, 'endTime', low=0)
    rows = [r for r in rows if (start is None or r['timestamp'] >= start)
            and (end is None or r['timestamp'] <= end)]
    size = optional_int(call.params, 'size', 10, low=1, high=100, clamp=True) or 10
    current = optional_int(call.params, 'current', 1, low=1) or 1
    page = rows[(current - 1) * size:current * size]
    return {'total': len(rows), 'rows': page}


def trade_fee(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/asset/tradeFee``: the accounts trade without commission."""
    api._signed(call)
    symbols = [call.params['symbol']] if call.params.get('symbol') else api.sim.market.symbols
    for symbol in symbols:
        api.accounts.assets(symbol)
    return [{'symbol': s, 'makerCommission': '0', 'takerCommission': '0'} for s in symbols]


def asset_detail(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/asset/assetDetail``."""
    api_key = api._signed(call)
    wanted = call.params.get('asset')
    assets = [_known_coin(api, api_key, wanted)] if wanted else _assets(api, api_key)
    return {a: {'minWithdrawAmount': fmt(WITHDRAW_FEES.get(a, 0) * 2), 'depositStatus': True,
                'withdrawFee': float(WITHDRAW_FEES.get(a, 0)), 'withdrawStatus': True,
                'depositTip': ''} for a in assets}


def withdraw_apply(api: Any, call: Call) -> Any:
    """``POST /sapi/v1/capital/withdraw/apply``."""
    api_key = api._signed(call)
    params = call.params
    coin = _known_coin(api, api_key, required(params, 'coin'))
    amount = optional_decimal_text(params, 'amount')
    if amount is None:
        raise apierrors.mandatory('amount')
    withdraw_id = wallet_for(api.sim).withdraw(
        api_key, coin, required(params, 'address'), amount, addressTag=params.get('addressTag'),
        network=params.get('network'), withdrawOrderId=params.get('withdrawOrderId'))
    return {'id': withdraw_id}


def _history_filter(rows: List[Dict[str, Any]], call: Call, time_key: str) -> List[Dict[str, Any]]:
    params = call.params
    coin = params.get('coin')
    status = optional_int(params, 'status', low=0)
    start = optional_int(params, 'startTime', low=0)
    end = optional_int(params, 'endTime', low=0)
    found = [r for r in rows if (not coin or r['coin'] == coin)
             and (status is None or r['status'] == status)
             and (start is None or r[time_key] >= start) and (end is None or r[time_key] <= end)]
    offset = optional_int(params, 'offset', 0, low=0) or 0
    limit = optional_int(params, 'limit', 1000, low=1, high=1000, clamp=True) or 1000
    found = list(reversed(found))   # newest first, as Binance lists them
    return [public_row(r) for r in found[offset:offset + limit]]


def deposit_history(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/capital/deposit/hisrec``: what :meth:`Accounts.deposit` credited."""
    api_key = api._signed(call)
    rows = [d for d in api.accounts.deposits if d['_api_key'] == api_key]
    return _history_filter(rows, call, 'insertTime')


def withdraw_history(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/capital/withdraw/history``."""
    api_key = api._signed(call)
    rows = [w for w in wallet_for(api.sim).withdrawals if w['_api_key'] == api_key]
    ids = call.params.get('idList')
    if ids:
        wanted = set(ids.split(','))
        rows = [w for w in rows if w['id'] in wanted]
    return _history_filter(rows, call, '_time')


def deposit_address(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/capital/deposit/address``: a stable fake address per key and coin."""
    api_key = api._signed(call)
    coin = _known_coin(api, api_key, required(call.params, 'coin'))
    address = wallet_for(api.sim).deposit_address(api_key, coin)
    return {'address': address, 'coin': coin, 'tag': '',
            'url': 'https://simulator.invalid/address/' + address}


def coins(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/capital/config/getall``."""
    api_key = api._signed(call)
    balances = api.accounts.balances(api_key, SPOT)
    rows = []
    for coin in _assets(api, api_key):
        free, locked = balances.get(coin, (0, 0))
        fee = WITHDRAW_FEES.get(coin, 0)
        rows.append({'coin': coin, 'name': coin, 'free': fmt(free), 'locked': fmt(locked),
                     'freeze': _ZERO, 'withdrawing': _ZERO, 'ipoing': _ZERO, 'ipoable': _ZERO,
                     'storage': _ZERO, 'isLegalMoney': False, 'trading': True,
                     'depositAllEnable': True, 'withdrawAllEnable': True,
                     'networkList': [{'network': coin, 'coin': coin, 'name': coin,
                                      'isDefault': True, 'depositEnable': True,
                                      'withdrawEnable': True, 'withdrawFee': fmt(fee),
                                      'withdrawMin': fmt(fee * 2), 'withdrawMax': '9999999999',
                                      'minConfirm': 1, 'unLockConfirm': 0, 'busy': False}]})
    return rows


def account_snapshot(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/accountSnapshot``: today's balances as the one snapshot."""
    api_key = api._signed(call)
    kind = required(call.params, 'type')
    scopes = {'SPOT': SPOT, 'MARGIN': 'margin', 'FUTURES': 'usdm'}
    if kind not in scopes:
        raise apierrors.invalid_value('type')
    book = wallet_for(api.sim)
    balances = api.accounts.balances(api_key, scopes[kind])
    data = {'totalAssetOfBtc': fmt(book.net_btc(api_key, scopes[kind])),
            'balances': [{'asset': a, 'free': fmt(f), 'locked': fmt(l)}
                         for a, (f, l) in sorted(balances.items())]}
    return {'code': 200, 'msg': '', 'snapshotVos': [
        {'type': kind.lower(), 'updateTime': call.now_ms, 'data': data}]}


def _setting(name: str, value: Any) -> Any:
    def handler(api: Any, call: Call) -> Any:
        api_key = api._signed(call)
        wallet_for(api.sim).settings[api_key, name] = value
        return {}
    return handler


def sub_account_list(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/sub-account/list``: the simulated accounts have no sub-accounts."""
    api._signed(call)
    return {'subAccounts': []}


def _not_master(api: Any, call: Call) -> Any:
    api._signed(call)
    raise apierrors.ApiError(400, -1002, 'You are not authorized to execute this request.')


_SUB_ACCOUNT_PATHS = (
    ('GET', 'v1/sub-account/sub/transfer/history'), ('POST', 'v1/sub-account/universalTransfer'),
    ('GET', 'v1/sub-account/universalTransfer'), ('GET', 'v3/sub-account/assets'),
    ('GET', 'v1/sub-account/spotSummary'), ('GET', 'v1/sub-account/status'),
    ('GET', 'v1/sub-account/futures/internalTransfer'),
    ('POST', 'v1/sub-account/futures/internalTransfer'), ('GET', 'v1/capital/deposit/subAddress'),
    ('GET', 'v1/capital/deposit/subHisrec'), ('POST', 'v1/sub-account/margin/enable'),
    ('GET', 'v1/sub-account/margin/account'), ('GET', 'v1/sub-account/margin/accountSummary'),
    ('POST', 'v1/sub-account/futures/enable'), ('GET', 'v1/sub-account/futures/account'),
    ('GET', 'v1/sub-account/futures/accountSummary'), ('GET', 'v1/sub-account/futures/positionRisk'),
    ('POST', 'v1/sub-account/futures/transfer'), ('POST', 'v1/sub-account/margin/transfer'),
    ('POST', 'v1/sub-account/transfer/subToSub'), ('POST', 'v1/sub-account/transfer/subToMaster'),
    ('GET', 'v1/sub-account/transfer/subUserHistory'))

#: ``(method, path) -> Route`` of this module.
ROUTES: Dict[Any, Route] = {
    ('GET', '/sapi/v1/system/status'): Route(system_status, 1),
    ('GET', '/sapi/v1/account/status'): Route(account_status, 1),
    ('GET', '/sapi/v1/account/apiTradingStatus'): Route(api_trading_status, 1),
    ('GET', '/sapi/v1/asset/dribblet'): Route(dribblet, 1),
    ('POST', '/sapi/v1/asset/dust'): Route(dust, 10),
    ('GET', '/sapi/v1/asset/assetDividend'): Route(asset_dividend, 10),
    ('POST', '/sapi/v1/asset/transfer'): Route(transfer, 900, per_account=True),
    ('GET', '/sapi/v1/asset/transfer'): Route(transfer_history, 1),
    ('GET', '/sapi/v1/asset/tradeFee'): Route(trade_fee, 1),
    ('GET', '/sapi/v1/asset/assetDetail'): Route(asset_detail, 1),
    ('POST', '/sapi/v1/capital/withdraw/apply'): Route(withdraw_apply, 900, per_account=True),
    ('GET', '/sapi/v1/capital/deposit/hisrec'): Route(deposit_history, 1),
    ('GET', '/sapi/v1/capital/withdraw/history'): Route(withdraw_history, 18),
    ('GET', '/sapi/v1/capital/deposit/address'): Route(deposit_address, 10),
    ('GET', '/sapi/v1/capital/config/getall'): Route(coins, 10),
    ('GET', '/sapi/v1/accountSnapshot'): Route(account_snapshot, 2400),
    ('POST', '/sapi/v1/account/disableFastWithdrawSwitch'): Route(_setting('fastWithdraw', False), 1),
    ('POST', '/sapi/v1/account/enableFastWithdrawSwitch'): Route(_setting('fastWithdraw', True), 1),
    ('GET', '/sapi/v1/sub-account/list'): Route(sub_account_list, 1),
}
ROUTES.update({(method, '/sapi/' + path): Route(_not_master, 1) for method, path in _SUB_ACCOUNT_PATHS})
