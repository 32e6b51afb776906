"""Price levels of a local order book: parsing, applying, reading best first.

Pure code, no Twisted, no locks (:mod:`binance.depthcache` adds the lock).

Prices and quantities are floats, as python-binance's ``DepthCache`` returned
them. A level whose quantity is zero *as a number* is removed, whatever the
string looked like (``"0.00000000"``, ``"0.000"``, ``"0"``).

How a side is kept, for ``n`` levels:

* each level is keyed by its price as Binance sent it (the string), so a
  diff event that changes existing levels (the common case) costs a dict
  update with keys whose hashes the decoder's strings already carry; a
  price string is converted to a float once, when its level appears. A
  second spelling of a price already in the book (``"1.50"`` beside
  ``"1.5"``) is mapped onto the first, so one price is always one level;
* :meth:`Book.apply_diff` validates and applies a diff event with a few
  C-level passes over its levels (``dict``, ``str.join``, one
  ``orjson.loads`` of every quantity of the event, ``min``, ``dict.update``)
  and no Python code per level; anything unusual (numbers instead of
  strings, a third element, a price in exponent form) takes the general
  path, which accepts and refuses exactly the same inputs;
* a level set to zero stays in place, at zero, and reads skip it (in C);
  the zeros are dropped in one pass once there have been as many as half
  the side (or, when nobody reads, once the side has doubled), so a level
  that comes back soon, as levels near the best prices do, costs nothing;
* the price index is a sorted ``list`` of floats: a read first inserts the
  prices that appeared since the previous read (:mod:`bisect`), or sorts
  once after more of them than the side has levels; reading the best ``m``
  levels is then ``O(m)`` and the whole side one pass over the index.

A flat sorted list beats tree-like containers on the reads (slicing is C
code) and matches them on updates up to tens of thousands of levels, which
is more than a Binance snapshot (5000 per side) plus what a day of diff
events adds; past that an insertion costs a few microseconds of memory move.
"""
import math
from bisect import bisect_left
from itertools import chain, compress, filterfalse, islice
from operator import not_
from typing import Any, Hashable, Iterable, List, NamedTuple, Optional, Sequence, Tuple

import orjson

__all__ = ['Levels', 'BookSide', 'Book', 'parse_levels', 'parse_update_id', 'levels_of', 'EMPTY_LEVELS']


class Levels(NamedTuple):
    """Parsed levels of one side: parallel lists.

    Attributes:
        keys: each price as received (the string), or the float when it came as a number.
        prices: the prices as floats.
        qtys: the quantities as floats.
    """

    keys: List[Hashable]
    prices: List[float]
    qtys: List[float]


#: No level at all.
EMPTY_LEVELS = Levels([], [], [])

_SEQUENCES = {list, tuple}
_PAIR = {2}
_NUMBERS = {float, int}
_loads = orjson.loads
_chain = chain.from_iterable

#: A side that nobody reads drops its zeroed levels once it holds this many more keys than before.
_CLEAN_SLACK = 1024


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
        return Levels([], [], [])
    if not {*map(type, raw)} <= _SEQUENCES:
        raise ValueError('{} must be [price, quantity] pairs of numbers'.format(what))
    flat = None
    if {*map(len, raw)} == _PAIR:
        # Binance's shape, pairs of decimal strings: one C-level parse of the
        # whole side instead of a float() call per value. A value that is not
        # a plain JSON number (text, a nested list, two numbers joined by a
        # comma) fails the parse, the count or the type check.
        tokens = [*_chain(raw)]
        try:
            flat = _loads('[' + ','.join(tokens) + ']')
        except (TypeError, ValueError):
            flat = None
        if flat is not None and (len(flat) != len(tokens) or not {*map(type, flat)} <= _NUMBERS):
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
    keys = [level[0] if type(level[0]) is str else price for level, price in zip(raw, prices)]
    return Levels(keys, prices, qtys)


def parse_update_id(value: Any, what: str) -> int:
    """An update id: a non-negative int (``bool`` is refused).

    Raises:
        ValueError: anything else.
    """
    if type(value) is not int or value < 0:
        raise ValueError('{} must be a non-negative integer, got {!r}'.format(what, value))
    return value


def _decimals(texts: Sequence[str], positive: bool) -> Optional[List[float]]:
    """Plain decimal strings (``"0.0194"``) as floats in one parse; None if any is anything else.

    Each value must be one JSON number with a decimal point, so the count of
    parsed values and of points tells a value holding a comma, a bracket,
    ``true`` or an exponent-only number; ``min`` refuses negatives (and
    zero if ``positive``) and raises TypeError on any non-number.
    """
    try:
        text = ','.join(texts)
        values = _loads('[' + text + ']')
        count = len(texts)
        if len(values) != count or text.count('.') != count:
            return None
        if count and (min(values) <= 0 if positive else min(values) < 0):
            return None
    except (TypeError, ValueError):
        return None
    return values


