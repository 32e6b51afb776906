"""``python -m binance.simulator`` in a child process: prints its URLs, serves, exits on SIGTERM."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import websocket

ROOT = Path(__file__).resolve().parents[2]


def _start(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get('PYTHONPATH', ''))
    return subprocess.Popen([sys.executable, '-m', 'binance.simulator', '--port', '0'] + list(args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))


def _urls(proc, count):
    urls = {}
    for _ in range(count):
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        name, url = line.split()
        urls[name] = url
    return urls


@pytest.fixture
def child():
    procs = []

    def start(*args):
        proc = _start(*args)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()


def test_prints_urls_serves_a_live_stream_and_exits_on_sigterm(child):
    proc = child('--seed', '3', '--trade-rate', '50')
    urls = _urls(proc, 12)
    assert urls['stream_url'].startswith('ws://127.0.0.1:') and urls['stream_url'].endswith('/')
    port = urls['stream_url'].rsplit(':', 1)[1].rstrip('/')
    assert urls['api_url'] == 'http://127.0.0.1:{}/api'.format(port)
    assert urls['ws_api_url'] == 'ws://127.0.0.1:{}/ws-api/v3'.format(port)
    assert urls['control_url'] == 'http://127.0.0.1:{}/control'.format(port)
    base, ws_base = 'http://127.0.0.1:{}'.format(port), 'ws://127.0.0.1:{}'.format(port)
    assert urls['fstream_url'] == urls['options_stream_url'] == ws_base + '/fstream/'
    assert urls['dstream_url'] == ws_base + '/dstream/'
    assert (urls['futures_api_url'], urls['futures_data_url'], urls['futures_coin_api_url'],
            urls['options_api_url']) == (base + '/fapi', base + '/futures/data', base + '/dapi', base + '/eapi')
    ws = websocket.create_connection(urls['stream_url'] + 'ws/bnbbtc@trade', timeout=10)
    try:
        event = json.loads(ws.recv())
        assert event['e'] == 'trade' and event['s'] == 'BNBBTC'
    finally:
        ws.close()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0


def test_tls_prints_the_ca_file(child):
    proc = child('--tls', '--us')
    urls = _urls(proc, 13)
    assert urls['stream_url'].startswith('wss://') and urls['api_url'].startswith('https://')
    assert Path(urls['ca_cert']).read_text().startswith('-----BEGIN CERTIFICATE-----')
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0
    assert not Path(urls['ca_cert']).exists()


def test_main_parses_its_options():
    from binance.simulator.__main__ import build_parser
    args = build_parser().parse_args(['--port', '9', '--seed', '4', '--tls', '--time-scale', '0.5',
                                      '--trade-rate', '7', '--us'])
    assert (args.port, args.seed, args.tls, args.time_scale, args.trade_rate, args.us) == (9, 4, True, 0.5, 7.0, True)
