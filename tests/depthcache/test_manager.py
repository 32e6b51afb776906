"""DepthCacheManager's life: threads, give-up, dead exchanges, sharing a socket manager, pacing."""
import logging
import socket
import threading
import time

import pytest

from binance import _reactor
from binance._pacing import WeightBudget
from binance.depthcache import (DepthCache, DepthCacheError, DepthCacheManager, DepthCacheState,
                                DepthCacheTimeout)
from binance.simulator.weights import limiter_for
from tests.conftest import wait_for

from .sim_support import Calls

SYMBOLS = ['BNBBTC', 'ETHBTC', 'NEOBTC', 'LTCBTC', 'BTCUSDT', 'ETHUSDT', 'BNBUSDT']


@pytest.fixture
def live_sim(make_sim):
    return make_sim(seed=31, trade_rate=300)


def test_reads_from_four_threads_during_updates_and_rebuilds(live_sim, sim_client, manager_for):
    sim = live_sim
    bm = manager_for(sim)
    dcm = DepthCacheManager(sim_client(sim), 'BNBBTC', bm=bm, ws_interval=100, refresh_interval=0)
    assert dcm.state is DepthCacheState.LIVE
    cache = dcm.get_depth_cache()
    stop = threading.Event()
    problems = []
    reads = [0] * 4

    def reader(index):
        try:
            while not stop.is_set():
                view = cache.get_book(index * 5 or None)
                bids, asks = view.bids, view.asks
                if bids and asks and bids[0][0] >= asks[0][0]:
                    problems.append('crossed at {}'.format(view.update_id))
                if bids != sorted(bids, reverse=True) or asks != sorted(asks):
                    problems.append('unsorted at {}'.format(view.update_id))
                if any(q <= 0 for _, q in bids + asks):
                    problems.append('empty level at {}'.format(view.update_id))
                cache.get_bids(3)
                cache.get_asks()
                reads[index] += 1
        except Exception as exc:  # reported by the test
            problems.append(repr(exc))

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    try:
        start = dcm._sync.applied
        for round_ in range(1, 4):
            wait_for(lambda: dcm._sync.applied >= start + 10, message='updates applied')
            sim.faults.skip_depth_updates('BNBBTC', 1)       # rebuilds while readers read
            wait_for(lambda: dcm._sync.gaps >= round_ and dcm.state is DepthCacheState.LIVE,
                     message='the book rebuilt')
            start = dcm._sync.applied
        # Each reader is a thread of its own: on a loaded machine some get little CPU.
        wait_for(lambda: min(reads) > 50, timeout=60, message='50 reads by every reader')
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    dcm.close()
    assert problems == []
    assert dcm._sync.gaps >= 3


def test_when_the_socket_gives_up_the_callback_gets_none_once(live_sim, sim_client, manager_for):
    sim = live_sim
    bm = manager_for(sim)
    calls = Calls()
    dcm = DepthCacheManager(sim_client(sim), 'ETHBTC', callback=calls, bm=bm, ws_interval=100)
    wait_for(lambda: len(calls.caches) >= 3, message='updates')
    sim.faults.refuse_connections(60)
    sim.faults.drop_all(kind='stream')
    wait_for(lambda: calls.nones == 1, timeout=20, message='None once')
    assert dcm.state is DepthCacheState.STOPPED
    assert dcm.get_depth_cache() is None
    count = len(calls.caches)
    sim.faults.refuse_connections(0)
    _reactor.blocking_call(lambda: None)
    assert calls.nones == 1 and len(calls.caches) == count
    assert bm.connection(dcm._conn_key) is None, 'its socket was stopped'
    dcm.close()
    assert calls.nones == 1


def _closed_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _dead_client_and_bm(manager_for, port):
    from binance.client import Client

    class DeadClient(Client):
        API_URL = 'http://127.0.0.1:{}/api'.format(port)

    class Sim:
        stream_url = 'ws://127.0.0.1:{}/'.format(port)
        ws_api_url = stream_url + 'ws-api/v3'
        fstream_url = options_stream_url = stream_url + 'fstream/'
        dstream_url = stream_url + 'dstream/'
    return DeadClient(), manager_for(Sim())


