"""Self-signed test certificates made on the fly (nothing secret is shipped with the suite)."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class GeneratedCertificate:
    cert_pem: str
    key_pem: str
    hosts: tuple[str, ...]


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def make_certificate(*hosts: str, days: int = 30) -> GeneratedCertificate:
    """A self-signed EC P-256 certificate for `hosts` (SANs: IP addresses as such), with its
    PKCS#8 private key."""
    if not hosts:
        raise ValueError("a certificate needs at least one host name")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([_san(h) for h in hosts]), False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return GeneratedCertificate(cert_pem=cert_pem, key_pem=key_pem, hosts=tuple(hosts))


def server_context(cert: GeneratedCertificate, client_ca: str | None = None) -> ssl.SSLContext:
    """A TLS server context presenting `cert`; with `client_ca` (PEM) it demands a client
    certificate issued by (or being) that certificate and refuses a client without one."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory(prefix="gwconform-certs-") as workdir:
        path = Path(workdir) / "server.pem"
        path.write_text(cert.cert_pem + cert.key_pem, encoding="ascii")
        ctx.load_cert_chain(str(path))
    if client_ca is not None:
        ctx.load_verify_locations(cadata=client_ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx
