"""System status and wallet: python-binance 0.7.11's ``/wapi`` calls on today's ``/sapi``.

Binance retired ``/wapi`` in 2021. Each method below calls the ``/sapi``
endpoint that replaced its wapi call and, where the answer changed, returns
it in 0.7.11's shape (see :mod:`binance.rest.shapes`).
"""
from typing import Any, Dict, List

from . import shapes
from .endpoint import NONE, SAPI, USER_DATA, Endpoint, EndpointMethods, calls

__all__ = ['Wallet', 'FUTURES_TRANSFER_TYPES']

#: ``POST /sapi/v1/futures/transfer`` types (0.7.11) -> universal transfer types.
FUTURES_TRANSFER_TYPES = {'1': 'MAIN_UMFUTURE', '2': 'UMFUTURE_MAIN', '3': 'MAIN_CMFUTURE',
                          '4': 'CMFUTURE_MAIN'}
_COIN = {'asset': 'coin'}
_TRANSFER_PARAMS = ('type', 'asset', 'amount', 'fromSymbol', 'toSymbol', 'recvWindow')
_TRANSFER_HISTORY_PARAMS = ('type', 'startTime', 'endTime', 'current', 'size', 'fromSymbol',
                            'toSymbol', 'recvWindow')


def _futures_transfer_type(params: Dict[str, Any]) -> Dict[str, Any]:
    """0.7.11's numeric futures transfer ``type`` (1-4) as a universal transfer type."""
    raw = str(params.get('type', ''))
    if raw in FUTURES_TRANSFER_TYPES:
        params['type'] = FUTURES_TRANSFER_TYPES[raw]
    elif raw not in FUTURES_TRANSFER_TYPES.values():
        raise ValueError('type must be 1 (spot to USD-M), 2 (USD-M to spot), 3 (spot to COIN-M) '
                         'or 4 (COIN-M to spot), not {!r}'.format(params.get('type')))
    return params


def _withdraw_name(params: Dict[str, Any]) -> Dict[str, Any]:
    # 0.7.11 named the withdrawal after the asset when no name was given.
    if 'coin' in params and 'name' not in params:
        params['name'] = params['coin']
    return params


