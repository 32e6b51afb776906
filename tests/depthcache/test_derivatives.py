"""Futures and options depth caches over the simulator's USD-M, COIN-M and options venues.

The sockets are the socket manager's own (``start_futures_depth_socket``,
``start_coin_futures_depth_socket``, ``start_options_depth_socket``), the
snapshots the Client's (``futures_order_book``, ``futures_coin_order_book``).
"""

import orjson
import pytest

from binance import _reactor
from binance.depthcache import (CoinFuturesDepthCacheManager, DepthCacheState,
                                FuturesDepthCacheManager, OptionsDepthCacheManager)
from tests.conftest import wait_for

from .sim_support import Calls, true_book_now


@pytest.fixture
def live_sim(make_sim):
    return make_sim(seed=33, trade_rate=300)


def _counting_snapshots(dcm):
    fetched = []
    fetch = dcm._source.fetch

    def counting(client, symbol, limit):
        fetched.append((symbol, limit))
        return fetch(client, symbol, limit)
    dcm._source.fetch = counting
    return fetched


@pytest.mark.parametrize('manager, venue, symbol, route', [
    (FuturesDepthCacheManager, 'usdm', 'BTCUSDT', 'fstream/'),
    (CoinFuturesDepthCacheManager, 'coinm', 'BTCUSD_PERP', 'dstream/'),
])
def test_a_futures_book_is_built_kept_and_rebuilt_after_a_lost_event(
        live_sim, sim_client, manager_for, manager, venue, symbol, route):
    bm = manager_for(live_sim)
    calls = Calls()
    dcm = manager(sim_client(live_sim), symbol, callback=calls, bm=bm, ws_interval=100,
                  limit=1000, refresh_interval=0)
    assert dcm.state is DepthCacheState.LIVE
    assert dcm._conn_key == route + 'stream?streams={}@depth@100ms'.format(symbol.lower())
    assert dcm._budget is not None and dcm._source.venue == ('usd-m' if venue == 'usdm' else 'coin-m')
    fetched = _counting_snapshots(dcm)
    wait_for(lambda: len(calls.caches) >= 5, message='futures updates')
    # the book equals the venue's true book at a quiet moment
    market = live_sim.venue(venue).market[symbol]

    def equal_now():
        def compare():
            cache = dcm.get_depth_cache()
            view = cache.get_book()
            return view.update_id == market.update_id and \
                (dict(view.bids), dict(view.asks)) == true_book_now(market)
        return _reactor.blocking_call(compare)
    wait_for(equal_now, message='the cache equal to the true book at the same update id')
    live_sim.faults.skip_depth_updates(symbol, 2, venue=venue)
    wait_for(lambda: dcm._sync.gaps == 1 and dcm.state is DepthCacheState.LIVE,
             message='rebuilt after pu != the previous u')
    assert fetched == [(symbol, 1000)], 'one snapshot from the venue for the rebuild'
    wait_for(equal_now, message='the rebuilt cache equal to the true book')
    assert calls.nones == 0
    dcm.close()
    assert dcm.get_depth_cache() is None and bm.connection(dcm._conn_key) is None


def test_a_futures_reconnect_rebuilds_the_book(live_sim, sim_client, manager_for):
    bm = manager_for(live_sim)
    dcm = FuturesDepthCacheManager(sim_client(live_sim), 'ETHUSDT', bm=bm, limit=500)
    assert dcm.state is DepthCacheState.LIVE and dcm._conn_key == 'fstream/stream?streams=ethusdt@depth'
    fetched = _counting_snapshots(dcm)
    live_sim.faults.drop_all(kind='usdm')
    wait_for(lambda: bm.connection(dcm._conn_key).reconnect_count == 1, message='reconnected')
    wait_for(lambda: fetched and dcm.state is DepthCacheState.LIVE, message='rebuilt')
    assert fetched == [('ETHUSDT', 500)] and dcm._sync.gaps == 0, \
        'a reconnect rebuilds from a snapshot whatever the ids say'
    dcm.close()


def test_futures_arguments_are_checked_at_the_call(live_sim, sim_client, manager_for):
    bm = manager_for(live_sim)
    client = sim_client(live_sim)
    for kwargs, error, text in [({'limit': 5000}, ValueError, 'limit must be one of'),
                                ({'ws_interval': 250}, ValueError, 'ws_interval'),
                                ({'ws_interval': '100'}, TypeError, 'ws_interval')]:
        with pytest.raises(error, match=text):
            FuturesDepthCacheManager(client, 'BTCUSDT', bm=bm, **kwargs)
    with pytest.raises(ValueError, match='symbol'):
        FuturesDepthCacheManager(client, 'BTC-USDT', bm=bm)
    with pytest.raises(TypeError, match='futures_coin_order_book'):
        CoinFuturesDepthCacheManager(object(), 'BTCUSD_PERP', bm=bm)
    assert bm._conns == {}, 'nothing was opened'


def test_an_unknown_futures_symbol_fails_clearly(live_sim, sim_client, manager_for):
    from binance.depthcache import DepthCacheError
    with pytest.raises(DepthCacheError, match='Invalid symbol'):
        FuturesDepthCacheManager(sim_client(live_sim), 'NOSUCHUSDT', bm=manager_for(live_sim),
                                 init_timeout=10)


class PartialMessages:
    """Feed listener: each options partial-depth message, as floats, by update id."""

    def __init__(self):
        self.books = {}

    def __call__(self, stream, payload):
        msg = orjson.loads(payload)
        self.books[msg['u']] = ({float(p): float(q) for p, q in msg['b']},
                                {float(p): float(q) for p, q in msg['a']})


def test_an_options_book_is_each_partial_depth_message(live_sim, manager_for):
    symbol = next(iter(live_sim.venue('options').market.symbols))
    stream = '{}@depth20@500ms'.format(symbol.lower())
    messages = PartialMessages()
    feed = live_sim.venue('options').feed
    _reactor.blocking_call(feed.subscribe, stream, messages)
    bm = manager_for(live_sim)
    seen = []

    def check(cache):
        view = cache.get_book()
        seen.append((view.update_id, (dict(view.bids), dict(view.asks))))

    try:
        dcm = OptionsDepthCacheManager(None, symbol, callback=check, bm=bm, limit=20)
        assert dcm.state is DepthCacheState.LIVE
        assert dcm._conn_key == 'options/ws/' + stream
        wait_for(lambda: len(seen) >= 3, message='partial depth messages')
        dcm.close()
    finally:
        _reactor.blocking_call(feed.unsubscribe, stream, messages)
    ids = [update_id for update_id, _ in seen]
    assert ids == sorted(ids) and len(set(ids)) == len(ids), 'update ids only go forward'
    for update_id, book in seen:
        assert book == messages.books[update_id], 'the book is exactly the message'
        assert 0 < len(book[0]) <= 20 and 0 < len(book[1]) <= 20
    assert not dcm._sync.needs_snapshot
    with pytest.raises(ValueError, match='limit must be one of 5, 10, 20'):
        OptionsDepthCacheManager(None, symbol, bm=bm, limit=50)
    with pytest.raises(ValueError, match='symbol'):
        OptionsDepthCacheManager(None, 'BTC_PERP', bm=bm)
