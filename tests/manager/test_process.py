"""Process-level behaviour of the manager, each case in a real child process.

Whether a program exits, or whether the reactor can run again, depends on the
whole process; so each case is a small script run with ``sys.executable``
against an in-process simulator, checked by its exit code and output.
"""
import os
import subprocess
import sys
import textwrap
import threading
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


def left_running_simulator(**options):
    """A started simulator that is never stopped (the process ends with it).

    Not ``running(...).__enter__()``: that generator would be finalised at
    interpreter exit, when the reactor thread can no longer answer.
    """
    from binance import _reactor
    from binance.simulator import Simulator
    _reactor.ensure_running()
    sim = Simulator(**options)
    _reactor.blocking_call(sim.start)
    return sim
'''


#: Seconds a program may take to end after it closed its manager or stopped the reactor.
PROMPT_EXIT = 3.0


def run_script(body, timeout=30, marker=None):
    """Run PRELUDE + body in a child process.

    Returns (returncode, stdout, stderr, seconds after ``marker``): the time
    from the moment the child printed the line ``marker`` (flushed right
    before it closes or stops) until the process ended; ``None`` without a
    marker or when the line never came.
    """
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    script = PRELUDE + textwrap.dedent(body)
    proc = subprocess.Popen([sys.executable, '-c', script], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    killed = threading.Event()

    def kill():
        killed.set()
        proc.kill()

    watchdog = threading.Timer(timeout, kill)
    watchdog.start()
    errors = []
    reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()))
    reader.start()
    lines, marked = [], None
    try:
        for line in proc.stdout:
            lines.append(line)
            if marked is None and marker is not None and line.strip() == marker:
                marked = time.monotonic()
        proc.wait()
        ended = time.monotonic()
        reader.join()
    finally:
        watchdog.cancel()
    out, err = ''.join(lines), ''.join(errors)
    if killed.is_set():
        pytest.fail('the program did not end within {} s; output: {!r}, stderr: {!r}'
                    .format(timeout, out, err))
    return proc.returncode, out, err, None if marked is None else ended - marked


def assert_clean_exit(result, expected_lines):
    code, out, err, since_marker = result
    assert code == 0, 'exit code {}; stderr:\n{}'.format(code, err)
    assert out.split() == ' '.join(expected_lines).split(), out
    assert 'Traceback' not in err, err
    if since_marker is not None:
        assert since_marker < PROMPT_EXIT, 'the program took {:.2f} s to end'.format(since_marker)


def test_seed_pattern_close_then_reactor_stop_ends_the_program():
    result = run_script('''
        with running(seed=1, trade_rate=50) as sim:
            bm = started_manager(sim)
            print('received', flush=True)
            bm.close()
        reactor.stop()
        print('stopped')
    ''', marker='received')
    assert_clean_exit(result, ['received', 'stopped'])
    assert result[3] is not None


def test_reactor_stop_alone_ends_every_manager_quietly_and_promptly():
    # No close(): the shutdown hook stops the sockets on the reactor thread, so
    # none of them reports a lost connection or a reconnect.
    result = run_script('''
        import logging
        logging.basicConfig(level=logging.INFO, format='LOG %(name)s %(message)s')
        sim = left_running_simulator(seed=1, trade_rate=50)  # its stop would need the reactor
        bm = started_manager(sim)
        depth = threading.Event()
        bm.start_depth_socket('ETHBTC', lambda msg: depth.set(), depth=5, interval=100)
        assert depth.wait(10)
        print('stopping', flush=True)
        reactor.stop()
        bm.join(5)
        print('manager ended', not bm.is_alive())
    ''', marker='stopping')
    assert_clean_exit(result, ['stopping', 'manager ended True'])
    assert result[3] is not None
    err = result[2]
    assert 'reconnect' not in err and 'connection lost' not in err and 'failed' not in err, err
    assert 'WARNING' not in err and 'ERROR' not in err, err


def test_close_alone_lets_the_program_end():
    result = run_script('''
        with running(seed=1, trade_rate=50) as sim:
            bm = started_manager(sim)
            print('closing', flush=True)
            bm.close()
            bm.join(5)
            print('closed', bm.is_alive())
    ''', marker='closing')
    assert_clean_exit(result, ['closing', 'closed', 'False'])
    assert result[3] is not None


def test_a_started_manager_keeps_the_program_alive_until_close():
    # The main thread ends at once; only the manager's thread keeps the process
    # running, until a callback closes the manager.
    result = run_script('''
        sim = left_running_simulator(seed=1, trade_rate=50)  # the process ends anyway
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
    ''', marker='closing after 20')
    assert_clean_exit(result, ['main thread done', 'closing after 20'])
    assert result[3] is not None


def test_ctrl_c_in_the_main_thread_ends_the_program():
    result = run_script('''
        with running(seed=1, trade_rate=50) as sim:
            bm = started_manager(sim)
            print('interrupting', flush=True)
            raise KeyboardInterrupt
    ''', marker='interrupting')
    code, out, err, since_marker = result
    assert out.split() == ['interrupting']
    assert code != 0 and 'KeyboardInterrupt' in err
    assert since_marker is not None and since_marker < PROMPT_EXIT


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


def test_a_twisted_program_may_start_sockets_before_its_own_reactor_run():
    # Without use_application_reactor() the library would run the reactor in
    # its thread at bm.start(), and reactor.run() would raise ReactorAlreadyRunning.
    result = run_script('''
        from binance import _reactor
        from binance.simulator import Simulator
        from binance.websockets import use_application_reactor

        use_application_reactor()
        sim = Simulator(seed=1, trade_rate=50).start()  # listens before the reactor runs
        BinanceSocketManager.STREAM_URL = sim.stream_url
        bm = BinanceSocketManager(None)
        got = []

        def on_message(msg):
            got.append(msg)
            if len(got) == 3:
                print('callback on main thread',
                      threading.current_thread() is threading.main_thread(), flush=True)
                bm.close()
                sim.stop().addBoth(lambda _: reactor.stop())

        bm.start_trade_socket('BNBBTC', on_message)
        bm.start()
        print('before run', reactor.running, _reactor.owns_reactor_thread(), flush=True)
        reactor.run()
        names = [t.name for t in threading.enumerate()]
        bm.join(5)  # close() released the manager's thread; it ends right after
        print('after run', 'binance-reactor' in names, bm.is_alive())
    ''')
    assert_clean_exit(result, ['before run False False', 'callback on main thread True',
                               'after run False False'])


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
