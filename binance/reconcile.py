"""User data after a gap: tell the callback, fetch what changed over REST, deliver it once.

Binance does not replay user data events. Events published while a user
socket was frozen, closed or reconnecting are lost, so after every reconnect
(or a switch that may have lost events) the library reconciles:

1. :meth:`Reconciler.gap` returns the notice the callback gets first::

       {'e': 'userDataGap', 'E': 1795996812345, 'since': 1795996801234,
        'account': 'spot', 'reconcile': True,
        'm': 'user data events since 1795996801234 may have been missed; ...'}

   ``since`` is the event time ``E`` of the last event delivered before the
   gap (or when the socket first opened, if none was).
2. :meth:`Reconciler.plan` says what to fetch: the account's balances, and
   for every symbol seen on the socket (or given), its orders from the
   oldest one still open (or the next new one) and its trades from the next
   trade id (or from ``since``). :class:`ClientFetcher` runs a request with
   the Client's methods (off the reactor thread); :func:`reconcile` drives
   the whole exchange, following pages.
3. :meth:`Reconciler.events` turns the answers into events of the shapes the
   stream sends: ``executionReport`` ``NEW`` for orders never seen, ``TRADE``
   for each fill not delivered (with ``z``, ``Z`` and ``X`` as they were after
   that fill), ``CANCELED``/``EXPIRED``/``REJECTED`` for orders that ended
   meanwhile, and one ``outboundAccountPosition`` with the balances that
   changed. They carry ``'reconciled': True``; the fields REST cannot tell
   are ``I`` (execution id, ``None``) and, for cancels, ``c``/``C`` (both the
   order's own client id).
4. :meth:`Reconciler.done` is the closing notice (``'e': 'userDataReconciled'``
   with how many events were rebuilt and what failed).

De-duplication: :meth:`Reconciler.observe` sees every event the stream
delivers (before the callback) and remembers fills by ``(symbol, trade id)``,
order changes by ``(symbol, order id, execution type)`` and the account's
latest update time; what was delivered once, by the stream or rebuilt, is not
delivered again, and a balance snapshot older than one already delivered is
dropped.

Pure logic: no I/O and no Twisted except in :func:`reconcile`, whose REST
calls go through an injected ``run`` (``deferToThread`` in production).
"""
import collections
import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Deque, Dict, Iterable, List, Optional, Set, Tuple

from twisted.internet import defer

from ._redact import redact

__all__ = ['Reconciler', 'FetchRequest', 'ClientFetcher', 'reconcile', 'GAP_EVENT',
           'RECONCILED_EVENT', 'SPOT', 'MARGIN', 'ISOLATED_MARGIN']

log = logging.getLogger(__name__)

#: The ``e`` of the gap notice.
GAP_EVENT = 'userDataGap'
#: The ``e`` of the notice that ends a reconciliation.
RECONCILED_EVENT = 'userDataReconciled'
#: Account kinds.
SPOT, MARGIN, ISOLATED_MARGIN = 'spot', 'margin', 'isolated_margin'

#: Largest page Binance serves for orders and trades.
PAGE_LIMIT = 1000
_OPEN_STATUSES = frozenset(('NEW', 'PARTIALLY_FILLED', 'PENDING_NEW'))
_END_EXECUTION = {'CANCELED': 'CANCELED', 'PENDING_CANCEL': 'CANCELED', 'EXPIRED': 'EXPIRED',
                  'EXPIRED_IN_MATCH': 'EXPIRED', 'REJECTED': 'REJECTED'}
#: Execution types an order goes through at most once.
_ONCE = frozenset(('NEW', 'CANCELED', 'EXPIRED', 'REJECTED'))
_ZERO = Decimal(0)


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return _ZERO


def _like(value: Decimal, template: Any) -> str:
    """``value`` with as many decimals as ``template`` (Binance's '1.00000000' style)."""
    text = str(template or '')
    places = len(text.split('.', 1)[1]) if '.' in text else 8
    return '{:.{}f}'.format(value, places)


