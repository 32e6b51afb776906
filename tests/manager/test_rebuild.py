"""The retired all-market streams rebuilt from per-symbol ones.

In memory with an injected clock for the pieces (the ticker array, the
subscriptions, the composite), then over real sockets on the simulator, which
like binance.com no longer serves ``!ticker@arr`` nor ``!bookTicker``.
"""
import threading
import time

import orjson
import pytest

from binance._rebuild import RebuiltAllMarket, Subscriptions, TickerArray, rebuild_notice
from binance.connection import ConnectionState, StreamConnection
from binance.websockets import RetiredStreamWarning
from manager_support import OP_TEXT, FakeServer, Inbox, refuse
from tests.conftest import wait_for

ERROR = {'e': 'error', 'm': 'Max reconnect retries reached'}


def ticker(symbol, close):
    return {'e': '24hrTicker', 's': symbol, 'c': close}


# -- pure pieces --------------------------------------------------------------------------

def test_the_ticker_array_holds_the_latest_and_gives_what_changed_once():
    tickers = TickerArray()
    tickers.update(ticker('BNBBTC', '1'))
    tickers.update(ticker('ETHBTC', '2'))
    tickers.update(ticker('BNBBTC', '3'))
    tickers.update({'e': '24hrTicker'})  # no symbol: ignored
    assert tickers.take() == [ticker('BNBBTC', '3'), ticker('ETHBTC', '2')]
    assert tickers.take() == []
    tickers.update(ticker('ETHBTC', '4'))
    assert tickers.take() == [ticker('ETHBTC', '4')] and len(tickers) == 2


def test_the_notice_says_what_the_rebuild_costs():
    text = rebuild_notice('!ticker@arr', 'binance.com retired it')
    assert text.startswith('binance.com retired it; ')
    assert "'!miniTicker@arr'" in text and "'<symbol>@ticker'" in text
    assert 'connection' in text and 'streams' in text and 'once a second' in text
    assert "'<symbol>@bookTicker'" in rebuild_notice('!bookTicker', 'gone')


# -- subscriptions ------------------------------------------------------------------------

def subscribed_connection(reactor, streams, per_second=2.0, received=None):
    session = Subscriptions(streams, per_second=per_second)
    received = [] if received is None else received
    conn = StreamConnection('ws://127.0.0.1:9443/ws', received.append, name='subs',
                            session=session, reactor=reactor)
    conn.start()
    return conn, session, received


def requests_of(server):
    return [orjson.loads(body) for op, body in server.client_frames() if op == OP_TEXT]


def test_streams_are_subscribed_in_paced_batches_and_again_after_a_reconnect(memory_reactor):
    streams = ['s{}@ticker'.format(i) for i in range(450)]
    conn, session, received = subscribed_connection(memory_reactor, streams, per_second=2.0)
    server = FakeServer(memory_reactor).accept()
    first = requests_of(server)
    assert [len(r['params']) for r in first] == [200] and first[0]['method'] == 'SUBSCRIBE'
    memory_reactor.advance(0.49)
    assert requests_of(server) == []
    memory_reactor.advance(0.02)
    memory_reactor.advance(0.5)
    later = requests_of(server)
    assert [len(r['params']) for r in later] == [200, 50]
    assert [p for r in first + later for p in r['params']] == streams
    server.send(b'{"result":null,"id":1}')  # answers are swallowed
    server.send(b'{"e":"24hrTicker","s":"S1"}')
    assert received == [{'e': '24hrTicker', 's': 'S1'}]
    server.lose()
    memory_reactor.advance(1)
    again = FakeServer(memory_reactor).accept()
    assert len(requests_of(again)[0]['params']) == 200
    assert memory_reactor.getDelayedCalls(), 'the rest follows at the pace'


def test_streams_added_while_open_are_subscribed_at_once(memory_reactor):
    conn, session, _ = subscribed_connection(memory_reactor, [])
    server = FakeServer(memory_reactor).accept()
    assert requests_of(server) == []
    session.add(['a@ticker', 'b@ticker'])
    assert requests_of(server)[0]['params'] == ['a@ticker', 'b@ticker']
    assert len(session) == 2


# -- the composite, in memory ------------------------------------------------------------

def rebuilt(reactor, stream='!ticker@arr', max_streams=1024, policy=None):
    received = []

    def new_connection(url, callback, **kwargs):
        return StreamConnection(url, callback, reactor=reactor, policy=policy, **kwargs)

    socket = RebuiltAllMarket('ws/' + stream, received.append, stream=stream,
                              new_connection=new_connection, base_url='ws://127.0.0.1:9443/',
                              max_streams=max_streams, clock=reactor)
    socket.start()
    return socket, received


def mini_tickers(*symbols):
    return orjson.dumps([{'e': '24hrMiniTicker', 's': s} for s in symbols])


