"""The simulated wallet: transfers between accounts, withdrawals, dust, loans, settings.

Pure code over :class:`~binance.simulator.accounts.Accounts` (which holds
the balances) and the market (for prices). One :class:`WalletBook` per
simulator (:func:`wallet_for`). Every wallet of an API key is an account
scope of ``Accounts``: ``spot``, ``margin``, ``isolated:<SYMBOL>``,
``usdm``, ``coinm``, ``options`` (the futures and options wallets, named as their venues),
``funding``.
"""
import hashlib
import time
import weakref
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple

from . import apierrors
from .accounts import MARGIN, SPOT, fmt, isolated_scope

__all__ = ['WalletBook', 'wallet_for', 'parse_transfer_type', 'WALLETS']

#: Universal transfer wallet names -> account scopes (isolated margin needs a symbol).
WALLETS = {'MAIN': SPOT, 'MARGIN': MARGIN, 'UMFUTURE': 'usdm', 'CMFUTURE': 'coinm',
           'OPTION': 'options', 'FUNDING': 'funding', 'ISOLATEDMARGIN': 'isolated',
           'PORTFOLIO_MARGIN': 'portfolio_margin', 'C2C': 'c2c', 'MINING': 'mining'}
#: Withdrawal fee charged per withdrawal, by asset (others: 0).
WITHDRAW_FEES = {'BTC': Decimal('0.0002'), 'ETH': Decimal('0.002'), 'BNB': Decimal('0.001'),
                 'USDT': Decimal('1'), 'LTC': Decimal('0.001'), 'NEO': Decimal('0')}
#: Borrowing power: at most this many times the account's net value in BTC.
MARGIN_LEVERAGE = Decimal(4)
_DUST_FEE = Decimal('0.02')


def parse_transfer_type(kind: str) -> Tuple[str, str]:
    """``'MAIN_UMFUTURE'`` -> ``('MAIN', 'UMFUTURE')``.

    Raises:
        ApiError: -1130 for an unknown type.
    """
    for source in sorted(WALLETS, key=len, reverse=True):
        if kind.startswith(source + '_') and kind[len(source) + 1:] in WALLETS:
            return source, kind[len(source) + 1:]
    raise apierrors.invalid_value('type')


def _utc_text(ms: int) -> str:
    return time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(ms / 1000))


