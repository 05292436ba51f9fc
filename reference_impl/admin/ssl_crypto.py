"""Private-key encryption (APISIX's data_encryption keyring) and certificate checks.

APISIX encrypts an SSL private key with AES-CBC before it is written: the first keyring
entry is both key and IV (16 bytes: AES-128, 32 bytes: AES-256), PKCS#7 padding, then
base64. Only PEM text (starting with "---") is encrypted, so an already encrypted value
passes through; decryption tries every keyring entry, newest first.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.x509.oid import NameOID

DEFAULT_KEYRING = ["qeddd145sfvddff3"]  # apisix.data_encryption.keyring in config-default.yaml


class Keyring:
    def __init__(self, keys: list[str]) -> None:
        self._keys = [k.encode() for k in keys if len(k.encode()) in (16, 32)]

    @classmethod
    def from_config(cls, raw: dict[str, Any]) -> Keyring:
        section = (raw.get("apisix") or {}).get("data_encryption") or {}
        keys = section.get("keyring", DEFAULT_KEYRING)
        if isinstance(keys, str):
            keys = [keys]
        return cls([str(k) for k in keys or []])

    def encrypt(self, plain: str) -> str:
        if not self._keys:  # no keyring configured: APISIX stores the value as is
            return plain
        key = self._keys[0]
        padder = padding.PKCS7(128).padder()
        data = padder.update(plain.encode()) + padder.finalize()
        enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
        return base64.b64encode(enc.update(data) + enc.finalize()).decode()

    def decrypt(self, encoded: str) -> str | None:
        if not self._keys:
            return encoded
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            return None
        if not data or len(data) % 16:
            return None
        for key in self._keys:
            dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
            unpadder = padding.PKCS7(128).unpadder()
            try:
                plain = unpadder.update(dec.update(data) + dec.finalize()) + unpadder.finalize()
                return plain.decode()
            except (ValueError, UnicodeDecodeError):
                continue
        return None

    def encrypt_pkey(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith("---"):
            return self.encrypt(value)
        return value

    def decrypt_pkey(self, value: str) -> str | None:
        if value.startswith("---"):
            return value
        return self.decrypt(value)


class CertError(ValueError):
    """A certificate or key APISIX would refuse; the message is the Admin API error_msg."""


def parse_cert(pem: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise CertError(f"failed to parse cert: {_reason(exc)}") from None


def validate_pair(cert_pem: str, key_value: str, keyring: Keyring) -> x509.Certificate:
    """Parse the certificate and the (possibly encrypted) key and check that they match."""
    cert = parse_cert(cert_pem)
    key_pem = keyring.decrypt_pkey(key_value)
    if key_pem is None:
        raise CertError("failed to decrypt previous encrypted key")
    try:
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise CertError(f"failed to parse key: {_reason(exc)}") from None
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    encoding = serialization.Encoding.DER
    if key.public_key().public_bytes(encoding, public) != cert.public_key().public_bytes(
        encoding, public
    ):
        raise CertError("the private key does not match the certificate")
    return cert


def cert_names(cert: x509.Certificate) -> list[str]:
    """The DNS names (and IP addresses) a certificate is valid for: SANs, else the CN."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [n.lower() for n in san.get_values_for_type(x509.DNSName)]
        names += [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
        if names:
            return names
    except x509.ExtensionNotFound:
        pass
    return [
        str(attr.value).lower() for attr in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    ]


def sni_matches(sni: str, names: list[str]) -> bool:
    """Whether an SSL object's SNI (itself possibly `*.example.com`) is covered by the names."""
    sni = sni.lower().rstrip(".")
    for name in names:
        if name == sni:
            return True
        if name.startswith("*."):
            suffix = name[1:]  # ".example.com"
            head = sni[: -len(suffix)] if sni.endswith(suffix) else ""
            if head and "." not in head:  # one label, or the SNI's own wildcard "*"
                return True
    return False


def _reason(exc: Exception) -> str:
    return str(exc).split("\n")[0] or type(exc).__name__
