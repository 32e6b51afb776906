"""``bm.stats()`` on the simulator: what a running manager reports about its sockets."""
import orjson

from binance.options import ConnectionOptions
from manager_support import Inbox
from tests.conftest import wait_for


def test_stats_count_each_socket_and_stream_and_name_reconnect_reasons(make_sim, manager_for):
    sim = make_sim(seed=3, trade_rate=100)
    bm = manager_for(sim)
    trades, multiplex, queued = Inbox(), Inbox(), Inbox()
    trade_key = bm.start_trade_socket('BNBBTC', trades)
    multiplex_key = bm.start_multiplex_socket(['bnbbtc@trade', 'ethbtc@trade'], multiplex)
    queued_key = bm.start_aggtrade_socket('BNBBTC', queued, delivery='drop_oldest')
    for inbox in (trades, multiplex, queued):
        inbox.wait(lambda items: len(items) >= 20)
    assert sim.faults.drop_all() == 3
    wait_for(lambda: all(bm.connection(k).reconnect_count >= 1
                         for k in (trade_key, multiplex_key, queued_key)),
             message='every socket reconnected')
    for inbox in (trades, multiplex):
        count = len(inbox.snapshot())
        inbox.wait(lambda items: len(items) > count + 20)

    snapshot = bm.stats()
    assert orjson.loads(orjson.dumps(snapshot)) == snapshot, 'plain data'
    sockets = snapshot['sockets']
    assert set(sockets) == {trade_key, multiplex_key, queued_key}
    trade = sockets[trade_key]
    assert trade['state'] == 'open' and trade['connects'] == 2
    assert trade['messages'] >= len(trades.snapshot()) and trade['bytes'] > 100 * 20
    assert trade['reconnects'] == 1 and sum(trade['reconnect_reasons'].values()) == 1
    assert trade['last_reconnect']['reason'] in trade['reconnect_reasons']
    assert trade['latency_ms']['count'] >= 1 and trade['latency_ms']['p50'] >= 0
    assert trade['queue'] is None
    streams = sockets[multiplex_key]['streams']
    assert set(streams) == {'bnbbtc@trade', 'ethbtc@trade'}
    assert sum(s['messages'] for s in streams.values()) == sockets[multiplex_key]['messages']
    queue = sockets[queued_key]['queue']
    assert queue['queued'] >= 20 and queue['dropped'] == 0 and 'lag_ms' in queue
    totals = snapshot['totals']
    assert totals['sockets'] == 3 and totals['reconnects'] >= 3
    assert totals['messages'] == sum(s['messages'] for s in sockets.values())
    budget = snapshot['budgets']['127.0.0.1']
    assert budget['granted'] >= 6 and budget['queued'] == 0

    bm.stop_socket(trade_key)
    wait_for(lambda: trade_key not in bm.stats()['sockets'], message='a stopped socket leaves')


def test_stats_without_telemetry_still_give_states_and_budgets(make_sim, manager_for):
    sim = make_sim(seed=3)
    bm = manager_for(sim, options=ConnectionOptions(telemetry=False))
    inbox = Inbox()
    key = bm.start_trade_socket('BNBBTC', inbox)
    inbox.wait(lambda items: items)
    snapshot = bm.stats()
    assert snapshot['totals'] is None
    assert snapshot['sockets'] == {key: {'state': 'open'}}
    assert '127.0.0.1' in snapshot['budgets']