class WalletBook:
    """What happened in the wallets of every API key of one simulator.

    Args:
        sim: the simulator (``accounts``, ``market``, ``now_ms``).
    """

    def __init__(self, sim: Any) -> None:
        self._sim = sim
        self.transfers: List[Dict[str, Any]] = []
        self.withdrawals: List[Dict[str, Any]] = []
        self.dribblets: List[Dict[str, Any]] = []
        self.loans: List[Dict[str, Any]] = []
        #: ``(api_key, scope, asset) -> borrowed amount``.
        self.borrowed: Dict[Tuple[str, str, str], Decimal] = {}
        self.settings: Dict[Tuple[str, str], Any] = {}
        self._next_id = 10 ** 9

    def __repr__(self) -> str:
        return '<WalletBook transfers={} withdrawals={} loans={}>'.format(
            len(self.transfers), len(self.withdrawals), len(self.loans))

    @property
    def accounts(self) -> Any:
        return self._sim.accounts

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    # -- prices ----------------------------------------------------------------

    def btc_value(self, asset: str, amount: Decimal) -> Optional[Decimal]:
        """``amount`` of ``asset`` in BTC at the last trade prices (None: no market to price it)."""
        if asset == 'BTC':
            return amount
        market = self._sim.market
        for symbol, invert in ((asset + 'BTC', False), ('BTC' + asset, True)):
            if symbol in market:
                price = market[symbol].stats.last_price
                if not price:
                    return None
                value = Decimal(price) / Decimal(10 ** 8)
                return amount / value if invert else amount * value
        return None

    # -- transfers ---------------------------------------------------------------

    def scope(self, wallet: str, symbol: Optional[str]) -> str:
        """The account scope of a universal-transfer wallet name.

        Raises:
            ApiError: -1102 when an isolated margin wallet has no symbol.
        """
        scope = WALLETS[wallet]
        if scope == 'isolated':
            if not symbol:
                raise apierrors.mandatory('symbol')
            self.accounts.assets(symbol)
            return isolated_scope(symbol)
        return scope

    def universal_transfer(self, api_key: str, kind: str, asset: str, amount: str,
                           from_symbol: Optional[str], to_symbol: Optional[str]) -> int:
        """Move funds between two wallets of ``api_key``; returns the transfer id.

        Raises:
            ApiError: bad type, amount or symbol; -2010 for too little balance.
        """
        source, target = parse_transfer_type(kind)
        if source == 'ISOLATEDMARGIN' and not from_symbol:
            raise apierrors.mandatory('fromSymbol')
        if target == 'ISOLATEDMARGIN' and not to_symbol:
            raise apierrors.mandatory('toSymbol')
        self.accounts.transfer(api_key, asset, amount, self.scope(source, from_symbol),
                               self.scope(target, to_symbol))
        tran_id = self._id()
        self.transfers.append({'asset': asset, 'amount': amount, 'type': kind,
                               'status': 'CONFIRMED', 'tranId': tran_id,
                               'timestamp': self._sim.now_ms(), '_api_key': api_key})
        return tran_id

    def transfer_rows(self, api_key: str, kind: str) -> List[Dict[str, Any]]:
        """Transfers of one type, oldest first."""
        return [_public(t) for t in self.transfers if t['_api_key'] == api_key and t['type'] == kind]

    # -- withdrawals ---------------------------------------------------------------

    def deposit_address(self, api_key: str, coin: str) -> str:
        """A stable fake address for (key, coin): the same on every call."""
        digest = hashlib.sha256('{}:{}'.format(api_key, coin).encode('utf-8')).hexdigest()
        return '0x' + digest[:40]

    def withdraw(self, api_key: str, coin: str, address: str, amount: str, **details: Any) -> str:
        """Debit ``amount`` plus the fee and record a completed withdrawal; returns its id.

        Raises:
            ApiError: -1130 for a non-positive amount; -4026 for too little balance.
        """
        value = Decimal(amount)
        if value <= 0:
            raise apierrors.invalid_value('amount')
        fee = WITHDRAW_FEES.get(coin, Decimal(0))
        free, _locked = self.accounts.balance(api_key, coin)
        if free < value + fee:
            raise apierrors.ApiError(400, -4026, 'User has insufficient balance')
        self.accounts.adjust(api_key, coin, -(value + fee), SPOT)
        withdraw_id = hashlib.sha256('w{}'.format(self._id()).encode('ascii')).hexdigest()[:32]
        now = self._sim.now_ms()
        self.withdrawals.append({
            'id': withdraw_id, 'amount': amount, 'transactionFee': fmt(fee), 'coin': coin,
            'status': 6, 'address': address, 'addressTag': details.get('addressTag') or '',
            'txId': '0x' + withdraw_id * 2, 'applyTime': _utc_text(now),
            'network': details.get('network') or coin, 'transferType': 0,
            'withdrawOrderId': details.get('withdrawOrderId') or '', 'info': '',
            'confirmNo': 1, 'walletType': 0, 'txKey': '', 'completeTime': _utc_text(now),
            '_api_key': api_key, '_time': now})
        return withdraw_id

    # -- dust ------------------------------------------------------------------------

    def convert_dust(self, api_key: str, assets: List[str]) -> Dict[str, Any]:
        """Convert the whole free balance of each asset to BNB (2% fee); the dust answer.

        Raises:
            ApiError: -5002 for an asset with no balance or no price.
        """
        bnb_per_btc = self.btc_value('BNB', Decimal(1))
        details, total, fees = [], Decimal(0), Decimal(0)
        now = self._sim.now_ms()
        tran_id = self._id()
        for asset in assets:
            free, _locked = self.accounts.balance(api_key, asset)
            value = self.btc_value(asset, free)
            if asset == 'BNB' or free <= 0 or value is None or not bnb_per_btc:
                raise apierrors.ApiError(400, -5002, 'Insufficient balance or asset cannot be '
                                                     'converted: {}'.format(asset))
            bnb = (value / bnb_per_btc).quantize(Decimal('0.00000001'))
            fee = (bnb * _DUST_FEE).quantize(Decimal('0.00000001'))
            self.accounts.adjust(api_key, asset, -free, SPOT)
            self.accounts.adjust(api_key, 'BNB', bnb - fee, SPOT)
            details.append({'transId': tran_id, 'serviceChargeAmount': fmt(fee), 'amount': fmt(free),
                            'operateTime': now, 'transferedAmount': fmt(bnb - fee),
                            'fromAsset': asset})
            total += bnb - fee
            fees += fee
        self.dribblets.append({'operateTime': now, 'totalTransferedAmount': fmt(total),
                               'totalServiceChargeAmount': fmt(fees), 'transId': tran_id,
                               'userAssetDribbletDetails': details, '_api_key': api_key})
        return {'totalServiceCharge': fmt(fees), 'totalTransfered': fmt(total),
                'transferResult': [dict(d, tranId=tran_id) for d in details]}

    # -- margin loans --------------------------------------------------------------------

    def net_btc(self, api_key: str, scope: str) -> Decimal:
        """Net value of an account in BTC (assets priced where a market exists, minus loans)."""
        total = Decimal(0)
        for asset, (free, locked) in self.accounts.balances(api_key, scope).items():
            net = free + locked - self.borrowed.get((api_key, scope, asset), Decimal(0))
            value = self.btc_value(asset, net)
            total += value if value is not None else Decimal(0)
        return total

    def max_borrowable(self, api_key: str, scope: str, asset: str) -> Decimal:
        """How much more of ``asset`` the account may borrow (:data:`MARGIN_LEVERAGE` times its net value)."""
        unit = self.btc_value(asset, Decimal(1))
        if not unit:
            return Decimal(0)
        liabilities = sum((self.btc_value(a, amount) or Decimal(0))
                          for (key, sc, a), amount in self.borrowed.items()
                          if key == api_key and sc == scope)
        room = self.net_btc(api_key, scope) * MARGIN_LEVERAGE - liabilities
        return max(Decimal(0), room / unit).quantize(Decimal('0.00000001'))

    def borrow_repay(self, api_key: str, scope: str, asset: str, amount: str, kind: str,
                     symbol: Optional[str]) -> int:
        """Borrow (credit and owe) or repay (debit and owe less); returns the transaction id.

        Raises:
            ApiError: -3006 over the borrowing limit; -3041 (repay) with too little balance.
        """
        value = Decimal(amount)
        if value <= 0:
            raise apierrors.invalid_value('amount')
        key = (api_key, scope, asset)
        if kind == 'BORROW':
            if value > self.max_borrowable(api_key, scope, asset):
                raise apierrors.ApiError(400, -3006, 'Your borrow amount has exceed maximum '
                                                     'borrow amount.')
            self.accounts.adjust(api_key, asset, value, scope)
            self.borrowed[key] = self.borrowed.get(key, Decimal(0)) + value
        else:
            owed = self.borrowed.get(key, Decimal(0))
            value = min(value, owed)
            free, _locked = self.accounts.balance(api_key, asset, scope)
            if value <= 0 or free < value:
                raise apierrors.ApiError(400, -3041, 'Balance is not enough')
            self.accounts.adjust(api_key, asset, -value, scope)
            self.borrowed[key] = owed - value
        tran_id = self._id()
        self.loans.append({'type': kind, 'isolatedSymbol': symbol or '', 'amount': fmt(value),
                           'asset': asset, 'interest': fmt(Decimal(0)), 'principal': fmt(value),
                           'status': 'CONFIRMED', 'timestamp': self._sim.now_ms(), 'txId': tran_id,
                           '_api_key': api_key})
        return tran_id


def _public(row: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in row.items() if not k.startswith('_')}


_books: 'weakref.WeakKeyDictionary[Any, WalletBook]' = weakref.WeakKeyDictionary()


def wallet_for(sim: Any) -> WalletBook:
    """The one wallet book of a simulator."""
    book = _books.get(sim)
    if book is None:
        book = _books[sim] = WalletBook(sim)
    return book


#: Drop the private bookkeeping keys of a recorded row.
public_row = _public