class _Recent:
    """A set that remembers the last ``size`` keys added."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._keys: Set[Any] = set()
        self._order: Deque[Any] = collections.deque()

    def __contains__(self, key: Any) -> bool:
        return key in self._keys

    def add(self, key: Any) -> None:
        if key in self._keys:
            return
        self._keys.add(key)
        self._order.append(key)
        if len(self._order) > self._size:
            self._keys.discard(self._order.popleft())


@dataclass
class _Order:
    """What the socket delivered about one order."""

    symbol: str
    status: str
    executed: Decimal = _ZERO
    quote: Decimal = _ZERO
    last_trade: int = -1


@dataclass(frozen=True)
class FetchRequest:
    """One REST call of a reconciliation.

    Attributes:
        kind: ``'account'``, ``'orders'`` or ``'trades'``.
        symbol: the symbol for orders and trades (``None`` for the account).
        params: the endpoint's parameters (``orderId``/``fromId``/``startTime``, ``limit``).
    """

    kind: str
    symbol: Optional[str] = None
    params: Dict[str, Any] = field(default_factory=dict)


class Reconciler:
    """The state of one user data socket, for reconciling it after a gap.

    Args:
        account: :data:`SPOT`, :data:`MARGIN` or :data:`ISOLATED_MARGIN`.
        symbols: symbols to reconcile even if the socket has not seen them
            (an isolated-margin socket's own symbol is added).
        isolated_symbol: the pair of an isolated-margin socket.
        overlap_ms: how far before ``since`` trades are fetched by time when
            no trade id of the symbol is known.
        memory: fills and order changes remembered for de-duplication.
        max_pages: pages fetched per symbol and kind at most.

    Raises:
        ValueError: an unknown ``account``, or an isolated-margin account without a symbol.
    """

    def __init__(self, account: str = SPOT, symbols: Iterable[str] = (), *,
                 isolated_symbol: Optional[str] = None, overlap_ms: int = 2000,
                 memory: int = 20000, max_pages: int = 10) -> None:
        if account not in (SPOT, MARGIN, ISOLATED_MARGIN):
            raise ValueError('account must be {!r}, {!r} or {!r}, got {!r}'.format(
                SPOT, MARGIN, ISOLATED_MARGIN, account))
        if (account == ISOLATED_MARGIN) != (isolated_symbol is not None):
            raise ValueError('isolated_symbol is required for, and only for, isolated margin')
        self.account = account
        self.isolated_symbol = isolated_symbol
        self.overlap_ms = overlap_ms
        self.max_pages = max_pages
        self.symbols: Set[str] = set(symbols)
        if isolated_symbol is not None:
            self.symbols.add(isolated_symbol)
        self.last_event_time: Optional[int] = None
        self._orders: Dict[int, _Order] = {}
        self._max_order: Dict[str, int] = {}
        self._max_trade: Dict[str, int] = {}
        self._seen: _Recent = _Recent(memory)
        self._balances: Dict[str, Tuple[Decimal, Decimal, int]] = {}  # free, locked, update time
        self._since: Optional[int] = None
        self._at_gap: Dict[int, _Order] = {}
        self._order_floor: Dict[str, int] = {}  # _max_order and _max_trade at the gap
        self._trade_floor: Dict[str, int] = {}
        self._open_gap = False  # gap() called, done() not yet
        self._account_answer: Any = None
        self._failed: Dict[Tuple[str, Optional[str]], str] = {}
        self._pages: Dict[Tuple[str, Optional[str]], List[Any]] = {}

    def __repr__(self) -> str:
        return '<Reconciler {} symbols={} orders={}>'.format(self.account, len(self.symbols),
                                                             len(self._orders))

    # -- the stream ----------------------------------------------------------------------

    def observe(self, event: Any) -> bool:
        """Account for one event from the stream; False when it was delivered already."""
        if type(event) is not dict:
            return True
        kind = event.get('e')
        if kind == 'executionReport':
            return self._observe_execution(event)
        if kind == 'outboundAccountPosition':
            return self._observe_position(event)
        self._note_time(event)
        return True

    def _note_time(self, event: Dict[str, Any]) -> None:
        stamp = event.get('E')
        if type(stamp) is int and (self.last_event_time is None or stamp > self.last_event_time):
            self.last_event_time = stamp

    def _observe_execution(self, event: Dict[str, Any]) -> bool:
        symbol, order_id, execution = event.get('s'), event.get('i'), event.get('x')
        if not isinstance(symbol, str) or type(order_id) is not int:
            return True
        key = self._execution_key(symbol, order_id, execution, event.get('t'), event.get('T'))
        if key in self._seen:
            return False
        self._seen.add(key)
        self._note_time(event)
        self.symbols.add(symbol)
        self._max_order[symbol] = max(self._max_order.get(symbol, -1), order_id)
        order = self._orders.get(order_id)
        if order is None:
            order = self._orders[order_id] = _Order(symbol, str(event.get('X')))
        order.status = str(event.get('X'))
        order.executed = _decimal(event.get('z'))
        order.quote = _decimal(event.get('Z'))
        trade = event.get('t')
        if execution == 'TRADE' and type(trade) is int:
            order.last_trade = max(order.last_trade, trade)
            self._max_trade[symbol] = max(self._max_trade.get(symbol, -1), trade)
        self._forget_finished()
        return True

    @staticmethod
    def _execution_key(symbol: str, order_id: int, execution: Any, trade: Any,
                       stamp: Any = None) -> Tuple[Any, ...]:
        if execution == 'TRADE':
            return ('trade', symbol, trade)
        if execution in _ONCE:
            return ('order', symbol, order_id, execution)
        return ('order', symbol, order_id, execution, stamp)  # REPLACED may come several times

    def _observe_position(self, event: Dict[str, Any]) -> bool:
        stamp = event.get('u')
        if type(stamp) is not int:
            stamp = event.get('E') if type(event.get('E')) is int else None
        entries = [(b['a'], _decimal(b.get('f')), _decimal(b.get('l')))
                   for b in event.get('B') or () if isinstance(b, dict) and isinstance(b.get('a'), str)]
        balances = self._balances
        if stamp is not None and entries:
            if all(asset in balances and balances[asset][2] > stamp for asset, _f, _l in entries):
                return False  # every asset is known in a newer state already
            if all(balances.get(asset) == (free, locked, stamp) for asset, free, locked in entries):
                return False  # the same state, delivered twice
        for asset, free, locked in entries:
            known = balances.get(asset)
            if stamp is None:
                balances[asset] = (free, locked, known[2] if known else -1)
            elif known is None or known[2] <= stamp:
                balances[asset] = (free, locked, stamp)
        self._note_time(event)
        return True

    def _forget_finished(self, keep: int = 5000) -> None:
        """Keep the order table bounded: drop the oldest finished orders beyond ``keep``."""
        if len(self._orders) <= keep * 2:
            return
        finished = [i for i, o in self._orders.items() if o.status not in _OPEN_STATUSES]
        for order_id in sorted(finished)[:len(self._orders) - keep]:
            del self._orders[order_id]

    # -- the gap -------------------------------------------------------------------------

    def gap(self, now_ms: int, opened_ms: Optional[int] = None, reconcile: bool = True
            ) -> Dict[str, Any]:
        """Start a reconciliation: remember the state now and return the gap notice.

        A gap that opens while the reconciliation of an earlier one has not
        finished (:meth:`done` not called) extends that one: ``since`` and the
        state it started from stay those of the earlier gap, so what neither
        reconciliation delivered is fetched by the next.

        Args:
            now_ms: the server's time now, in ms.
            opened_ms: when the socket first opened (``since`` if no event was delivered).
            reconcile: whether REST reconciliation follows (said in the notice).
        """
        if not self._open_gap:
            since = self.last_event_time if self.last_event_time is not None else opened_ms
            self._since = since if since is not None else now_ms
            self._at_gap = {i: _Order(o.symbol, o.status, o.executed, o.quote, o.last_trade)
                            for i, o in self._orders.items()}
            self._order_floor = dict(self._max_order)
            self._trade_floor = dict(self._max_trade)
        self._open_gap = bool(reconcile)
        self._account_answer = None
        self._failed.clear()
        self._pages.clear()
        text = 'user data events since {} may have been missed'.format(self._since)
        text += ('; fetching what changed over REST' if reconcile
                 else '; check the account over REST')
        return {'e': GAP_EVENT, 'E': int(now_ms), 'since': self._since, 'account': self.account,
                'reconcile': bool(reconcile), 'm': text}

    def baseline(self, answer: Any, now_ms: int) -> None:
        """Take the account's balances from REST as the socket starts.

        A later reconciliation then delivers only the balances that changed;
        without a baseline, every asset not seen on the stream is delivered.

        Args:
            answer: the account endpoint's answer (the ``account`` request's).
            now_ms: the server's time, for an answer without ``updateTime``.
        """
        rows, stamp = _balance_rows(answer, self.account)
        stamp = stamp if stamp is not None else int(now_ms)
        for asset, free, locked in rows:
            known = self._balances.get(asset)
            if known is None or known[2] < stamp:
                self._balances[asset] = (_decimal(free), _decimal(locked), stamp)

    def plan(self) -> List[FetchRequest]:
        """The REST calls to make after :meth:`gap` (account first, then per symbol)."""
        requests = [FetchRequest('account', self.isolated_symbol)]
        for symbol in sorted(self.symbols):
            requests.append(self._orders_request(symbol))
            requests.append(self._trades_request(symbol))
        return requests

    def _orders_request(self, symbol: str, from_id: Optional[int] = None) -> FetchRequest:
        if from_id is None:
            open_ids = [i for i, o in self._at_gap.items()
                        if o.symbol == symbol and o.status in _OPEN_STATUSES]
            known = self._order_floor.get(symbol)
            candidates = open_ids + ([known + 1] if known is not None else [])
            from_id = min(candidates) if candidates else None
        return self._page('orders', symbol, 'orderId', from_id)

    def _trades_request(self, symbol: str, from_id: Optional[int] = None) -> FetchRequest:
        if from_id is None:
            known = self._trade_floor.get(symbol)
            from_id = known + 1 if known is not None else None
        return self._page('trades', symbol, 'fromId', from_id)

    def _page(self, kind: str, symbol: str, id_param: str, from_id: Optional[int]) -> FetchRequest:
        """A page from ``from_id`` on, or by time from a little before ``since``."""
        params: Dict[str, Any] = {'limit': PAGE_LIMIT}
        if from_id is not None:
            params[id_param] = from_id
        else:
            params['startTime'] = max(0, (self._since or 0) - self.overlap_ms)
        return FetchRequest(kind, symbol, params)

    def absorb(self, request: FetchRequest, answer: Any) -> Optional[FetchRequest]:
        """Take the answer to ``request``; returns the next page to fetch, if any."""
        key = (request.kind, request.symbol)
        if request.kind == 'account':
            self._account_answer = answer
            return None
        rows = [row for row in answer if isinstance(row, dict)] if isinstance(answer, list) else []
        pages = self._pages.setdefault(key, [])
        pages.extend(rows)
        if len(rows) < int(request.params.get('limit', PAGE_LIMIT)) or \
                len(pages) >= self.max_pages * PAGE_LIMIT:
            return None
        id_field = 'orderId' if request.kind == 'orders' else 'id'
        last = max((r.get(id_field) for r in rows if type(r.get(id_field)) is int), default=None)
        if last is None:
            return None
        assert request.symbol is not None
        if request.kind == 'orders':
            return self._orders_request(request.symbol, last + 1)
        return self._trades_request(request.symbol, last + 1)

    def failed(self, request: FetchRequest, reason: str) -> None:
        """``request`` could not be made; the symbol (or the balances) is left out."""
        self._failed[(request.kind, request.symbol)] = reason

    # -- rebuilding events -----------------------------------------------------------------

    def events(self, now_ms: int) -> List[Dict[str, Any]]:
        """The events the stream would have sent, in time order; each counts as delivered.

        Args:
            now_ms: the server's time, for a balance snapshot that has no time of its own.
        """
        rebuilt: List[Tuple[int, int, Dict[str, Any]]] = []
        for symbol in sorted(self.symbols):
            if ('orders', symbol) in self._failed or ('trades', symbol) in self._failed:
                continue
            for event in self._symbol_events(symbol):
                rebuilt.append((event['E'], len(rebuilt), event))
        position = self._position_event(now_ms)
        if position is not None:
            rebuilt.append((position['E'], len(rebuilt), position))
        rebuilt.sort(key=lambda item: (item[0], item[1]))
        events = [event for _t, _n, event in rebuilt]
        for event in events:
            self.observe(event)
        return events

    def done(self, now_ms: int, events: List[Dict[str, Any]]) -> Dict[str, Any]:
        """The notice that ends a reconciliation (and the gap it reconciled)."""
        self._open_gap = False
        failed = sorted('{} {}'.format(kind, symbol) if symbol else kind
                        for kind, symbol in self._failed)
        return {'e': RECONCILED_EVENT, 'E': int(now_ms), 'since': self._since,
                'account': self.account, 'events': len(events), 'failed': failed,
                'm': 'rebuilt {} user data events from REST{}'.format(
                    len(events), '; failed: ' + ', '.join(failed) if failed else '')}

    def _symbol_events(self, symbol: str) -> List[Dict[str, Any]]:
        orders = {row['orderId']: row for row in self._pages.get(('orders', symbol), ())
                  if type(row.get('orderId')) is int}
        trades: Dict[int, List[Dict[str, Any]]] = {}
        for row in sorted(self._pages.get(('trades', symbol), ()),
                          key=lambda r: r.get('id') if type(r.get('id')) is int else -1):
            if type(row.get('id')) is int and type(row.get('orderId')) is int:
                trades.setdefault(row['orderId'], []).append(row)
        events: List[Dict[str, Any]] = []
        for order_id in sorted(set(orders) | set(trades)):
            order = orders.get(order_id)
            if order is None:
                log.debug('reconciliation: trades of an order not fetched (%s %d) left out',
                          symbol, order_id)
                continue
            events.extend(self._order_events(symbol, order, trades.get(order_id, [])))
        return events

    def _order_events(self, symbol: str, order: Dict[str, Any],
                      fills: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        order_id = order['orderId']
        known = self._at_gap.get(order_id)  # what was delivered before the gap
        events = []
        if known is None and ('order', symbol, order_id, 'NEW') not in self._seen \
                and order.get('status') != 'REJECTED':
            events.append(self._execution(order, 'NEW', 'NEW', _ZERO, _ZERO,
                                          order.get('time')))
        executed = known.executed if known is not None else _ZERO
        quote = known.quote if known is not None else _ZERO
        last_trade = known.last_trade if known is not None else -1
        original = _decimal(order.get('origQty'))
        for fill in fills:
            if fill['id'] <= last_trade:
                continue
            qty, price = _decimal(fill.get('qty')), _decimal(fill.get('price'))
            executed += qty
            quote += _decimal(fill.get('quoteQty')) if fill.get('quoteQty') is not None \
                else qty * price
            if ('trade', symbol, fill['id']) in self._seen:
                continue
            status = 'FILLED' if original and executed >= original else 'PARTIALLY_FILLED'
            events.append(self._execution(order, 'TRADE', status, executed, quote,
                                          fill.get('time'), fill))
        status = str(order.get('status'))
        execution = _END_EXECUTION.get(status)
        if execution is not None and ('order', symbol, order_id, execution) not in self._seen \
                and (known is None or known.status != status):
            events.append(self._execution(order, execution, status,
                                          _decimal(order.get('executedQty')),
                                          _decimal(order.get('cummulativeQuoteQty')),
                                          order.get('updateTime') or order.get('time')))
        return events

    def _execution(self, order: Dict[str, Any], execution: str, status: str, executed: Decimal,
                   quote: Decimal, stamp: Any, fill: Optional[Dict[str, Any]] = None
                   ) -> Dict[str, Any]:
        stamp = int(stamp) if isinstance(stamp, (int, float)) else (self._since or 0)
        quantity = order.get('origQty', '0')
        event: Dict[str, Any] = {
            'e': 'executionReport', 'E': stamp, 's': order.get('symbol'),
            'c': order.get('clientOrderId'), 'S': order.get('side'), 'o': order.get('type'),
            'f': order.get('timeInForce'), 'q': quantity, 'p': order.get('price'),
            'P': order.get('stopPrice', _like(_ZERO, quantity)),
            'F': order.get('icebergQty', _like(_ZERO, quantity)),
            'g': order.get('orderListId', -1),
            'C': order.get('clientOrderId') if execution == 'CANCELED' else '',
            'x': execution, 'X': status, 'r': 'NONE', 'i': order['orderId'],
            'l': _like(_ZERO, quantity), 'z': _like(executed, quantity),
            'L': _like(_ZERO, order.get('price')), 'n': '0', 'N': None, 'T': stamp, 't': -1,
            'I': None, 'w': status in _OPEN_STATUSES and order.get('type') != 'MARKET',
            'm': False, 'M': False, 'O': order.get('time'),
            'Z': _like(quote, order.get('cummulativeQuoteQty')),
            'Y': _like(_ZERO, order.get('cummulativeQuoteQty')),
            'Q': order.get('origQuoteOrderQty', _like(_ZERO, quantity)),
            'V': order.get('selfTradePreventionMode', 'NONE'),
            'reconciled': True,
        }
        if order.get('workingTime') is not None:
            event['W'] = order['workingTime']
        if fill is not None:
            qty = _decimal(fill.get('qty'))
            event.update({
                'l': _like(qty, quantity), 'L': fill.get('price'),
                'n': fill.get('commission', '0'), 'N': fill.get('commissionAsset'),
                't': fill['id'], 'm': bool(fill.get('isMaker')),
                'M': bool(fill.get('isBestMatch', False)),
                'Y': fill.get('quoteQty') if fill.get('quoteQty') is not None
                else _like(qty * _decimal(fill.get('price')), order.get('cummulativeQuoteQty')),
            })
        return event

    def _position_event(self, now_ms: int) -> Optional[Dict[str, Any]]:
        answer = self._account_answer
        if answer is None or ('account', self.isolated_symbol) in self._failed:
            return None
        rows, stamp = _balance_rows(answer, self.account)
        stamp = stamp if stamp is not None else int(now_ms)
        changed = []
        for asset, free, locked in rows:
            values = (_decimal(free), _decimal(locked))
            known = self._balances.get(asset)
            if known is None:
                if values == (_ZERO, _ZERO):
                    continue
            elif known[2] > stamp or known[:2] == values:
                continue  # the stream delivered a newer state, or nothing changed
            changed.append({'a': asset, 'f': free, 'l': locked})
        if not changed:
            return None
        return {'e': 'outboundAccountPosition', 'E': stamp, 'u': stamp, 'B': changed,
                'reconciled': True}


def _balance_rows(answer: Any, account: str) -> Tuple[List[Tuple[str, Any, Any]], Optional[int]]:
    """``[(asset, free, locked)]`` and the update time of an account answer."""
    rows: List[Tuple[str, Any, Any]] = []
    if not isinstance(answer, dict):
        return rows, None
    stamp = answer.get('updateTime') if type(answer.get('updateTime')) is int else None
    if account == SPOT:
        entries = answer.get('balances') or []
    elif account == MARGIN:
        entries = answer.get('userAssets') or []
    else:
        entries = []
        for pair in answer.get('assets') or []:
            if isinstance(pair, dict):
                entries.extend(pair.get(side) for side in ('baseAsset', 'quoteAsset'))
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get('asset'), str):
            rows.append((entry['asset'], entry.get('free', '0'), entry.get('locked', '0')))
    return rows, stamp


# -- REST, with the Client ---------------------------------------------------------------

#: account kind -> request kind -> (Client method of python-binance 0.7.11, api, path).
_ENDPOINTS: Dict[str, Dict[str, Tuple[str, str, str]]] = {
    SPOT: {'account': ('get_account', 'api', 'v3/account'),
           'orders': ('get_all_orders', 'api', 'v3/allOrders'),
           'trades': ('get_my_trades', 'api', 'v3/myTrades')},
    MARGIN: {'account': ('get_margin_account', 'sapi', 'v1/margin/account'),
             'orders': ('get_all_margin_orders', 'sapi', 'v1/margin/allOrders'),
             'trades': ('get_margin_trades', 'sapi', 'v1/margin/myTrades')},
    ISOLATED_MARGIN: {'account': ('get_isolated_margin_account', 'sapi',
                                  'v1/margin/isolated/account'),
                      'orders': ('get_all_margin_orders', 'sapi', 'v1/margin/allOrders'),
                      'trades': ('get_margin_trades', 'sapi', 'v1/margin/myTrades')},
}


class ClientFetcher:
    """Runs a :class:`FetchRequest` with a :class:`~binance.client.Client` (blocking: off the reactor).

    Uses the Client's python-binance method when it has it, else
    ``client.request(...)`` with the endpoint's path.

    Args:
        client: the socket's Client.
        account: the reconciler's account kind.
    """

    def __init__(self, client: Any, account: str = SPOT) -> None:
        if account not in _ENDPOINTS:
            raise ValueError('unknown account kind {!r}'.format(account))
        self._client = client
        self._account = account

    def __call__(self, request: FetchRequest) -> Any:
        """Make the call; returns the decoded answer, raises the Client's exceptions."""
        method_name, api, path = _ENDPOINTS[self._account][request.kind]
        params = dict(request.params)
        if request.symbol is not None:
            if self._account == ISOLATED_MARGIN and request.kind == 'account':
                params['symbols'] = request.symbol
            else:
                params['symbol'] = request.symbol
        if self._account == MARGIN and request.kind != 'account':
            params['isIsolated'] = 'FALSE'
        elif self._account == ISOLATED_MARGIN and request.kind != 'account':
            params['isIsolated'] = 'TRUE'
        method = getattr(self._client, method_name, None)
        if callable(method):
            return method(**params)
        return self._client.request('GET', path, signed=True, api=api, **params)