def test_symbols_found_on_the_mini_ticker_array_get_their_ticker_stream(memory_reactor):
    socket, received = rebuilt(memory_reactor)
    server = FakeServer(memory_reactor)
    assert server.request.startswith(b'GET /ws/!miniTicker@arr ')
    server.accept()
    server.send(mini_tickers('BNBBTC', 'ETHBTC'))
    assert requests_of(server)[0]['params'] == ['bnbbtc@ticker', 'ethbtc@ticker']
    server.send(mini_tickers('BNBBTC', 'NEOBTC'))
    assert requests_of(server)[0]['params'] == ['neobtc@ticker']
    assert socket.symbols == ['BNBBTC', 'ETHBTC', 'NEOBTC']
    server.send(orjson.dumps(ticker('BNBBTC', '1')))
    server.send(orjson.dumps(ticker('ETHBTC', '2')))
    assert received == []
    memory_reactor.advance(0.25)  # the first list soon after the first tickers
    assert received == [[ticker('BNBBTC', '1'), ticker('ETHBTC', '2')]]
    server.send(orjson.dumps(ticker('ETHBTC', '3')))
    memory_reactor.advance(0.99)
    assert len(received) == 1
    memory_reactor.advance(0.02)  # then about once a second
    assert received[1] == [ticker('ETHBTC', '3')]


def test_more_symbols_than_a_connection_carries_spill_onto_new_connections(memory_reactor):
    socket, received = rebuilt(memory_reactor, max_streams=3)
    first = FakeServer(memory_reactor).accept()
    first.send(mini_tickers('A1', 'B1', 'C1', 'D1', 'E1', 'F1'))
    assert requests_of(first)[0]['params'] == ['a1@ticker', 'b1@ticker']  # 3 with the array
    assert len(socket.parts) == 3 and len(memory_reactor.tcpClients) == 3
    second, third = FakeServer(memory_reactor, 1), FakeServer(memory_reactor, 2)
    assert second.request.startswith(b'GET /ws ') and third.request.startswith(b'GET /ws ')
    second.accept()
    third.accept()
    assert requests_of(second)[0]['params'] == ['c1@ticker', 'd1@ticker', 'e1@ticker']
    assert requests_of(third)[0]['params'] == ['f1@ticker']
    third.send(orjson.dumps(ticker('F1', '9')))
    memory_reactor.advance(0.3)
    assert received == [[ticker('F1', '9')]]


def test_the_book_ticker_rebuild_delivers_every_update_as_it_comes(memory_reactor):
    socket, received = rebuilt(memory_reactor, stream='!bookTicker')
    server = FakeServer(memory_reactor).accept()
    server.send(mini_tickers('BNBBTC'))
    assert requests_of(server)[0]['params'] == ['bnbbtc@bookTicker']
    update = {'u': 1, 's': 'BNBBTC', 'b': '1', 'B': '2', 'a': '3', 'A': '4'}
    server.send(orjson.dumps(update))
    assert received == [update]
    assert memory_reactor.getDelayedCalls() == [] or all(
        c.getTime() - memory_reactor.seconds() > 1 for c in memory_reactor.getDelayedCalls())


def test_a_connection_that_gives_up_ends_the_whole_socket_once(memory_reactor, exact_policy):
    socket, received = rebuilt(memory_reactor, policy=exact_policy)
    refuse(memory_reactor)
    for _ in range(5):
        memory_reactor.advance(2)
        refuse(memory_reactor)
    assert received == [ERROR]
    assert socket.state is ConnectionState.GAVE_UP
    memory_reactor.advance(60)
    assert received == [ERROR] and memory_reactor.getDelayedCalls() == []


# -- on the simulator --------------------------------------------------------------------

class Timed:
    """A callback recording (monotonic time, message)."""

    def __init__(self):
        self.items = []
        self._cond = threading.Condition()

    def __call__(self, message):
        with self._cond:
            self.items.append((time.monotonic(), message))
            self._cond.notify_all()

    def wait(self, predicate, timeout):
        with self._cond:
            assert self._cond.wait_for(lambda: predicate(self.items), timeout), self.items[-3:]
            return list(self.items)


def test_start_ticker_socket_on_the_simulator_gets_ticker_lists_every_second_across_a_drop(
        make_sim, manager_for):
    sim = make_sim(seed=31)
    bm = manager_for(sim)
    received = Timed()
    started = time.monotonic()
    with pytest.warns(RetiredStreamWarning, match='rebuilds it'):
        key = bm.start_ticker_socket(received)
    assert key == 'ws/!ticker@arr'
    items = received.wait(lambda items: len(items) >= 1, timeout=5)
    assert items[0][0] - started < 3.0, 'the first list within 3 s'
    first = items[0][1]
    assert isinstance(first, list) and first and all(t['e'] == '24hrTicker' for t in first)
    assert {'s', 'c', 'o', 'h', 'l', 'v', 'q', 'p', 'P', 'w', 'b', 'a'} <= set(first[0])
    received.wait(lambda items: len(items) >= 3, timeout=5)
    sim.faults.drop_all()
    dropped = time.monotonic()
    items = received.wait(lambda items: len(items) >= 3 and items[-1][0] > dropped + 2.5,
                          timeout=10)
    times = [t for t, _ in items]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(0.5 < gap < 2.5 for gap in gaps), gaps  # about once a second, drop included
    assert bm.connection(key).reconnect_count >= 1


def test_start_book_ticker_socket_on_the_simulator_gets_book_tickers(make_sim, manager_for):
    sim = make_sim(seed=32, trade_rate=40)
    bm = manager_for(sim)
    inbox = Inbox()
    with pytest.warns(RetiredStreamWarning, match='bookTicker'):
        bm.start_book_ticker_socket(inbox)
    messages = inbox.wait(lambda msgs: len({m['s'] for m in msgs}) >= 3, timeout=10)
    assert all({'u', 's', 'b', 'B', 'a', 'A'} <= set(m) for m in messages)
    wait_for(lambda: [c['path'] for c in sim.faults.connections()] == ['/ws/!miniTicker@arr'],
             message='one connection')
