"""Certificates: `/clusters/{cluster_id}/certificates[/{certificate_id}]` (paths from
api7/cloud-go-sdk). A Server certificate is also an APISIX SSL object (`cloud-cert-<id>`);
private keys are stored encrypted with the gateway's keyring and never shown."""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.x509.oid import ObjectIdentifier, SignatureAlgorithmOID

from ..admin.ssl_crypto import CertError, cert_names, parse_cert, validate_pair
from ..api.context import CollectionRequest, Context
from .collection import OwnedCollection, Record, cloud_of
from .context import CloudContext
from .envelope import invalid
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


class Certificates(OwnedCollection):
    """Created and deleted, never changed; a Server certificate is also the APISIX SSL
    object `cloud-cert-<id>` of its cluster's data plane."""

    name, kind = "certificates", "certificate"
    unsupported = frozenset({"put", "patch"})
    schema = CERTIFICATE
    order_fields = ("not_after", "created_at", "updated_at")
    search_fields = ("sni_text", "subject")

    def fields(self, ctx: Context, id: str | None, conf: Record, req: CollectionRequest) -> Record:
        keyring = cloud_of(ctx).keyring
        try:
            validate_pair(conf["certificate"], conf["private_key"], keyring)
            if conf.get("ca_certificate"):
                parse_cert(conf["ca_certificate"])
        except CertError as exc:
            raise invalid(str(exc)) from None
        record = {
            "cluster_id": req.parent,
            "status": 50,
            "type": conf.get("type", "Server"),
            "labels": conf.get("labels", []),
            "certificate": conf["certificate"],
            "private_key": keyring.encrypt_pkey(conf["private_key"]),
        }
        if conf.get("ca_certificate"):
            record["ca_certificate"] = conf["ca_certificate"]
        return record

    def commit(
        self, ctx: Context, req: CollectionRequest, key: str, value: dict, rev: int | None
    ) -> None:
        if value["type"] == "Server":
            cloud = cloud_of(ctx)
            key_pem = str(cloud.keyring.decrypt_pkey(value["private_key"]))
            ssl = apisix_ssl(value, value["certificate"], key_pem, cloud.keyring)
            cloud.dataplane.put(
                cloud.dataplane_prefix(value["cluster_id"]), f"ssls/{ssl['id']}", ssl
            )
        super().commit(ctx, req, key, value, rev)

    def after_delete(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        cloud = cloud_of(ctx)
        cloud.dataplane.delete(cloud.dataplane_prefix(str(req.parent)), f"ssls/{ssl_id(id)}")

    def view(self, value: Any) -> Any:
        return details(value)

    def listed_row(self, value: Record) -> Record:
        shown = details(value)
        return {**shown, "sni_text": " ".join(shown["snis"])}

    def page_view(self, row: Record) -> Any:
        return {k: v for k, v in row.items() if k != "sni_text"}


CERTIFICATES = Certificates()


def remove_certificate(ctx: CloudContext, record: dict[str, Any]) -> None:
    ctx.dataplane.delete(ctx.dataplane_prefix(record["cluster_id"]), f"ssls/{ssl_id(record['id'])}")
    ctx.records.delete("certificates", record["id"])
