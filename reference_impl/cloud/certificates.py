"""Certificates: `/clusters/{cluster_id}/certificates[/{certificate_id}]` (paths from
api7/cloud-go-sdk). A Server certificate is also an APISIX SSL object (`cloud-cert-<id>`);
private keys are stored encrypted with the gateway's keyring and never shown."""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.x509.oid import ObjectIdentifier, SignatureAlgorithmOID

from ..admin.ssl_crypto import CertError, cert_names, parse_cert, validate_pair
from . import lookup
from .context import CloudContext, CloudRequest
from .envelope import NO_PAYLOAD, invalid
from .listing import page
from .records import stamp
from .schemas import CERTIFICATE
from .translate import apisix_ssl, ssl_id

SIGNATURE_NAMES = {
    oid: name
    for name, oid in vars(SignatureAlgorithmOID).items()
    if isinstance(oid, ObjectIdentifier)
}


def _time(value: Any) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def metadata(cert: x509.Certificate) -> dict[str, Any]:
    extensions = {}
    for ext in cert.extensions:
        extensions[ext.oid.dotted_string] = type(ext.value).__name__
    return {
        "snis": cert_names(cert),
        "not_before": _time(cert.not_valid_before_utc),
        "not_after": _time(cert.not_valid_after_utc),
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "serial_number": format(cert.serial_number, "x"),
        "signature_algorithm": SIGNATURE_NAMES.get(
            cert.signature_algorithm_oid, cert.signature_algorithm_oid.dotted_string
        ),
        "extensions": extensions,
    }


def details(record: dict[str, Any]) -> dict[str, Any]:
    """What the API shows of a stored certificate: its metadata, never the key."""
    shown = {
        k: v for k, v in record.items() if k not in ("certificate", "private_key", "ca_certificate")
    }
    shown.update(metadata(parse_cert(record["certificate"])))
    if record.get("ca_certificate"):
        shown["ca_certificate"] = metadata(parse_cert(record["ca_certificate"]))
    return shown


def list_certificates(ctx: CloudContext, req: CloudRequest) -> Any:
    cluster = lookup.cluster(ctx, req)
    shown = [details(r) for r in ctx.records.where("certificates", "cluster_id", cluster["id"])]
    for item in shown:
        item["sni_text"] = " ".join(item["snis"])
    return page(
        shown,
        req.query,
        ("not_after", "created_at", "updated_at"),
        search_fields=("sni_text", "subject"),
        view=lambda item: {k: v for k, v in item.items() if k != "sni_text"},
    )


def create_certificate(ctx: CloudContext, req: CloudRequest) -> Any:
    cluster = lookup.cluster(ctx, req)
    conf = lookup.body(req, CERTIFICATE)
    try:
        validate_pair(conf["certificate"], conf["private_key"], ctx.keyring)
        if conf.get("ca_certificate"):
            parse_cert(conf["ca_certificate"])
    except CertError as exc:
        raise invalid(str(exc)) from None
    record = {
        "id": ctx.records.new_id(),
        "cluster_id": cluster["id"],
        "status": 50,
        "type": conf.get("type", "Server"),
        "labels": conf.get("labels", []),
        "certificate": conf["certificate"],
        "private_key": ctx.keyring.encrypt_pkey(conf["private_key"]),
    }
    if conf.get("ca_certificate"):
        record["ca_certificate"] = conf["ca_certificate"]
    stamp(record)
    if record["type"] == "Server":
        ssl = apisix_ssl(record, conf["certificate"], conf["private_key"], ctx.keyring)
        ctx.dataplane.put(ctx.dataplane_prefix(cluster["id"]), f"ssls/{ssl['id']}", ssl)
    ctx.records.put("certificates", record)
    return details(record)


def get_certificate(ctx: CloudContext, req: CloudRequest) -> Any:
    return details(lookup.in_cluster(ctx, req, "certificates", "certificate_id", "certificate"))


def remove_certificate(ctx: CloudContext, record: dict[str, Any]) -> None:
    ctx.dataplane.delete(ctx.dataplane_prefix(record["cluster_id"]), f"ssls/{ssl_id(record['id'])}")
    ctx.records.delete("certificates", record["id"])


def delete_certificate(ctx: CloudContext, req: CloudRequest) -> Any:
    remove_certificate(
        ctx, lookup.in_cluster(ctx, req, "certificates", "certificate_id", "certificate")
    )
    return NO_PAYLOAD
