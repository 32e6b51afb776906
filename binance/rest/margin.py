"""Cross and isolated margin: python-binance 0.7.11's methods on today's ``/sapi``.

Binance removed several margin endpoints on 2024-03-31 (transfers, loans,
single-asset and single-pair queries) and margin listen keys on 2026-02-20.
The methods whose call maps to a replacement call it (transfers go through
the universal transfer, loans through ``borrow-repay``, single queries
through the ``all...`` lists filtered to one entry) and return 0.7.11's shape.
"""
from typing import Any, Dict

from . import shapes
from .endpoint import MARKET_DATA, SAPI, TRADE, USER_DATA, Endpoint, EndpointMethods, calls

__all__ = ['Margin', 'MARGIN_LISTEN_KEYS_RETIRED_MESSAGE']

#: Explanation attached to the HTTP 410 Binance gives for margin listen keys.
MARGIN_LISTEN_KEYS_RETIRED_MESSAGE = (
    'Binance retired margin listen keys (/sapi/v1/userDataStream and /isolated) on 2026-02-20 '
    'and now answers HTTP 410. Use Client.margin_create_listen_token(isolated_symbol=None) '
    '(POST /sapi/v1/userListenToken) with the WebSocket API, which '
    'BinanceSocketManager.start_margin_socket() and start_isolated_margin_socket() already do.')

_ORDER_PARAMS = ('symbol', 'isIsolated', 'side', 'type', 'quantity', 'quoteOrderQty', 'price',
                 'stopPrice', 'newClientOrderId', 'icebergQty', 'newOrderRespType',
                 'sideEffectType', 'timeInForce', 'selfTradePreventionMode', 'autoRepayAtCancel',
                 'recvWindow')
_ORDER_REF = ('symbol', 'isIsolated', 'orderId', 'origClientOrderId', 'recvWindow')
_LOAN_PARAMS = ('asset', 'isIsolated', 'symbol', 'amount', 'recvWindow')
_LOAN_HISTORY = ('asset', 'isolatedSymbol', 'txId', 'startTime', 'endTime', 'current', 'size',
                 'recvWindow')


def _not_isolated_by_default(params: Dict[str, Any]) -> Dict[str, Any]:
    # borrow-repay requires isIsolated; 0.7.11's loan calls defaulted to cross margin.
    params.setdefault('isIsolated', 'TRUE' if params.get('symbol') else 'FALSE')
    return params


def _isolated_transfer(direction: str) -> Any:
    """0.7.11's ``symbol`` as the universal transfer's ``fromSymbol``/``toSymbol``."""
    def adapt(params: Dict[str, Any]) -> Dict[str, Any]:
        if 'symbol' in params:
            params[direction] = params.pop('symbol')
        return params
    return adapt


def _pair_symbol(params: Dict[str, Any]) -> Dict[str, Any]:
    """0.7.11's ``base`` and ``quote`` (``POST /sapi/v1/margin/isolated/create``) as ``symbol``.

    Raises:
        ValueError: neither ``symbol`` nor both ``base`` and ``quote``.
    """
    if 'symbol' not in params:
        if not params.get('base') or not params.get('quote'):
            raise ValueError("Client.create_isolated_margin_account() needs 'base' and 'quote' "
                             "(or 'symbol')")
        params['symbol'] = '{}{}'.format(params.pop('base'), params.pop('quote'))
    return params


