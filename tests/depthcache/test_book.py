"""The price levels of a local book (binance._book): parsing, applying, reading best first."""
import random

import pytest

from binance._book import Book, BookSide, Levels, levels_of, parse_levels, parse_update_id


def test_levels_parse_binance_strings_and_numbers_to_floats():
    assert parse_levels([['0.00194600', '45.00000000'], ['0.0019', '0']]) == \
        Levels(['0.00194600', '0.0019'], [0.001946, 0.0019], [45.0, 0.0]), \
        'the price as received is kept as the key of its level'
    assert parse_levels([[1, 2], (3.5, 4)]) == Levels([1.0, 3.5], [1.0, 3.5], [2.0, 4.0])
    assert parse_levels([['5', '6', []]]) == Levels(['5'], [5.0], [6.0]), \
        'a legacy third element is ignored'
    assert all(type(x) is float for x in parse_levels([['5', '6']]).prices)
    assert parse_levels([]) == Levels([], [], [])


@pytest.mark.parametrize('raw', [
    'x', None, {'0.1': '1'}, ['12'], [['1']], [['a', '1']], [['1', 'b']], [['1,2', '3']],
    [['[1]', '2']], [['1', 'true']], [['nan', '1']], [['inf', '1']], [['1', 'nan']],
    [['0', '1']], [['-1', '1']], [['1', '-0.5']], [['1e999', '1']], [[None, '1']],
])
def test_levels_refuse_anything_that_is_not_pairs_of_numbers(raw):
    with pytest.raises(ValueError):
        parse_levels(raw, 'b')


def test_update_ids_are_non_negative_ints():
    assert parse_update_id(7, 'u') == 7
    for bad in (-1, True, 1.0, '7', None):
        with pytest.raises(ValueError, match='u'):
            parse_update_id(bad, 'u')


def test_a_side_reads_best_first_and_removes_zero_quantities_by_value():
    bids = BookSide(descending=True)
    bids.update(parse_levels([['1.0', '1'], ['3.0', '3'], ['2.0', '2']]))
    assert bids.top() == [[3.0, 3.0], [2.0, 2.0], [1.0, 1.0]]
    bids.update(parse_levels([['3.0', '0.000'], ['2.00', '0'], ['4', '4']]))
    assert bids.top() == [[4.0, 4.0], [1.0, 1.0]]
    assert bids.best() == (4.0, 4.0)
    assert bids.top(1) == [[4.0, 4.0]] and bids.top(0) == [] and bids.top(10) == bids.top()
    asks = BookSide(descending=False)
    asks.update(parse_levels([['5', '1'], ['4', '1'], ['6', '0']]))
    assert asks.top() == [[4.0, 1.0], [5.0, 1.0]]
    assert len(asks) == 2


def test_removing_a_level_that_is_not_there_is_normal():
    side = BookSide(descending=False)
    side.update(parse_levels([['9', '0']]))
    assert side.top() == [] and side.best() is None


def test_reads_return_new_lists_the_caller_may_change():
    side = BookSide(descending=False)
    side.update(parse_levels([['1', '1']]))
    first = side.top()
    first[0][1] = 99.0
    first.append([5.0, 5.0])
    assert side.top() == [[1.0, 1.0]]


@pytest.mark.parametrize('descending', [True, False])
def test_the_lazy_index_matches_a_sort_after_random_changes(descending):
    rng = random.Random(11)
    side = BookSide(descending)
    truth = {}
    for step in range(3000):
        pairs = [(float(rng.randrange(1, 400)), float(rng.choice([0, 0, 1, 2, 3])))
                 for _ in range(rng.randrange(1, 8))]
        side.update(levels_of(pairs))
        for price, qty in pairs:
            if qty:
                truth[price] = qty
            else:
                truth.pop(price, None)
        if step % rng.choice([1, 7, 500]) == 0:   # reads now and then: patched or rebuilt index
            expected = sorted(truth.items(), reverse=descending)
            assert side.top() == [list(level) for level in expected]
            assert side.top(5) == [list(level) for level in expected[:5]]


def test_replace_and_take_swap_whole_sides():
    book = Book()
    book.load(parse_levels([['1', '1'], ['2', '0']]), parse_levels([['3', '1']]), 10, 123)
    assert (book.bids.top(), book.asks.top(), book.update_id, book.update_time) == \
        ([[1.0, 1.0]], [[3.0, 1.0]], 10, 123)
    other = Book()
    other.load(parse_levels([['2', '2']]), parse_levels([]), 20)
    book.take(other)
    assert book.bids.top() == [[2.0, 2.0]] and book.asks.top() == [] and book.update_id == 20
    assert book.update_time == 123, 'a book without a time keeps the one it had'
    assert other.bids.top() == [] and other.update_id is None
    book.clear()
    assert book.bids.top() == [] and book.update_id is None and not book.crossed()


def test_crossed_compares_the_best_prices():
    book = Book()
    book.apply(parse_levels([['5', '1']]), parse_levels([['6', '1']]), 1)
    assert not book.crossed()
    book.apply(parse_levels([]), parse_levels([['5', '1']]), 2)
    assert book.crossed()
