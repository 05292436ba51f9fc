"""PEM certificate and key parsing checks (apisix/ssl.lua ``validate``)."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key

SECRET_PREFIXES = ("$secret://", "$env://", "$ENV://")


def is_secret_ref(value: object) -> bool:
    """A ``$secret://`` / ``$env://`` reference, resolved at run time, not parsed here."""
    return isinstance(value, str) and value.startswith(SECRET_PREFIXES)


def cert_error(cert: str, key: str | None = None) -> str | None:
    """None when the PEM certificate (and key, if given) parse, else APISIX's message."""
    try:
        x509.load_pem_x509_certificate(cert.encode())
    except ValueError as exc:
        return f"failed to parse cert: {exc}"
    if key is None:
        return None
    try:
        load_pem_private_key(key.encode(), password=None)
    except (ValueError, TypeError) as exc:
        return f"failed to parse key: {exc}"
    return None
