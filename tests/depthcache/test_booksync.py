"""Binance's local order book procedure (binance._booksync), as plain values."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from binance._book import Book
from binance._booksync import (FUTURES_DIFF, PARTIAL, SPOT_DIFF, DepthSync, Outcome, SyncState,
                               parse_snapshot)
from .book_model import Market, book_as_dicts


def spot(U, u, bids=(), asks=()):
    return SPOT_DIFF.parse({'e': 'depthUpdate', 'E': 1, 'U': U, 'u': u,
                            'b': [list(b) for b in bids], 'a': [list(a) for a in asks]})


def fut(U, u, pu, bids=(), asks=()):
    return FUTURES_DIFF.parse({'e': 'depthUpdate', 'E': 1, 'T': 1, 'U': U, 'u': u, 'pu': pu,
                               'b': [list(b) for b in bids], 'a': [list(a) for a in asks]})


def snap(lid, bids=(), asks=()):
    return parse_snapshot({'lastUpdateId': lid, 'bids': [list(b) for b in bids],
                           'asks': [list(a) for a in asks]})


def new_sync(rules=SPOT_DIFF):
    return DepthSync(Book(), rules)


# -- spot -----------------------------------------------------------------------------------

def test_spot_buffers_until_the_snapshot_then_drops_what_it_already_holds():
    sync = new_sync()
    assert sync.state is SyncState.SYNCING and sync.needs_snapshot
    assert sync.on_event(spot(101, 105, [('1', '1')])) is Outcome.BUFFERED
    assert sync.on_event(spot(106, 110, [('2', '2')])) is Outcome.BUFFERED
    # u <= lastUpdateId: dropped; the first left brackets lastUpdateId + 1
    assert sync.on_snapshot(snap(107, [('1', '5'), ('2', '5')])) is Outcome.LIVE
    assert sync.state is SyncState.LIVE and not sync.needs_snapshot
    assert sync.book.update_id == 110
    assert book_as_dicts(sync.book) == ({1.0: 5.0, 2.0: 2.0}, {})
    assert sync.on_event(spot(111, 111, [('1', '0')])) is Outcome.APPLIED
    assert book_as_dicts(sync.book) == ({2.0: 2.0}, {})


def test_spot_snapshot_older_than_the_first_event_is_refused():
    sync = new_sync()
    sync.on_event(spot(101, 105))
    assert sync.on_snapshot(snap(99)) is Outcome.TOO_OLD, 'lastUpdateId + 1 < U: ids 100 missing'
    assert sync.state is SyncState.SYNCING
    assert sync.on_snapshot(snap(100)) is Outcome.LIVE, 'U == lastUpdateId + 1 bridges'
    assert sync.book.update_id == 105


def test_spot_snapshot_newer_than_every_buffered_event_makes_the_book_live():
    sync = new_sync()
    sync.on_event(spot(101, 105))
    assert sync.on_snapshot(snap(120, [('3', '1')])) is Outcome.LIVE
    assert sync.book.update_id == 120 and sync.buffered == 0
    assert sync.on_event(spot(110, 120)) is Outcome.STALE
    assert sync.on_event(spot(121, 125)) is Outcome.APPLIED


def test_spot_gap_clears_the_book_and_keeps_the_event_for_the_rebuild():
    sync = new_sync()
    sync.on_snapshot(snap(100, [('1', '1')]))
    assert sync.on_event(spot(101, 102)) is Outcome.APPLIED
    assert sync.on_event(spot(104, 105, [('2', '2')])) is Outcome.GAP, 'id 103 missed'
    assert sync.state is SyncState.RESYNCING and sync.needs_snapshot
    assert sync.book.bids.top() == [] and sync.book.update_id is None, 'no stale book'
    assert sync.buffered == 1
    assert sync.on_snapshot(snap(104, [('1', '1')])) is Outcome.LIVE
    assert book_as_dicts(sync.book) == ({1.0: 1.0, 2.0: 2.0}, {})


def test_spot_duplicates_and_overlaps():
    sync = new_sync()
    sync.on_snapshot(snap(100))
    assert sync.on_event(spot(101, 105, [('1', '1')])) is Outcome.APPLIED
    assert sync.on_event(spot(101, 105, [('1', '1')])) is Outcome.STALE
    assert sync.on_event(spot(103, 104)) is Outcome.STALE
    # differently batched (another connection): absolute quantities as of u make it safe
    assert sync.on_event(spot(103, 108, [('1', '3')])) is Outcome.APPLIED
    assert sync.book.update_id == 108 and book_as_dicts(sync.book) == ({1.0: 3.0}, {})


def test_gaps_and_duplicates_while_buffering():
    sync = new_sync()
    sync.on_event(spot(101, 105))
    assert sync.on_event(spot(101, 105)) is Outcome.STALE
    assert sync.on_event(spot(110, 112)) is Outcome.BUFFERED, 'gap: the buffer restarts here'
    assert sync.buffered == 1
    assert sync.on_snapshot(snap(105)) is Outcome.TOO_OLD
    assert sync.on_snapshot(snap(109)) is Outcome.LIVE


def test_the_buffer_keeps_the_newest_events():
    sync = DepthSync(Book(), SPOT_DIFF, max_buffer=3)
    for u in range(101, 111):
        sync.on_event(spot(u, u))
    assert sync.buffered == 3
    assert sync.on_snapshot(snap(100)) is Outcome.TOO_OLD
    assert sync.on_snapshot(snap(107)) is Outcome.LIVE and sync.book.update_id == 110
    with pytest.raises(ValueError, match='max_buffer'):
        DepthSync(Book(), SPOT_DIFF, max_buffer=0)


def test_resync_and_stop():
    sync = new_sync()
    sync.resync()
    assert sync.state is SyncState.SYNCING, 'never live: still the first sync'
    sync.on_snapshot(snap(100, [('1', '1')]))
    sync.resync()
    assert sync.state is SyncState.RESYNCING and sync.book.bids.top() == []
    sync.stop()
    assert sync.state is SyncState.STOPPED and not sync.needs_snapshot
    assert sync.on_event(spot(101, 101)) is Outcome.IGNORED
    assert sync.on_snapshot(snap(101)) is Outcome.IGNORED
    sync.resync()
    assert sync.state is SyncState.STOPPED


# -- futures --------------------------------------------------------------------------------

def test_futures_pu_chain():
    sync = new_sync(FUTURES_DIFF)
    sync.on_event(fut(90, 95, 80))
    sync.on_event(fut(97, 103, 95, [('1', '1')]))
    sync.on_event(fut(110, 120, 103, [('2', '2')]))
    # u < lastUpdateId dropped; U <= lastUpdateId <= u starts it
    assert sync.on_snapshot(snap(100, [('1', '9')])) is Outcome.LIVE
    assert sync.book.update_id == 120
    assert book_as_dicts(sync.book) == ({1.0: 1.0, 2.0: 2.0}, {})
    assert sync.on_event(fut(125, 130, 120)) is Outcome.APPLIED, 'ids jump: pu == prev.u'
    assert sync.on_event(fut(140, 150, 135)) is Outcome.GAP, 'pu != prev.u'


def test_futures_snapshot_between_events_is_bridged_by_pu():
    sync = new_sync(FUTURES_DIFF)
    sync.on_event(fut(110, 120, 100))
    assert sync.on_snapshot(snap(99)) is Outcome.TOO_OLD
    assert sync.on_snapshot(snap(105)) is Outcome.LIVE, 'the event covers (pu, u] = (100, 120]'
    assert sync.book.update_id == 120


def test_futures_messages_need_pu_below_u():
    with pytest.raises(ValueError, match='pu'):
        fut(10, 12, 12)
    with pytest.raises(ValueError, match='pu'):
        FUTURES_DIFF.parse({'U': 1, 'u': 2, 'b': [], 'a': []})


# -- partial depth --------------------------------------------------------------------------

def test_partial_depth_replaces_the_book_and_ignores_older_messages():
    sync = new_sync(PARTIAL)
    assert not sync.needs_snapshot
    spot_shape = {'lastUpdateId': 10, 'bids': [['1', '1'], ['2', '1']], 'asks': [['3', '1']]}
    assert sync.on_event(PARTIAL.parse(spot_shape)) is Outcome.APPLIED
    assert sync.state is SyncState.LIVE
    futures_shape = {'e': 'depthUpdate', 'E': 5, 'U': 8, 'u': 12, 'pu': 7,
                     'b': [['2', '4']], 'a': [['3', '2']]}
    assert sync.on_event(PARTIAL.parse(futures_shape)) is Outcome.APPLIED
    assert book_as_dicts(sync.book) == ({2.0: 4.0}, {3.0: 2.0}), 'levels not repeated are gone'
    assert sync.book.update_time == 5
    assert sync.on_event(PARTIAL.parse(spot_shape)) is Outcome.STALE
    assert not sync.begin_refresh()


# -- malformed messages ---------------------------------------------------------------------

@pytest.mark.parametrize('msg', [
    None, [], 'x', {'e': 'error', 'm': 'Max reconnect retries reached'},
    {'U': 2, 'u': 1, 'b': [], 'a': []}, {'U': 1, 'u': 2, 'b': [], 'a': None},
    {'U': '1', 'u': 2, 'b': [], 'a': []}, {'U': 1, 'u': 2, 'b': [['x', '1']], 'a': []},
])
def test_malformed_diff_messages_raise_value_error(msg):
    with pytest.raises(ValueError):
        SPOT_DIFF.parse(msg)


def test_a_malformed_message_rebuilds_a_live_book():
    sync = new_sync()
    sync.on_snapshot(snap(100, [('1', '1')]))
    good = {'e': 'depthUpdate', 'E': 7, 'U': 101, 'u': 102, 'b': [['2.0', '2.0']], 'a': []}
    assert sync.on_message(good) is Outcome.APPLIED
    assert book_as_dicts(sync.book) == ({1.0: 1.0, 2.0: 2.0}, {}) and sync.book.update_time == 7
    bad = dict(good, U=103, u=103, b=[['3.0', '1.0']], a=[['4.0', 'x']])
    with pytest.raises(ValueError, match="'a'"):
        sync.on_message(bad)
    assert sync.state is SyncState.RESYNCING and sync.book.bids.top() == [], \
        'no book holding half of a malformed event'
    with pytest.raises(ValueError, match="'U'"):
        sync.on_message(dict(good, U='104'))
    assert sync.on_message(dict(good, U=90, u=99)) is Outcome.BUFFERED


def test_on_message_sorts_out_stale_events_and_gaps_like_on_event():
    sync = new_sync()
    sync.on_snapshot(snap(100))
    msg = {'e': 'depthUpdate', 'E': 1, 'U': 101, 'u': 105, 'b': [['1.0', '1.0']], 'a': []}
    assert sync.on_message(msg) is Outcome.APPLIED
    assert sync.on_message(msg) is Outcome.STALE and sync.stale == 1
    assert sync.on_message(dict(msg, U=107, u=108)) is Outcome.GAP
    assert sync.buffered == 1 and sync.book.update_id is None
    with pytest.raises(ValueError):
        sync.on_message('not a message')


# -- refresh --------------------------------------------------------------------------------

def test_refresh_rebuilds_beside_the_live_book():
    sync = new_sync()
    sync.on_snapshot(snap(100, [('1', '1'), ('7', '7')]))
    assert sync.begin_refresh() and not sync.begin_refresh()
    assert sync.wants_snapshot and not sync.needs_snapshot
    assert sync.on_event(spot(101, 102, [('2', '2')])) is Outcome.APPLIED
    # the refresh snapshot does not have level 7 (say, outside its limit)
    outcome = sync.on_snapshot(snap(101, [('1', '1')]))
    assert outcome is Outcome.REFRESHED
    assert book_as_dicts(sync.book) == ({1.0: 1.0, 2.0: 2.0}, {})
    assert not sync.refreshing


def test_refresh_snapshot_ahead_of_the_stream_waits_for_it():
    sync = new_sync()
    sync.on_snapshot(snap(100))
    sync.begin_refresh()
    assert sync.on_snapshot(snap(103, [('5', '5')])) is Outcome.BUFFERED
    assert sync.refreshing and not sync.wants_snapshot
    assert sync.on_event(spot(101, 102)) is Outcome.APPLIED
    assert sync.on_event(spot(103, 104, [('6', '6')])) is Outcome.REFRESHED
    assert book_as_dicts(sync.book) == ({5.0: 5.0, 6.0: 6.0}, {})


def test_refresh_snapshot_too_old_is_abandoned_and_a_gap_cancels_it():
    sync = new_sync()
    sync.on_snapshot(snap(100, [('1', '1')]))
    sync.on_event(spot(101, 101))
    sync.begin_refresh()
    sync.on_event(spot(102, 102))
    assert sync.on_snapshot(snap(99)) is Outcome.TOO_OLD
    assert not sync.refreshing and sync.state is SyncState.LIVE
    assert book_as_dicts(sync.book) == ({1.0: 1.0}, {})
    sync.begin_refresh()
    assert sync.on_event(spot(110, 110)) is Outcome.GAP
    assert not sync.refreshing


# -- properties over random event sequences -------------------------------------------------

ACTIONS = st.lists(st.sampled_from(['step', 'step', 'step', 'event', 'event', 'drop', 'dup',
                                    'swap', 'snapshot', 'old_snapshot', 'refresh', 'resync']),
                   min_size=20, max_size=250)


def _run(market, rules, actions):
    """Feed a perturbed delivery of ``market``'s events; check the book at every step."""
    sync = DepthSync(Book(), rules, max_buffer=50)
    held = None                           # an event held back to be delivered after the next
    for action in actions:
        if action == 'step':
            market.step()
            continue
        if action in ('snapshot', 'old_snapshot'):
            at = market.update_id
            if action == 'old_snapshot':
                at = market.rng.choice(sorted(market.history)[-20:])
            outcome = sync.on_snapshot(parse_snapshot(market.snapshot(at)))
            assert outcome in (Outcome.LIVE, Outcome.TOO_OLD, Outcome.REFRESHED,
                               Outcome.BUFFERED, Outcome.IGNORED)
        elif action == 'refresh':
            sync.begin_refresh()
        elif action == 'resync':
            sync.resync()
            assert sync.book.bids.top() == [] and sync.book.asks.top() == []
        else:
            msg = market.event()
            if msg is None:
                continue
            deliveries = {'event': [msg], 'drop': [], 'dup': [msg, msg], 'swap': []}[action]
            if action == 'swap':
                held, deliveries = msg, []
            elif held is not None:
                deliveries, held = deliveries + [held], None
            for delivered in deliveries:
                if market.rng.random() < 0.8:
                    sync.on_message(delivered)      # the manager's path
                else:
                    sync.on_event(rules.parse(delivered))
        if sync.state is SyncState.LIVE:
            assert book_as_dicts(sync.book) == market.history[sync.book.update_id], \
                'the live book differs from the true book at its update id'
        else:
            assert sync.book.bids.top() == [] and sync.book.asks.top() == [], \
                'a book that is not live is empty'
            assert sync.book.update_id is None


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 10 ** 6), actions=ACTIONS)
def test_spot_book_always_equals_the_true_book_at_its_update_id(seed, actions):
    _run(Market(seed, futures=False), SPOT_DIFF, actions)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 10 ** 6), actions=ACTIONS)
