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

    Parsed certificates are cached per path: certifi's bundle holds well over a
    hundred and reconnects should not parse them again.

    Raises:
        OSError: ``ca_file`` cannot be read.
        ValueError: ``ca_file`` holds no PEM certificate.
    """
    return ssl.trustRootFromCertificates(list(_certificates(ca_file or certifi.where())))


def client_tls_options(hostname: str, ca_file: Optional[str] = None):
    """Client TLS options that verify the chain and ``hostname``.

    Args:
        hostname: the host the URL names (a DNS name or an IP address).
        ca_file: PEM file of the CA certificates to trust; certifi's roots when ``None``.

    Returns:
        An ``IOpenSSLClientConnectionCreator`` for ``reactor.connectSSL``.

    Raises:
        OSError, ValueError: see :func:`load_trust_root`.
    """
    return ssl.optionsForClientTLS(hostname, trustRoot=load_trust_root(ca_file))
