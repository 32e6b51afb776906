"""Binance's futures local order book over real sockets: diff depth with ``pu`` plus a snapshot.

A websocket-client connection listens to the venue's diff-depth stream; the
snapshot is the venue market's ``depth_snapshot`` (the body of
``GET /fapi/v1/depth``), taken on the reactor thread. The futures procedure
(reference section 3.4) must rebuild the true book at every compared update
id, over events whose ids are not contiguous.
"""
import pytest
from twisted.internet import task

from binance import _reactor
from derivative_support import FuturesBookGap, FuturesLocalOrderBook
from market_support import true_book
from test_orderbook_live import DiffReader, TrueBooks


def _venue_case(sim, venue):
    if venue == 'usdm':
        return sim.venue('usdm'), 'BTCUSDT', sim.fstream_url + 'public/ws/', 'btcusdt@depth@100ms'
    if venue == 'coinm':
        return sim.venue('coinm'), 'BTCUSD_PERP', sim.dstream_url + 'ws/', 'btcusd_perp@depth@100ms'
    options = sim.venue('options')
    symbol = options.market.options_of('BTCUSDT')[2]
    return options, symbol, sim.fstream_url + 'public/ws/', symbol.lower() + '@depth@100ms'


@pytest.mark.parametrize('venue', ['usdm', 'coinm', 'options'])
def test_futures_local_book_is_the_true_book(make_sim, venue):
    clock = task.Clock()
    clock.advance(1790000000)
    sim = make_sim(seed=31, trade_rate=400, clock=clock)
    venue_obj, symbol, base, stream = _venue_case(sim, venue)
    market = venue_obj.market

    def snapshot():
        return _reactor.blocking_call(market.depth_snapshot, symbol, 1000)

    def pump():
        _reactor.blocking_call(clock.advance, 0.1)

    reader = DiffReader(base + stream)
    books = TrueBooks(market[symbol])
    _reactor.blocking_call(venue_obj.feed.subscribe, stream, books)
    local = FuturesLocalOrderBook()
    compared = 0

    def next_event():
        while reader.events.empty():
            pump()
        event = reader.events.get(timeout=10)
        if isinstance(event, Exception):
            raise event
        return event

    try:
        local.on_event(next_event())                       # buffer, then the snapshot
        assert local.load_snapshot(snapshot())
        while local.applied < 400:
            event = next_event()
            local.on_event(event)
            recorded = books.pop(event['u'])
            if recorded is not None and local.synced:
                market_id, (bids, asks) = recorded
                assert market_id == event['u']
                assert (local.bids, local.asks) == (bids, asks), 'local book differs at u={}'.format(event['u'])
                compared += 1
    finally:
        _reactor.blocking_call(venue_obj.feed.unsubscribe, stream, books)
        reader.close()
    assert compared >= 300
    assert local.jumps > 50, 'ids must not be contiguous, or the test proves nothing about pu'
    assert len(local.bids) > 10 and len(local.asks) > 10
    assert true_book(market[symbol])  # the market is still consistent
    market[symbol].book.check()


def test_the_helper_procedure_catches_gaps():
    local = FuturesLocalOrderBook()
    local.on_event({'U': 5, 'u': 9, 'pu': 3, 'b': [], 'a': []})
    assert local.load_snapshot({'lastUpdateId': 7, 'bids': [], 'asks': []}) and local.synced
    local.on_event({'U': 11, 'u': 12, 'pu': 9, 'b': [['1.0', '2.0']], 'a': []})
    assert (local.bids, local.jumps) == ({'1.0': '2.0'}, 1)
    with pytest.raises(FuturesBookGap):
        local.on_event({'U': 15, 'u': 16, 'pu': 14, 'b': [], 'a': []})
    stale = FuturesLocalOrderBook()
    stale.on_event({'U': 5, 'u': 9, 'pu': 3, 'b': [], 'a': []})
    assert not stale.load_snapshot({'lastUpdateId': 4, 'bids': [], 'asks': []})
    later = FuturesLocalOrderBook()
    later.on_event({'U': 5, 'u': 9, 'pu': 3, 'b': [], 'a': []})
    assert later.load_snapshot({'lastUpdateId': 10, 'bids': [], 'asks': []}) and not later.synced
    later.on_event({'U': 10, 'u': 13, 'pu': 9, 'b': [], 'a': []})
    assert later.synced and later.update_id == 13
