"""Certificate authorities the control planes keep (one record each, the key encrypted with
the data encryption keyring) and the client certificates they issue to gateway instances."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .admin.ssl_crypto import Keyring
from .api.records import Records

Authority = tuple[x509.Certificate, ec.EllipticCurvePrivateKey]


def pem_key(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def pem_cert(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def name(organization: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _new_ca(subject: x509.Name, days: int) -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return cert, key


def authority(
    records: Records, keyring: Keyring, kind: str, id: str, subject: x509.Name, days: int
) -> Authority:
    """The CA stored as record `kind`/`id`, made (valid `days`) and stored on first use."""
    stored = records.get(kind, id)
    if stored is not None:
        key_pem = keyring.decrypt_pkey(stored["key"])
        if key_pem is not None:
            cert = x509.load_pem_x509_certificate(stored["certificate"].encode())
            key = serialization.load_pem_private_key(key_pem.encode(), password=None)
            if isinstance(key, ec.EllipticCurvePrivateKey):
                return cert, key
    cert, key = _new_ca(subject, days)
    record = {"id": id, "certificate": pem_cert(cert), "key": keyring.encrypt_pkey(pem_key(key))}
    records.put(kind, record)
    return cert, key


def client_certificate(
    ca: Authority, subject: x509.Name, days: int, dns_names: Sequence[str] = ()
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A new client certificate and its key, signed by `ca`, valid `days`."""
    ca_cert, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    )
    if dns_names:
        sans = x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names])
        builder = builder.add_extension(sans, critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key