class Wallet(EndpointMethods):
    """System status, deposits, withdrawals, transfers and asset details (signed, but the status)."""

    get_system_status = Endpoint(
        'GET', SAPI, 'v1/system/status', security=NONE, weight=1, kwargs=False,
        was='GET /wapi/v3/systemStatus.html', summary='System status: normal or maintenance.',
        returns='``{"status": 0, "msg": "normal"}`` (1: system maintenance).')
    get_account_status = Endpoint(
        'GET', SAPI, 'v1/account/status', security=USER_DATA, weight=1, params=('recvWindow',),
        was='GET /wapi/v3/accountStatus.html', to_old=shapes.account_status,
        summary='Account status.', returns='``{"msg": "Normal", "success": true, "objs": [], '
                                           '"data": "Normal"}``')
    get_account_api_trading_status = Endpoint(
        'GET', SAPI, 'v1/account/apiTradingStatus', security=USER_DATA, weight=1,
        params=('recvWindow',), was='GET /wapi/v3/apiTradingStatus.html',
        to_old=shapes.api_trading_status, summary='API trading status (locks and their triggers).',
        returns='``{"success": true, "status": {"isLocked", "plannedRecoverTime", '
                '"triggerCondition", ...}, "data": {...}}``')
    get_dust_log = Endpoint(
        'GET', SAPI, 'v1/asset/dribblet', security=USER_DATA, weight=1,
        params=('startTime', 'endTime', 'recvWindow'), was='GET /wapi/v3/userAssetDribbletLog.html',
        to_old=shapes.dust_log, summary='Small-balance conversions to BNB.',
        returns='``{"success": true, "results": {"total", "rows": [{"transfered_total", '
                '"service_charge_total", "tran_id", "logs", "operate_time", ...}]}}``')
    transfer_dust = Endpoint('POST', SAPI, 'v1/asset/dust', security=USER_DATA, weight=10,
                             params=('asset', 'accountType', 'recvWindow'), required=('asset',),
                             summary='Convert small balances to BNB.')
    get_asset_dividend_history = Endpoint(
        'GET', SAPI, 'v1/asset/assetDividend', security=USER_DATA, weight=10,
        params=('asset', 'startTime', 'endTime', 'limit', 'recvWindow'),
        summary='Asset dividend records.', returns='``{"rows": [...], "total"}``')
    query_universal_transfer_history = Endpoint(
        'GET', SAPI, 'v1/asset/transfer', security=USER_DATA, weight=1,
        params=_TRANSFER_HISTORY_PARAMS, required=('type',),
        summary='Universal transfer history of one type.', returns='``{"total", "rows": [...]}``')
    new_transfer_history = Endpoint(
        'GET', SAPI, 'v1/asset/transfer', security=USER_DATA, weight=1,
        params=_TRANSFER_HISTORY_PARAMS, required=('type',),
        summary='Universal transfer history of one type.', returns='``{"total", "rows": [...]}``')
    universal_transfer = Endpoint(
        'POST', SAPI, 'v1/asset/transfer', security=USER_DATA, weight=900, params=_TRANSFER_PARAMS,
        required=('type', 'asset', 'amount'),
        summary='Move an asset between your wallets (``type`` such as ``MAIN_UMFUTURE``).',
        returns='``{"tranId"}``')
    futures_account_transfer = Endpoint(
        'POST', SAPI, 'v1/asset/transfer', security=USER_DATA, weight=900,
        params=('asset', 'amount', 'type', 'recvWindow'), required=('asset', 'amount', 'type'),
        adapt_params=_futures_transfer_type, was='POST /sapi/v1/futures/transfer',
        summary='Move an asset between spot and futures; 0.7.11\'s ``type`` 1-4 is sent as '
                'the universal transfer type (1: MAIN_UMFUTURE, 2: UMFUTURE_MAIN, '
                '3: MAIN_CMFUTURE, 4: CMFUTURE_MAIN).', returns='``{"tranId"}``')
    get_trade_fee = Endpoint(
        'GET', SAPI, 'v1/asset/tradeFee', security=USER_DATA, weight=1,
        params=('symbol', 'recvWindow'), was='GET /wapi/v3/tradeFee.html', to_old=shapes.trade_fee,
        summary='Trading fees per symbol.',
        returns='``{"tradeFee": [{"symbol", "maker", "taker", "makerCommission", '
                '"takerCommission"}], "success": true}``')
    get_asset_details = Endpoint(
        'GET', SAPI, 'v1/asset/assetDetail', security=USER_DATA, weight=1,
        params=('asset', 'recvWindow'), was='GET /wapi/v3/assetDetail.html',
        to_old=shapes.asset_details, summary='Deposit and withdrawal details per asset.',
        returns='``{"success": true, "assetDetail": {"BTC": {"minWithdrawAmount", '
                '"depositStatus", "withdrawFee", "withdrawStatus", ...}}}``')
    withdraw = Endpoint(
        'POST', SAPI, 'v1/capital/withdraw/apply', security=USER_DATA, weight=900,
        params=('coin', 'network', 'address', 'addressTag', 'amount', 'name', 'withdrawOrderId',
                'transactionFeeFlag', 'walletType', 'recvWindow'),
        required=('coin', 'address', 'amount'), rename=_COIN, adapt_params=_withdraw_name,
        was='POST /wapi/v3/withdraw.html', to_old=shapes.withdraw_applied,
        summary='Withdraw to an address (the API key needs withdrawal permission).',
        returns='``{"msg": "success", "success": true, "id"}``')
    get_deposit_history = Endpoint(
        'GET', SAPI, 'v1/capital/deposit/hisrec', security=USER_DATA, weight=1,
        params=('coin', 'status', 'startTime', 'endTime', 'offset', 'limit', 'txId', 'recvWindow'),
        rename=_COIN, was='GET /wapi/v3/depositHistory.html', to_old=shapes.deposit_history,
        summary='Deposit history.',
        returns='``{"depositList": [{"insertTime", "amount", "asset", "coin", "status", ...}], '
                '"success": true}``')
    get_withdraw_history = Endpoint(
        'GET', SAPI, 'v1/capital/withdraw/history', security=USER_DATA, weight=18,
        params=('coin', 'withdrawOrderId', 'status', 'offset', 'limit', 'idList', 'startTime',
                'endTime', 'recvWindow'),
        rename=_COIN, was='GET /wapi/v3/withdrawHistory.html', to_old=shapes.withdraw_history,
        summary='Withdrawal history.',
        returns='``{"withdrawList": [{"id", "amount", "address", "asset", "applyTime" (ms), '
                '"status", ...}], "success": true}``')
    get_deposit_address = Endpoint(
        'GET', SAPI, 'v1/capital/deposit/address', security=USER_DATA, weight=10,
        params=('coin', 'network', 'amount', 'recvWindow'), required=('coin',), rename=_COIN,
        was='GET /wapi/v3/depositAddress.html', to_old=shapes.deposit_address,
        summary='Deposit address of a coin.',
        returns='``{"address", "addressTag", "asset", "success": true, "coin", "tag", "url"}``')
    get_all_coins_info = Endpoint('GET', SAPI, 'v1/capital/config/getall', security=USER_DATA,
                                  weight=10, params=('recvWindow',),
                                  summary='Every coin with its networks, deposit and withdrawal rules.')
    get_account_snapshot = Endpoint(
        'GET', SAPI, 'v1/accountSnapshot', security=USER_DATA, weight=2400,
        params=('type', 'startTime', 'endTime', 'limit', 'recvWindow'), required=('type',),
        summary='Daily account snapshots (``type`` SPOT, MARGIN or FUTURES).',
        returns='``{"code": 200, "msg", "snapshotVos": [...]}``')
    disable_fast_withdraw_switch = Endpoint(
        'POST', SAPI, 'v1/account/disableFastWithdrawSwitch', security=USER_DATA, weight=1,
        params=('recvWindow',), summary='Turn off fast withdrawals.', returns='``{}``')
    enable_fast_withdraw_switch = Endpoint(
        'POST', SAPI, 'v1/account/enableFastWithdrawSwitch', security=USER_DATA, weight=1,
        params=('recvWindow',), summary='Turn on fast withdrawals.', returns='``{}``')

    @calls('GET /sapi/v1/capital/withdraw/history')
    def get_withdraw_history_id(self, withdraw_id: str, **params: Any) -> Dict[str, Any]:
        """One withdrawal of the history, by id.

        Args:
            withdraw_id: the ``id`` :meth:`withdraw` returned.
            **params: as for :meth:`get_withdraw_history` (``asset``, ``startTime``...).

        Returns:
            The withdrawal's entry (0.7.11's shape, see :meth:`get_withdraw_history`).

        Raises:
            LookupError: no withdrawal with that id in the history.
        """
        history = self.get_withdraw_history(**params)
        for entry in history['withdrawList']:
            if entry.get('id') == withdraw_id:
                return entry
        raise LookupError('There is no entry with withdraw id {!r}'.format(withdraw_id))

    @calls('GET /sapi/v1/asset/transfer (once per type)')
    def transfer_history(self, **params: Any) -> Dict[str, Any]:
        """Spot/futures transfers, as ``GET /sapi/v1/futures/transfer`` listed them.

        That endpoint is gone; the universal transfer history answers one
        ``type`` at a time, so this asks for each of the four spot/futures
        types (or the one given as 0.7.11's ``type`` 1-4) and merges them.

        Args:
            **params: ``asset``, ``startTime``, ``endTime``, ``current``,
                ``size``, ``type``, ``recvWindow``.

        Returns:
            ``{"rows": [...], "total"}``, oldest first; each row has
            ``asset``, ``tranId``, ``amount``, ``type``, ``timestamp`` and ``status``.
        """
        asset = params.pop('asset', None)
        wanted = params.pop('type', None)
        types: List[str] = list(FUTURES_TRANSFER_TYPES.values())
        if wanted is not None:
            types = [_futures_transfer_type({'type': wanted})['type']]
        rows: List[Dict[str, Any]] = []
        for kind in types:
            answer = self.query_universal_transfer_history(type=kind, **params)
            rows.extend(row for row in answer.get('rows', []) or []
                        if asset is None or row.get('asset') == asset)
        rows.sort(key=lambda row: row.get('timestamp', 0))
        return {'rows': rows, 'total': len(rows)}
