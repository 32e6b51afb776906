"""The fault soak's scaffolding: its plan, its verdicts, and one short run without faults."""
import json
import os
import subprocess
import sys

import pytest

from benchmarks import soak

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_the_default_plan_has_50_unique_sockets_of_mixed_kinds_with_2_user_sockets():
    plan = soak.socket_plan(50)
    assert len(plan) == 50
    labels = [label for label, _kind, _start in plan]
    assert len(set(labels)) == 50
    kinds = [kind for _label, kind, _start in plan]
    assert kinds.count('user') == 2
    assert {'trade', 'aggTrade', 'kline', 'depth', 'depth5', 'bookTicker', 'ticker',
            'miniTicker', 'multiplex'} <= set(kinds)
    small = [kind for _label, kind, _start in soak.socket_plan(12)]
    assert 'multiplex' in small and 'miniTicker' in small
    with pytest.raises(ValueError, match='--sockets'):
        soak.socket_plan(2)


def report(label='user', **kwargs):
    return {c.name: c for c in soak.user_data_checks(label, **kwargs)}


def execution(i, x, t=-1, **extra):
    event = {'e': 'executionReport', 'i': i, 'x': x, 't': t, 'E': i}
    event.update(extra)
    return event


def position(u, **balances):
    return {'e': 'outboundAccountPosition', 'E': u, 'u': u,
            'B': [{'a': a, 'f': f, 'l': '0'} for a, f in balances.items()]}


PUBLISHED = [execution(1, 'NEW'), execution(1, 'TRADE', 7), position(10, BTC='1.5'),
             execution(2, 'NEW'), execution(2, 'CANCELED'), position(11, BTC='1.4')]


def test_complete_and_unique_user_data_passes():
    checks = report(published=PUBLISHED, delivered=list(PUBLISHED),
                    final_balances={'BTC': ['1.40000000', '0']})
    assert all(c.passed for c in checks.values()), [c.line() for c in checks.values()]


def test_missing_events_are_named():
    delivered = [e for e in PUBLISHED if not (e.get('i') == 1 and e.get('x') == 'TRADE')]
    checks = report(published=PUBLISHED, delivered=delivered,
                    final_balances={'BTC': ['1.4', '0']})
    check = checks['user: every order event delivered']
    assert not check.passed
    assert 'MISSING 1: i=1 x=TRADE t=7' in check.detail


def test_rebuilt_events_count_as_delivered_and_notices_are_listed():
    rebuilt = dict(execution(1, 'TRADE', 7), reconciled=True)
    delivered = [PUBLISHED[0], {'e': 'userDataGap', 'since': 1}, rebuilt,
                 {'e': 'userDataReconciled'}] + PUBLISHED[2:]
    checks = report(published=PUBLISHED, delivered=delivered,
                    final_balances={'BTC': ['1.4', '0']})
    check = checks['user: every order event delivered']
    assert check.passed
    assert '1 rebuilt over REST' in check.detail
    assert "'userDataGap': 1" in check.detail


def test_rebuilt_events_count_only_inside_a_gap_and_a_rebuilt_duplicate_fails():
    rebuilt = dict(execution(1, 'TRADE', 7), reconciled=True)
    stream = [e for e in PUBLISHED if e is not PUBLISHED[1]]
    # rebuilt with no gap notice, and after the gap was closed: neither counts
    for delivered in ([rebuilt] + stream,
                      [{'e': 'userDataGap'}, {'e': 'userDataReconciled'}, rebuilt] + stream):
        check = report(published=PUBLISHED, delivered=delivered,
                       final_balances={'BTC': ['1.4', '0']})['user: every order event delivered']
        assert not check.passed
        assert '1 rebuilt outside a gap (not counted): i=1 x=TRADE t=7' in check.detail
        assert 'MISSING 1: i=1 x=TRADE t=7' in check.detail
    # rebuilt inside the gap although the stream delivered it too: a duplicate
    delivered = list(PUBLISHED) + [{'e': 'userDataGap'}, rebuilt, {'e': 'userDataReconciled'}]
    checks = report(published=PUBLISHED, delivered=delivered,
                    final_balances={'BTC': ['1.4', '0']})
    assert checks['user: every order event delivered'].passed
    unique = checks['user: order events unique']
    assert not unique.passed and 'DUPLICATED 1: i=1 x=TRADE t=7 (2 times)' in unique.detail


