"""Per-cluster certificate authority and the client certificates gateway instances use to
talk to their cluster (`GET /clusters/{id}/gateway_certificate`)."""

from __future__ import annotations

from typing import Any

from ..admin.ssl_crypto import Keyring
from ..api.records import Records
from ..pki import Authority, authority, client_certificate, name, pem_cert, pem_key

CA_YEARS = 10
CLIENT_DAYS = 365
ORGANIZATION = "gwconform API7 Cloud"


def cluster_ca(records: Records, keyring: Keyring, cluster_id: str) -> Authority:
    """The cluster's CA, made and stored (key encrypted with the keyring) on first use."""
    subject = name(ORGANIZATION, f"cluster {cluster_id} CA")
    return authority(records, keyring, "cluster_cas", cluster_id, subject, 365 * CA_YEARS)


def gateway_certificate(
    records: Records, keyring: Keyring, cluster: dict[str, Any]
) -> dict[str, str]:
    """A new client certificate and key signed by the cluster's CA, with the CA certificate."""
    ca = cluster_ca(records, keyring, cluster["id"])
    subject = name(ORGANIZATION, f"gateway.{cluster['id']}")
    cert, key = client_certificate(ca, subject, CLIENT_DAYS, [cluster["domain"]])
    return {
        "certificate": pem_cert(cert),
        "private_key": pem_key(key),
        "ca_certificate": pem_cert(ca[0]),
    }