def _quantities(texts: List[str]) -> Optional[List[float]]:
    """What :func:`_decimals` returns for quantities (``positive=False``), without ``min``.

    A text holding none of ``-"[{`` parses to numbers, true, false or null
    only, none of them negative (orjson refuses infinities); with as many
    values as texts and as many decimal points as values, every value is a
    number with a point and each text is one of them. A text that holds one
    of those characters (a negative zero, an exponent ``1e-5``, garbage)
    gets None: the caller then takes the general path, which decides.
    """
    try:
        text = ','.join(texts)
    except TypeError:
        return None
    if '-' in text or '"' in text or '[' in text or '{' in text:
        return None
    try:
        values = _loads('[' + text + ']')
    except ValueError:
        return None
    count = len(texts)
    if len(values) != count or text.count('.') != count:
        return None
    return values


#: What a side holds besides its direction (BookSide.take moves all of it).
_STATE = ('_qty', '_price', '_key', '_index', '_added', '_zeros', '_rebuild', '_clean_at')


class BookSide:
    """One side of a book: levels keyed by their price as received, a price index kept lazily.

    Args:
        descending: best price is the highest (bids) rather than the lowest (asks).
    """

    __slots__ = ('descending',) + _STATE

    def __init__(self, descending: bool) -> None:
        self.descending = descending
        self._reset()

    def _reset(self) -> None:
        self._qty: dict = {}        # key -> quantity (zero: removed, not yet dropped)
        self._price: dict = {}      # key -> price, for every key of _qty
        self._key: dict = {}        # price -> key, the one key of each price of _qty
        self._index: List[float] = []   # ascending prices of _qty's keys as of the last read
        self._added: List[float] = []   # prices of the keys added since
        self._zeros = 0             # zero quantities written since the last drop (at most)
        self._rebuild = False       # the index must be rebuilt from scratch
        self._clean_at = _CLEAN_SLACK

    def __len__(self) -> int:
        amounts = self._qty.values()
        return len(amounts) - [*amounts].count(0.0) if self._zeros else len(amounts)

    def __repr__(self) -> str:
        return '<BookSide {} levels, best {}>'.format(len(self), self.best())

    # -- writing ---------------------------------------------------------

    def update(self, levels: Levels) -> None:
        """Set the absolute quantity of each level; a zero quantity removes the level."""
        qty, price_of, key_of = self._qty, self._price, self._key
        added: List[float] = []
        for key, price, amount in zip(*levels):
            known = key_of.get(price)
            if known is not None:
                qty[known] = amount
                if not amount:
                    self._zeros += 1
            elif amount:
                qty[key] = amount
                price_of[key] = price
                key_of[price] = key
                added.append(price)
            # else: removing a level that is not there
        if added:
            self._add(added)

    def _admit(self, changes: dict) -> bool:
        """Register the keys of ``changes`` new to this side, just written to it (validated
        quantities); False if one needs the general path.

        A key new to this side must be a plain decimal string and not another
        spelling of a price the side holds (or of another new key). When one
        is not, the new keys are taken out again and False returned: the
        event is then applied again by :meth:`update` (quantities are
        absolute, so setting the other keys twice is harmless).
        """
        keys = [*filterfalse(self._price.__contains__, changes)]
        prices = _decimals(keys, positive=True)
        if prices is None or not self._key.keys().isdisjoint(prices) or \
                len({*prices}) != len(prices):
            self._forget(keys)
            return False
        self._price.update(zip(keys, prices))
        self._key.update(zip(prices, keys))
        self._add(prices)
        return True

    def _forget(self, keys: Iterable[Hashable]) -> None:
        """Take out keys written to the side but never registered."""
        qty = self._qty
        for key in keys:
            del qty[key]

    def _add(self, prices: List[float]) -> None:
        """New prices: for the index at the next read; drop zeros if the side grew far."""
        if not self._rebuild:
            self._added.extend(prices)
            if len(self._added) > 64 + len(self._index):
                # Cheaper to sort once than to insert price by price.
                self._rebuild = True
                self._added = []
        if len(self._qty) > self._clean_at:
            # Nobody has read for long: removed levels go now, the index is sorted anew.
            self._drop_zeros()
            self._rebuild = True
            self._added = []

    def _drop_zeros(self) -> None:
        """Forget the levels at zero: one C pass over the side, then those keys."""
        qty = self._qty
        if self._zeros:
            price_of, key_of = self._price, self._key
            for key in [*compress(qty, map(not_, qty.values()))]:
                del qty[key]
                del key_of[price_of.pop(key)]
        self._zeros = 0
        self._clean_at = 2 * len(qty) + _CLEAN_SLACK

    def replace(self, levels: Levels) -> None:
        """Make ``levels`` the whole side (zero quantities are left out)."""
        keys, prices, qtys = levels
        price_of = dict(zip(keys, prices))
        key_of = dict(zip(prices, keys))
        self._reset()
        if len(price_of) != len(key_of):     # two spellings of one price: one level
            self.update(levels)
        else:
            self._qty, self._price, self._key = dict(zip(keys, qtys)), price_of, key_of
            self._zeros = qtys.count(0.0)
            self._drop_zeros()
        self._rebuild = True

    def clear(self) -> None:
        """Remove every level."""
        self._reset()

    def take(self, other: 'BookSide') -> None:
        """Take over the levels and index of ``other`` (same direction); ``other`` is emptied."""
        for name in _STATE:
            setattr(self, name, getattr(other, name))
        other._reset()

    # -- reading ---------------------------------------------------------

    def top(self, limit: Optional[int] = None) -> List[List[float]]:
        """``[[price, qty], ...]`` from the best price outwards; the best ``limit`` if given."""
        prices = self._sorted_prices(limit)
        amounts = map(self._qty.__getitem__, map(self._key.__getitem__, prices))
        return list(map(list, zip(prices, amounts)))

    def best(self) -> Optional[Tuple[float, float]]:
        """``(price, qty)`` of the best level, or ``None`` for an empty side."""
        prices = self._sorted_prices(1)
        return (prices[0], self._qty[self._key[prices[0]]]) if prices else None

    def _sorted_prices(self, limit: Optional[int]) -> Sequence[float]:
        self._catch_up()
        if limit is not None and limit <= 0:
            return []
        index = self._index
        if self._zeros:
            # Skip the levels at zero, in C: prices paired with their quantities.
            ordered = (reversed(index), reversed(index)) if self.descending else (index, index)
            amounts = map(self._qty.__getitem__, map(self._key.__getitem__, ordered[1]))
            prices = compress(ordered[0], amounts)
            return [*prices] if limit is None else [*islice(prices, limit)]
        if limit is None:
            return index[::-1] if self.descending else index
        if self.descending:
            return index[:-limit - 1:-1]
        return index[:limit]

    def _catch_up(self) -> None:
        """Bring the price index up to date; drop the levels at zero once they are many."""
        if self._zeros > 64 + (len(self._qty) >> 1):
            self._drop_zeros()        # amortised: one pass per len/2 removals
            if not self._rebuild:
                self._index = [*filter(self._key.__contains__, self._index)]
                self._added = [*filter(self._key.__contains__, self._added)]
        if self._rebuild:
            self._index = sorted(self._key)
            self._rebuild = False
            self._added = []
        elif self._added:
            index = self._index
            for price in self._added:
                index.insert(bisect_left(index, price), price)
            self._added = []


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
        """Apply one event's parsed levels; the book is then at ``update_id``."""
        self.bids.update(bids)
        self.asks.update(asks)
        self.update_id = update_id
        if update_time is not None:
            self.update_time = update_time

    def apply_diff(self, bids: Any, asks: Any, update_id: int,
                   update_time: Optional[int] = None) -> None:
        """Apply one diff event's ``b`` and ``a`` as received.

        Raises:
            ValueError: a malformed level (see :func:`parse_levels`). The
                book may then hold part of the event: clear it (a
                :class:`~binance._booksync.DepthSync` rebuilds it).
        """
        # Rows must be lists: dict() would also take a string of two
        # characters or an object of two keys for a pair. (Counting the lists
        # among the rows' types is a little cheaper than a set of them.)
        if type(bids) is list and type(asks) is list and \
                [*map(type, bids), *map(type, asks)].count(list) == len(bids) + len(asks):
            try:
                bid_changes, ask_changes = dict(bids), dict(asks)   # the last of a price wins
            except (TypeError, ValueError):
                bid_changes = ask_changes = None
            qtys = None if ask_changes is None else \
                _quantities([*bid_changes.values(), *ask_changes.values()])
            if qtys is not None:
                bid_side, ask_side = self.bids, self.asks
                bid_qty, ask_qty = bid_side._qty, ask_side._qty
                bid_count, ask_count = len(bid_qty), len(ask_qty)
                split = len(bid_changes)
                # zip() stops at the bids' end; the asks' quantities follow them.
                bid_qty.update(zip(bid_changes, qtys))
                ask_qty.update(zip(ask_changes, islice(qtys, split, None)))
                if len(bid_qty) == bid_count and len(ask_qty) == ask_count or \
                        self._admit(bid_count, ask_count, bid_changes, ask_changes):
                    zeros = qtys.count(0.0)
                    if zeros:
                        bid_zeros = qtys[:split].count(0.0)
                        bid_side._zeros += bid_zeros
                        ask_side._zeros += zeros - bid_zeros
                    self.update_id = update_id
                    if update_time is not None:
                        self.update_time = update_time
                    return
        self.apply(parse_levels(bids, "'b'"), parse_levels(asks, "'a'"), update_id, update_time)

    def _admit(self, bid_count: int, ask_count: int, bid_changes: dict, ask_changes: dict) -> bool:
        """:meth:`apply_diff` wrote levels new to a side (which then held ``*_count`` keys):
        register them, or take them all out again and return False."""
        bids, asks = self.bids, self.asks
        grew = len(asks._qty) != ask_count
        if len(bids._qty) != bid_count and not bids._admit(bid_changes):
            if grew:
                asks._forget([*filterfalse(asks._price.__contains__, ask_changes)])
            return False
        return not grew or asks._admit(ask_changes)

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
    return Levels(list(prices), prices, qtys)
