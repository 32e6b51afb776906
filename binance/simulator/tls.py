"""TLS for the simulator: a throw-away CA and a server certificate made at start-up.

Clients that trust the CA file (``sim.ca_cert``) connect with full
verification of the certificate and host name; clients that don't are refused,
as they would be by any server with an unknown certificate.
"""
import datetime
import ipaddress
import os
import tempfile
from typing import Any, List, Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_VALIDITY = datetime.timedelta(days=7)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'binance-sockets simulator'),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _alt_names(hosts: Sequence[str]) -> List[x509.GeneralName]:
    names: List[x509.GeneralName] = []
    for host in list(hosts) + ['127.0.0.1', 'localhost', '::1']:
        try:
            entry: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
        except ValueError:
            entry = x509.DNSName(host)
        if entry not in names:
            names.append(entry)
    return names


class ServerCertificates:
    """A CA and a server certificate signed by it; the CA PEM is written to ``ca_path``.

    Build with :meth:`generate`; call :meth:`cleanup` to delete the CA file.
    """

    def __init__(self, ca_cert: x509.Certificate, server_cert: x509.Certificate, server_key: Any,
                 ca_path: str) -> None:
        self.ca_certificate = ca_cert
        self.server_certificate = server_cert
        self._server_key = server_key
        self.ca_path = ca_path

    def __repr__(self) -> str:
        return '<ServerCertificates ca={}>'.format(self.ca_path)

    @classmethod
    def generate(cls, hosts: Sequence[str] = ('127.0.0.1',)) -> 'ServerCertificates':
        """Make a fresh CA and a server certificate valid for ``hosts``, localhost and loopback."""
        now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name('binance-sockets simulator CA')
        ca_cert = (x509.CertificateBuilder()
                   .subject_name(ca_name).issuer_name(ca_name)
                   .public_key(ca_key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + _VALIDITY)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                                content_commitment=False, key_encipherment=False,
                                                data_encipherment=False, key_agreement=False,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                                  critical=False)
                   .sign(ca_key, hashes.SHA256()))
        server_key = ec.generate_private_key(ec.SECP256R1())
        server_cert = (x509.CertificateBuilder()
                       .subject_name(_name(hosts[0] if hosts else '127.0.0.1')).issuer_name(ca_name)
                       .public_key(server_key.public_key())
                       .serial_number(x509.random_serial_number())
                       .not_valid_before(now).not_valid_after(now + _VALIDITY)
                       .add_extension(x509.SubjectAlternativeName(_alt_names(hosts)), critical=False)
                       .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                       .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                                      critical=False)
                       .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                                      critical=False)
                       .sign(ca_key, hashes.SHA256()))
        fd, path = tempfile.mkstemp(prefix='binance-simulator-ca-', suffix='.pem')
        with os.fdopen(fd, 'wb') as f:
            f.write(ca_cert.public_bytes(serialization.Encoding.PEM))
        return cls(ca_cert, server_cert, server_key, path)

    def context_factory(self) -> Any:
        """A Twisted server TLS context factory presenting the server certificate and the CA."""
        from twisted.internet import ssl
        # pyOpenSSL takes cryptography objects directly (its own wrappers are deprecated)
        return ssl.CertificateOptions(privateKey=self._server_key, certificate=self.server_certificate,
                                      extraCertChain=[self.ca_certificate])

    def cleanup(self) -> None:
        """Delete the CA file."""
        try:
            os.unlink(self.ca_path)
        except OSError:
            pass
