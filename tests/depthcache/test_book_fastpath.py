"""Book.apply_diff, the path of every live diff event, against a plain model.

The model applies each level in order with ``parse_levels``' floats; the
book must show the same levels whatever mix of spellings, zeros, repeats,
reads and malformed rows arrives, and must refuse exactly what
``parse_levels`` refuses.
"""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binance._book import Book, BookSide, levels_of, parse_levels


def _spellings(price):
    return st.sampled_from(['{}.0'.format(price), '{:.8f}'.format(price), '{}.00'.format(price),
                            str(price), '{}e0'.format(price), ' {}.5'.format(price - 1)])


_PRICES = st.integers(2, 40).flatmap(_spellings)
_QTYS = st.sampled_from(['0', '0.0', '0.00000000', '0e0', '1.5', '2.25000000', '3', '1e1',
                         '0.1', '-0.0', '1.5e-1', ' 2.5', '2.5 '])
_ODD_ROWS = st.sampled_from([
    '12', {'1.5': '2.5', '3.5': '4.5'}, ['1.5'], ['1.5', '2.5', 'legacy'], [1.5, 2.5], [3, 0],
    ['1.5', '-1.0'], ['1.5', 'abc'], ['0.0', '1.0'], ['1.5', '[1.0]'], ['1.5', 'true'],
    ['1.5,2.5', '1.0'], ['1.5', '1.0,2.0'], [None, '1.0'], ['1.5', None], [['1.5'], '1.0'],
])
_ROWS = st.one_of(st.lists(st.tuples(_PRICES, _QTYS).map(list), max_size=12),
                  st.lists(st.one_of(st.tuples(_PRICES, _QTYS).map(list), _ODD_ROWS), max_size=6))
_ACTIONS = st.lists(st.tuples(_ROWS, _ROWS, st.sampled_from(['none', 'top', 'top3', 'len'])),
                    min_size=1, max_size=60)


def _model_apply(model, levels):
    for price, qty in zip(levels.prices, levels.qtys):
        if qty:
            model[price] = qty
        else:
            model.pop(price, None)


def _expected(model, descending):
    return [list(level) for level in sorted(model.items(), reverse=descending)]


@settings(max_examples=400, deadline=None)
@given(actions=_ACTIONS)
def test_apply_diff_equals_applying_each_level_in_order(actions):
    book = Book()
    bids, asks = {}, {}
    for update_id, (b, a, read) in enumerate(actions, 1):
        try:
            parsed = parse_levels(b, "'b'"), parse_levels(a, "'a'")
        except ValueError:
            parsed = None
        if parsed is None:
            with pytest.raises(ValueError):
                book.apply_diff(b, a, update_id)
            book.clear()       # what DepthSync does: the book is rebuilt
            bids, asks = {}, {}
            continue
        book.apply_diff(b, a, update_id, 1000 + update_id)
        _model_apply(bids, parsed[0])
        _model_apply(asks, parsed[1])
        assert book.update_id == update_id and book.update_time == 1000 + update_id
        if read == 'top':
            assert book.bids.top() == _expected(bids, True)
            assert book.asks.top() == _expected(asks, False)
        elif read == 'top3':
            assert book.bids.top(3) == _expected(bids, True)[:3]
            assert book.asks.best() == (tuple(_expected(asks, False)[0]) if asks else None)
        elif read == 'len':
            assert (len(book.bids), len(book.asks)) == (len(bids), len(asks))
        for side in (book.bids, book.asks):     # every key kept has its price, and only those
            assert side._qty.keys() == side._price.keys() and len(side._key) == len(side._price)
    assert book.bids.top() == _expected(bids, True)
    assert book.asks.top() == _expected(asks, False)
    assert (len(book.bids), len(book.asks)) == (len(bids), len(asks))


@pytest.mark.parametrize('row', ['12', {'1.5': '2.5', '3.5': '4.5'}])
def test_a_string_or_an_object_is_no_level_even_when_it_has_two_numeric_parts(row):
    book = Book()
    book.apply_diff([['1.5', '1.0'], ['3.5', '1.0']], [], 1)
    with pytest.raises(ValueError):
        book.apply_diff([row], [], 2)


