"""Process-level behaviour of the manager, each case in a real child process.

Whether a program exits, or whether the reactor can run again, depends on the
whole process; so each case is a small script run with ``sys.executable``
against an in-process simulator, checked by its exit code and output.
"""
import os
import subprocess
import sys
import textwrap
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PRELUDE = '''
import threading
from binance.simulator import running
from binance.websockets import BinanceSocketManager
from binance.exceptions import ReactorStoppedError
from twisted.internet import reactor


def started_manager(sim):
    """The seed's steps: a manager, a trade socket, start(); returns after a message."""
    BinanceSocketManager.STREAM_URL = sim.stream_url
    bm = BinanceSocketManager(None)
    got = threading.Event()
    bm.start_trade_socket('BNBBTC', lambda msg: got.set())
    bm.start()
    assert got.wait(10), 'no message received'
    return bm
'''


def run_script(body, timeout=30):
    """Run PRELUDE + body in a child process; return (returncode, stdout, stderr, seconds)."""
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    script = PRELUDE + textwrap.dedent(body)
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, '-c', script], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        pytest.fail('the program did not end within {} s; output: {!r}'.format(timeout, exc.stdout))
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


def assert_clean_exit(result, expected_lines):
    code, out, err, seconds = result
    assert code == 0, 'exit code {}; stderr:\n{}'.format(code, err)
    assert out.split() == ' '.join(expected_lines).split(), out
    assert 'Traceback' not in err, err
    assert seconds < 20


def test_seed_pattern_close_then_reactor_stop_ends_the_program():
    result = run_script('''
        with running(seed=1, trade_rate=50) as sim:
            bm = started_manager(sim)
            print('received')
            bm.close()
        reactor.stop()
        print('stopped')
    ''')
    assert_clean_exit(result, ['received', 'stopped'])


def test_close_alone_lets_the_program_end():
    result = run_script('''
        with running(seed=1, trade_rate=50) as sim:
            bm = started_manager(sim)
            bm.close()
            bm.join(5)
            print('closed', bm.is_alive())
    ''')
    assert_clean_exit(result, ['closed', 'False'])


def test_a_started_manager_keeps_the_program_alive_until_close():
    # The main thread ends at once; only the manager's thread keeps the process
    # running, until a callback closes the manager.
    result = run_script('''
        simulator = running(seed=1, trade_rate=50)  # left running: the process ends anyway
        sim = simulator.__enter__()
        BinanceSocketManager.STREAM_URL = sim.stream_url
        bm = BinanceSocketManager(None)
        count = []

        def on_message(msg):
            count.append(msg)
            if len(count) == 20:
                print('closing after', len(count), flush=True)
                bm.close()

        bm.start_trade_socket('BNBBTC', on_message)
        bm.start()
        print('main thread done', flush=True)
    ''')
    assert_clean_exit(result, ['main thread done', 'closing after 20'])


def test_ctrl_c_in_the_main_thread_ends_the_program():
    result = run_script('''
        with running(seed=1, trade_rate=50) as sim:
            bm = started_manager(sim)
            print('interrupting', flush=True)
            raise KeyboardInterrupt
    ''')
    code, out, err, seconds = result
    assert out.split() == ['interrupting']
    assert code != 0 and 'KeyboardInterrupt' in err
    assert seconds < 20


def test_close_and_start_a_new_manager_repeatedly_like_a_notebook():
    result = run_script('''
        with running(seed=1, trade_rate=50) as sim:
            for run in range(4):
                bm = started_manager(sim)
                bm.close()
                print('run', run, 'ok')
    ''')
    assert_clean_exit(result, ['run 0 ok', 'run 1 ok', 'run 2 ok', 'run 3 ok'])


def test_after_reactor_stop_managers_fail_clearly():
    result = run_script('''
        with running(seed=1, trade_rate=50) as sim:
            bm = started_manager(sim)
            never_started = BinanceSocketManager(None)
        reactor.stop()
        bm.join(5)
        print('running manager ended', not bm.is_alive())
        for name, attempt in [
            ('create', lambda: BinanceSocketManager(None)),
            ('start', never_started.start),
            ('socket', lambda: never_started.start_trade_socket('BNBBTC', print)),
        ]:
            try:
                attempt()
            except ReactorStoppedError as exc:
                assert 'reactor.stop()' in str(exc) and 'Restart' in str(exc), exc
                print(name, 'refused')
            else:
                print(name, 'ACCEPTED')
    ''')
    assert_clean_exit(result, ['running manager ended True', 'create refused', 'start refused',
                               'socket refused'])


def test_inside_a_twisted_program_no_reactor_thread_is_started():
    result = run_script('''
        from twisted.python import threadable
        from binance import _reactor
        from binance.simulator import Simulator

        def main():
            sim = Simulator(seed=1, trade_rate=50).start()
            BinanceSocketManager.STREAM_URL = sim.stream_url
            bm = BinanceSocketManager(None)
            got = []

            def on_message(msg):
                got.append(msg)
                if len(got) == 3:
                    print('callback on main thread',
                          threading.current_thread() is threading.main_thread())
                    bm.close()
                    sim.stop().addBoth(lambda _: reactor.stop())

            bm.start_trade_socket('BNBBTC', on_message)
            bm.start()

        reactor.callWhenRunning(main)
        reactor.run()
        names = [t.name for t in threading.enumerate()]
        print('library reactor thread', _reactor.owns_reactor_thread(), 'binance-reactor' in names)
    ''')
    assert_clean_exit(result, ['callback on main thread True', 'library reactor thread False False'])


def test_retired_streams_warn_once_against_binance_com():
    # No reactor is started, so nothing is dialled: only the warning is checked.
    result = run_script('''
        import logging, warnings
        logging.basicConfig(level=logging.WARNING, format='LOG %(message)s')
        warnings.simplefilter('always')
        from binance.websockets import RetiredStreamWarning
        bm = BinanceSocketManager(None)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            keys = [bm.start_ticker_socket(print), bm.start_book_ticker_socket(print)]
            bm.stop_socket(keys[0])
            bm.stop_socket(keys[1])
            keys += [bm.start_ticker_socket(print), bm.start_book_ticker_socket(print)]
        print('KEYS', keys)
        retired = [str(w.message) for w in caught if w.category is RetiredStreamWarning]
        print('WARNINGS', len(retired))
        print('TICKER', '<symbol>@ticker' in retired[0] and '!miniTicker@arr' in retired[0])
        print('BOOK', '<symbol>@bookTicker' in retired[1])
        print('FILE', all(w.filename == '<string>' for w in caught))
    ''')
    code, out, err, _ = result
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == ("KEYS ['ws/!ticker@arr', 'ws/!bookTicker', 'ws/!ticker@arr', "
                        "'ws/!bookTicker']")
    assert lines[1:] == ['WARNINGS 2', 'TICKER True', 'BOOK True', 'FILE True']
    assert err.count('LOG binance.com retired') == 1 and err.count('LOG binance.com removed') == 1
