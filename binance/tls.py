"""TLS policy for ``wss://`` connections: always verify, optionally a custom CA.

The server's certificate chain is checked against certifi's root
certificates, and its host name (or IP address) against the certificate with
service_identity, through :func:`twisted.internet.ssl.optionsForClientTLS`.
Pass ``ca_file`` to trust the certificates of one PEM file instead, for
example the simulator's certificate (``Simulator(tls=True).ca_cert``).
There is deliberately no switch to turn verification off.
"""
import functools
import re
from typing import Optional, Tuple

import certifi
from twisted.internet import ssl

__all__ = ['client_tls_options', 'load_trust_root']

_PEM_CERT = re.compile(rb'-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----', re.S)


@functools.lru_cache(maxsize=8)
def _certificates(path: str) -> Tuple[ssl.Certificate, ...]:
    with open(path, 'rb') as pem:
        blocks = _PEM_CERT.findall(pem.read())
    if not blocks:
        raise ValueError('no PEM certificate found in {}'.format(path))
    return tuple(ssl.Certificate.loadPEM(block) for block in blocks)


def load_trust_root(ca_file: Optional[str] = None):
    """The trust root for ``ca_file``'s certificates, or certifi's when ``None``.

    Cached per path: certifi's bundle holds well over a hundred certificates
    and takes milliseconds to parse, so the socket manager calls this when it
    is created and started (off the reactor thread) and connects, on the
    reactor thread, find it ready.

    Raises:
        OSError: ``ca_file`` cannot be read.
        ValueError: ``ca_file`` holds no PEM certificate.
    """
    return _trust_root(ca_file or certifi.where())


@functools.lru_cache(maxsize=8)
def _trust_root(path: str):
    return ssl.trustRootFromCertificates(list(_certificates(path)))


def client_tls_options(hostname: str, ca_file: Optional[str] = None):
    """Client TLS options that verify the chain and ``hostname``.

    Args:
        hostname: the host the URL names (a DNS name or an IP address).
        ca_file: PEM file of the CA certificates to trust; certifi's roots when ``None``.

    Returns:
        An ``IOpenSSLClientConnectionCreator`` for ``reactor.connectSSL``;
        the same one for the same arguments (it holds the OpenSSL context
        with the trusted certificates loaded, which reconnects reuse).

    Raises:
        OSError, ValueError: see :func:`load_trust_root`.
    """
    return _client_tls_options(hostname, ca_file or certifi.where())


@functools.lru_cache(maxsize=32)
def _client_tls_options(hostname: str, path: str):
    return ssl.optionsForClientTLS(hostname, trustRoot=_trust_root(path))
