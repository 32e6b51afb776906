"""BinanceSocketManager against the simulated exchange, over real loopback sockets."""
import logging
import threading

import pytest
from twisted.python import threadable

from binance.connection import ConnectionState
from binance.websockets import BinanceSocketManager, RetiredStreamWarning
from manager_support import Inbox
from tests.conftest import wait_for

ERROR = {'e': 'error', 'm': 'Max reconnect retries reached'}


def server_paths(sim):
    return sorted(c['path'] for c in sim.faults.connections())


def connection_of(manager, key):
    conn = manager.connection(key)
    assert conn is not None, 'no connection registered under {!r}'.format(key)
    return conn


def trade_socket(manager, messages=1):
    """A BNBBTC trade socket of ``manager`` once ``messages`` arrived: ``(inbox, key, connection)``."""
    inbox = Inbox()
    key = manager.start_trade_socket('BNBBTC', inbox)
    if messages:
        inbox.wait_count(messages)
    return inbox, key, connection_of(manager, key)


def test_every_market_method_opens_its_path_on_the_server(make_sim, manager_for):
    sim = make_sim(seed=7, trade_rate=20)
    bm = manager_for(sim)
    inbox = Inbox()
    with pytest.warns(RetiredStreamWarning):
        keys = [
            bm.start_trade_socket('BNBBTC', inbox),
            bm.start_aggtrade_socket('BNBBTC', inbox),
            bm.start_kline_socket('ETHBTC', inbox),
            bm.start_kline_socket('ETHBTC', inbox, interval='30m'),
            bm.start_depth_socket('BNBBTC', inbox),
            bm.start_depth_socket('BNBBTC', inbox, depth=BinanceSocketManager.WEBSOCKET_DEPTH_5),
            bm.start_depth_socket('NEOBTC', inbox, depth=20, interval=100),
            bm.start_depth_socket('NEOBTC', inbox, interval=100),
            bm.start_symbol_ticker_socket('BTCUSDT', inbox),
            bm.start_ticker_socket(inbox),
            bm.start_miniticker_socket(inbox),
            bm.start_miniticker_socket(inbox, update_time=3000),
            bm.start_symbol_book_ticker_socket('ETHUSDT', inbox),
            bm.start_book_ticker_socket(inbox),
        ]
    expected = ['ws/bnbbtc@trade', 'ws/bnbbtc@aggTrade', 'ws/ethbtc@kline_1m',
                'ws/ethbtc@kline_30m', 'ws/bnbbtc@depth', 'ws/bnbbtc@depth5',
                'ws/neobtc@depth20@100ms', 'ws/neobtc@depth@100ms', 'ws/btcusdt@ticker',
                'ws/!ticker@arr', 'ws/!miniTicker@arr@1000ms', 'ws/!miniTicker@arr@3000ms',
                'ws/ethusdt@bookTicker', 'ws/!bookTicker']
    assert keys == expected
    # The simulator, like binance.com, no longer serves the two retired names: they are
    # rebuilt from '!miniTicker@arr' and per-symbol streams on a connection each.
    dialled = [k for k in expected if k not in ('ws/!ticker@arr', 'ws/!bookTicker')]
    want = sorted(['/' + k for k in dialled] + ['/ws/!miniTicker@arr'] * 2)
    wait_for(lambda: server_paths(sim) == want, timeout=10, message='every path on the server')
    inbox.wait(lambda msgs: any(isinstance(m, dict) and m.get('e') == 'trade' for m in msgs))


def test_multiplex_socket_receives_wrapped_messages_of_each_stream(sim, manager_for):
    bm = manager_for(sim)
    inbox = Inbox()
    key = bm.start_multiplex_socket(['bnbbtc@trade', 'ethbtc@depth5@100ms'], inbox)
    assert key == 'stream?streams=bnbbtc@trade/ethbtc@depth5@100ms'
    messages = inbox.wait(lambda msgs: {m['stream'] for m in msgs} ==
                          {'bnbbtc@trade', 'ethbtc@depth5@100ms'})
    assert all(set(m) == {'stream', 'data'} for m in messages)
    assert [c['combined'] for c in sim.faults.connections()] == [True]


