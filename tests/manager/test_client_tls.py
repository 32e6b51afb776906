"""TLS policy: chain and host name verified, certifi by default, a custom CA on request."""
import queue
from urllib.parse import urlsplit

import certifi
import pytest
from OpenSSL import SSL
from service_identity import VerificationError
from twisted.internet import protocol

from binance import _reactor, tls


def handshake(sim, hostname, ca_file):
    """Open a TLS connection to the simulator verifying ``hostname``; 'ok' or the failure."""
    from twisted.internet import reactor
    results = queue.Queue()

    class Probe(protocol.Protocol):
        def connectionMade(self):
            self.transport.write(b'GET /api/v3/ping HTTP/1.0\r\nHost: x\r\n\r\n')

        def dataReceived(self, data):
            results.put('ok')
            self.transport.loseConnection()

        def connectionLost(self, reason=None):
            results.put(reason)

    port = urlsplit(sim.stream_url).port

    def connect():
        reactor.connectSSL('127.0.0.1', port, protocol.ClientFactory.forProtocol(Probe),
                           tls.client_tls_options(hostname, ca_file))

    _reactor.blocking_call(connect)
    return results.get(timeout=10)


def test_trusted_ca_and_matching_address_succeed(make_sim):
    sim = make_sim(seed=1, tls=True)
    assert handshake(sim, '127.0.0.1', sim.ca_cert) == 'ok'


def test_the_host_name_is_verified_even_with_a_trusted_ca(make_sim):
    sim = make_sim(seed=1, tls=True)
    outcome = handshake(sim, 'stream.binance.com', sim.ca_cert)
    assert outcome != 'ok'
    assert outcome.check(VerificationError)
    assert 'stream.binance.com' in str(outcome.value)


def test_certifi_roots_do_not_trust_the_simulator(make_sim):
    sim = make_sim(seed=1, tls=True)
    outcome = handshake(sim, '127.0.0.1', None)
    assert outcome != 'ok'
    assert outcome.check(SSL.Error) and 'certificate verify failed' in str(outcome.value)


def clear_tls_caches():
    for cache in (tls._certificates, tls._trust_root, tls._client_tls_options):
        cache.cache_clear()


def test_trust_roots_come_from_certifi_by_default_and_are_cached():
    clear_tls_caches()
    root = tls.load_trust_root()
    assert tls.load_trust_root() is root
    assert tls._certificates.cache_info().misses == 1
    assert len(tls._certificates(certifi.where())) > 50
    options = tls.client_tls_options('stream.binance.com')
    assert tls.client_tls_options('stream.binance.com') is options
    assert tls.client_tls_options('ws-api.binance.com') is not options
    assert tls._certificates.cache_info().misses == 1


def test_a_wss_manager_parses_the_trust_root_before_any_connect(reactor_thread):
    # The first wss:// connect runs on the reactor thread; certifi's bundle must
    # already be parsed then, by the thread that created the manager.
    from binance.websockets import BinanceSocketManager
    parsed_on = []
    original = tls._certificates.__wrapped__

    def recording(path):
        parsed_on.append(_reactor.in_reactor_thread())
        return original(path)

    clear_tls_caches()
    tls._certificates = tls.functools.lru_cache(maxsize=8)(recording)
    try:
        BinanceSocketManager(None)  # STREAM_URL is wss://stream.binance.com
        assert parsed_on == [False]
        _reactor.blocking_call(tls.client_tls_options, 'stream.binance.com')
        assert parsed_on == [False], 'parsed again on the reactor thread'
    finally:
        tls._certificates = tls.functools.lru_cache(maxsize=8)(original)
        clear_tls_caches()


def test_custom_ca_file_errors(tmp_path):
    empty = tmp_path / 'empty.pem'
    empty.write_text('not a certificate')
    with pytest.raises(ValueError, match='no PEM certificate'):
        tls.load_trust_root(str(empty))
    with pytest.raises(OSError):
        tls.load_trust_root(str(tmp_path / 'missing.pem'))