def test_two_spellings_of_a_price_are_one_level():
    book = Book()
    book.apply_diff([['1.5', '2.0']], [['2.00000000', '1.0']], 1)
    book.apply_diff([['1.50', '3.0']], [['2.0', '0.00']], 2)
    assert book.bids.top() == [[1.5, 3.0]] and book.asks.top() == []
    book.apply_diff([['1.500', '0.0'], ['1.5000', '4.0']], [], 3)   # the last of a price wins
    assert book.bids.top() == [[1.5, 4.0]]
    book.apply_diff([['1.5', '0.0']], [], 4)
    assert book.bids.top() == [] and len(book.bids) == 0


def test_quantities_are_compared_as_numbers():
    book = Book()
    book.apply_diff([['1.0', '1'], ['2.0', '2.0'], ['3.0', '3e0']], [], 1)
    assert book.bids.top() == [[3.0, 3.0], [2.0, 2.0], [1.0, 1.0]]
    assert all(type(x) is float for level in book.bids.top() for x in level)
    book.apply_diff([['1.0', '0'], ['2.0', '0.000'], ['3.0', '0e5']], [], 2)
    assert book.bids.top() == []


def test_a_malformed_event_is_refused_before_a_level_with_a_new_price_is_kept():
    book = Book()
    book.apply_diff([['1.0', '1.0']], [], 1)
    with pytest.raises(ValueError):
        book.apply_diff([['2.0', '1.0'], ['nan', '1.0']], [], 2)
    with pytest.raises(ValueError):
        book.apply_diff([['2.0', '1.0']], [['3.0', '-1.0']], 2)
    assert book.update_id == 1


def test_a_refused_new_price_on_one_side_takes_the_other_sides_new_prices_out_too():
    book = Book()
    book.apply_diff([['1.0', '1.0']], [['5.0', '1.0']], 1)
    for bids, asks in (([['1.00', '2.0']], [['6.0', '1.0']]),      # a second spelling of 1.0
                       ([['2.0', '1.0']], [['6.0', '1.0'], ['6.00', '2.0']])):
        book.apply_diff(bids, asks, 2)      # the general path decides: one level per price
        for side in (book.bids, book.asks):
            assert side._qty.keys() == side._price.keys()
    assert book.bids.top() == [[2.0, 1.0], [1.0, 2.0]]
    assert book.asks.top() == [[5.0, 1.0], [6.0, 2.0]]


def test_a_side_nobody_reads_stays_bounded():
    side_book = Book()
    side_book.apply_diff([['{}.0'.format(p), '1.0'] for p in range(1, 501)], [], 1)
    for step in range(2, 4000):
        price = 1000 + step          # a new price each time, removed at once
        side_book.apply_diff([['{}.0'.format(price), '1.0']], [], step)
        side_book.apply_diff([['{}.0'.format(price), '0.0']], [], step)
    side = side_book.bids
    assert len(side._qty) < 2 * 500 + 1100 and len(side._key) == len(side._qty)
    assert len(side) == 500 and side.best() == (500.0, 1.0)


def test_reads_between_updates_see_removed_levels_come_back():
    side = BookSide(descending=False)
    side.update(levels_of([(float(p), 1.0) for p in range(1, 200)]))
    assert side.top(2) == [[1.0, 1.0], [2.0, 1.0]]
    for round_ in range(300):        # the best levels go and come back, reads in between
        price = float(1 + round_ % 5)
        side.update(levels_of([(price, 0.0)]))
        assert side.best()[0] == (2.0 if price == 1.0 else 1.0)
        side.update(levels_of([(price, 2.0)]))
        assert side.top(5) == [[p, 2.0 if p <= min(5, round_ + 1) else 1.0]
                               for p in (1.0, 2.0, 3.0, 4.0, 5.0)]
    assert len(side) == 199
