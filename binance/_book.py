"""Price levels of a local order book: parsing, applying, reading best first.

Pure code, no Twisted, no locks (:mod:`binance.depthcache` adds the lock).

Prices and quantities are floats, as python-binance's ``DepthCache`` returned
them. A level whose quantity is zero *as a number* is removed, whatever the
string looked like (``"0.00000000"``, ``"0.000"``, ``"0"``).

Cost model, for a side of ``n`` levels:

* applying ``k`` changed levels is ``O(k)``: a dict update and the set of
  touched prices, done by C-level ``map``/``zip``/``dict.update`` calls rather
  than a Python loop per level; no sorting on the write path;
* the price index (a sorted ``list``, searched with :mod:`bisect`) is brought
  up to date by the next read, for the prices touched since the previous read
  only: ``O(k log n)`` plus the list moves of the inserted and removed prices;
  after more changes than the side has levels it is rebuilt with one sort;
* reading the best ``m`` levels is ``O(m)`` once the index is current; the
  whole side is one pass over the index.

A flat sorted list beats tree-like containers on the reads (slicing is C
code) and matches them on updates up to tens of thousands of levels, which
is more than a Binance snapshot (5000 per side) plus what a day of diff
events adds; past that an insertion costs a few microseconds of memory move.
"""
import math
from bisect import bisect_left
from itertools import chain, compress
from operator import not_
from typing import Any, Iterable, List, NamedTuple, Optional, Sequence, Tuple

import orjson

__all__ = ['Levels', 'BookSide', 'Book', 'parse_levels', 'parse_update_id', 'levels_of', 'EMPTY_LEVELS']


class Levels(NamedTuple):
    """Parsed levels of one side of an event: parallel lists of floats."""

    prices: List[float]
    qtys: List[float]


#: No level at all.
EMPTY_LEVELS = Levels([], [])

_SEQUENCES = {list, tuple}
_PAIR = {2}
_NUMBERS = {float, int}
_loads = orjson.loads
_chain = chain.from_iterable


def parse_levels(raw: Any, what: str = 'levels') -> Levels:
    """``[[price, qty], ...]`` (strings or numbers) as :class:`Levels` of floats.

    Extra elements after price and quantity (very old payloads carried an
    ignored third one) are dropped.

    Raises:
        ValueError: not a list of pairs, a value that is no number, a price
            that is not positive and finite, a quantity that is negative or
            not finite.
    """
    if type(raw) is not list:
        raise ValueError('{} must be a list of [price, quantity] pairs, got {}'.format(
            what, type(raw).__name__))
    if not raw:
        return Levels([], [])
    if not {*map(type, raw)} <= _SEQUENCES:
        raise ValueError('{} must be [price, quantity] pairs of numbers'.format(what))
    flat = None
    if {*map(len, raw)} == _PAIR:
        # Binance's shape, pairs of decimal strings: one C-level parse of the
        # whole side instead of a float() call per value. A value that is not
        # a plain JSON number (text, a nested list, two numbers joined by a
        # comma) fails the parse, the count or the type check.
        try:
            flat = _loads('[' + ','.join(_chain(raw)) + ']')
        except (TypeError, ValueError):
            flat = None
        if flat is not None and (len(flat) != 2 * len(raw) or not {*map(type, flat)} <= _NUMBERS):
            flat = None
    if flat is None:
        try:
            flat = [float(x) for level in raw for x in (level[0], level[1])]
        except (TypeError, ValueError, IndexError):
            raise ValueError('{} must be [price, quantity] pairs of numbers'.format(what)) from None
    prices, qtys = flat[0::2], flat[1::2]
    # One pass each in C: a NaN or an infinity makes the sum not finite.
    if not (math.isfinite(sum(flat)) and min(prices) > 0):
        raise ValueError('{}: every price must be a positive finite number'.format(what))
    if min(qtys) < 0:
        raise ValueError('{}: every quantity must be a finite number >= 0'.format(what))
    if int in {*map(type, flat)}:
        prices, qtys = list(map(float, prices)), list(map(float, qtys))
    return Levels(prices, qtys)


def parse_update_id(value: Any, what: str) -> int:
    """An update id: a non-negative int (``bool`` is refused).

    Raises:
        ValueError: anything else.
    """
    if type(value) is not int or value < 0:
        raise ValueError('{} must be a non-negative integer, got {!r}'.format(what, value))
    return value


def _drop_zeros(book: dict, prices: List[float], qtys: List[float]) -> None:
    """Remove the levels whose quantity ended at zero (the last value of a price wins)."""
    get = book.get
    for price in compress(prices, map(not_, qtys)):
        if get(price) == 0:
            del book[price]