def test_futures_book_always_equals_the_true_book_at_its_update_id(seed, actions):
    _run(Market(seed, futures=True), FUTURES_DIFF, actions)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10 ** 6), futures=st.booleans(),
       steps=st.lists(st.integers(1, 4), min_size=5, max_size=60))
def test_an_intact_stream_never_reports_a_gap_and_stays_live(seed, futures, steps):
    market = Market(seed, futures=futures)
    rules = FUTURES_DIFF if futures else SPOT_DIFF
    sync = DepthSync(Book(), rules)
    sync.on_event(rules.parse(_next_event(market, 1)))
    assert sync.on_snapshot(parse_snapshot(market.snapshot())) is Outcome.LIVE
    for count in steps:
        outcome = sync.on_message(_next_event(market, count))
        assert outcome is Outcome.APPLIED
        assert book_as_dicts(sync.book) == market.history[market.update_id]
    assert sync.gaps == 0


def _next_event(market, steps):
    for _ in range(steps):
        market.step()
    return market.event()


@settings(max_examples=60, deadline=None)
@given(ids=st.lists(st.integers(0, 50), min_size=1, max_size=40))
def test_partial_depth_shows_the_newest_message(ids):
    sync = DepthSync(Book(), PARTIAL)
    newest = None
    for i in ids:
        sync.on_event(PARTIAL.parse({'lastUpdateId': i, 'bids': [[str(i + 1), '1']], 'asks': []}))
        newest = i if newest is None else max(newest, i)
        assert sync.book.update_id == newest
        assert sync.book.bids.top() == [[float(newest + 1), 1.0]]