def test_duplicate_key_returns_false_per_manager(sim, manager_for):
    bm = manager_for(sim)
    other = manager_for(sim)
    assert bm.start_trade_socket('BNBBTC', Inbox()) == 'ws/bnbbtc@trade'
    assert bm.start_trade_socket('bnbbtc', Inbox()) is False
    assert bm.start_depth_socket('BNBBTC', Inbox(), depth='5') == 'ws/bnbbtc@depth5'
    assert bm.start_depth_socket('BNBBTC', Inbox(), depth=5) is False
    assert bm.start_multiplex_socket(['a@trade'], Inbox()) == 'stream?streams=a@trade'
    assert bm.start_multiplex_socket(('a@trade',), Inbox()) is False
    assert other.start_trade_socket('BNBBTC', Inbox()) == 'ws/bnbbtc@trade'


def test_stop_socket_closes_for_good_and_the_key_can_start_again(sim, manager_for):
    bm = manager_for(sim)
    first, key, conn = trade_socket(bm)
    bm.stop_socket(key)
    wait_for(lambda: server_paths(sim) == [], message='the server to see the close')
    assert conn.state is ConnectionState.STOPPED
    assert conn.opened_count == 1
    bm.stop_socket(key)  # stopping twice is harmless
    second = Inbox()
    assert bm.start_trade_socket('BNBBTC', second) == key
    second.wait_count(3)
    assert connection_of(bm, key) is not conn
    assert conn.state is ConnectionState.STOPPED and conn.opened_count == 1
    assert first.errors() == [] and second.errors() == []


def test_close_stops_every_socket_and_ends_the_thread(sim, manager_for):
    bm = manager_for(sim)
    inbox = Inbox()
    keys = [bm.start_trade_socket('BNBBTC', inbox), bm.start_depth_socket('ETHBTC', inbox, depth=5)]
    wait_for(lambda: len(server_paths(sim)) == 2, message='both sockets open')
    conns = [connection_of(bm, k) for k in keys]
    assert bm.is_alive()
    bm.close()
    bm.join(5)
    assert not bm.is_alive()
    wait_for(lambda: server_paths(sim) == [], message='every socket closed')
    assert all(c.state is ConnectionState.STOPPED for c in conns)


def test_close_then_a_new_socket_then_start_works_as_the_seed_says(sim, manager_for):
    bm = manager_for(sim)
    first = Inbox()
    bm.start_trade_socket('BNBBTC', first)
    first.wait_count(1)
    bm.close()
    bm.join(5)
    assert not bm.is_alive()
    wait_for(lambda: server_paths(sim) == [], message='the first socket closed')
    again = Inbox()
    assert bm.start_trade_socket('ETHBTC', again) == 'ws/ethbtc@trade'
    bm.start()  # the seed: "a start call would be required to connect any new sockets"
    again.wait_count(2)
    keeper = bm._keeper
    assert keeper is not None and keeper.is_alive() and not keeper.daemon
    with pytest.raises(RuntimeError, match='already started'):
        bm.start()
    bm.close()
    keeper.join(5)
    assert not keeper.is_alive()
    wait_for(lambda: server_paths(sim) == [], message='the second socket closed')


def test_max_message_size_drops_connections_carrying_bigger_messages(make_sim, manager_for):
    sim = make_sim(seed=21, trade_rate=50)
    bm = manager_for(sim, max_message_size=1024)
    small, big = Inbox(), Inbox()
    bm.start_trade_socket('BNBBTC', small)
    key = bm.start_depth_socket('BNBBTC', big, depth=20, interval=100)
    conn = connection_of(bm, key)
    wait_for(lambda: conn.opened_count >= 2, timeout=10,
             message='the depth socket failed on a big message and reconnected')
    small.wait_count(3)
    assert all(len(repr(m)) < 1024 for m in small.snapshot())
    assert [m for m in big.snapshot() if m != ERROR] == []


def test_several_managers_live_side_by_side(sim, manager_for):
    one, two = manager_for(sim), manager_for(sim)
    a, b = Inbox(), Inbox()
    one.start_trade_socket('BNBBTC', a)
    two.start_trade_socket('BNBBTC', b)
    a.wait_count(2)
    b.wait_count(2)
    one.close()
    wait_for(lambda: len(server_paths(sim)) == 1, message='one manager closed')
    seen = len(b.snapshot())
    b.wait_count(seen + 2)


