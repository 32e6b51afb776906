"""The price-level order book of the simulated market (pure code)."""
import pytest
from hypothesis import given, settings, strategies as st

from binance.simulator.orderbook import ASK, BID, OrderBook


def make_book():
    book = OrderBook()
    for price, qty in ((100, 5), (99, 3), (97, 7)):
        book.set_level(BID, price, qty)
    for price, qty in ((101, 2), (102, 4), (105, 1)):
        book.set_level(ASK, price, qty)
    return book


def test_best_prices_and_top_levels_are_ordered_from_the_touch():
    book = make_book()
    assert book.best_bid() == (100, 5)
    assert book.best_ask() == (101, 2)
    bids, asks = book.top(2)
    assert bids == [(100, 5), (99, 3)]
    assert asks == [(101, 2), (102, 4)]
    assert book.top(0) == ([], [])
    assert book.top(50) == ([(100, 5), (99, 3), (97, 7)], [(101, 2), (102, 4), (105, 1)])
    assert list(book.iter_levels(BID)) == [(100, 5), (99, 3), (97, 7)]


def test_empty_book_has_no_best_prices():
    book = OrderBook()
    assert book.best_bid() is None and book.best_ask() is None
    assert book.top(5) == ([], [])


def test_set_level_zero_removes_and_reports_the_change():
    book = make_book()
    assert book.set_level(BID, 99, 0) == (BID, 99, 0)
    assert 99 not in book.bids
    assert book.side_prices(BID) == [97, 100]
    # Removing a level that does not exist is harmless, as in Binance's diff rules.
    assert book.set_level(BID, 42, 0) == (BID, 42, 0)
    book.check()


def test_add_and_reduce_keep_absolute_quantities():
    book = make_book()
    assert book.add(ASK, 102, 6) == (ASK, 102, 10)
    assert book.add(ASK, 110, 1) == (ASK, 110, 1)
    assert book.reduce(ASK, 102, 3) == (ASK, 102, 7)
    assert book.reduce(ASK, 110, 9) == (ASK, 110, 0)
    assert book.reduce(ASK, 111, 1) is None
    assert book.qty(ASK, 110) == 0
    book.check()


def test_bad_values_are_refused():
    book = OrderBook()
    with pytest.raises(ValueError):
        book.set_level(BID, 0, 1)
    with pytest.raises(ValueError):
        book.set_level(BID, 10, -1)
    with pytest.raises(ValueError):
        book.add(BID, 10, 0)
    with pytest.raises(ValueError):
        book.set_level('x', 10, 1)


def test_market_buy_walks_the_asks_and_reports_fills_and_changes():
    book = make_book()
    fills, changes = book.take(BID, 5)
    assert fills == [(101, 2), (102, 3)]
    assert changes == [(ASK, 101, 0), (ASK, 102, 1)]
    assert book.best_ask() == (102, 1)
    book.check()


def test_market_sell_walks_the_bids_downwards():
    book = make_book()
    fills, changes = book.take(ASK, 9)
    assert fills == [(100, 5), (99, 3), (97, 1)]
    assert changes == [(BID, 100, 0), (BID, 99, 0), (BID, 97, 6)]
    assert book.best_bid() == (97, 6)


def test_take_stops_at_the_limit_price_and_when_the_side_is_empty():
    book = make_book()
    fills, _ = book.take(BID, 100, limit_price=102)
    assert fills == [(101, 2), (102, 4)]
    assert book.best_ask() == (105, 1)
    fills, _ = book.take(BID, 100)
    assert fills == [(105, 1)]
    assert book.best_ask() is None
    assert book.take(BID, 1) == ([], [])


def test_limit_order_rests_its_remainder():
    book = make_book()
    fills, changes = book.place_limit(BID, 101, 5)
    assert fills == [(101, 2)]
    assert changes == [(ASK, 101, 0), (BID, 101, 3)]
    assert book.best_bid() == (101, 3)
    assert book.best_ask() == (102, 4)
    book.check()


def test_copy_is_independent_and_clear_reports_every_removal():
    book = make_book()
    other = book.copy()
    changes = book.clear()
    assert sorted(changes) == sorted([(BID, p, 0) for p in (97, 99, 100)]
                                     + [(ASK, p, 0) for p in (101, 102, 105)])
    assert book.best_bid() is None and other.best_bid() == (100, 5)
    other.check()


operations = st.lists(st.tuples(
    st.sampled_from(['set', 'add', 'reduce', 'take', 'limit']),
    st.sampled_from([BID, ASK]),
    st.integers(min_value=1, max_value=40),
    st.integers(min_value=0, max_value=30)), max_size=80)


@settings(max_examples=150, deadline=None)
@given(operations)
def test_reported_changes_replay_to_the_same_book(ops):
    """Applying the reported level changes to a copy gives the same book (diff-depth rule)."""
    book = OrderBook()
    replica = {BID: {}, ASK: {}}
    for op, side, price, qty in ops:
        if op == 'set':
            changes = [book.set_level(side, price, qty)]
        elif op == 'add':
            changes = [book.add(side, price, qty + 1)]
        elif op == 'reduce':
            change = book.reduce(side, price, qty)
            changes = [change] if change else []
        elif op == 'take':
            fills, changes = book.take(side, qty + 1, limit_price=None)
            assert sum(q for _, q in fills) <= qty + 1
        else:
            _, changes = book.place_limit(side, price, qty + 1)
        for change_side, change_price, change_qty in changes:
            if change_qty:
                replica[change_side][change_price] = change_qty
            else:
                replica[change_side].pop(change_price, None)
        assert replica[BID] == book.bids and replica[ASK] == book.asks
        assert book.side_prices(BID) == sorted(book.bids)
        assert book.side_prices(ASK) == sorted(book.asks)
