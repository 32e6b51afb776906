"""Sub-accounts (for master accounts): python-binance 0.7.11's methods on today's ``/sapi``."""
from . import shapes
from .endpoint import SAPI, USER_DATA, Endpoint, EndpointMethods

__all__ = ['SubAccounts']

_EMAIL = ('email', 'recvWindow')


def _sub(method: str, path: str, summary: str, params: tuple = _EMAIL, weight: int = 1,
         required: tuple = (), **extra: object) -> Endpoint:
    """A signed ``/sapi`` sub-account endpoint."""
    return Endpoint(method, SAPI, path, security=USER_DATA, weight=weight, params=params,
                    required=required, summary=summary, **extra)  # type: ignore[arg-type]


class SubAccounts(EndpointMethods):
    """Sub-account lists, assets and transfers (signed; master accounts only)."""

    get_sub_account_list = _sub(
        'GET', 'v1/sub-account/list', 'The sub-accounts.',
        params=('email', 'isFreeze', 'page', 'limit', 'recvWindow'),
        was='GET /wapi/v3/sub-account/list.html', to_old=shapes.sub_account_list,
        returns='``{"success": true, "subAccounts": [{"email", "status", "activated", '
                '"isFreeze", "createTime", ...}]}``')
    get_sub_account_transfer_history = _sub(
        'GET', 'v1/sub-account/sub/transfer/history', 'Spot transfers between sub-accounts.',
        params=('fromEmail', 'toEmail', 'startTime', 'endTime', 'page', 'limit', 'recvWindow'),
        rename={'email': 'fromEmail'}, was='GET /wapi/v3/sub-account/transfer/history.html',
        to_old=shapes.sub_account_transfers,
        returns='``{"success": true, "transfers": [{"from", "to", "asset", "qty", "time", ...}]}``')
    create_sub_account_transfer = _sub(
        'POST', 'v1/sub-account/universalTransfer', 'Spot transfer between two sub-accounts.',
        params=('fromEmail', 'toEmail', 'asset', 'amount', 'recvWindow'), weight=360,
        required=('fromEmail', 'toEmail', 'asset', 'amount'),
        fixed={'fromAccountType': 'SPOT', 'toAccountType': 'SPOT'},
        was='POST /wapi/v3/sub-account/transfer.html', to_old=shapes.sub_account_transfer,
        returns='``{"success": true, "txnId", "tranId"}``')
    get_sub_account_futures_transfer_history = _sub(
        'GET', 'v1/sub-account/futures/internalTransfer', 'Futures transfers of a sub-account.',
        params=('email', 'futuresType', 'startTime', 'endTime', 'page', 'limit', 'recvWindow'),
        required=('email', 'futuresType'))
    create_sub_account_futures_transfer = _sub(
        'POST', 'v1/sub-account/futures/internalTransfer', 'Futures transfer between sub-accounts.',
        params=('fromEmail', 'toEmail', 'futuresType', 'asset', 'amount', 'recvWindow'),
        required=('fromEmail', 'toEmail', 'futuresType', 'asset', 'amount'))
    get_sub_account_assets = _sub(
        'GET', 'v3/sub-account/assets', "A sub-account's balances.", weight=60,
        required=('email',), was='GET /wapi/v3/sub-account/assets.html', to_old=shapes.with_success,
        returns='``{"success": true, "balances": [{"asset", "free", "locked"}]}``')
    query_subaccount_spot_summary = _sub(
        'GET', 'v1/sub-account/spotSummary', 'BTC value of every sub-account.',
        params=('email', 'page', 'size', 'recvWindow'))
    get_subaccount_deposit_address = _sub(
        'GET', 'v1/capital/deposit/subAddress', "A sub-account's deposit address.",
        params=('email', 'coin', 'network', 'recvWindow'), required=('email', 'coin'))
    get_subaccount_deposit_history = _sub(
        'GET', 'v1/capital/deposit/subHisrec', "A sub-account's deposits.",
        params=('email', 'coin', 'status', 'startTime', 'endTime', 'limit', 'offset', 'recvWindow'),
        required=('email',))
    get_subaccount_futures_margin_status = _sub(
        'GET', 'v1/sub-account/status', 'Margin and futures status of sub-accounts.', weight=10)
    enable_subaccount_margin = _sub('POST', 'v1/sub-account/margin/enable',
                                    'Enable margin for a sub-account.', required=('email',))
    get_subaccount_margin_details = _sub('GET', 'v1/sub-account/margin/account',
                                         "A sub-account's margin account.", weight=10,
                                         required=('email',))
    get_subaccount_margin_summary = _sub('GET', 'v1/sub-account/margin/accountSummary',
                                         'Margin summary of every sub-account.', weight=10,
                                         params=('recvWindow',))
    enable_subaccount_futures = _sub('POST', 'v1/sub-account/futures/enable',
                                     'Enable futures for a sub-account.', required=('email',))
    get_subaccount_futures_details = _sub('GET', 'v1/sub-account/futures/account',
                                          "A sub-account's futures account.", weight=10,
                                          required=('email',))
    get_subaccount_futures_summary = _sub('GET', 'v1/sub-account/futures/accountSummary',
                                          'Futures summary of every sub-account.',
                                          params=('recvWindow',))
    get_subaccount_futures_positionrisk = _sub('GET', 'v1/sub-account/futures/positionRisk',
                                               "A sub-account's futures positions.",
                                               required=('email',))
    make_subaccount_futures_transfer = _sub(
        'POST', 'v1/sub-account/futures/transfer', "Transfer between a sub-account's spot and futures.",
        params=('email', 'asset', 'amount', 'type', 'recvWindow'),
        required=('email', 'asset', 'amount', 'type'))
    make_subaccount_margin_transfer = _sub(
        'POST', 'v1/sub-account/margin/transfer', "Transfer between a sub-account's spot and margin.",
        params=('email', 'asset', 'amount', 'type', 'recvWindow'),
        required=('email', 'asset', 'amount', 'type'))
    make_subaccount_to_subaccount_transfer = _sub(
        'POST', 'v1/sub-account/transfer/subToSub', 'Transfer from this sub-account to another.',
        params=('toEmail', 'asset', 'amount', 'recvWindow'), required=('toEmail', 'asset', 'amount'))
    make_subaccount_to_master_transfer = _sub(
        'POST', 'v1/sub-account/transfer/subToMaster', 'Transfer from this sub-account to the master.',
        params=('asset', 'amount', 'recvWindow'), required=('asset', 'amount'))
    get_subaccount_transfer_history = _sub(
        'GET', 'v1/sub-account/transfer/subUserHistory', "This sub-account's transfers.",
        params=('asset', 'type', 'startTime', 'endTime', 'limit', 'recvWindow'))
    make_universal_transfer = _sub(
        'POST', 'v1/sub-account/universalTransfer',
        'Transfer between master and sub-account wallets (0.7.11 defined this method twice; '
        'its second definition, kept here, is the sub-account one).',
        params=('fromEmail', 'toEmail', 'fromAccountType', 'toAccountType', 'clientTranId',
                'symbol', 'asset', 'amount', 'recvWindow'),
        required=('fromAccountType', 'toAccountType', 'asset', 'amount'), weight=360,
        returns='``{"tranId", "clientTranId"}``')
    get_universal_transfer_history = _sub(
        'GET', 'v1/sub-account/universalTransfer', 'Sub-account universal transfer history.',
        params=('fromEmail', 'toEmail', 'clientTranId', 'startTime', 'endTime', 'page', 'limit',
                'recvWindow'))
