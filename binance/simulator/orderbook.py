"""A price-level order book with integer prices and quantities.

Pure code, no Twisted. Prices are whole numbers of ticks and quantities whole
numbers of lots (the symbol's ``tickSize`` and ``stepSize``), so arithmetic is
exact and a level's quantity is never a float rounding artefact. Turning ticks
and lots into Binance's decimal strings is :mod:`binance.simulator.market`'s job.

The book keeps one aggregate quantity per price level, as Binance's depth
streams show it. Every mutating method returns the levels it changed as
``(side, price, new_qty)`` tuples (``new_qty`` 0 means the level is gone), which
is exactly what a diff-depth event has to carry.
"""
import bisect
from typing import Dict, Iterator, List, Optional, Tuple

__all__ = ['BID', 'ASK', 'OrderBook', 'Fill', 'LevelChange']

#: Side of the book holding buy orders.
BID = 'b'
#: Side of the book holding sell orders.
ASK = 'a'

#: ``(side, price_ticks, new_qty_lots)``; ``new_qty_lots == 0`` removes the level.
LevelChange = Tuple[str, int, int]
#: ``(price_ticks, qty_lots)`` taken from one resting level by an incoming order.
Fill = Tuple[int, int]


class OrderBook:
    """Bids and asks as ``price -> quantity`` with sorted price indexes.

    Both price lists are kept in ascending order: the best bid is the last
    bid, the best ask the first ask. Books in this simulator hold a few hundred
    levels, for which ``bisect`` on a plain list beats any tree.
    """

    __slots__ = ('bids', 'asks', '_bid_prices', '_ask_prices')

    def __init__(self) -> None:
        #: Bid levels, ``price_ticks -> qty_lots``.
        self.bids: Dict[int, int] = {}
        #: Ask levels, ``price_ticks -> qty_lots``.
        self.asks: Dict[int, int] = {}
        self._bid_prices: List[int] = []
        self._ask_prices: List[int] = []

    def __repr__(self) -> str:
        return '<OrderBook bid={} ask={} levels={}/{}>'.format(
            self.best_bid(), self.best_ask(), len(self.bids), len(self.asks))

    # -- reading ---------------------------------------------------------

    def best_bid(self) -> Optional[Tuple[int, int]]:
        """The highest bid as ``(price, qty)``, or None if there are no bids."""
        if not self._bid_prices:
            return None
        price = self._bid_prices[-1]
        return price, self.bids[price]

    def best_ask(self) -> Optional[Tuple[int, int]]:
        """The lowest ask as ``(price, qty)``, or None if there are no asks."""
        if not self._ask_prices:
            return None
        price = self._ask_prices[0]
        return price, self.asks[price]

    def top(self, levels: int) -> Tuple[List[Tuple[int, int]], List[Tuple[int, int]]]:
        """The best ``levels`` bids (highest first) and asks (lowest first)."""
        if levels <= 0:
            return [], []
        bids = self.bids
        asks = self.asks
        bid_prices = self._bid_prices[-levels:]
        bid_prices.reverse()
        return ([(p, bids[p]) for p in bid_prices],
                [(p, asks[p]) for p in self._ask_prices[:levels]])

    def side_prices(self, side: str) -> List[int]:
        """A copy of the prices of ``side`` in ascending order."""
        return list(self._prices(side))

    def depth(self, side: str) -> int:
        """How many price levels ``side`` has."""
        return len(self._prices(side))

    def qty(self, side: str, price: int) -> int:
        """Quantity resting at ``price`` on ``side`` (0 if there is no level)."""
        return self._levels(side).get(price, 0)

    def iter_levels(self, side: str) -> Iterator[Tuple[int, int]]:
        """Levels of ``side`` from the best price outwards."""
        levels = self._levels(side)
        prices = self._prices(side)
        ordered = reversed(prices) if side == BID else iter(prices)
        for price in ordered:
            yield price, levels[price]

    # -- writing ---------------------------------------------------------

    def set_level(self, side: str, price: int, qty: int) -> LevelChange:
        """Set the absolute quantity of one level; 0 removes it.

        Raises:
            ValueError: ``price`` is not positive or ``qty`` is negative.
        """
        if price <= 0:
            raise ValueError('price must be a positive number of ticks, got {}'.format(price))
        if qty < 0:
            raise ValueError('quantity must not be negative, got {}'.format(qty))
        levels = self._levels(side)
        prices = self._prices(side)
        if qty == 0:
            if price in levels:
                del levels[price]
                del prices[bisect.bisect_left(prices, price)]
        else:
            if price not in levels:
                bisect.insort(prices, price)
            levels[price] = qty
        return side, price, qty

    def add(self, side: str, price: int, qty: int) -> LevelChange:
        """Add ``qty`` resting at ``price`` on ``side`` (no matching).

        Raises:
            ValueError: ``qty`` is not positive.
        """
        if qty <= 0:
            raise ValueError('quantity to add must be positive, got {}'.format(qty))
        return self.set_level(side, price, self._levels(side).get(price, 0) + qty)

    def reduce(self, side: str, price: int, qty: int) -> Optional[LevelChange]:
        """Remove up to ``qty`` from one level; None if the level does not exist."""
        current = self._levels(side).get(price)
        if current is None:
            return None
        return self.set_level(side, price, max(0, current - qty))

    def take(self, taker_side: str, qty: int,
             limit_price: Optional[int] = None) -> Tuple[List[Fill], List[LevelChange]]:
        """Match an incoming order against the opposite side.

        A buy walks the asks upwards, a sell walks the bids downwards, while
        the level price is within ``limit_price`` (no limit for a market
        order) and quantity remains.

        Args:
            taker_side: :data:`BID` for a buy order, :data:`ASK` for a sell.
            qty: quantity wanted, in lots.
            limit_price: worst acceptable price in ticks, or None.

        Returns:
            ``(fills, changes)``: the ``(price, qty)`` taken per level, best
            first, and the resulting level changes.
        """
        fills: List[Fill] = []
        changes: List[LevelChange] = []
        maker_side = ASK if taker_side == BID else BID
        levels = self._levels(maker_side)
        prices = self._prices(maker_side)
        remaining = qty
        while remaining > 0 and prices:
            price = prices[0] if maker_side == ASK else prices[-1]
            if limit_price is not None:
                if (maker_side == ASK and price > limit_price) or \
                        (maker_side == BID and price < limit_price):
                    break
            available = levels[price]
            taken = min(available, remaining)
            remaining -= taken
            fills.append((price, taken))
            left = available - taken
            if left:
                levels[price] = left
            else:
                del levels[price]
                if maker_side == ASK:
                    del prices[0]
                else:
                    prices.pop()
            changes.append((maker_side, price, left))
        return fills, changes

    def place_limit(self, side: str, price: int,
                    qty: int) -> Tuple[List[Fill], List[LevelChange]]:
        """A limit order: match what crosses, rest the remainder at ``price``."""
        fills, changes = self.take(side, qty, limit_price=price)
        left = qty - sum(q for _, q in fills)
        if left > 0:
            changes.append(self.add(side, price, left))
        return fills, changes

    def clear(self) -> List[LevelChange]:
        """Remove every level; returns the removals."""
        changes = [(BID, p, 0) for p in self._bid_prices]
        changes += [(ASK, p, 0) for p in self._ask_prices]
        self.bids.clear()
        self.asks.clear()
        del self._bid_prices[:]
        del self._ask_prices[:]
        return changes

    def copy(self) -> 'OrderBook':
        """An independent copy."""
        other = OrderBook()
        other.bids = dict(self.bids)
        other.asks = dict(self.asks)
        other._bid_prices = list(self._bid_prices)
        other._ask_prices = list(self._ask_prices)
        return other

    def check(self) -> None:
        """Assert the internal indexes agree with the levels and the book is not crossed.

        Raises:
            AssertionError: the book is inconsistent (a bug).
        """
        assert self._bid_prices == sorted(self.bids), 'bid index out of sync'
        assert self._ask_prices == sorted(self.asks), 'ask index out of sync'
        assert all(q > 0 for q in self.bids.values()), 'empty bid level kept'
        assert all(q > 0 for q in self.asks.values()), 'empty ask level kept'
        if self._bid_prices and self._ask_prices:
            assert self._bid_prices[-1] < self._ask_prices[0], 'crossed book'

    # -- internals -------------------------------------------------------

    def _levels(self, side: str) -> Dict[int, int]:
        if side == BID:
            return self.bids
        if side == ASK:
            return self.asks
        raise ValueError('side must be {!r} or {!r}, got {!r}'.format(BID, ASK, side))

    def _prices(self, side: str) -> List[int]:
        if side == BID:
            return self._bid_prices
        if side == ASK:
            return self._ask_prices
        raise ValueError('side must be {!r} or {!r}, got {!r}'.format(BID, ASK, side))