def test_duplicates_and_events_never_published_fail():
    delivered = list(PUBLISHED) + [PUBLISHED[1], execution(9, 'NEW'), PUBLISHED[2]]
    checks = report(published=PUBLISHED, delivered=delivered,
                    final_balances={'BTC': ['1.4', '0']})
    unique = checks['user: order events unique']
    assert not unique.passed
    assert 'DUPLICATED 1: i=1 x=TRADE t=7 (2 times)' in unique.detail
    assert 'i=9 x=NEW t=-1' in unique.detail
    assert not checks['user: balance events unique'].passed


def test_last_balances_must_match_the_exchange():
    checks = report(published=PUBLISHED, delivered=list(PUBLISHED),
                    final_balances={'BTC': ['1.3', '0']})
    check = checks['user: last balances delivered match the exchange']
    assert not check.passed and 'BTC delivered' in check.detail


BASE = {'rss_mb': 60.0, 'threads': ['MainThread', 'reactor', 'PoolThread-twisted-0'],
        'delayed_calls': ['a.b'], 'tcp_to_exchange': 0}


def process(after, left=()):
    return {c.name: c for c in soak.process_checks(BASE, after, 5.0, list(left))}


def test_a_clean_close_passes_and_pool_threads_do_not_count():
    after = dict(BASE, rss_mb=62.0, threads=BASE['threads'] + ['PoolThread-twisted-1'])
    assert all(c.passed for c in process(after).values())


def test_what_close_left_behind_is_named():
    after = dict(BASE, rss_mb=70.0, threads=BASE['threads'] + ['binance-delivery:ws/x@trade'],
                 delayed_calls=['a.b', 'binance.protocol.Heartbeat._check'], tcp_to_exchange=3,
                 live_objects={'StreamConnection': [2, 'module m <- dict']})
    checks = process(after, left=[{'kind': 'stream', 'path': '/ws/x@trade'}])
    assert not checks['no TCP connection to the exchange after close()'].passed
    assert '/ws/x@trade' in checks['no WebSocket left on the exchange after close()'].detail
    assert 'binance.protocol.Heartbeat._check x1' in checks['delayed calls back to baseline'].detail
    assert 'binance-delivery:ws/x@trade' in checks['threads back to baseline'].detail
    alive = checks['no connection or protocol object alive after close()']
    assert not alive.passed and 'StreamConnection x2 (held by module m <- dict)' in alive.detail
    rss = checks['RSS within 5 % of baseline']
    assert not rss.passed and '+16.7 %' in rss.detail


def test_what_holds_an_object_is_found():
    import types
    module = types.ModuleType('holder_test')
    module.box = {'inner': [object()]}
    chain = soak._holder(module.box['inner'][0])
    assert chain is not None and chain.startswith('module ') and chain.endswith('dict <- list')


def test_identity():
    assert soak.identity(execution(3, 'TRADE', 9)) == ('executionReport', 3, 'TRADE', 9)
    assert soak.identity(position(5, BTC='1')) == ('outboundAccountPosition', 5,
                                                   (('BTC', '1', '0'),))


def run_soak(tmp_path, *args, timeout):
    """``python -m benchmarks.soak ARGS`` in a child process: (report, stdout, exit status)."""
    out = tmp_path / 'soak.json'
    proc = subprocess.run([sys.executable, '-m', 'benchmarks.soak', '--json', str(out),
                           '--log', str(tmp_path / 'soak.log')] + list(args),
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert out.exists(), proc.stdout + proc.stderr[-3000:]
    return json.loads(out.read_text()), proc.stdout, proc.returncode


def test_a_minute_of_every_fault_on_50_sockets_leaves_them_live_with_user_data_complete(
        tmp_path):
    """The short soak: every check of the verdict passes (about a minute)."""
    result, stdout, status = run_soak(tmp_path, '--seconds', '40', '--settle', '30',
                                      timeout=240)
    verdict = '\n'.join(line for line in stdout.splitlines() if line.startswith('['))
    assert result['passed'], verdict
    assert status == 0
    assert result['sockets'] == 50
    checks = {c['name'] for c in result['checks']}
    assert {'every market socket live', 'no socket gave up', 'user: every order event delivered',
            'isolated_margin: order events unique', 'RSS within 5 % of baseline'} <= checks
    # the run did meet faults and orders, on both accounts
    assert sum(result['faults'].values()) >= 5, result['faults']
    assert result['orders']['spot'] >= 20 and result['orders']['isolated'] >= 20
    # the printed verdict has one line per check
    assert stdout.count('[PASS]') + stdout.count('[FAIL]') == len(checks)
    from binance.simulator import DEFAULT_API_SECRET
    assert DEFAULT_API_SECRET not in (tmp_path / 'soak.log').read_text()

