"""The simulator's margin endpoints (``/sapi/v1/margin``, ``bnbBurn``).

Cross margin is the ``margin`` account scope, isolated margin one
``isolated:<SYMBOL>`` scope per symbol. Orders use the same matching as
spot (:mod:`binance.simulator.accounts`); loans come from the
:class:`~binance.simulator.wallet.WalletBook`, which allows borrowing up
to :data:`~binance.simulator.wallet.MARGIN_LEVERAGE` times an account's
net value and charges no interest.
"""
from decimal import Decimal
from typing import Any, Callable, Dict, List

from . import apierrors, rest_orders
from .accounts import MARGIN, fmt, isolated_scope
from .rest_params import optional_bool, optional_decimal_text, optional_int, required
from .rest_route import Call, Route
from .wallet import MARGIN_LEVERAGE, public_row, wallet_for

__all__ = ['ROUTES', 'margin_scope']


def margin_scope(api: Any, call: Call) -> str:
    """The account scope a margin request addresses (``isIsolated`` and ``symbol``)."""
    if optional_bool(call.params, 'isIsolated'):
        symbol = required(call.params, 'symbol')
        api.accounts.assets(symbol)
        return isolated_scope(symbol)
    return MARGIN


def _in_margin(handler: Callable[..., Any]) -> Callable[[Any, Call], Any]:
    """A spot order handler run on the margin account the request names."""
    def run(api: Any, call: Call) -> Any:
        scope = margin_scope(api, call)
        result = handler(api, call, account=scope)
        flag = scope != MARGIN
        if isinstance(result, dict):
            result['isIsolated'] = flag
        elif isinstance(result, list):
            for row in result:
                row['isIsolated'] = flag
        return result
    return run


def _user_assets(api: Any, api_key: str, scope: str) -> List[Dict[str, Any]]:
    book = wallet_for(api.sim)
    rows = []
    for asset, (free, locked) in sorted(api.accounts.balances(api_key, scope).items()):
        borrowed = book.borrowed.get((api_key, scope, asset), Decimal(0))
        rows.append({'asset': asset, 'borrowed': fmt(borrowed), 'free': fmt(free),
                     'interest': fmt(Decimal(0)), 'locked': fmt(locked),
                     'netAsset': fmt(free + locked - borrowed)})
    return rows


def _totals(api: Any, api_key: str, scope: str) -> Dict[str, str]:
    book = wallet_for(api.sim)
    net = book.net_btc(api_key, scope)
    liability = sum((book.btc_value(asset, amount) or Decimal(0))
                    for (key, sc, asset), amount in book.borrowed.items()
                    if key == api_key and sc == scope)
    level = (net + liability) / liability if liability else Decimal(999)
    return {'marginLevel': fmt(level), 'totalAssetOfBtc': fmt(net + liability),
            'totalLiabilityOfBtc': fmt(liability), 'totalNetAssetOfBtc': fmt(net)}


