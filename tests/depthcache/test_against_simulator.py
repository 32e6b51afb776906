"""Depth cache managers over real sockets against the simulator, with faults.

The simulator runs on a ``task.Clock`` that the test advances step by step,
so each step publishes one diff event and ten thousand events take seconds;
the client (sockets, backoff, snapshot pacing) runs on the real reactor.
A feed listener records the true book whenever an event is published, and
the cache's callback compares the cache with it at the same update id.
Spot (``U``/``u``), USD-M and COIN-M futures (``pu``) go through the same
faults.
"""
import itertools

import pytest
from twisted.internet import task

from binance import _reactor
from binance.depthcache import (CoinFuturesDepthCacheManager, DepthCacheManager,
                                DepthCacheState, FuturesDepthCacheManager)
from tests.conftest import wait_for

from .sim_support import BookChecker, Pump, TrueBooks, true_book_now


def newest_stream(sim, venue):
    """The id of the newest market-stream connection of ``venue`` (a frozen one may linger)."""
    return max(c['id'] for c in sim.faults.connections()
               if c['venue'] == venue and c['kind'].endswith('stream'))   # stream, fstream, dstream


def _faults(sim, venue, symbol):
    """One fault after another: drops, freezes, gaps, failing and stale snapshots."""
    faults = sim.faults
    return itertools.cycle([
        ('drop', lambda: faults.drop_one(conn_id=newest_stream(sim, venue))),
        ('gap', lambda: faults.skip_depth_updates(symbol, 3, venue=venue)),
        ('gap + failing snapshots', lambda: (faults.fail_depth_snapshots(2, venue=venue),
                                             faults.skip_depth_updates(symbol, 1, venue=venue))),
        ('gap + stale snapshot', lambda: (faults.stale_depth_snapshots(1, venue=venue),
                                          faults.skip_depth_updates(symbol, 1, venue=venue))),
        ('freeze', lambda: faults.freeze(conn_id=newest_stream(sim, venue))),
        ('gap + 503', lambda: (faults.fail_depth_snapshots(1, status=503, venue=venue),
                               faults.skip_depth_updates(symbol, 2, venue=venue))),
    ])


#: venue, manager, symbol, ws_interval, the stream's name suffix, clock step per event, limit
CASES = [
    ('spot', DepthCacheManager, 'BNBBTC', None, '', 1.0, 500),
    ('spot', DepthCacheManager, 'BNBBTC', 100, '@100ms', 0.1, 500),
    ('usdm', FuturesDepthCacheManager, 'BTCUSDT', 100, '@100ms', 0.1, 1000),
    ('coinm', CoinFuturesDepthCacheManager, 'BTCUSD_PERP', None, '', 0.25, 1000),
]


@pytest.mark.timeout(300)
@pytest.mark.parametrize('venue, manager, symbol, ws_interval, suffix, step, limit', CASES,
                         ids=['spot-depth@1000ms', 'spot-depth@100ms', 'usdm-depth@100ms',
                              'coinm-depth@250ms'])
def test_cache_equals_the_true_book_through_ten_thousand_events_and_faults(
        make_sim, sim_client, manager_for, venue, manager, symbol, ws_interval, suffix, step,
        limit):
    clock = task.Clock()
    clock.advance(1_700_000_000)
    sim = make_sim(seed=909, trade_rate=400, clock=clock, intervals={'ping': 0})
    stream = symbol.lower() + '@depth' + suffix
    client = sim_client(sim)
    bm = manager_for(sim, client, heartbeat_timeout=0.5)
    with TrueBooks(sim, symbol, stream, venue) as truth:
        checker = BookChecker(truth)
        dcm = manager(client, symbol, callback=checker, bm=bm, ws_interval=ws_interval,
                      refresh_interval=0, init_timeout=0, limit=limit)
        faults = _faults(sim, venue, symbol)
        injected = []
        with Pump(clock, step):
            for target in range(700, 10_001, 700):
                wait_for(lambda: truth.published >= target, timeout=60, message='events published')
                name, inject = next(faults)
                inject()
                injected.append(name)
            wait_for(lambda: truth.published >= 10_000, timeout=60, message='10,000 events')
        # trading stops; the feed still flushes what changed since the last event
        _reactor.blocking_call(sim.venue(venue).feed.set_trade_rate, 0)
        market = sim.venue(venue).market[symbol]

        def caught_up():
            _reactor.blocking_call(clock.advance, step)
            cache = dcm.get_depth_cache()
            return dcm.state is DepthCacheState.LIVE and cache.update_id == market.update_id

        wait_for(caught_up, timeout=60, message='the cache at the market update id')
        final = _reactor.blocking_call(true_book_now, market)
        view = dcm.get_depth_cache().get_book()
    assert (dict(view.bids), dict(view.asks)) == final
    # A whole book, not a 20-level partial one (one side may be exactly 20 deep by chance).
    assert view.bids and view.asks and max(len(view.bids), len(view.asks)) > 20
    assert checker.mismatches == [], 'the cache differed from the true book at these ids'
    assert checker.crossed == 0 and checker.nones == 0
    assert checker.compared >= 5000, 'too few events compared to mean much'
    connection = bm.connection(dcm._conn_key)
    assert connection.reconnect_count >= len([n for n in injected if n in ('drop', 'freeze')])
    assert dcm._sync.gaps >= len([n for n in injected if n.startswith('gap')]) >= 8
    dcm.close()
    assert dcm.get_depth_cache() is None