def test_50_sockets_started_from_5_threads_after_start_all_receive(make_sim, manager_for):
    sim = make_sim(seed=3, trade_rate=40)
    bm = manager_for(sim)
    symbols = ['BNBBTC', 'ETHBTC', 'NEOBTC', 'BTCUSDT', 'ETHUSDT']
    inboxes = {}
    lock = threading.Lock()
    barrier = threading.Barrier(5)
    failures = []

    def open_all(symbol):
        try:
            barrier.wait(5)
            starters = [
                lambda cb: bm.start_trade_socket(symbol, cb),
                lambda cb: bm.start_aggtrade_socket(symbol, cb),
                lambda cb: bm.start_depth_socket(symbol, cb),
                lambda cb: bm.start_depth_socket(symbol, cb, interval=100),
                lambda cb: bm.start_depth_socket(symbol, cb, depth=5, interval=100),
                lambda cb: bm.start_depth_socket(symbol, cb, depth=10, interval=100),
                lambda cb: bm.start_depth_socket(symbol, cb, depth=20, interval=100),
                lambda cb: bm.start_symbol_book_ticker_socket(symbol, cb),
                lambda cb: bm.start_multiplex_socket([symbol.lower() + '@trade'], cb),
                lambda cb: bm.start_multiplex_socket([symbol.lower() + '@depth@100ms'], cb),
            ]
            for start in starters:
                inbox = Inbox()
                key = start(inbox)
                assert key, 'start returned {!r}'.format(key)
                with lock:
                    inboxes[key] = inbox
        except Exception as exc:  # reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=open_all, args=(s,)) for s in symbols]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert failures == []
    assert len(inboxes) == 50
    for key, inbox in inboxes.items():
        inbox.wait_count(1, timeout=20)
    assert len(sim.faults.connections()) == 50


def test_callbacks_run_on_the_reactor_thread_in_order(make_sim, manager_for):
    sim = make_sim(seed=5, trade_rate=200)
    bm = manager_for(sim)
    threads = set()
    inbox = Inbox()

    def callback(msg):
        threads.add(threadable.isInIOThread())
        inbox(msg)

    bm.start_trade_socket('BNBBTC', callback)
    messages = inbox.wait_count(200)
    ids = [m['t'] for m in messages]
    assert ids == list(range(ids[0], ids[0] + len(ids)))
    assert threads == {True}


def test_a_raising_callback_is_logged_and_the_socket_keeps_receiving(sim, manager_for, caplog):
    bm = manager_for(sim)
    inbox = Inbox()

    def callback(msg):
        inbox(msg)
        if len(inbox.snapshot()) <= 3:
            raise ValueError('user bug')

    with caplog.at_level(logging.ERROR, logger='binance.connection'):
        key = bm.start_trade_socket('BNBBTC', callback)
        inbox.wait_count(10)
    raised = [r for r in caplog.records if r.exc_info and r.exc_info[0] is ValueError]
    assert len(raised) == 3
    assert 'user bug' in caplog.text and 'Traceback' in caplog.text
    assert connection_of(bm, key).opened_count == 1


def test_methods_may_be_called_from_inside_a_callback(sim, manager_for):
    bm = manager_for(sim)
    depth = Inbox()
    keys = []

    def on_trade(msg):
        if not keys:
            keys.append(bm.start_depth_socket('BNBBTC', depth, depth=5, interval=100))
            bm.stop_socket('ws/bnbbtc@trade')

    bm.start_trade_socket('BNBBTC', on_trade)
    depth.wait_count(2)
    assert keys == ['ws/bnbbtc@depth5@100ms']
    wait_for(lambda: server_paths(sim) == ['/ws/bnbbtc@depth5@100ms'], message='trade socket stopped')