class BookSide:
    """One side of a book: ``price -> quantity`` and a price index kept sorted lazily.

    Args:
        descending: best price is the highest (bids) rather than the lowest (asks).
    """

    __slots__ = ('levels', 'descending', '_index', '_touched', '_rebuild')

    def __init__(self, descending: bool) -> None:
        #: ``price -> quantity``; never holds a zero quantity.
        self.levels: dict = {}
        self.descending = descending
        self._index: List[float] = []     # ascending prices, as of the last read
        self._touched: set = set()        # prices changed since then
        self._rebuild = False             # the index must be rebuilt from scratch

    def __len__(self) -> int:
        return len(self.levels)

    def __repr__(self) -> str:
        best = self.best()
        return '<BookSide {} levels, best {}>'.format(len(self.levels), best)

    # -- writing ---------------------------------------------------------

    def update(self, levels: Levels) -> None:
        """Set the absolute quantity of each level; a zero quantity removes the level."""
        prices, qtys = levels
        if not prices:
            return
        book = self.levels
        book.update(zip(prices, qtys))
        if 0.0 in qtys:
            _drop_zeros(book, prices, qtys)
        if not self._rebuild:
            touched = self._touched
            touched.update(prices)
            if len(touched) > len(book) + 64:
                # Cheaper to sort once than to patch the index price by price;
                # also bounds what a side that nobody reads keeps in memory.
                self._rebuild = True
                touched.clear()

    def replace(self, levels: Levels) -> None:
        """Make ``levels`` the whole side (zero quantities are left out)."""
        prices, qtys = levels
        book = dict(zip(prices, qtys))
        if 0.0 in qtys:
            _drop_zeros(book, prices, qtys)
        self.levels = book
        self._touched.clear()
        self._rebuild = True

    def clear(self) -> None:
        """Remove every level."""
        self.levels = {}
        self._index = []
        self._touched.clear()
        self._rebuild = False

    def take(self, other: 'BookSide') -> None:
        """Take over the levels and index of ``other`` (same direction); ``other`` is emptied."""
        self.levels, other.levels = other.levels, {}
        self._index, other._index = other._index, []
        self._touched, other._touched = other._touched, set()
        self._rebuild, other._rebuild = other._rebuild, False

    # -- reading ---------------------------------------------------------

    def top(self, limit: Optional[int] = None) -> List[List[float]]:
        """``[[price, qty], ...]`` from the best price outwards; the best ``limit`` if given."""
        prices = self._sorted_prices(limit)
        return list(map(list, zip(prices, map(self.levels.__getitem__, prices))))

    def best(self) -> Optional[Tuple[float, float]]:
        """``(price, qty)`` of the best level, or ``None`` for an empty side."""
        prices = self._sorted_prices(1)
        return (prices[0], self.levels[prices[0]]) if prices else None

    def _sorted_prices(self, limit: Optional[int]) -> Sequence[float]:
        index = self._current_index()
        if limit is None:
            return index[::-1] if self.descending else index
        if limit <= 0:
            return []
        if self.descending:
            return index[:-limit - 1:-1]
        return index[:limit]

    def _current_index(self) -> List[float]:
        if self._rebuild:
            self._index = sorted(self.levels)
            self._rebuild = False
            self._touched.clear()
        elif self._touched:
            index, book = self._index, self.levels
            for price in self._touched:
                at = bisect_left(index, price)
                present = at < len(index) and index[at] == price
                if price in book:
                    if not present:
                        index.insert(at, price)
                elif present:
                    del index[at]
            self._touched.clear()
        return self._index


class Book:
    """Both sides of a local order book and the update id it reflects.

    Attributes:
        bids: :class:`BookSide`, best (highest) first.
        asks: :class:`BookSide`, best (lowest) first.
        update_id: the exchange's update id the book is at, ``None`` before
            any snapshot or event.
        update_time: the event time (ms) of the last applied event, or ``None``.
    """

    __slots__ = ('bids', 'asks', 'update_id', 'update_time')

    def __init__(self) -> None:
        self.bids = BookSide(descending=True)
        self.asks = BookSide(descending=False)
        self.update_id: Optional[int] = None
        self.update_time: Optional[int] = None

    def __repr__(self) -> str:
        return '<Book id={} bid={} ask={} levels={}/{}>'.format(
            self.update_id, self.bids.best(), self.asks.best(), len(self.bids), len(self.asks))

    def apply(self, bids: Levels, asks: Levels, update_id: int,
              update_time: Optional[int] = None) -> None:
        """Apply one event's levels; the book is then at ``update_id``."""
        self.bids.update(bids)
        self.asks.update(asks)
        self.update_id = update_id
        if update_time is not None:
            self.update_time = update_time

    def load(self, bids: Levels, asks: Levels, update_id: Optional[int],
             update_time: Optional[int] = None) -> None:
        """Replace the whole book (a snapshot, a partial-depth message)."""
        self.bids.replace(bids)
        self.asks.replace(asks)
        self.update_id = update_id
        if update_time is not None:
            self.update_time = update_time

    def clear(self) -> None:
        """Forget every level and the update id (the update time is kept)."""
        self.bids.clear()
        self.asks.clear()
        self.update_id = None

    def take(self, other: 'Book') -> None:
        """Become ``other`` (levels, ids, times); ``other`` is left empty."""
        self.bids.take(other.bids)
        self.asks.take(other.asks)
        self.update_id, other.update_id = other.update_id, None
        if other.update_time is not None:
            self.update_time = other.update_time

    def crossed(self) -> bool:
        """True if the best bid is at or above the best ask."""
        bid, ask = self.bids.best(), self.asks.best()
        return bid is not None and ask is not None and bid[0] >= ask[0]


def levels_of(pairs: Iterable[Tuple[float, float]]) -> Levels:
    """:class:`Levels` from ``(price, qty)`` float pairs (tests, add_bid)."""
    prices: List[float] = []
    qtys: List[float] = []
    for price, qty in pairs:
        prices.append(price)
        qtys.append(qty)
    return Levels(prices, qtys)
