"""Certificates for the SSL tests: the suite's own generator, one per set of names."""

from __future__ import annotations

from functools import cache

from conformance.support.certs import make_certificate


@cache
def cert_and_key(*names: str) -> tuple[str, str]:
    """(certificate PEM, private key PEM) for a certificate whose SANs are `names`."""
    made = make_certificate(*names)
    return made.cert_pem, made.key_pem
