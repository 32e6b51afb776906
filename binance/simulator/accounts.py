"""Simulated accounts: balances, orders and the user data events they produce.

One :class:`Accounts` per simulator. Every configured API key owns a spot
account, a cross-margin account and one isolated-margin account per symbol
(account scopes :data:`SPOT`, :data:`MARGIN`, ``isolated_scope(symbol)``),
each with its own balances. Changes produce Binance's user data events
(``executionReport``, ``outboundAccountPosition``, ``balanceUpdate``,
``listStatus``), delivered to every :class:`Subscription` of that account:

* listen keys (the model Binance US and futures still use): a connection on
  ``/ws/<listenKey>`` receives the bare events, and ``listenKeyExpired`` when
  the key lapses;
* WebSocket API subscriptions (binance.com today), made by
  :mod:`binance.simulator.wsapi`, which wraps each event in
  ``{"subscriptionId", "event"}``; listen-token subscriptions end with
  ``eventStreamTerminated`` when their token expires.

Everything here runs on the reactor thread (call the public helpers through
:func:`binance._reactor.blocking_call` from other threads); every timer goes
through the simulator's clock.
"""
import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

from . import apierrors
from .listening import (Deliver, Event, ListenKeys, ListenTokens, Scope, Subscribers, Subscription,
                        TokenSubscription, random_text)

log = logging.getLogger(__name__)

#: Account scope of the spot wallet.
SPOT = 'spot'
#: Account scope of the cross-margin wallet.
MARGIN = 'margin'

#: Balances every account starts with (per scope), unless
#: ``SimulatorConfig.options['initial_balances']`` gives others.
DEFAULT_BALANCES: Mapping[str, str] = {
    'BTC': '10', 'ETH': '100', 'BNB': '1000', 'NEO': '1000', 'LTC': '1000', 'USDT': '100000',
}
_ZERO = Decimal(0)


def isolated_scope(symbol: str) -> str:
    """Account scope of the isolated-margin wallet of ``symbol``."""
    return 'isolated:' + symbol


def fmt(value: Decimal) -> str:
    """A quantity or price as Binance prints it (8 decimals)."""
    return '{:.8f}'.format(value)


def _plain(value: Decimal) -> str:
    """A decimal without exponent notation (what the market parses)."""
    return '{:f}'.format(value)


