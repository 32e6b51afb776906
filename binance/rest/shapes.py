"""Today's answers in the shapes python-binance 0.7.11 returned (pure functions).

Binance moved the ``/wapi`` wallet calls to ``/sapi`` in 2021 and changed
their answers: no ``success`` flag, ``coin`` instead of ``asset``, lists
instead of wrappers. Scripts written for 0.7.11 index the old shapes
(``client.get_deposit_history()['depositList']``), so each function below
rebuilds the old keys from the new answer. Every key of today's answer is
kept as well, so code written for today's API works too.
"""
import calendar
import time
from typing import Any, Dict, List, Mapping, Optional

__all__ = [
    'with_success', 'account_status', 'api_trading_status', 'dust_log', 'trade_fee',
    'asset_details', 'withdraw_applied', 'deposit_history', 'withdraw_history',
    'deposit_address', 'sub_account_list', 'sub_account_transfers', 'sub_account_transfer',
    'first_or_none', 'options_wrapped', 'utc_text_to_ms',
]


def with_success(answer: Any) -> Dict[str, Any]:
    """``answer`` plus ``"success": True`` (the wapi flag)."""
    result = dict(answer) if isinstance(answer, Mapping) else {'data': answer}
    result.setdefault('success', True)
    return result


def account_status(answer: Mapping[str, Any]) -> Dict[str, Any]:
    """``GET /sapi/v1/account/status`` ``{"data": "Normal"}`` as wapi's ``{"msg", "success", "objs"}``."""
    result = dict(answer)
    result.update(msg=answer.get('data', ''), success=True, objs=[])
    return result


def api_trading_status(answer: Mapping[str, Any]) -> Dict[str, Any]:
    """``{"data": {...}}`` as wapi's ``{"success", "status": {...}}``."""
    result = dict(answer)
    result.update(success=True, status=answer.get('data', {}))
    return result


def utc_text_to_ms(value: Any) -> Any:
    """``'2019-10-12 11:12:02'`` (UTC, as today's wallet answers write times) in ms; other values as they are."""
    if not isinstance(value, str):
        return value
    try:
        parsed = time.strptime(value, '%Y-%m-%d %H:%M:%S')
    except ValueError:
        return value
    return calendar.timegm(parsed) * 1000


def dust_log(answer: Mapping[str, Any]) -> Dict[str, Any]:
    """``GET /sapi/v1/asset/dribblet`` as wapi's ``{"success", "results": {"total", "rows"}}``."""
    rows: List[Dict[str, Any]] = []
    for entry in answer.get('userAssetDribblets', []) or []:
        logs = []
        for detail in entry.get('userAssetDribbletDetails', []) or []:
            log = dict(detail)
            log.setdefault('tranId', detail.get('transId'))
            logs.append(log)
        row = dict(entry)
        row.update(transfered_total=entry.get('totalTransferedAmount'),
                   service_charge_total=entry.get('totalServiceChargeAmount'),
                   tran_id=entry.get('transId'), logs=logs, operate_time=entry.get('operateTime'))
        rows.append(row)
    result = dict(answer)
    result.update(success=True, results={'total': answer.get('total', len(rows)), 'rows': rows})
    return result


def trade_fee(answer: List[Mapping[str, Any]]) -> Dict[str, Any]:
    """``[{"symbol", "makerCommission", "takerCommission"}]`` as ``{"tradeFee": [{"symbol", "maker", "taker"}], "success"}``."""
    fees = []
    for row in answer or []:
        fee = dict(row)
        fee.update(maker=float(row.get('makerCommission', 0)), taker=float(row.get('takerCommission', 0)))
        fees.append(fee)
    return {'tradeFee': fees, 'success': True}


def asset_details(answer: Mapping[str, Any]) -> Dict[str, Any]:
    """``{"CTR": {...}}`` as ``{"success", "assetDetail": {"CTR": {...}}}``."""
    return {'success': True, 'assetDetail': dict(answer)}


def withdraw_applied(answer: Mapping[str, Any]) -> Dict[str, Any]:
    """``{"id"}`` as ``{"msg": "success", "success": true, "id"}``."""
    result = dict(answer)
    result.update(msg='success', success=True)
    return result


def _with_asset(row: Mapping[str, Any]) -> Dict[str, Any]:
    result = dict(row)
    if 'coin' in row:
        result.setdefault('asset', row['coin'])
    return result


def deposit_history(answer: List[Mapping[str, Any]]) -> Dict[str, Any]:
    """A list of deposits (``coin``) as ``{"depositList": [... "asset" ...], "success"}``."""
    return {'depositList': [_with_asset(row) for row in answer or []], 'success': True}


def withdraw_history(answer: List[Mapping[str, Any]]) -> Dict[str, Any]:
    """A list of withdrawals as ``{"withdrawList": [...], "success"}``, ``applyTime`` in ms as before."""
    rows = []
    for row in answer or []:
        entry = _with_asset(row)
        entry['applyTime'] = utc_text_to_ms(row.get('applyTime'))
        rows.append(entry)
    return {'withdrawList': rows, 'success': True}


def deposit_address(answer: Mapping[str, Any]) -> Dict[str, Any]:
    """``{"address", "coin", "tag", "url"}`` as ``{"address", "addressTag", "asset", "success"}``."""
    result = _with_asset(answer)
    result.update(addressTag=answer.get('tag', ''), success=True)
    return result


def sub_account_list(answer: Mapping[str, Any]) -> Dict[str, Any]:
    """Sub-accounts with wapi's ``status`` (``enabled``/``freeze``) and ``activated``."""
    rows = []
    for row in answer.get('subAccounts', []) or []:
        entry = dict(row)
        frozen = bool(row.get('isFreeze'))
        entry.setdefault('status', 'freeze' if frozen else 'enabled')
        entry.setdefault('activated', not frozen)
        rows.append(entry)
    result = dict(answer)
    result.update(success=True, subAccounts=rows)
    return result


def sub_account_transfers(answer: Any) -> Dict[str, Any]:
    """A list of transfers as ``{"success", "transfers": [...]}``."""
    rows = answer if isinstance(answer, list) else (answer or {}).get('result', [])
    return {'success': True, 'transfers': [dict(row) for row in rows]}


def sub_account_transfer(answer: Mapping[str, Any]) -> Dict[str, Any]:
    """``{"tranId"}`` as ``{"success", "txnId"}`` (a string, as wapi gave it)."""
    result = dict(answer)
    result.update(success=True, txnId=str(answer.get('tranId', '')))
    return result


def first_or_none(answer: Any) -> Optional[Dict[str, Any]]:
    """The one entry of a list answer (endpoints that returned one dict before)."""
    if isinstance(answer, list):
        return dict(answer[0]) if answer else None
    return answer


def options_wrapped(answer: Any) -> Dict[str, Any]:
    """An ``eapi`` answer in the ``{"code": 0, "msg": "success", "data": ...}`` wrapper of ``vapi``."""
    return {'code': 0, 'msg': 'success', 'data': answer}