def reconcile(reconciler: Reconciler, fetch: Callable[[FetchRequest], Any],
              run: Callable[..., defer.Deferred], now_ms: Callable[[], float],
              alive: Optional[Callable[[], bool]] = None) -> defer.Deferred:
    """Fetch what :meth:`Reconciler.plan` asks for, one call at a time, then rebuild the events.

    Call :meth:`Reconciler.gap` first. A failed call is logged and its part
    left out (the closing notice lists it); the others go on.

    Args:
        reconciler: the socket's reconciler.
        fetch: makes one request, blocking (a :class:`ClientFetcher`).
        run: ``run(fn, *args) -> Deferred`` running ``fn`` off the reactor
            thread (``twisted.internet.threads.deferToThread``).
        now_ms: the server's time in ms.
        alive: checked before each step; once it returns False the
            reconciliation ends without touching ``reconciler`` again and the
            Deferred fails with :class:`~twisted.internet.defer.CancelledError`
            (a newer gap took over, or the socket stopped).

    Returns:
        A Deferred firing with ``(events, done_notice)`` on the reactor thread.
    """
    pending = collections.deque(reconciler.plan())
    result: defer.Deferred = defer.Deferred()

    def step(_ignored: Any = None) -> None:
        if alive is not None and not alive():
            result.errback(defer.CancelledError('the reconciliation was superseded'))
            return
        if not pending:
            stamp = int(now_ms())
            events = reconciler.events(stamp)
            result.callback((events, reconciler.done(stamp, events)))
            return
        request = pending.popleft()
        d = defer.maybeDeferred(run, fetch, request)
        d.addCallbacks(answered, failed, callbackArgs=(request,), errbackArgs=(request,))
        d.addErrback(lambda failure: result.errback(failure) if not result.called else None)

    def answered(answer: Any, request: FetchRequest) -> None:
        if alive is not None and not alive():
            step()
            return
        follow = reconciler.absorb(request, answer)
        if follow is not None:
            pending.appendleft(follow)
        step()

    def failed(failure: Any, request: FetchRequest) -> None:
        if alive is not None and not alive():
            step()
            return
        reason = redact('{}: {}'.format(type(failure.value).__name__, failure.value))
        log.warning('user data reconciliation: %s %s failed (%s)', request.kind,
                    request.symbol or '', reason)
        reconciler.failed(request, reason)
        step()

    step()
    return result