def test_constructor_against_a_refusing_exchange_raises_once_the_socket_gives_up(
        reactor_thread, manager_for):
    client, bm = _dead_client_and_bm(manager_for, _closed_port())
    calls = Calls()
    with pytest.raises(DepthCacheError, match='gave up') as raised:
        DepthCacheManager(client, 'BNBBTC', callback=calls, bm=bm, init_timeout=120)
    assert not isinstance(raised.value, DepthCacheTimeout), 'it did not wait for the timeout'
    assert calls.nones == 1


def test_constructor_against_a_silent_exchange_times_out(reactor_thread, manager_for):
    silent = socket.socket()
    silent.bind(('127.0.0.1', 0))
    silent.listen(16)      # accepts TCP, never answers the handshake
    try:
        client, bm = _dead_client_and_bm(manager_for, silent.getsockname()[1])
        started = time.monotonic()
        with pytest.raises(DepthCacheTimeout, match='within 1.5 s'):
            DepthCacheManager(client, 'BNBBTC', bm=bm, init_timeout=1.5)
        # Not before the timeout; well before a second one would have passed.
        assert 1.4 < time.monotonic() - started < 1.5 + 10
    finally:
        silent.close()


def test_an_unknown_symbol_fails_clearly(live_sim, sim_client, manager_for):
    with pytest.raises(DepthCacheError, match='Invalid symbol'):
        DepthCacheManager(sim_client(live_sim), 'NOSUCHCOIN', bm=manager_for(live_sim), init_timeout=10)


def test_many_managers_share_one_socket_manager(live_sim, sim_client, manager_for):
    sim = live_sim
    bm = manager_for(sim)
    client = sim_client(sim)
    managers = [DepthCacheManager(client, symbol, bm=bm, ws_interval=100) for symbol in SYMBOLS]
    twin = DepthCacheManager(client, 'BNBBTC', bm=bm)    # the same stream twice on one bm
    assert all(m.state is DepthCacheState.LIVE for m in managers + [twin])
    assert twin._conn_key == 'ws/bnbbtc@depth' and managers[0]._conn_key == 'ws/bnbbtc@depth@100ms'
    third = DepthCacheManager(client, 'BNBBTC', bm=bm, init_timeout=5)
    assert third._conn_key.startswith('stream?streams=bnbbtc@depth')
    wait_for(lambda: third.get_depth_cache().update_id is not None, message='combined form live')
    for m in managers:
        cache = m.get_depth_cache()
        assert cache.symbol == m.get_symbol()
        assert cache.get_bids(1) and cache.get_asks(1)
    sim.faults.skip_depth_updates('ETHBTC', 1)
    wait_for(lambda: managers[1]._sync.gaps == 1 and managers[1].state is DepthCacheState.LIVE,
             message='ETHBTC rebuilt')
    assert all(m._sync.gaps == 0 for i, m in enumerate(managers) if i != 1), \
        'a gap rebuilds that symbol only'
    for m in managers + [twin, third]:
        m.close()
    assert bm._conns == {}, 'every depth socket stopped'
    assert not bm._closed.is_set(), 'a shared socket manager stays open'
    bm.start_trade_socket('BNBBTC', lambda msg: None)


def test_created_inside_a_socket_callback_returns_at_once(live_sim, sim_client, manager_for):
    sim = live_sim
    bm = manager_for(sim)
    client = sim_client(sim)
    made = []

    def on_trade(msg):
        if not made:
            started = time.monotonic()
            dcm = DepthCacheManager(client, 'NEOBTC', bm=bm, init_timeout=60)
            made.extend([dcm, dcm.state, time.monotonic() - started])

    bm.start_trade_socket('NEOBTC', on_trade)
    wait_for(lambda: len(made) == 3, timeout=30, message='a manager made in the callback')
    dcm, state, took = made
    # Waiting on the reactor thread could never see a book (the reactor builds it):
    # it would have returned after init_timeout with DepthCacheTimeout.
    assert state is DepthCacheState.SYNCING, 'it returned before the book was built'
    assert took < 10, 'the reactor thread was blocked for {:.2f} s'.format(took)
    wait_for(lambda: dcm.state is DepthCacheState.LIVE, message='the book built later')
    dcm.close()


