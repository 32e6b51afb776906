"""The silent-stream watchdog on real connections: in memory with an injected clock, then a
futures stream dialled on the wrong route of the simulator (accepted, and silent)."""
import logging
import warnings

import orjson
import pytest

from binance.connection import StreamConnection
from binance.options import ConnectionOptions
from binance.watchdog import SilentStreamWarning
from manager_support import OP_PING, OP_TEXT, FakeServer, Inbox, server_frame
from tests.conftest import wait_for

KLINE = 'ws://127.0.0.1:9443/ws/bnbbtc@kline_1m'
KLINE_MESSAGE = orjson.dumps({'e': 'kline', 'E': 1, 's': 'BNBBTC', 'k': {'t': 0, 'T': 59999}})


def make(reactor, url=KLINE, **option_fields):
    received = []
    options = ConnectionOptions(rotate_after=None, **option_fields)
    conn = StreamConnection(url, received.append, name=url.rsplit('/', 1)[1], options=options,
                            reactor=reactor)
    conn.start()
    return conn, received


def ping_every(reactor, server, seconds, period=2.0):
    """The server stays alive: a ping every ``period`` s (the client answers, the heartbeat
    sees traffic)."""
    for _ in range(int(seconds / period)):
        server.protocol.dataReceived(server_frame(b'x', OP_PING))
        reactor.advance(period)


def test_a_silent_kline_stream_is_reported_once_and_replaced_within_its_bound(
        memory_reactor, caplog):
    conn, received = make(memory_reactor)
    server = FakeServer(memory_reactor).accept()
    server.send(KLINE_MESSAGE)
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter('always')
        ping_every(memory_reactor, server, 8.0)
        assert len(memory_reactor.tcpClients) == 1, 'not before the bound (10 s for klines)'
        ping_every(memory_reactor, server, 4.0)
        assert len(memory_reactor.tcpClients) == 2, 'replaced within the bound plus one poll'
    silent = [w for w in caught if issubclass(w.category, SilentStreamWarning)]
    assert len(silent) == 1 and 'bnbbtc@kline_1m' in str(silent[0].message)
    assert [r for r in caplog.records if 'no data on bnbbtc@kline_1m' in r.getMessage()]
    assert received == [orjson.loads(KLINE_MESSAGE)], 'no notice unless asked for'
    # The new socket delivers: the episode is over, the old one is closed.
    new = FakeServer(memory_reactor).accept()
    new.send(KLINE_MESSAGE.replace(b'"E":1', b'"E":2'))
    server.close_cleanly()  # the old socket answered our close: the new one's messages flow
    new.send(KLINE_MESSAGE.replace(b'"E":1', b'"E":3'))
    assert conn.opened_count == 2 and [m['E'] for m in received] == [1, 2, 3]
    assert conn.stats is None or conn.stats.reconnect_reasons.get('silent') == 1


def test_the_callback_gets_a_stream_silent_notice_when_it_asked_for_one(memory_reactor):
    conn, received = make(memory_reactor, silent_notices=True)
    server = FakeServer(memory_reactor).accept()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', SilentStreamWarning)
        ping_every(memory_reactor, server, 14.0)
    notice, = received
    assert notice['e'] == 'streamSilent' and notice['stream'] == 'bnbbtc@kline_1m'
    assert notice['bound'] == 10.0 and notice['seconds'] >= 10.0
    assert 'reconnecting' in notice['m']


def test_a_message_that_never_completes_does_not_keep_a_stream_open(memory_reactor):
    # The server answers pings and trickles the bytes of one endless fragmented message:
    # the heartbeat sees traffic, but no data arrives; the watchdog replaces the socket.
    conn, received = make(memory_reactor)
    server = FakeServer(memory_reactor).accept()
    server.protocol.dataReceived(server_frame(b'{"e":"kline",', OP_TEXT, fin=False))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', SilentStreamWarning)
        for _ in range(6):
            server.protocol.dataReceived(server_frame(b'"x":1,', 0, fin=False))
            server.protocol.dataReceived(server_frame(b'x', OP_PING))
            memory_reactor.advance(2.0)
    assert len(memory_reactor.tcpClients) == 2 and received == []
    assert not conn.protocol or conn.protocol is not server.protocol


def test_streams_silent_by_nature_or_slow_are_left_alone(memory_reactor):
    trade, _ = make(memory_reactor, url='ws://127.0.0.1:9443/ws/bnbbtc@trade')
    FakeServer(memory_reactor).accept()
    liquidations, _ = make(memory_reactor, url='ws://127.0.0.1:9443/ws/!forceOrder@arr')
    server = FakeServer(memory_reactor).accept()
    ping_every(memory_reactor, server, 300.0, period=5.0)
    assert len(memory_reactor.tcpClients) == 2, 'a quiet market may not trade for minutes'
    assert trade.upkeep.silence_bound == 600.0 and liquidations.upkeep.silence_bound is None


def test_bounds_are_options(memory_reactor):
    conn, _ = make(memory_reactor, silence_bounds={'kline': 3})
    assert conn.upkeep.silence_bound == 3.0
    off, _ = make(memory_reactor, silence_bounds=None)
    assert off.upkeep.silence_bound is None
    with pytest.raises(TypeError, match='silence_bounds'):
        ConnectionOptions(silence_bounds=5)
    with pytest.raises(ValueError, match="'kline'"):
        ConnectionOptions(silence_bounds={'kline': -1})


def test_a_futures_stream_on_the_wrong_route_is_found_silent(make_sim, manager_for):
    # bookTicker is served on /public; on /market the simulator (like Binance) accepts it
    # and sends nothing.
    sim = make_sim(seed=21, trade_rate=40)
    bm = manager_for(sim, options=ConnectionOptions(silence_bounds={'bookTicker': 1.0},
                                                    silent_notices=True))
    inbox = Inbox()
    right = bm.start_symbol_ticker_futures_socket('BTCUSDT', Inbox())
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', SilentStreamWarning)
        key = bm.open_connection('wrong', sim.fstream_url + 'market/ws/btcusdt@bookTicker',
                                 inbox)
        inbox.wait(lambda items: items, timeout=15, what='the streamSilent notice')
    notice = inbox.snapshot()[0]
    assert notice['e'] == 'streamSilent' and notice['stream'] == 'btcusdt@bookTicker'
    assert bm.connection(right).reconnect_count == 0, 'the right route delivers'
    wait_for(lambda: bm.connection(key).reconnect_count >= 1, message='the silent one replaced')
