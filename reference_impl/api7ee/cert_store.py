"""Certificates, CA certificates and SNIs of a gateway group in the control store: their
records (`/api7ee/cp/{certificates|ca_certificates|snis}/<group id>/<id>`), PEM checks and
read-only fields derived from the certificate, and who still uses a certificate.

A certificate's private key is kept encrypted with the gateway's data-encryption keyring,
the way the APISIX Admin API stores an SSL key, so a rendered SSL object can carry it as is.

Upstream users: an upstream of a published service (service_upstreams.py keeps them at
`/api7ee/cp/service_upstreams/<group>/<service>/<id>`) names a certificate by the API7
fields `client_certificate` (a certificate id) and `ca_certificates` (CA certificate ids).
"""

from __future__ import annotations

from typing import Any

from cryptography import x509

from ..admin.ssl_crypto import CertError, Keyring, cert_names, validate_pair
from ..api.errors import ApiError
from ..schema.engine import ecma_search
from .context import Api
from .cpstore import CA_CERTIFICATES, CERTIFICATES, SERVICE_UPSTREAMS, SNIS, ControlStore

LABEL = {CERTIFICATES: "certificate", CA_CERTIFICATES: "CA certificate", SNIS: "SNI"}
REFERENCE = r"^\$(secret|env|ENV)://"


def keyring(api: Api) -> Keyring:
    return Keyring.from_config(api.config.raw)


def is_reference(raw: Any) -> bool:
    return isinstance(raw, str) and ecma_search(REFERENCE, raw)


def record(cp: ControlStore, kind: str, group_id: str, obj_id: str) -> dict[str, Any] | None:
    return cp.get(kind, group_id, obj_id)


def records(cp: ControlStore, kind: str, group_id: str) -> list[dict[str, Any]]:
    return cp.all(kind, group_id)


def require(cp: ControlStore, kind: str, group_id: str, obj_id: str) -> dict[str, Any]:
    """The record, or a 404 naming it and its gateway group."""
    found = record(cp, kind, group_id, obj_id)
    if found is None:
        raise ApiError(404, f"{LABEL[kind]} {obj_id} not found on gateway group {group_id}")
    return found


# --- PEM checks ---------------------------------------------------------------------------------
def parse_chain(pem: str, what: str) -> list[x509.Certificate]:
    """Every certificate of a PEM bundle (at least one), or a 400."""
    try:
        chain = x509.load_pem_x509_certificates(pem.encode())
    except ValueError as exc:
        reason = str(exc).split("\n")[0] or "not a PEM certificate"
        raise ApiError(400, f"invalid {what}: failed to parse cert: {reason}") from None
    return chain


def derived_fields(cert: x509.Certificate) -> dict[str, Any]:
    """Read-only fields of a certificate's answer: its validity and the names it covers."""
    try:  # extensions are parsed lazily: a malformed one shows up only here
        names = cert_names(cert)
    except ValueError as exc:
        raise ApiError(400, f"invalid cert: failed to read its names: {exc}") from None
    start = int(cert.not_valid_before_utc.timestamp())
    end = int(cert.not_valid_after_utc.timestamp())
    return {"exptime": end, "validity_start": start, "validity_end": end, "snis": names}


def check_pair(cert_pem: str, key_pem: str, ring: Keyring) -> x509.Certificate:
    """The leaf certificate, once the key is known to parse and to match it."""
    parse_chain(cert_pem, "cert")
    try:
        return validate_pair(cert_pem, key_pem, ring)
    except CertError as exc:
        raise ApiError(400, f"invalid certificate: {exc}") from None


def plain_key(stored: str, ring: Keyring) -> str:
    """A stored (encrypted) key in clear, or a reference as it is."""
    if is_reference(stored):
        return stored
    plain = ring.decrypt_pkey(stored)
    if plain is None:
        raise ApiError(400, "failed to decrypt the stored private key with the gateway's keyring")
    return plain


def same_certificate(stored: str, wanted: str) -> bool:
    """Whether two `cert` values name the same certificate: equal references, or PEMs whose
    leaf certificates are the same DER bytes."""
    if is_reference(stored) or is_reference(wanted):
        return stored == wanted
    try:
        return x509.load_pem_x509_certificate(stored.encode()) == x509.load_pem_x509_certificate(
            wanted.encode()
        )
    except ValueError:
        return False


# --- who uses a certificate ---------------------------------------------------------------------
def _usage(
    resource_type: str, obj_id: str, name: Any, source: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    row = {"resource_type": resource_type, "id": obj_id, "name": name or obj_id}
    for field in ("created_at", "updated_at"):
        if isinstance(source.get(field), int):
            row[field] = source[field]
    row.update(extra)
    return row


def sni_certificate_ids(sni: dict[str, Any], kind: str) -> list[str]:
    """The certificate (or CA certificate) ids an SNI names."""
    if kind == CERTIFICATES:
        return list(sni.get("certificates") or [])
    return list((sni.get("mtls") or {}).get("ca_certificates") or [])


def upstream_certificate_ids(upstream: dict[str, Any], kind: str) -> list[str]:
    if kind == CERTIFICATES:
        cert_id = upstream.get("client_certificate")
        return [cert_id] if isinstance(cert_id, str) else []
    ids = upstream.get("ca_certificates")
    return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []


def certificate_users(
    cp: ControlStore, group_id: str, kind: str = CERTIFICATES
) -> dict[str, list[dict[str, Any]]]:
    """Certificate id (or, for `kind="ca_certificates"`, CA certificate id) -> the SNIs and
    published-service upstreams of the group that name it, as usage rows
    (`resource_type`, `id`, `name`, `created_at`, `updated_at`; upstreams add `service_id`)."""
    users: dict[str, list[dict[str, Any]]] = {}
    for sni in records(cp, SNIS, group_id):
        for cert_id in dict.fromkeys(sni_certificate_ids(sni, kind)):
            users.setdefault(cert_id, []).append(_usage("sni", sni["id"], sni.get("name"), sni))
    base = cp.key(SERVICE_UPSTREAMS, group_id) + "/"
    kvs, _ = cp.store.range(base)
    for kv in kvs:
        upstream = kv.value
        service_id = kv.key[len(base) :].split("/")[0]
        if not isinstance(upstream, dict) or "id" not in upstream:
            continue
        for cert_id in dict.fromkeys(upstream_certificate_ids(upstream, kind)):
            row = _usage(
                "upstream", upstream["id"], upstream.get("name"), upstream, service_id=service_id
            )
            users.setdefault(cert_id, []).append(row)
    return users
