"""Market stream payloads as a client receives them from the simulator over loopback."""
import json

import websocket

from market_support import check_fields

# stream -> (field table, event type or None); one entry per stream type.
STREAMS = {
    'bnbbtc@trade': ('trade', 'trade'),
    'bnbbtc@aggTrade': ('aggTrade', 'aggTrade'),
    'bnbbtc@kline_1m': ('kline', 'kline'),
    'bnbbtc@kline_1s': ('kline', 'kline'),
    'bnbbtc@ticker': ('24hrTicker', '24hrTicker'),
    'bnbbtc@miniTicker': ('24hrMiniTicker', '24hrMiniTicker'),
    'bnbbtc@ticker_1h': ('windowTicker', '1hTicker'),
    'bnbbtc@ticker_1d': ('windowTicker', '1dTicker'),
    'bnbbtc@bookTicker': ('bookTicker', None),
    'bnbbtc@avgPrice': ('avgPrice', 'avgPrice'),
    'bnbbtc@depth5': ('partialDepth', None),
    'bnbbtc@depth20@100ms': ('partialDepth', None),
    'bnbbtc@depth': ('depthUpdate', 'depthUpdate'),
    'bnbbtc@depth@100ms': ('depthUpdate', 'depthUpdate'),
    '!miniTicker@arr': ('24hrMiniTicker', '24hrMiniTicker'),
}


def check_payload(stream, payload):
    table, event_type = STREAMS[stream]
    events = payload if stream.startswith('!') else [payload]
    assert events, stream
    for event in events:
        check_fields(event, table)
        if event_type is not None:
            assert event['e'] == event_type, stream
        if table == 'kline':
            check_fields(event['k'], 'kline.k')
            assert event['k']['i'] == stream.rpartition('_')[2]
        if 's' in event and not stream.startswith('!'):
            assert event['s'] == 'BNBBTC'
        if table == 'partialDepth':
            levels = int(stream.split('@')[1][len('depth'):])
            assert len(event['bids']) == len(event['asks']) == levels


def test_every_stream_type_over_raw_connections(make_sim):
    sim = make_sim(seed=1234, trade_rate=20)
    sockets = {}
    try:
        # All connections first, so the slowest cadence (2 s for klines) is waited once.
        for stream in STREAMS:
            sockets[stream] = websocket.create_connection(sim.stream_url + 'ws/' + stream,
                                                          timeout=10)
        for stream, ws in sockets.items():
            message = ws.recv()
            assert isinstance(message, str), 'market events are text frames'
            check_payload(stream, json.loads(message))
    finally:
        for ws in sockets.values():
            ws.close(timeout=0.5)


def test_combined_stream_wraps_each_event(make_sim):
    sim = make_sim(seed=99, trade_rate=20)
    streams = ['bnbbtc@trade', 'bnbbtc@depth5', 'bnbbtc@kline_1m', '!miniTicker@arr']
    ws = websocket.create_connection(sim.stream_url + 'stream?streams=' + '/'.join(streams),
                                     timeout=10)
    try:
        seen = set()
        for _ in range(500):
            message = json.loads(ws.recv())
            assert set(message) == {'stream', 'data'}
            assert message['stream'] in streams
            check_payload(message['stream'], message['data'])
            seen.add(message['stream'])
            if seen == set(streams):
                break
        assert seen == set(streams)
    finally:
        ws.close(timeout=0.5)


def test_streams_without_data_stay_silent_next_to_live_ones(make_sim):
    """The connection opens and only the live stream's events arrive."""
    sim = make_sim(seed=5, trade_rate=20)
    silent = ['BNBBTC@trade', 'xrpxrp@trade', '!ticker@arr', '!bookTicker']
    ws = websocket.create_connection(
        sim.stream_url + 'stream?streams=' + '/'.join(silent + ['ethbtc@depth@100ms']),
        timeout=10)
    try:
        names = {json.loads(ws.recv())['stream'] for _ in range(10)}
        assert names == {'ethbtc@depth@100ms'}
    finally:
        ws.close(timeout=0.5)