def test_a_raising_callback_is_logged_and_the_cache_goes_on(live_sim, sim_client, manager_for, caplog):
    calls = []

    def broken(cache):
        calls.append(cache)
        raise RuntimeError('user bug')

    with caplog.at_level(logging.ERROR, logger='binance.depthcache'):
        dcm = DepthCacheManager(sim_client(live_sim), 'BNBBTC', callback=broken,
                                bm=manager_for(live_sim), ws_interval=100)
        wait_for(lambda: len(calls) >= 5, message='more updates after the exception')
    dcm.close()
    assert 'the depth cache callback raised' in caplog.text
    assert 'user bug' in caplog.text


def test_refresh_rebuilds_without_emptying_the_book(make_sim, sim_client, manager_for):
    sim = make_sim(seed=41, trade_rate=200)
    empty = []

    def watch(cache):
        if not cache.get_bids(1):
            empty.append(cache.update_id)

    dcm = DepthCacheManager(sim_client(sim), 'LTCBTC', callback=watch, bm=manager_for(sim),
                            ws_interval=100, refresh_interval=0.3)
    snapshots = []
    original = dcm._source.fetch

    def counting(*args):
        snapshots.append(1)
        return original(*args)

    dcm._source.fetch = counting
    wait_for(lambda: len(snapshots) >= 3 and not dcm._sync.refreshing, timeout=20,
             message='three refreshes')
    assert dcm.state is DepthCacheState.LIVE and empty == []
    dcm.close()


class _WeightGoneAtNextRequest:
    """Stands in for the simulator's ``WeightLimiter.charge``: once armed, the IP's
    whole window is used up at the moment its next request is counted, so that
    request gets the 429 whatever the window's phase (the simulator's windows
    are aligned to the wall clock). Records every answer as ``(now, status,
    retry_after)`` in the simulator's clock, which is the client's reactor clock.
    """

    def __init__(self, limiter):
        self.limiter = limiter
        self.charge = limiter.charge
        self.armed = False
        self.answers = []

    def __call__(self, ip, weight, now):
        from binance.simulator.apierrors import ApiError
        if self.armed:
            self.armed = False
            left = self.limiter.limit - self.limiter.used(ip, now)
            if left > 0:
                self.charge(ip, left, now)
        try:
            used = self.charge(ip, weight, now)
        except ApiError as exc:
            self.answers.append((now, exc.status, exc.retry_after))
            raise
        self.answers.append((now, 200, None))
        return used


def test_snapshots_honour_retry_after(make_sim, sim_client, manager_for, quick_pacing, monkeypatch):
    from twisted.internet import reactor
    sim = make_sim(seed=51, trade_rate=100, intervals={'request_weight_window': 2.0})
    quick_pacing['spot'] = WeightBudget(6000)
    dcm = DepthCacheManager(sim_client(sim), 'BNBBTC', bm=manager_for(sim), ws_interval=100)
    limiter = limiter_for(sim)
    weight = _WeightGoneAtNextRequest(limiter)
    monkeypatch.setattr(limiter, 'charge', weight)
    attempts = []     # the manager's own snapshot attempts, sent or refused by the Client
    fetch = dcm._source.fetch

    def recording_fetch(*args):
        attempts.append(reactor.seconds())     # the clock of the manager's timers
        return fetch(*args)

    monkeypatch.setattr(dcm._source, 'fetch', recording_fetch)
    weight.armed = True
    sim.faults.skip_depth_updates('BNBBTC', 1)
    wait_for(lambda: dcm._sync.gaps == 1, message='the gap')
    wait_for(lambda: dcm.state is DepthCacheState.LIVE, timeout=30, message='rebuilt after the 429')
    dcm.close()
    answers = list(weight.answers)
    assert [status for _, status, _ in answers] == [429, 200], 'one 429, then the snapshot'
    (refused_at, _, retry_after), (sent_at, _, _) = answers
    assert 1 <= retry_after <= 2
    assert sent_at - refused_at >= retry_after, 'the next request waited for Retry-After'
    assert len(attempts) == 2 and attempts[1] - refused_at >= retry_after, \
        'the manager itself waited (its budget is shared by every Client of the process)'
    assert limiter.banned_until('127.0.0.1') is None, 'never banned'