def _decimal(value: Any, name: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise apierrors.mandatory(name) from None
    if not result.is_finite():
        raise apierrors.mandatory(name)
    return result


@dataclass
class Balance:
    """Free and locked amounts of one asset."""

    free: Decimal = _ZERO
    locked: Decimal = _ZERO


@dataclass
class Order:
    """One order of a simulated account."""

    order_id: int
    client_order_id: str
    api_key: str
    account: str
    symbol: str
    base: str
    quote: str
    side: str
    type: str
    time_in_force: str
    quantity: Decimal
    price: Decimal
    created_ms: int
    status: str = 'NEW'
    executed: Decimal = _ZERO
    cum_quote: Decimal = _ZERO
    working_ms: Optional[int] = None
    fills: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        """Still on the book (new or partially filled)."""
        return self.status in ('NEW', 'PARTIALLY_FILLED')

    @property
    def remaining(self) -> Decimal:
        """Quantity not yet executed."""
        return self.quantity - self.executed


class Accounts:
    """Balances, orders, user data events, listen keys and listen tokens.

    Args:
        sim: the simulator; reads ``sim.config.api_keys`` ({key: secret}),
            ``sim.config.interval(name)``, ``sim.clock`` and ``sim.market``.
    """

    def __init__(self, sim: Any) -> None:
        self._sim = sim
        self._clock = sim.clock
        self._subscribers = Subscribers()
        self._listen_keys = ListenKeys(self._subscribers, sim.clock,
                                       lambda: self._interval('listen_key_validity'), self.now_ms)
        self._listen_tokens = ListenTokens(self._subscribers, sim.clock,
                                           lambda: self._interval('listen_token_validity'), self.now_ms)
        self._balances: Dict[Scope, Dict[str, Balance]] = {}
        self._orders: Dict[int, Order] = {}
        self._account_trades: List[Dict[str, Any]] = []
        #: Deposits credited by :meth:`deposit` (the wallet's deposit history), oldest first.
        self.deposits: List[Dict[str, Any]] = []
        self._next_deposit = 1
        self._next_order_id = 1
        self._next_execution_id = 1
        self._next_list_id = 1
        self._assets_cache: Dict[str, Tuple[str, str]] = {}

    def __repr__(self) -> str:
        return '<Accounts keys={} orders={}>'.format(len(self.api_keys), len(self._orders))

    # -- configuration and time ----------------------------------------------

    @property
    def api_keys(self) -> Mapping[str, str]:
        """Configured ``{api_key: secret}``."""
        return getattr(self._sim.config, 'api_keys', None) or {}

    def now_ms(self) -> int:
        """Server time in milliseconds, from the simulator's clock."""
        return int(self._clock.seconds() * 1000)

    def _interval(self, name: str) -> float:
        return float(self._sim.config.interval(name))

    def _require_key(self, api_key: str) -> None:
        if api_key not in self.api_keys:
            raise apierrors.rejected_api_key()

    # -- subscribers -----------------------------------------------------------

    def subscribe(self, api_key: str, deliver: Deliver, account: str = SPOT) -> Subscription:
        """Deliver every future event of ``api_key``'s ``account`` to ``deliver(event)``.

        Raises:
            ApiError: -2015 for an unknown API key.
        """
        self._require_key(api_key)
        return self._subscribers.subscribe((api_key, account), deliver)

    def subscriber_count(self, api_key: str, account: str = SPOT) -> int:
        """How many subscriptions currently receive this account's events."""
        return self._subscribers.count((api_key, account))

    def publish(self, api_key: str, event: Event, account: str = SPOT) -> None:
        """Send ``event`` to every subscriber of the account, in subscription order."""
        self._subscribers.publish((api_key, account), event)

    # -- balances ----------------------------------------------------------------

    def _wallet(self, api_key: str, account: str) -> Dict[str, Balance]:
        scope = (api_key, account)
        wallet = self._balances.get(scope)
        if wallet is None:
            options = getattr(self._sim.config, 'options', None) or {}
            initial = options.get('initial_balances') or DEFAULT_BALANCES
            wallet = {asset: Balance(Decimal(str(amount))) for asset, amount in initial.items()}
            self._balances[scope] = wallet
        return wallet

    def balance(self, api_key: str, asset: str, account: str = SPOT) -> Tuple[Decimal, Decimal]:
        """``(free, locked)`` of one asset."""
        entry = self._wallet(api_key, account).get(asset, Balance())
        return entry.free, entry.locked

    def _position_event(self, api_key: str, account: str, assets: Iterable[str]) -> Event:
        wallet = self._wallet(api_key, account)
        now = self.now_ms()
        seen: List[str] = []
        for asset in assets:
            if asset not in seen:
                seen.append(asset)
        return {'e': 'outboundAccountPosition', 'E': now, 'u': now,
                'B': [{'a': a, 'f': fmt(wallet.setdefault(a, Balance()).free),
                       'l': fmt(wallet[a].locked)} for a in seen]}

    def deposit(self, api_key: str, asset: str, amount: Any, account: str = SPOT) -> Event:
        """Credit (or, negative, debit) ``amount`` of ``asset``.

        Emits ``balanceUpdate`` then ``outboundAccountPosition``. A credit to
        a spot account is recorded in :attr:`deposits` (the deposit history).

        Returns:
            The ``balanceUpdate`` event.

        Raises:
            ApiError: -2015 unknown key; -2010 when a debit exceeds the free balance.
        """
        event = self.adjust(api_key, asset, amount, account)
        if account == SPOT and Decimal(event['d']) > 0:
            self.deposits.append({
                'id': str(self._next_deposit), 'amount': _plain(Decimal(event['d'])), 'coin': asset,
                'network': asset, 'status': 1, 'address': '', 'addressTag': '',
                'txId': 'sim-deposit-{}'.format(self._next_deposit), 'insertTime': event['E'],
                'transferType': 0, 'confirmTimes': '1/1', 'unlockConfirm': 0, 'walletType': 0,
                '_api_key': api_key})
            self._next_deposit += 1
        return event

    def adjust(self, api_key: str, asset: str, amount: Any, account: str = SPOT) -> Event:
        """Change a free balance by ``amount`` (a transfer leg, a loan); no deposit record.

        Emits ``balanceUpdate`` then ``outboundAccountPosition``.

        Raises:
            ApiError: -2015 unknown key; -2010 when a debit exceeds the free balance.
        """
        self._require_key(api_key)
        delta = _decimal(amount, 'amount')
        entry = self._wallet(api_key, account).setdefault(asset, Balance())
        if entry.free + delta < 0:
            raise apierrors.insufficient_balance()
        entry.free += delta
        now = self.now_ms()
        event = {'e': 'balanceUpdate', 'E': now, 'a': asset, 'd': fmt(delta), 'T': now}
        self.publish(api_key, event, account)
        self.publish(api_key, self._position_event(api_key, account, [asset]), account)
        return event

    def transfer(self, api_key: str, asset: str, amount: Any, from_account: str,
                 to_account: str) -> None:
        """Move ``amount`` of free ``asset`` from one of the key's accounts to another.

        Raises:
            ApiError: -1130 for a non-positive amount; -2010 when the source
                has not enough free balance (nothing moves).
        """
        value = _decimal(amount, 'amount')
        if value <= 0:
            raise apierrors.invalid_value('amount')
        self.adjust(api_key, asset, -value, from_account)
        self.adjust(api_key, asset, value, to_account)

    def balances(self, api_key: str, account: str = SPOT) -> Dict[str, Tuple[Decimal, Decimal]]:
        """``{asset: (free, locked)}`` of one account.

        Raises:
            ApiError: -2015 unknown key.
        """
        self._require_key(api_key)
        return {asset: (b.free, b.locked) for asset, b in self._wallet(api_key, account).items()}

    def account_info(self, api_key: str, account: str = SPOT) -> Dict[str, Any]:
        """The ``GET /api/v3/account`` answer for ``api_key``."""
        self._require_key(api_key)
        wallet = self._wallet(api_key, account)
        zero = fmt(_ZERO)
        return {
            'makerCommission': 0, 'takerCommission': 0, 'buyerCommission': 0, 'sellerCommission': 0,
            'commissionRates': {'maker': zero, 'taker': zero, 'buyer': zero, 'seller': zero},
            'canTrade': True, 'canWithdraw': True, 'canDeposit': True, 'brokered': False,
            'requireSelfTradePrevention': False, 'preventSor': False,
            'updateTime': self.now_ms(), 'accountType': 'SPOT',
            'balances': [{'asset': a, 'free': fmt(b.free), 'locked': fmt(b.locked)}
                         for a, b in sorted(wallet.items())],
            'permissions': ['SPOT'], 'uid': abs(hash(api_key)) % 10 ** 9,
        }

    # -- symbols -------------------------------------------------------------------

    def assets(self, symbol: str) -> Tuple[str, str]:
        """``(base, quote)`` of a symbol the market lists.

        Raises:
            ApiError: -1121 for an unknown symbol.
        """
        cached = self._assets_cache.get(symbol)
        if cached is not None:
            return cached
        try:
            info = self._sim.market.exchange_info([symbol])
        except KeyError:
            raise apierrors.bad_symbol() from None
        entry = info['symbols'][0]
        found = (entry['baseAsset'], entry['quoteAsset'])
        self._assets_cache[symbol] = found
        return found

    # -- orders ------------------------------------------------------------------

    def place_order(self, api_key: str, symbol: str, side: str, type: str, quantity: Any,  # noqa: A002
                    price: Any = None, time_in_force: Optional[str] = None,
                    client_order_id: Optional[str] = None, account: str = SPOT,
                    resp_type: Optional[str] = None) -> Dict[str, Any]:
        """Place a LIMIT or MARKET order and emit its events.

        Events, in order: ``executionReport`` NEW, one ``executionReport``
        TRADE per fill (then EXPIRED for an unfilled MARKET remainder), and
        ``outboundAccountPosition`` for the base and quote assets. A LIMIT
        remainder stays open (locked balance) until :meth:`cancel_order`.

        Args:
            api_key: the account's API key.
            symbol, side, type, quantity, price, time_in_force: as Binance
                names them (``side`` BUY/SELL, ``type`` LIMIT/MARKET).
            client_order_id: ``newClientOrderId``; generated when absent.
            account: the account scope.
            resp_type: ``ACK``, ``RESULT`` or ``FULL`` (default).

        Returns:
            Binance's order response.

        Raises:
            ApiError: Binance's codes for bad parameters, unknown symbol or key,
                and insufficient balance.
        """
        base, quote, limit_price, time_in_force, qty = self._validate_order(
            api_key, symbol, side, type, quantity, price, time_in_force, account)
        wallet = self._wallet(api_key, account)
        base_balance = wallet.setdefault(base, Balance())
        quote_balance = wallet.setdefault(quote, Balance())
        now = self.now_ms()
        order = Order(order_id=self._next_order_id, client_order_id=client_order_id or random_text(22),
                      api_key=api_key, account=account, symbol=symbol, base=base, quote=quote,
                      side=side, type=type, time_in_force=time_in_force, quantity=qty,
                      price=limit_price, created_ms=now,
                      working_ms=now if type == 'LIMIT' else None)
        self._next_order_id += 1
        self._orders[order.order_id] = order
        if type == 'LIMIT':
            # Lock what the order may spend while it is on the book.
            if side == 'BUY':
                quote_balance.free -= qty * limit_price
                quote_balance.locked += qty * limit_price
            else:
                base_balance.free -= qty
                base_balance.locked += qty
        self.publish(api_key, self._execution_report(order, 'NEW'), account)

        fills = [] if self._fok_short(order) else self._execute(order)
        for fill_price, fill_qty, trade_id in fills:
            self._settle(order, base_balance, quote_balance, fill_price, fill_qty, trade_id)
            self.publish(api_key, self._execution_report(order, 'TRADE', fill_qty, fill_price, trade_id),
                         account)
        if order.remaining > 0 and (type == 'MARKET' or time_in_force in ('IOC', 'FOK')):
            if type == 'LIMIT':
                self._release(order, wallet)
            order.status = 'EXPIRED'
            self.publish(api_key, self._execution_report(order, 'EXPIRED'), account)
        self.publish(api_key, self._position_event(api_key, account, [base, quote]), account)
        return self._order_response(order, resp_type or 'FULL')

    def _fok_short(self, order: Order) -> bool:
        """A fill-or-kill order the book cannot fill whole (it expires untouched)."""
        if order.time_in_force != 'FOK':
            return False
        book = self._sim.market.depth_snapshot(order.symbol, 5000)
        levels = book['asks'] if order.side == 'BUY' else book['bids']
        available = _ZERO
        for level_price, level_qty in levels:
            price = Decimal(level_price)
            if (order.side == 'BUY' and price > order.price) or \
                    (order.side == 'SELL' and price < order.price):
                break
            available += Decimal(level_qty)
        return available < order.quantity

    def _release(self, order: Order, wallet: Dict[str, Balance]) -> None:
        """Give back what an open LIMIT order still holds locked."""
        if order.side == 'BUY':
            held, asset = order.price * order.remaining, order.quote
        else:
            held, asset = order.remaining, order.base
        wallet[asset].locked -= held
        wallet[asset].free += held

    def _validate_order(self, api_key: str, symbol: str, side: str, type: str,  # noqa: A002
                        quantity: Any, price: Any, time_in_force: Optional[str],
                        account: str) -> Tuple[str, str, Decimal, str, Decimal]:
        """Every check ``place_order`` makes before anything changes.

        Returns:
            ``(base, quote, limit_price, time_in_force, quantity)``.
        """
        self._require_key(api_key)
        base, quote = self.assets(symbol)
        if side not in ('BUY', 'SELL'):
            raise apierrors.invalid_side()
        if type not in ('LIMIT', 'MARKET'):
            raise apierrors.invalid_type()
        qty = _decimal(quantity, 'quantity')
        if qty <= 0:
            raise apierrors.invalid_value('quantity')
        limit_price = _ZERO
        if type == 'LIMIT':
            if price is None:
                raise apierrors.mandatory('price')
            limit_price = _decimal(price, 'price')
            if limit_price <= 0:
                raise apierrors.invalid_value('price')
            time_in_force = time_in_force or 'GTC'
            if time_in_force not in ('GTC', 'IOC', 'FOK'):
                raise apierrors.ApiError(400, -1115, 'Invalid timeInForce.')
        else:
            time_in_force = 'GTC'
        self._check_filters(symbol, qty, limit_price if type == 'LIMIT' else None)
        wallet = self._wallet(api_key, account)
        base_balance = wallet.get(base, Balance())
        quote_balance = wallet.get(quote, Balance())
        if side == 'SELL':
            if base_balance.free < qty:
                raise apierrors.insufficient_balance()
        elif type == 'LIMIT':
            if quote_balance.free < qty * limit_price:
                raise apierrors.insufficient_balance()
        elif quote_balance.free < self._estimated_cost(symbol, qty):
            raise apierrors.insufficient_balance()
        return base, quote, limit_price, time_in_force, qty

    def check_order(self, api_key: str, symbol: str, side: str, type: str,  # noqa: A002
                    quantity: Any, price: Any = None, time_in_force: Optional[str] = None,
                    account: str = SPOT) -> None:
        """Validate an order as :meth:`place_order` would, placing nothing (``order/test``).

        Raises:
            ApiError: the error :meth:`place_order` would give.
        """
        self._validate_order(api_key, symbol, side, type, quantity, price, time_in_force, account)

    def _check_filters(self, symbol: str, qty: Decimal, price: Optional[Decimal]) -> None:
        """Binance's LOT_SIZE and PRICE_FILTER checks (step and tick multiples)."""
        symbol_market = self._sim.market[symbol]
        try:
            symbol_market.to_lots(_plain(qty))
        except ValueError:
            raise apierrors.filter_failure('LOT_SIZE') from None
        if price is not None:
            try:
                symbol_market.to_ticks(_plain(price))
            except ValueError:
                raise apierrors.filter_failure('PRICE_FILTER') from None

    def _estimated_cost(self, symbol: str, qty: Decimal) -> Decimal:
        """Quote needed to buy ``qty`` at market, from the visible asks."""
        cost, left = _ZERO, qty
        book = self._sim.market.depth_snapshot(symbol, 5000)
        for level_price, level_qty in book['asks']:
            take = min(left, Decimal(level_qty))
            cost += take * Decimal(level_price)
            left -= take
            if left <= 0:
                break
        return cost

    def _execute(self, order: Order) -> List[Tuple[Decimal, Decimal, int]]:
        """Match against the market's book; returns ``(price, qty, trade_id)`` fills.

        The unfilled part of a LIMIT order is not added to the market's book:
        it stays open in this account only (the market cannot cancel
        anonymous liquidity later).
        """
        fills = self._sim.market.place_order(order.symbol, order.side, order.type, _plain(order.quantity),
                                             _plain(order.price) if order.type == 'LIMIT' else None)
        return [(Decimal(f['price']), Decimal(f['qty']), int(f['tradeId'])) for f in fills]

    def _settle(self, order: Order, base: Balance, quote: Balance, price: Decimal, qty: Decimal,
                trade_id: int) -> None:
        cost = price * qty
        if order.side == 'BUY':
            if order.type == 'LIMIT':
                quote.locked -= order.price * qty
                quote.free += order.price * qty - cost   # price improvement comes back
            else:
                quote.free -= cost
            base.free += qty
        else:
            if order.type == 'LIMIT':
                base.locked -= qty
            else:
                base.free -= qty
            quote.free += cost
        order.executed += qty
        order.cum_quote += cost
        order.status = 'FILLED' if order.remaining <= 0 else 'PARTIALLY_FILLED'
        commission_asset = order.base if order.side == 'BUY' else order.quote
        order.fills.append({'price': fmt(price), 'qty': fmt(qty), 'commission': fmt(_ZERO),
                            'commissionAsset': commission_asset, 'tradeId': trade_id})
        self._account_trades.append({
            'symbol': order.symbol, 'id': trade_id, 'orderId': order.order_id, 'orderListId': -1,
            'price': fmt(price), 'qty': fmt(qty), 'quoteQty': fmt(cost), 'commission': fmt(_ZERO),
            'commissionAsset': commission_asset, 'time': self.now_ms(),
            'isBuyer': order.side == 'BUY', 'isMaker': False, 'isBestMatch': True,
            '_api_key': order.api_key, '_account': order.account})

    def cancel_order(self, api_key: str, symbol: str, order_id: Optional[int] = None,
                     orig_client_order_id: Optional[str] = None, account: str = SPOT,
                     new_client_order_id: Optional[str] = None) -> Dict[str, Any]:
        """Cancel an open order; emits ``executionReport`` CANCELED and ``outboundAccountPosition``.

        Raises:
            ApiError: -1102 without an order id; -2011 for an unknown or finished order.
        """
        order = self._lookup_order(api_key, symbol, account, order_id, orig_client_order_id)
        if order is None or not order.is_open:
            raise apierrors.cancel_rejected()
        self._release(order, self._wallet(api_key, account))
        order.status = 'CANCELED'
        orig_client = order.client_order_id
        cancel_client = new_client_order_id or random_text(22)
        self.publish(api_key, self._execution_report(order, 'CANCELED', client_id=cancel_client,
                                                     orig_client_id=orig_client), account)
        self.publish(api_key, self._position_event(api_key, account, [order.base, order.quote]), account)
        response = self._order_response(order, 'RESULT')
        response.pop('transactTime', None)
        response.pop('workingTime', None)
        response.update({'origClientOrderId': orig_client, 'clientOrderId': cancel_client,
                         'transactTime': self.now_ms()})
        return response

    def get_order(self, api_key: str, symbol: str, order_id: Optional[int] = None,
                  orig_client_order_id: Optional[str] = None, account: str = SPOT) -> Dict[str, Any]:
        """The ``GET /api/v3/order`` answer.

        Raises:
            ApiError: -1102 without an order id; -2013 when there is no such order.
        """
        order = self._lookup_order(api_key, symbol, account, order_id, orig_client_order_id)
        if order is None:
            raise apierrors.no_such_order()
        return self.order_view(order)

    def order_view(self, order: Order) -> Dict[str, Any]:
        """An order as ``GET /api/v3/order``, ``openOrders`` and ``allOrders`` show it."""
        response = self._order_response(order, 'RESULT')
        response.pop('transactTime', None)
        response.update({'stopPrice': fmt(_ZERO), 'icebergQty': fmt(_ZERO), 'time': order.created_ms,
                         'updateTime': self.now_ms(), 'isWorking': order.is_open})
        return response

    def open_orders(self, api_key: str, account: str = SPOT) -> List[Order]:
        """Orders of ``api_key`` still on the book, oldest first."""
        return [o for o in self._orders.values()
                if o.api_key == api_key and o.account == account and o.is_open]

    def orders(self, api_key: str, symbol: Optional[str] = None, account: str = SPOT,
               open_only: bool = False) -> List[Order]:
        """Orders of ``api_key`` (of one symbol, if given), oldest first.

        Raises:
            ApiError: -2015 unknown key; -1121 unknown symbol.
        """
        self._require_key(api_key)
        if symbol is not None:
            self.assets(symbol)
        return [o for o in self._orders.values()
                if o.api_key == api_key and o.account == account
                and (symbol is None or o.symbol == symbol) and (o.is_open or not open_only)]

    def account_trades(self, api_key: str, symbol: str, account: str = SPOT) -> List[Dict[str, Any]]:
        """The account's trades of ``symbol`` (``GET /api/v3/myTrades`` rows), oldest first.

        Raises:
            ApiError: -2015 unknown key; -1121 unknown symbol.
        """
        self._require_key(api_key)
        self.assets(symbol)
        return [{k: v for k, v in t.items() if not k.startswith('_')} for t in self._account_trades
                if t['_api_key'] == api_key and t['_account'] == account and t['symbol'] == symbol]

    def _lookup_order(self, api_key: str, symbol: str, account: str, order_id: Optional[int],
                      client_order_id: Optional[str]) -> Optional[Order]:
        """The order named by id or client id; checks key, symbol and that one id is given."""
        self._require_key(api_key)
        self.assets(symbol)
        if order_id is None and not client_order_id:
            raise apierrors.mandatory('orderId')
        for order in self._orders.values():
            if order.api_key != api_key or order.symbol != symbol or order.account != account:
                continue
            if order_id is not None and order.order_id == order_id:
                return order
            if order_id is None and order.client_order_id == client_order_id:
                return order
        return None

    def _execution_report(self, order: Order, exec_type: str, last_qty: Decimal = _ZERO,
                          last_price: Decimal = _ZERO, trade_id: int = -1,
                          client_id: Optional[str] = None, orig_client_id: str = '') -> Event:
        now = self.now_ms()
        event: Event = {
            'e': 'executionReport', 'E': now, 's': order.symbol,
            'c': client_id or order.client_order_id, 'S': order.side, 'o': order.type,
            'f': order.time_in_force, 'q': fmt(order.quantity), 'p': fmt(order.price),
            'P': fmt(_ZERO), 'F': fmt(_ZERO), 'g': -1, 'C': orig_client_id, 'x': exec_type,
            'X': order.status, 'r': 'NONE', 'i': order.order_id, 'l': fmt(last_qty),
            'z': fmt(order.executed), 'L': fmt(last_price), 'n': '0', 'N': None, 'T': now,
            't': trade_id, 'I': self._next_execution_id,
            'w': order.is_open and order.type == 'LIMIT', 'm': False, 'M': False, 'O': order.created_ms, 'Z': fmt(order.cum_quote),
            'Y': fmt(last_qty * last_price), 'Q': fmt(_ZERO),
        }
        self._next_execution_id += 1
        if order.working_ms is not None:
            event['W'] = order.working_ms
        event['V'] = 'NONE'
        if exec_type == 'EXPIRED':
            event['eR'] = 'INSUFFICIENT_LIQUIDITY'
        return event

    def _order_response(self, order: Order, resp_type: str) -> Dict[str, Any]:
        response: Dict[str, Any] = {
            'symbol': order.symbol, 'orderId': order.order_id, 'orderListId': -1,
            'clientOrderId': order.client_order_id, 'transactTime': order.created_ms,
        }
        if resp_type == 'ACK':
            return response
        response.update({
            'price': fmt(order.price), 'origQty': fmt(order.quantity), 'executedQty': fmt(order.executed),
            'origQuoteOrderQty': fmt(_ZERO), 'cummulativeQuoteQty': fmt(order.cum_quote),
            'status': order.status, 'timeInForce': order.time_in_force, 'type': order.type,
            'side': order.side, 'workingTime': order.working_ms or order.created_ms,
            'selfTradePreventionMode': 'NONE',
        })
        if resp_type == 'FULL':
            response['fills'] = [dict(f) for f in order.fills]
        return response

    def emit_list_status(self, api_key: str, symbol: str = 'BNBBTC', contingency_type: str = 'OCO',
                         list_status_type: str = 'EXEC_STARTED', list_order_status: str = 'EXECUTING',
                         list_reject_reason: str = 'NONE', orders: Optional[List[Dict[str, Any]]] = None,
                         account: str = SPOT) -> Event:
        """Emit a ``listStatus`` event (order lists are otherwise not simulated).

        Args:
            orders: the ``O`` entries (``{"s","i","c"}``); two fresh order ids
                when omitted.

        Returns:
            The event sent.
        """
        self._require_key(api_key)
        if orders is None:
            orders = []
            for _ in range(2):
                orders.append({'s': symbol, 'i': self._next_order_id, 'c': random_text(22)})
                self._next_order_id += 1
        now = self.now_ms()
        event = {'e': 'listStatus', 'E': now, 's': symbol, 'g': self._next_list_id,
                 'c': contingency_type, 'l': list_status_type, 'L': list_order_status,
                 'r': list_reject_reason, 'C': random_text(22), 'T': now, 'O': orders}
        self._next_list_id += 1
        self.publish(api_key, event, account)
        return event

    # -- listen keys (Binance US / futures model) ---------------------------------

    def create_listen_key(self, api_key: str, account: str = SPOT) -> str:
        """Return the account's live listen key (validity extended), or a new one.

        Raises:
            ApiError: -2015 for an unknown API key.
        """
        self._require_key(api_key)
        return self._listen_keys.create((api_key, account))

    def keepalive_listen_key(self, api_key: str, key: Optional[str], account: Optional[str] = None) -> None:
        """Extend a live key's validity by the full interval.

        Raises:
            ApiError: -1125 for an unknown or expired key (or another account's).
        """
        self._listen_keys.keepalive(api_key, key, account)

    def close_listen_key(self, api_key: str, key: Optional[str], account: Optional[str] = None) -> None:
        """Invalidate a key and close the connections using it (no ``listenKeyExpired``).

        Raises:
            ApiError: -1125 for an unknown or expired key.
        """
        self._listen_keys.close(api_key, key, account)

    def is_listen_key(self, key: str) -> bool:
        """True while ``key`` is valid."""
        return self._listen_keys.is_key(key)

    def listen_key_account(self, key: str) -> Optional[str]:
        """The account scope of a valid listen key (``'spot'``, ``'usdm'``...), or None."""
        return self._listen_keys.account_of(key)

    def live_listen_key(self, api_key: str, account: str) -> Optional[str]:
        """The valid listen key of ``api_key``'s ``account``, or None."""
        return self._listen_keys.live_key((api_key, account))

    def attach_listen_key(self, key: str, send: Callable[[bytes], None], close: Callable[[], None],
                          accept: Optional[Callable[[Event], bool]] = None) -> Optional[Callable[[], None]]:
        """Deliver a key's events to a connection listening to it (``/ws/<listenKey>``...).

        Args:
            key: the listen key from the URL.
            send: writes one text message (the JSON bytes of a bare event).
            close: closes the connection.
            accept: ``accept(event)`` picks the events delivered (all by
                default; ``listenKeyExpired`` always).

        Returns:
            A callable that detaches the connection (call it when the
            connection closes), or ``None`` when the key is unknown.
        """
        return self._listen_keys.attach(key, send, close, accept)

    def expire_listen_key(self, key: Optional[str] = None) -> int:
        """Expire one listen key now (all of them when ``key`` is None).

        Each connection on the key receives ``listenKeyExpired`` and then no
        more events; the connection itself stays open, as on Binance.

        Returns:
            How many keys expired.
        """
        return self._listen_keys.expire(key)

    # -- listen tokens (margin, WebSocket API) ------------------------------------

    def create_listen_token(self, api_key: str, account: str = MARGIN,
                            validity_ms: Optional[int] = None) -> Tuple[str, int]:
        """A new listen token for ``account``: ``(token, expirationTime)``.

        ``validity_ms`` is in Binance's (uncompressed) milliseconds and is
        scaled like every other interval; the default and maximum is the
        ``listen_token_validity`` interval.

        Raises:
            ApiError: -2015 unknown key; -1130 for a validity above 24 h or not positive.
        """
        self._require_key(api_key)
        return self._listen_tokens.create((api_key, account), validity_ms)

    def listen_token_account(self, token: Optional[str]) -> Scope:
        """``(api_key, account)`` of a valid token.

        Raises:
            ApiError: -1209 for an unknown or expired token.
        """
        return self._listen_tokens.scope_of(token)

    def subscribe_listen_token(self, token: Optional[str], deliver: Deliver,
                               on_terminated: Callable[[], None]) -> TokenSubscription:
        """Subscribe to the events of the token's account until the token expires.

        ``on_terminated`` runs when the subscription ends by expiry (not on
        ``cancel()``); :meth:`TokenSubscription.extend` moves the end.

        Raises:
            ApiError: -1209 for an unknown or expired token.
        """
        return self._listen_tokens.subscribe(token, deliver, on_terminated)

    def expire_listen_tokens(self) -> int:
        """Expire every listen token now and end the subscriptions made with them.

        Each subscription's ``on_terminated`` runs (``eventStreamTerminated``).

        Returns:
            How many subscriptions ended.
        """
        return self._listen_tokens.expire_all()

    # -- shutdown ------------------------------------------------------------------

    def stop(self) -> None:
        """Cancel every timer (the simulator calls this when it stops)."""
        self._listen_keys.stop()
        self._listen_tokens.stop()