def test_reconnects_after_more_than_five_drops_in_a_row(make_sim, manager_for):
    sim = make_sim(seed=9, trade_rate=100)
    bm = manager_for(sim)
    inbox, key, conn = trade_socket(bm, messages=0)
    for drop in range(1, 8):
        wait_for(lambda: conn.opened_count == drop and conn.state is ConnectionState.OPEN,
                 message='connection {}'.format(drop))
        before = len(inbox.snapshot())
        inbox.wait_count(before + 1)  # data flows on this connection
        assert sim.faults.drop_all() == 1
    wait_for(lambda: conn.opened_count == 8, message='the last reconnect')
    inbox.wait_count(len(inbox.snapshot()) + 1)
    assert inbox.errors() == []
    assert conn.retry_number == 0


def test_error_message_once_after_the_server_stays_away(sim, manager_for):
    bm = manager_for(sim)
    inbox, key, conn = trade_socket(bm)
    sim.faults.refuse_connections(600)  # TCP resets, no Retry-After
    sim.faults.drop_all()
    inbox.wait(lambda msgs: ERROR in msgs, timeout=15, what='the error message')
    assert conn.state is ConnectionState.GAVE_UP
    assert inbox.errors() == [ERROR]
    # Nothing is retried any more, even once the server is back.
    sim.faults.refuse_connections(0)
    assert conn.state is ConnectionState.GAVE_UP and server_paths(sim) == []
    # The documented recovery: stop the socket and start it again.
    bm.stop_socket(key)
    again = Inbox()
    assert bm.start_trade_socket('BNBBTC', again) == key
    again.wait_count(1)
    assert inbox.errors() == [ERROR]


def test_retry_after_outlasts_a_refusal_the_backoff_alone_would_give_up_on(sim, manager_for):
    # Five retries of plain backoff span at most about 3.9 s; the server refuses
    # for 4.5 s but says so in Retry-After, so the socket waits and recovers.
    bm = manager_for(sim)
    inbox, key, conn = trade_socket(bm)
    sim.faults.refuse_connections(4.5, status=503)
    sim.faults.drop_all()
    wait_for(lambda: conn.opened_count == 2, timeout=15, message='the reconnect')
    inbox.wait_count(len(inbox.snapshot()) + 1)
    assert inbox.errors() == []
    assert conn.retry_number == 0


def test_half_open_connection_is_detected_and_replaced(make_sim, manager_for):
    # A timeout long enough that a loaded machine's stalls are not taken for
    # a dead peer (the pong to a ping has timeout / 3 to arrive).
    sim = make_sim(seed=11, trade_rate=100)
    bm = manager_for(sim, heartbeat_timeout=1.5)
    inbox, key, conn = trade_socket(bm, messages=5)
    assert sim.faults.freeze_all() == 1
    wait_for(lambda: conn.opened_count == 2, timeout=10, message='a new connection')
    count = len(inbox.snapshot())
    inbox.wait_count(count + 5)
    assert inbox.errors() == []
    frozen = [c for c in sim.faults.connections() if c['frozen']]
    assert len(frozen) <= 1


def test_a_quiet_stream_answering_pings_is_not_dropped(make_sim, manager_for):
    # A well-formed stream of a symbol that is not listed stays silent: only pongs keep it alive.
    sim = make_sim(seed=12)
    bm = manager_for(sim, heartbeat_timeout=1.5)
    key = bm.start_trade_socket('NOTLISTED', Inbox())
    wait_for(lambda: len(sim.faults.connections()) == 1, message='the socket to open')
    conn = connection_of(bm, key)
    wait_for(lambda: conn.protocol is not None and conn.protocol.heartbeat is not None,
             message='the heartbeat to run')
    heartbeat = conn.protocol.heartbeat
    pings = threading.Semaphore(0)
    send_ping = heartbeat._send_ping

    def counting_ping():
        pings.release()
        send_ping()

    heartbeat._send_ping = counting_ping
    # Each ping follows a quiet spell; the next one is sent only if the previous
    # was answered (otherwise the socket is dropped): three pings mean two
    # survived pings and two timeouts of data silence, whatever the machine's load.
    for n in range(3):
        assert pings.acquire(timeout=15), 'ping {} was not sent'.format(n + 1)
    assert conn.opened_count == 1 and conn.state is ConnectionState.OPEN


