"""TLS: wss:// and https:// on one port with a CA generated at start-up."""
import os
import ssl

import pytest
import requests
import websocket

from sim_server_helpers import connections_of, publish
from tests.conftest import wait_for


@pytest.fixture
def tls_sim(scripted_sim):
    return scripted_sim(tls=True)


def test_urls_are_secure_and_the_ca_file_exists(tls_sim):
    assert tls_sim.stream_url.startswith('wss://127.0.0.1:')
    assert tls_sim.ws_api_url.startswith('wss://') and tls_sim.api_url.startswith('https://')
    with open(tls_sim.ca_cert) as f:
        assert f.read().startswith('-----BEGIN CERTIFICATE-----')


def test_untrusted_websocket_is_refused(tls_sim):
    with pytest.raises(ssl.SSLCertVerificationError):
        websocket.create_connection(tls_sim.stream_url + 'ws/bnbbtc@trade', timeout=5,
                                    sslopt={'cert_reqs': ssl.CERT_REQUIRED})


def test_trusted_websocket_streams(tls_sim):
    ws = websocket.create_connection(tls_sim.stream_url + 'ws/bnbbtc@trade', timeout=5,
                                     sslopt={'ca_certs': tls_sim.ca_cert, 'cert_reqs': ssl.CERT_REQUIRED})
    try:
        wait_for(lambda: len(connections_of(tls_sim)) == 1, 5, message='registration')
        publish(tls_sim, 'bnbbtc@trade', b'{"e":"trade"}')
        assert ws.recv() == '{"e":"trade"}'
    finally:
        ws.close()


def test_host_name_localhost_verifies_too(tls_sim):
    url = tls_sim.stream_url.replace('127.0.0.1', 'localhost') + 'ws/bnbbtc@trade'
    ws = websocket.create_connection(url, timeout=5, sslopt={'ca_certs': tls_sim.ca_cert})
    ws.close()


def test_https_on_the_same_port(tls_sim):
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(tls_sim.control_url, timeout=5)
    answer = requests.get(tls_sim.control_url, timeout=5, verify=tls_sim.ca_cert)
    assert answer.status_code == 200 and 'faults' in answer.json()


def test_freeze_works_over_tls(tls_sim):
    ws = websocket.create_connection(tls_sim.stream_url + 'ws/bnbbtc@trade', timeout=5,
                                     sslopt={'ca_certs': tls_sim.ca_cert})
    try:
        wait_for(lambda: len(connections_of(tls_sim)) == 1, 5, message='registration')
        assert tls_sim.faults.freeze() == 1
        publish(tls_sim, 'bnbbtc@trade', b'{"e":"trade","t":1}')
        ws.settimeout(0.3)
        with pytest.raises(websocket.WebSocketTimeoutException):
            ws.recv()
        tls_sim.faults.thaw()
        publish(tls_sim, 'bnbbtc@trade', b'{"e":"trade","t":2}')
        ws.settimeout(5)
        assert ws.recv() == '{"e":"trade","t":2}'
    finally:
        ws.close()


def test_stop_removes_the_ca_file(make_sim):
    from binance import _reactor
    sim = make_sim(tls=True)
    path = sim.ca_cert
    _reactor.blocking_call(sim.stop)
    assert not os.path.exists(path)
