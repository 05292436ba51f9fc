"""Per-cluster certificate authority and the client certificates gateway instances use to
talk to their cluster (`GET /clusters/{id}/gateway_certificate`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..admin.ssl_crypto import Keyring
from ..api.records import Records

CA_YEARS = 10
CLIENT_DAYS = 365


def _pem_key(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "gwconform API7 Cloud"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _new_ca(cluster_id: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    name = _name(f"cluster {cluster_id} CA")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
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


def cluster_ca(
    records: Records, keyring: Keyring, cluster_id: str
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """The cluster's CA, made and stored (key encrypted with the keyring) on first use."""
    stored = records.get("cluster_cas", cluster_id)
    if stored is not None:
        key_pem = keyring.decrypt_pkey(stored["key"])
        if key_pem is not None:
            cert = x509.load_pem_x509_certificate(stored["certificate"].encode())
            key = serialization.load_pem_private_key(key_pem.encode(), password=None)
            if isinstance(key, ec.EllipticCurvePrivateKey):
                return cert, key
    cert, key = _new_ca(cluster_id)
    record = {
        "id": cluster_id,
        "certificate": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "key": keyring.encrypt_pkey(_pem_key(key)),
    }
    records.put("cluster_cas", record)
    return cert, key


def gateway_certificate(
    records: Records, keyring: Keyring, cluster: dict[str, Any]
) -> dict[str, str]:
    """A new client certificate and key signed by the cluster's CA, with the CA certificate."""
    ca_cert, ca_key = cluster_ca(records, keyring, cluster["id"])
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"gateway.{cluster['id']}"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CLIENT_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(cluster["domain"])]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return {
        "certificate": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "private_key": _pem_key(key),
        "ca_certificate": ca_cert.public_bytes(serialization.Encoding.PEM).decode(),
    }