def test_close_stops_the_socket_and_a_manager_it_created(live_sim, sim_client, monkeypatch):
    import binance.websockets as websockets

    class SimManager(websockets.BinanceSocketManager):
        STREAM_URL = live_sim.stream_url

    monkeypatch.setattr(websockets, 'BinanceSocketManager', SimManager)
    dcm = DepthCacheManager(sim_client(live_sim), 'BNBBTC')     # no bm: it makes its own
    own = dcm._bm
    assert isinstance(own, SimManager) and own.is_alive()
    assert dcm.get_depth_cache().get_bids(1)
    dcm.close()
    own.join(5)
    assert not own.is_alive(), 'the program can exit'
    assert dcm.get_depth_cache() is None
    wait_for(lambda: dcm.state is DepthCacheState.STOPPED, message='stopped')


# -- arguments ------------------------------------------------------------------------------

@pytest.mark.parametrize('kwargs, error, text', [
    ({'symbol': 5}, TypeError, 'symbol'),
    ({'symbol': ''}, ValueError, 'symbol'),
    ({'callback': 'x'}, TypeError, 'callback'),
    ({'limit': '500'}, TypeError, 'limit'),
    ({'limit': 0}, ValueError, 'limit'),
    ({'limit': 5001}, ValueError, 'limit'),
    ({'ws_interval': 250}, ValueError, 'ws_interval'),
    ({'refresh_interval': -1}, ValueError, 'refresh_interval'),
    ({'refresh_interval': '60'}, TypeError, 'refresh_interval'),
    ({'init_timeout': -1}, ValueError, 'init_timeout'),
    ({'client': object()}, TypeError, 'get_order_book'),
])
def test_bad_arguments_fail_at_the_call(reactor_thread, kwargs, error, text):
    from binance.client import Client
    args = dict(client=Client(), symbol='BNBBTC')
    args.update(kwargs)
    with pytest.raises(error, match=text):
        DepthCacheManager(args.pop('client'), args.pop('symbol'), bm=object(), **args)


def test_depth_cache_alone_behaves_like_python_binances():
    cache = DepthCache('BNBBTC')
    assert cache.symbol == 'BNBBTC' and cache.update_time is None and cache.update_id is None
    cache.add_bid(['0.0001946', '45.0'])
    cache.add_bid(['0.00019459', '2384.0'])
    cache.add_bid(['0.00019158', '0.00000000'])
    cache.add_ask(['0.0001955', '57.0'])
    cache.add_ask(['0.000197', '64.0'])
    assert cache.get_bids() == [[0.0001946, 45.0], [0.00019459, 2384.0]]
    assert cache.get_asks() == [[0.0001955, 57.0], [0.000197, 64.0]]
    cache.add_ask(['0.000197', '0.000'])      # zero as a number, whatever its spelling
    assert cache.get_asks() == [[0.0001955, 57.0]]
    cache.update_time = 1234
    assert cache.get_book(1) == ([[0.0001946, 45.0]], [[0.0001955, 57.0]], None, 1234)
    assert DepthCache.sort_depth({'2': 1.0, '1': 2.0}) == [[1.0, 2.0], [2.0, 1.0]]
    assert DepthCache.sort_depth({'2': 1.0, '1': 2.0}, reverse=True) == [[2.0, 1.0], [1.0, 2.0]]
    for bad, error in (('x', ValueError), (['1'], ValueError), (['1', '-2'], ValueError)):
        with pytest.raises(error):
            cache.add_bid(bad)
    for bad, error in (('3', TypeError), (-1, ValueError), (2.0, TypeError)):
        with pytest.raises(error, match='limit'):
            cache.get_bids(bad)
    assert 'BNBBTC' in repr(cache)
