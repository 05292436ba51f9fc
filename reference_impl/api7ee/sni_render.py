"""What the data plane of a gateway group gets from its SNIs and certificates.

Each SNI becomes one APISIX `ssls` object in the group's namespace, with the same id as the
SNI (SNI ids are generated; an SNI is refused if a hand-written SSL already holds its id):
`snis: [domain]`, the first certificate as `cert`/`key` and any further ones as
`certs`/`keys`, the mTLS CA certificates joined into `client.ca`, `ssl_protocols`. Keys are
written encrypted, as the APISIX Admin API stores them. `upstream_tls` turns an API7
upstream's `client_certificate`/`ca_certificates` into APISIX upstream fields.
"""

from __future__ import annotations

from typing import Any

from ..admin.ssl_crypto import Keyring, sni_matches
from ..api.errors import ApiError
from ..schema import SchemaError, check_resource
from .cert_store import (
    CA_CERTIFICATES,
    CERTIFICATES,
    SNIS,
    is_reference,
    plain_key,
    record,
    records,
    require,
    sni_certificate_ids,
)
from .cpstore import ControlStore

Pending = dict[str, dict[str, Any]]  # records about to be stored, by id, looked up first


def _lookup(
    cp: ControlStore, kind: str, group_id: str, obj_id: str, pending: Pending | None
) -> dict[str, Any]:
    if pending and obj_id in pending:
        return pending[obj_id]
    return require(cp, kind, group_id, obj_id)


def render_sni(
    cp: ControlStore,
    ring: Keyring,
    group_id: str,
    sni: dict[str, Any],
    now: int,
    pending: Pending | None = None,
) -> dict[str, Any]:
    """The APISIX SSL object of an SNI, validated, its keys encrypted; 404 for an unknown
    certificate, 400 when the certificates do not cover the domain."""
    certs = [_lookup(cp, CERTIFICATES, group_id, i, pending) for i in sni["certificates"]]
    names = [name for cert in certs for name in cert.get("snis") or []]
    domain = sni["domain"]
    if names and not sni_matches(domain, names):
        raise ApiError(
            400, f"invalid SNI: domain {domain} does not match any name of its certificates"
        )
    ssl: dict[str, Any] = {
        "id": sni["id"],
        "type": "server",
        "snis": [domain],
        "cert": certs[0]["cert"],
        "key": plain_key(certs[0]["key"], ring),
        "status": 1,
        "ssl_protocols": sni["ssl_protocols"],
        "create_time": sni.get("created_at", now),
        "update_time": now,
    }
    if len(certs) > 1:
        ssl["certs"] = [c["cert"] for c in certs[1:]]
        ssl["keys"] = [plain_key(c["key"], ring) for c in certs[1:]]
    mtls = sni.get("mtls")
    if mtls:
        cas = [_lookup(cp, CA_CERTIFICATES, group_id, i, pending) for i in mtls["ca_certificates"]]
        client: dict[str, Any] = {
            "ca": "".join(ca["cert"].strip() + "\n" for ca in cas),
            "depth": mtls.get("depth", 1),
        }
        if mtls.get("skip_mtls_uri_regex"):
            client["skip_mtls_uri_regex"] = mtls["skip_mtls_uri_regex"]
        ssl["client"] = client
    try:
        checked = check_resource("ssls", ssl)
    except SchemaError as exc:
        raise ApiError(400, f"invalid SNI: the gateway's SSL object is refused: {exc}") from None
    checked["key"] = ring.encrypt_pkey(checked["key"])
    if checked.get("keys"):
        checked["keys"] = [ring.encrypt_pkey(k) for k in checked["keys"]]
    return checked


def write_ssl(cp: ControlStore, group_id: str, ssl: dict[str, Any]) -> None:
    old = cp.apisix_get(group_id, f"/ssls/{ssl['id']}")
    if old and isinstance(old.get("create_time"), int):
        ssl = {**ssl, "create_time": old["create_time"]}
    cp.apisix_put(group_id, f"/ssls/{ssl['id']}", ssl)


def remove_ssl(cp: ControlStore, group_id: str, sni_id: str) -> None:
    cp.apisix_delete(group_id, f"/ssls/{sni_id}")


def rerender_users(
    cp: ControlStore, ring: Keyring, group_id: str, kind: str, changed: dict[str, Any], now: int
) -> list[dict[str, Any]]:
    """The SSL objects of every SNI using `changed` (a certificate or CA certificate about to
    be stored), rendered with it; raises before anything is written if one is refused."""
    pending = {changed["id"]: changed}
    out = []
    for sni in records(cp, SNIS, group_id):
        if changed["id"] in sni_certificate_ids(sni, kind):
            try:
                out.append(render_sni(cp, ring, group_id, sni, now, pending))
            except ApiError as exc:
                raise ApiError(
                    exc.status, f"SNI {sni.get('name') or sni['id']} would break: {exc.message}"
                ) from None
    return out


def upstream_tls(
    cp: ControlStore, group_id: str, upstream: dict[str, Any], ring: Keyring
) -> dict[str, Any]:
    """APISIX upstream fields for an API7 upstream's `client_certificate` (a certificate id)
    and `ca_certificates` (CA certificate ids): `{"tls": {"client_cert", "client_key",
    "verify"}}`, the key in clear so `check_resource("upstreams")` can check the pair (encrypt
    it with `ring.encrypt_pkey` before storing). APISIX upstreams carry no CA list; the CA ids
    are checked to exist. 400 for an unknown id or a certificate given as a secret reference."""
    tls: dict[str, Any] = {}
    cert_id = upstream.get("client_certificate")
    if cert_id is not None:
        cert = record(cp, CERTIFICATES, group_id, str(cert_id))
        if cert is None:
            raise ApiError(
                400,
                f"invalid upstream: certificate {cert_id} not found on gateway group {group_id}",
            )
        if is_reference(cert["cert"]) or is_reference(cert["key"]):
            raise ApiError(
                400, f"invalid upstream: certificate {cert_id} is a secret reference, not a PEM"
            )
        tls["client_cert"] = cert["cert"]
        tls["client_key"] = plain_key(cert["key"], ring)
    for ca_id in upstream.get("ca_certificates") or []:
        if record(cp, CA_CERTIFICATES, group_id, str(ca_id)) is None:
            raise ApiError(
                400,
                f"invalid upstream: CA certificate {ca_id} not found on gateway group {group_id}",
            )
    if "tls_verify" in upstream:
        tls["verify"] = bool(upstream["tls_verify"])
    return {"tls": tls} if tls else {}