@pytest.mark.parametrize('combined', [False, True])
def test_server_shutdown_switches_sockets_early_without_a_gap(make_sim, manager_for, combined):
    sim = make_sim(seed=15, trade_rate=200)
    bm = manager_for(sim)
    inbox = Inbox()
    if combined:
        key = bm.start_multiplex_socket(['bnbbtc@trade'], inbox)
    else:
        key = bm.start_trade_socket('BNBBTC', inbox)
    inbox.wait_count(20)
    conn = connection_of(bm, key)
    old_ids = [c['id'] for c in sim.faults.connections()]
    # New sockets are refused for 1.5 s (with Retry-After): the old one must bridge the gap.
    sim.faults.refuse_connections(1.5, status=503)
    assert sim.faults.server_shutdown(lead=30) == 1
    # Long before the server would close (30 s), a new connection carries the data
    # and the old one is closed by the client.
    wait_for(lambda: conn.opened_count == 2, timeout=10, message='the early reconnect')
    wait_for(lambda: [c['id'] for c in sim.faults.connections()] != old_ids
             and len(sim.faults.connections()) == 1, timeout=5, message='the old socket closed')
    messages = inbox.wait_count(len(inbox.snapshot()) + 20)
    assert conn.retry_number == 0
    assert 'serverShutdown' not in repr(messages)
    trades = [m['data'] if combined else m for m in messages]
    ids = {t['t'] for t in trades}
    assert ids == set(range(min(ids), max(ids) + 1)), 'trades were lost in the switch'
    # 200 trades/s: without make-before-break the refusal leaves a hole of 1.5 s
    # and more; a busy machine may delay a batch, but not by a second.
    times = sorted({t['E'] for t in trades})
    assert max(b - a for a, b in zip(times, times[1:])) < 1000


def test_tls_untrusted_certificate_is_refused_and_reported(make_sim, manager_for, caplog):
    sim = make_sim(seed=13, tls=True)
    assert sim.stream_url.startswith('wss://')
    bm = manager_for(sim)
    inbox = Inbox()
    with caplog.at_level(logging.ERROR, logger='binance.connection'):
        key = bm.start_trade_socket('BNBBTC', inbox)
        inbox.wait(lambda msgs: ERROR in msgs, timeout=15, what='the error message')
    assert inbox.snapshot() == [ERROR]
    assert connection_of(bm, key).opened_count == 0
    assert 'TLS handshake failed' in caplog.text and 'ca_file' in caplog.text


def test_tls_with_the_simulator_ca_works(make_sim, manager_for):
    sim = make_sim(seed=13, tls=True)
    bm = manager_for(sim, ca_file=sim.ca_cert)
    inbox = Inbox()
    bm.start_trade_socket('BNBBTC', inbox)
    messages = inbox.wait_count(3)
    assert all(m['e'] == 'trade' for m in messages)


def test_retired_streams_in_a_multiplex_stay_silent_and_are_warned_about(make_sim, manager_for):
    sim = make_sim(seed=14)
    quiet = Inbox()
    with pytest.warns(RetiredStreamWarning, match='multiplex socket receives nothing'):
        key = manager_for(sim).start_multiplex_socket(['!bookTicker'], quiet)
    assert key == 'stream?streams=!bookTicker'
    wait_for(lambda: len(sim.faults.connections()) == 1, message='the socket to open')
    assert not quiet.arrives(lambda msgs: msgs, 1.5)


def test_symbols_of_caseless_scripts_are_dialled_percent_encoded(sim, manager_for):
    bm = manager_for(sim)
    key = bm.start_trade_socket('\u5e01\u5b89USDT', Inbox())
    assert key == 'ws/\u5e01\u5b89usdt@trade'
    url = connection_of(bm, key).url
    assert url == sim.stream_url + 'ws/%E5%B8%81%E5%AE%89usdt@trade'
    multiplex = bm.start_multiplex_socket(['bnbbtc@kline_1m@+08:00', '!miniTicker@arr@1000ms'],
                                          Inbox())
    assert connection_of(bm, multiplex).url == sim.stream_url + (
        'stream?streams=bnbbtc@kline_1m@+08:00/!miniTicker@arr@1000ms')