class Margin(EndpointMethods):
    """Margin accounts, orders, loans and transfers (signed)."""

    get_margin_account = Endpoint('GET', SAPI, 'v1/margin/account', security=USER_DATA, weight=10,
                                  params=('recvWindow',), summary='Cross margin account details.')
    get_isolated_margin_account = Endpoint(
        'GET', SAPI, 'v1/margin/isolated/account', security=USER_DATA, weight=10,
        params=('symbols', 'recvWindow'), summary='Isolated margin account details.')
    get_margin_asset = Endpoint(
        'GET', SAPI, 'v1/margin/allAssets', security=MARKET_DATA, weight=1, params=('asset',),
        required=('asset',), was='GET /sapi/v1/margin/asset', to_old=shapes.first_or_none,
        summary='One margin asset (the entry of the margin asset list).',
        returns='``{"assetFullName", "assetName", "isBorrowable", "isMortgageable", '
                '"userMinBorrow", "userMinRepay"}``, or ``None``.')
    get_margin_symbol = Endpoint(
        'GET', SAPI, 'v1/margin/allPairs', security=MARKET_DATA, weight=1, params=('symbol',),
        required=('symbol',), was='GET /sapi/v1/margin/pair', to_old=shapes.first_or_none,
        summary='One cross margin pair (the entry of the pair list).',
        returns='``{"id", "symbol", "base", "quote", "isMarginTrade", "isBuyAllowed", '
                '"isSellAllowed"}``, or ``None``.')
    create_isolated_margin_account = Endpoint(
        'POST', SAPI, 'v1/margin/isolated/account', security=TRADE, weight=300,
        params=('base', 'quote', 'symbol', 'recvWindow'), adapt_params=_pair_symbol,
        was='POST /sapi/v1/margin/isolated/create',
        summary="Enable an isolated margin account; 0.7.11's ``base`` and ``quote`` are sent "
                'as ``symbol``.', returns='``{"success": true, "symbol"}``')
    get_isolated_margin_symbol = Endpoint(
        'GET', SAPI, 'v1/margin/isolated/allPairs', security=USER_DATA, weight=10,
        params=('symbol', 'recvWindow'), required=('symbol',), was='GET /sapi/v1/margin/isolated/pair',
        to_old=shapes.first_or_none, summary='One isolated margin pair.',
        returns='``{"symbol", "base", "quote", "isMarginTrade", "isBuyAllowed", '
                '"isSellAllowed"}``, or ``None``.')
    get_all_isolated_margin_symbols = Endpoint(
        'GET', SAPI, 'v1/margin/isolated/allPairs', security=USER_DATA, weight=10,
        params=('symbol', 'recvWindow'), summary='Every isolated margin pair.')
    toggle_bnb_burn_spot_margin = Endpoint(
        'POST', SAPI, 'v1/bnbBurn', security=USER_DATA, weight=1,
        params=('spotBNBBurn', 'interestBNBBurn', 'recvWindow'),
        summary='Pay spot fees and margin interest with BNB, or not.',
        returns='``{"spotBNBBurn", "interestBNBBurn"}``')
    get_bnb_burn_spot_margin = Endpoint('GET', SAPI, 'v1/bnbBurn', security=USER_DATA, weight=1,
                                        params=('recvWindow',), summary='The BNB burn settings.',
                                        returns='``{"spotBNBBurn", "interestBNBBurn"}``')
    get_margin_price_index = Endpoint(
        'GET', SAPI, 'v1/margin/priceIndex', security=MARKET_DATA, weight=10, params=('symbol',),
        required=('symbol',), summary='Margin price index of a symbol.',
        returns='``{"calcTime", "price", "symbol"}``')
    transfer_margin_to_spot = Endpoint(
        'POST', SAPI, 'v1/asset/transfer', security=USER_DATA, weight=900,
        params=('asset', 'amount', 'recvWindow'), required=('asset', 'amount'),
        fixed={'type': 'MARGIN_MAIN'}, was='POST /sapi/v1/margin/transfer (type=2)',
        summary='Move an asset from cross margin to spot.', returns='``{"tranId"}``')
    transfer_spot_to_margin = Endpoint(
        'POST', SAPI, 'v1/asset/transfer', security=USER_DATA, weight=900,
        params=('asset', 'amount', 'recvWindow'), required=('asset', 'amount'),
        fixed={'type': 'MAIN_MARGIN'}, was='POST /sapi/v1/margin/transfer (type=1)',
        summary='Move an asset from spot to cross margin.', returns='``{"tranId"}``')
    transfer_isolated_margin_to_spot = Endpoint(
        'POST', SAPI, 'v1/asset/transfer', security=USER_DATA, weight=900,
        params=('asset', 'symbol', 'amount', 'recvWindow'), required=('asset', 'symbol', 'amount'),
        fixed={'type': 'ISOLATEDMARGIN_MAIN'}, adapt_params=_isolated_transfer('fromSymbol'),
        was='POST /sapi/v1/margin/isolated/transfer (transFrom=ISOLATED_MARGIN)',
        summary="Move an asset from a symbol's isolated margin account to spot.",
        returns='``{"tranId"}``')
    transfer_spot_to_isolated_margin = Endpoint(
        'POST', SAPI, 'v1/asset/transfer', security=USER_DATA, weight=900,
        params=('asset', 'symbol', 'amount', 'recvWindow'), required=('asset', 'symbol', 'amount'),
        fixed={'type': 'MAIN_ISOLATEDMARGIN'}, adapt_params=_isolated_transfer('toSymbol'),
        was='POST /sapi/v1/margin/isolated/transfer (transTo=ISOLATED_MARGIN)',
        summary="Move an asset from spot to a symbol's isolated margin account.",
        returns='``{"tranId"}``')
    create_margin_loan = Endpoint(
        'POST', SAPI, 'v1/margin/borrow-repay', security=TRADE, weight=1500, params=_LOAN_PARAMS,
        required=('asset', 'amount'), fixed={'type': 'BORROW'},
        adapt_params=_not_isolated_by_default, was='POST /sapi/v1/margin/loan',
        summary='Borrow an asset (cross margin, or isolated with ``isIsolated`` and ``symbol``).',
        returns='``{"tranId"}``')
    repay_margin_loan = Endpoint(
        'POST', SAPI, 'v1/margin/borrow-repay', security=TRADE, weight=1500, params=_LOAN_PARAMS,
        required=('asset', 'amount'), fixed={'type': 'REPAY'},
        adapt_params=_not_isolated_by_default, was='POST /sapi/v1/margin/repay',
        summary='Repay a loan.', returns='``{"tranId"}``')
    get_margin_loan_details = Endpoint(
        'GET', SAPI, 'v1/margin/borrow-repay', security=USER_DATA, weight=10, params=_LOAN_HISTORY,
        required=('asset',), fixed={'type': 'BORROW'}, was='GET /sapi/v1/margin/loan',
        summary='Loan records.',
        returns='``{"rows": [{"asset", "principal", "timestamp", "status", "txId", ...}], "total"}``')
    get_margin_repay_details = Endpoint(
        'GET', SAPI, 'v1/margin/borrow-repay', security=USER_DATA, weight=10, params=_LOAN_HISTORY,
        required=('asset',), fixed={'type': 'REPAY'}, was='GET /sapi/v1/margin/repay',
        summary='Repayment records.',
        returns='``{"rows": [{"amount", "asset", "interest", "principal", "status", '
                '"timestamp", "txId", ...}], "total"}``')
    create_margin_order = Endpoint('POST', SAPI, 'v1/margin/order', security=TRADE, weight=6,
                                   params=_ORDER_PARAMS, required=('symbol', 'side', 'type'),
                                   summary='Place a margin order.')
    cancel_margin_order = Endpoint('DELETE', SAPI, 'v1/margin/order', security=TRADE, weight=10,
                                   params=_ORDER_REF + ('newClientOrderId',), required=('symbol',),
                                   summary='Cancel a margin order.')
    get_margin_order = Endpoint('GET', SAPI, 'v1/margin/order', security=USER_DATA, weight=10,
                                params=_ORDER_REF, required=('symbol',),
                                summary="A margin order's status.")
    get_open_margin_orders = Endpoint('GET', SAPI, 'v1/margin/openOrders', security=USER_DATA,
                                      weight=10, params=('symbol', 'isIsolated', 'recvWindow'),
                                      summary='Open margin orders.')
    get_all_margin_orders = Endpoint(
        'GET', SAPI, 'v1/margin/allOrders', security=USER_DATA, weight=200,
        params=('symbol', 'isIsolated', 'orderId', 'startTime', 'endTime', 'limit', 'recvWindow'),
        required=('symbol',), summary='Every margin order of a symbol.')
    get_margin_trades = Endpoint(
        'GET', SAPI, 'v1/margin/myTrades', security=USER_DATA, weight=10,
        params=('symbol', 'isIsolated', 'orderId', 'startTime', 'endTime', 'fromId', 'limit',
                'recvWindow'), required=('symbol',), summary='Margin trades of a symbol.')
    get_max_margin_loan = Endpoint('GET', SAPI, 'v1/margin/maxBorrowable', security=USER_DATA,
                                   weight=50, params=('asset', 'isolatedSymbol', 'recvWindow'),
                                   required=('asset',), summary='Most you can borrow of an asset.',
                                   returns='``{"amount", "borrowLimit"}``')
    get_max_margin_transfer = Endpoint(
        'GET', SAPI, 'v1/margin/maxTransferable', security=USER_DATA, weight=50,
        params=('asset', 'isolatedSymbol', 'recvWindow'), required=('asset',),
        summary='Most you can transfer out of margin.', returns='``{"amount"}``')

    # -- margin listen keys (retired on binance.com) ------------------------------

    def _margin_listen_key(self, method: str, path: str, params: Dict[str, Any]) -> Any:
        self._require_api_key('margin listen keys')
        return self._listen_key_request(method, SAPI, path, params,
                                        MARGIN_LISTEN_KEYS_RETIRED_MESSAGE)

    @calls('POST /sapi/v1/userDataStream (retired: HTTP 410)')
    def margin_stream_get_listen_key(self) -> str:
        """Create a cross margin listen key, where the venue still has them.

        binance.com answers HTTP 410 since 2026-02-20; the
        :class:`BinanceAPIException` raised then says what to use instead
        (:meth:`margin_create_listen_token`).
        """
        return self._margin_listen_key('POST', 'v1/userDataStream', {})['listenKey']

    @calls('PUT /sapi/v1/userDataStream (retired: HTTP 410)')
    def margin_stream_keepalive(self, listenKey: str) -> Dict[str, Any]:  # noqa: N803
        """Extend a cross margin listen key (see :meth:`margin_stream_get_listen_key`)."""
        return self._margin_listen_key('PUT', 'v1/userDataStream', {'listenKey': listenKey})

    @calls('DELETE /sapi/v1/userDataStream (retired: HTTP 410)')
    def margin_stream_close(self, listenKey: str) -> Dict[str, Any]:  # noqa: N803
        """Close a cross margin listen key (see :meth:`margin_stream_get_listen_key`)."""
        return self._margin_listen_key('DELETE', 'v1/userDataStream', {'listenKey': listenKey})

    @calls('POST /sapi/v1/userDataStream/isolated (retired: HTTP 410)')
    def isolated_margin_stream_get_listen_key(self, symbol: str) -> str:
        """Create an isolated margin listen key (see :meth:`margin_stream_get_listen_key`)."""
        return self._margin_listen_key('POST', 'v1/userDataStream/isolated',
                                       {'symbol': symbol})['listenKey']

    @calls('PUT /sapi/v1/userDataStream/isolated (retired: HTTP 410)')
    def isolated_margin_stream_keepalive(self, symbol: str, listenKey: str) -> Dict[str, Any]:  # noqa: N803
        """Extend an isolated margin listen key."""
        return self._margin_listen_key('PUT', 'v1/userDataStream/isolated',
                                       {'symbol': symbol, 'listenKey': listenKey})

    @calls('DELETE /sapi/v1/userDataStream/isolated (retired: HTTP 410)')
    def isolated_margin_stream_close(self, symbol: str, listenKey: str) -> Dict[str, Any]:  # noqa: N803
        """Close an isolated margin listen key."""
        return self._margin_listen_key('DELETE', 'v1/userDataStream/isolated',
                                       {'symbol': symbol, 'listenKey': listenKey})