def margin_account(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/margin/account``."""
    api_key = api._signed(call)
    answer: Dict[str, Any] = {'borrowEnabled': True, 'tradeEnabled': True,
                              'transferEnabled': True, 'created': True}
    answer.update(_totals(api, api_key, MARGIN))
    answer['userAssets'] = _user_assets(api, api_key, MARGIN)
    return answer


def isolated_account(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/margin/isolated/account``: the enabled isolated accounts (or ``symbols``)."""
    api_key = api._signed(call)
    book = wallet_for(api.sim)
    raw = call.params.get('symbols')
    symbols = raw.split(',') if raw else [s for (k, name), on in book.settings.items()
                                           if on and k == api_key and (s := _isolated_name(name))]
    assets = []
    for symbol in symbols:
        base, quote = api.accounts.assets(symbol)
        scope = isolated_scope(symbol)
        by_asset = {row['asset']: row for row in _user_assets(api, api_key, scope)}
        entry = {'symbol': symbol, 'isolatedCreated': True, 'enabled': True,
                 'tradeEnabled': True, 'liquidatePrice': fmt(Decimal(0)),
                 'baseAsset': by_asset.get(base, _empty_asset(base)),
                 'quoteAsset': by_asset.get(quote, _empty_asset(quote))}
        entry.update(_totals(api, api_key, scope))
        assets.append(entry)
    return {'assets': assets, 'totalAssetOfBtc': fmt(Decimal(0)),
            'totalLiabilityOfBtc': fmt(Decimal(0)), 'totalNetAssetOfBtc': fmt(Decimal(0))}


def _isolated_name(setting: str) -> str:
    return setting[len('isolated:'):] if setting.startswith('isolated:') else ''


def _empty_asset(asset: str) -> Dict[str, str]:
    zero = fmt(Decimal(0))
    return {'asset': asset, 'borrowed': zero, 'free': zero, 'interest': zero, 'locked': zero,
            'netAsset': zero}


def enable_isolated(api: Any, call: Call) -> Any:
    """``POST /sapi/v1/margin/isolated/account``."""
    api_key = api._signed(call)
    symbol = required(call.params, 'symbol')
    api.accounts.assets(symbol)
    wallet_for(api.sim).settings[api_key, 'isolated:' + symbol] = True
    return {'success': True, 'symbol': symbol}


def all_assets(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/margin/allAssets`` (``asset`` filters)."""
    names = set()
    for symbol in api.sim.market.symbols:
        names.update(api.accounts.assets(symbol))
    wanted = call.params.get('asset')
    if wanted:
        if wanted not in names:
            raise apierrors.ApiError(400, -3027, 'Not a valid margin asset.')
        names = {wanted}
    return [{'assetFullName': a, 'assetName': a, 'isBorrowable': True, 'isMortgageable': True,
             'userMinBorrow': fmt(Decimal(0)), 'userMinRepay': fmt(Decimal(0))} for a in sorted(names)]


def _pairs(api: Any, call: Call, with_id: bool) -> List[Dict[str, Any]]:
    wanted = call.params.get('symbol')
    symbols = [wanted] if wanted else list(api.sim.market.symbols)
    rows = []
    for index, symbol in enumerate(symbols):
        base, quote = api.accounts.assets(symbol)
        row = {'symbol': symbol, 'base': base, 'quote': quote, 'isMarginTrade': True,
               'isBuyAllowed': True, 'isSellAllowed': True}
        if with_id:
            row = dict(id=index + 1, **row)
        rows.append(row)
    return rows


def all_pairs(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/margin/allPairs``."""
    return _pairs(api, call, with_id=True)


def isolated_pairs(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/margin/isolated/allPairs`` (signed)."""
    api._signed(call)
    return _pairs(api, call, with_id=False)


def price_index(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/margin/priceIndex``: the last trade price."""
    symbol = required(call.params, 'symbol')
    api.accounts.assets(symbol)
    price = api.sim.market[symbol].stats.last_price or 0
    return {'calcTime': call.now_ms, 'price': fmt(Decimal(price) / Decimal(10 ** 8)),
            'symbol': symbol}


def bnb_burn(api: Any, call: Call) -> Any:
    """``GET``/``POST /sapi/v1/bnbBurn``."""
    api_key = api._signed(call)
    settings = wallet_for(api.sim).settings
    if call.method == 'POST':
        for name in ('spotBNBBurn', 'interestBNBBurn'):
            if name in call.params:
                settings[api_key, name] = optional_bool(call.params, name)
    return {name: settings.get((api_key, name), False) for name in ('spotBNBBurn', 'interestBNBBurn')}


def borrow_repay(api: Any, call: Call) -> Any:
    """``POST /sapi/v1/margin/borrow-repay``: ``type`` BORROW or REPAY."""
    api_key = api._signed(call)
    kind = required(call.params, 'type')
    if kind not in ('BORROW', 'REPAY'):
        raise apierrors.invalid_value('type')
    required(call.params, 'isIsolated')
    scope = margin_scope(api, call)
    amount = optional_decimal_text(call.params, 'amount')
    if amount is None:
        raise apierrors.mandatory('amount')
    tran_id = wallet_for(api.sim).borrow_repay(
        api_key, scope, required(call.params, 'asset'), amount, kind,
        call.params.get('symbol') if scope != MARGIN else None)
    return {'tranId': tran_id}


def borrow_repay_history(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/margin/borrow-repay``."""
    api_key = api._signed(call)
    kind = required(call.params, 'type')
    params = call.params
    tx = optional_int(params, 'txId', low=0)
    rows = [public_row(r) for r in wallet_for(api.sim).loans
            if r['_api_key'] == api_key and r['type'] == kind
            and (not params.get('asset') or r['asset'] == params['asset'])
            and (not params.get('isolatedSymbol') or r['isolatedSymbol'] == params['isolatedSymbol'])
            and (tx is None or r['txId'] == tx)]
    for row in rows:
        row.pop('type', None)
    return {'rows': list(reversed(rows)), 'total': len(rows)}


def max_borrowable(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/margin/maxBorrowable``."""
    api_key = api._signed(call)
    asset = required(call.params, 'asset')
    symbol = call.params.get('isolatedSymbol')
    scope = isolated_scope(symbol) if symbol else MARGIN
    book = wallet_for(api.sim)
    amount = book.max_borrowable(api_key, scope, asset)
    return {'amount': fmt(amount), 'borrowLimit': fmt(amount * MARGIN_LEVERAGE)}


def max_transferable(api: Any, call: Call) -> Any:
    """``GET /sapi/v1/margin/maxTransferable``: the free balance not owed."""
    api_key = api._signed(call)
    asset = required(call.params, 'asset')
    symbol = call.params.get('isolatedSymbol')
    scope = isolated_scope(symbol) if symbol else MARGIN
    free, _locked = api.accounts.balance(api_key, asset, scope)
    owed = wallet_for(api.sim).borrowed.get((api_key, scope, asset), Decimal(0))
    return {'amount': fmt(max(Decimal(0), free - owed))}


#: ``(method, path) -> Route`` of this module.
ROUTES: Dict[Any, Route] = {
    ('GET', '/sapi/v1/margin/account'): Route(margin_account, 10),
    ('GET', '/sapi/v1/margin/isolated/account'): Route(isolated_account, 10),
    ('POST', '/sapi/v1/margin/isolated/account'): Route(enable_isolated, 300, per_account=True),
    ('GET', '/sapi/v1/margin/allAssets'): Route(all_assets, 1),
    ('GET', '/sapi/v1/margin/allPairs'): Route(all_pairs, 1),
    ('GET', '/sapi/v1/margin/isolated/allPairs'): Route(isolated_pairs, 10),
    ('GET', '/sapi/v1/margin/priceIndex'): Route(price_index, 10),
    ('GET', '/sapi/v1/bnbBurn'): Route(bnb_burn, 1),
    ('POST', '/sapi/v1/bnbBurn'): Route(bnb_burn, 1),
    ('POST', '/sapi/v1/margin/borrow-repay'): Route(borrow_repay, 1500, per_account=True),
    ('GET', '/sapi/v1/margin/borrow-repay'): Route(borrow_repay_history, 10),
    ('GET', '/sapi/v1/margin/maxBorrowable'): Route(max_borrowable, 50),
    ('GET', '/sapi/v1/margin/maxTransferable'): Route(max_transferable, 50),
    ('POST', '/sapi/v1/margin/order'): Route(_in_margin(rest_orders.new_order), 6, counts_order=True, per_account=True),
    ('DELETE', '/sapi/v1/margin/order'): Route(_in_margin(rest_orders.cancel_order), 10),
    ('GET', '/sapi/v1/margin/order'): Route(_in_margin(rest_orders.get_order), 10),
    ('GET', '/sapi/v1/margin/openOrders'): Route(_in_margin(rest_orders.open_orders), 10),
    ('GET', '/sapi/v1/margin/allOrders'): Route(_in_margin(rest_orders.all_orders), 200),
    ('GET', '/sapi/v1/margin/myTrades'): Route(_in_margin(rest_orders.my_trades), 10),
}
