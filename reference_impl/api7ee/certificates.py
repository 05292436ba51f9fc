"""Certificates and CA certificates of a gateway group as collection declarations, served
under `/apisix/admin` (`?gateway_group_id=`; SNIs are declared in `snis.py`).

A certificate is a PEM certificate (chain) and its private key, or `$secret://`/`$env://`
references to them; PEMs must parse and the key must match. The key is stored encrypted
and never answered. Answers add the read-only `exptime`, `validity_start`, `validity_end`
(UNIX seconds) and `snis` (the names the certificate covers) when the cert is a PEM. A CA
certificate is a PEM certificate (bundle) only. Updating either re-renders the SNIs using it;
deleting one still used by an SNI or a published-service upstream is refused."""

from __future__ import annotations

from typing import Any

from ..api.actions import crud_actions
from ..api.context import CollectionRequest, Context
from ..api.errors import ApiError
from ..api.listing import int_arg
from .cert_store import (
    CA_CERTIFICATES,
    CERTIFICATES,
    SNIS,
    certificate_users,
    check_pair,
    derived_fields,
    is_reference,
    parse_chain,
    plain_key,
    record,
    records,
    sni_certificate_ids,
)
from .group_collections import GROUP, GroupCollection, control_store, routes
from .schemas import DESC, LABELS, NAME, check
from .sni_render import rerender_users, write_ssl

REFERENCE = {"type": "string", "pattern": r"^\$(secret|env|ENV)://"}
PEM = {"type": "string", "minLength": 1, "maxLength": 65536, "pattern": r"^[^\$]"}
CERTIFICATE = {
    "type": "object",
    "required": ["cert", "key"],
    "properties": {
        "name": NAME,
        "desc": DESC,
        "labels": LABELS,
        "cert": {"oneOf": [REFERENCE, PEM]},
        "key": {"oneOf": [REFERENCE, PEM]},
    },
    "additionalProperties": False,
}
CA_CERTIFICATE = {
    "type": "object",
    "required": ["cert"],
    "properties": {"name": NAME, "desc": DESC, "labels": LABELS, "cert": PEM},
    "additionalProperties": False,
}
META = ("name", "desc", "labels")


Record = dict[str, Any]


class CertificateKind(GroupCollection):
    """What certificates and CA certificates share: SNIs re-rendered on a write, refused
    deletes while used, the `sni_id`/`sni_name`/`exptime` list filters."""

    order_fields = ("name", "exptime")
    default_order = "exptime"
    search_fields = ("name", "snis")

    def commit(
        self, ctx: Context, req: CollectionRequest, key: str, value: dict, rev: int | None
    ) -> None:
        cp, group_id = control_store(ctx), str(req.parent)
        ssls = rerender_users(cp, ctx.keyring, group_id, self.name, value, value["updated_at"])
        super().commit(ctx, req, key, value, rev)
        for ssl in ssls:
            write_ssl(cp, group_id, ssl)

    def delete_checker(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        users = certificate_users(control_store(ctx), str(req.parent), self.name).get(id)
        if users:
            user = users[0]
            raise ApiError(
                400,
                f"can not delete this {self.kind}, {user['resource_type']} "
                f"[{user['name']}] is still using it now",
            )

    def narrow(self, ctx: Context, req: CollectionRequest, rows: list[Record]) -> list[Record]:
        cp, group_id, args = control_store(ctx), str(req.parent), req.args
        wanted: set[str] | None = None
        sni_id = args.get("sni_id")
        if sni_id:
            sni = record(cp, SNIS, group_id, sni_id)
            wanted = set(sni_certificate_ids(sni, self.name)) if sni else set()
        sni_name = args.get("sni_name")
        if sni_name:
            named = set()
            for sni in records(cp, SNIS, group_id):
                if sni_name in (sni.get("name"), sni["domain"]):
                    named.update(sni_certificate_ids(sni, self.name))
            wanted = named if wanted is None else wanted & named
        if wanted is not None:
            rows = [r for r in rows if r["id"] in wanted]
        exptime = int_arg(args, "exptime")
        if exptime is not None:
            rows = [r for r in rows if r.get("exptime") is None or r["exptime"] >= exptime]
        return rows


class Certificates(CertificateKind):
    name, kind = CERTIFICATES, "certificate"
    actions = crud_actions("Certificate", (GROUP,))

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        body = check(CERTIFICATE, conf, read_only_ok=True)
        fields = {k: body[k] for k in META if k in body}
        cert, key = body["cert"], body["key"]
        if not is_reference(key) and not key.lstrip().startswith("-----BEGIN"):
            raise ApiError(400, "invalid certificate: failed to parse key: not a PEM private key")
        if not is_reference(cert):
            leaf = parse_chain(cert, "cert")[0]
            if not is_reference(key):
                leaf = check_pair(cert, key.lstrip(), ctx.keyring)
            fields.update(derived_fields(leaf))
        fields["cert"] = cert
        fields["key"] = key if is_reference(key) else ctx.keyring.encrypt_pkey(key.lstrip())
        return fields

    def editable(self, ctx: Context, value: Record) -> Record:
        doc = {k: value[k] for k in META if k in value}
        return {**doc, "cert": value["cert"], "key": plain_key(value["key"], ctx.keyring)}

    def view(self, value: Any) -> Any:
        return {k: v for k, v in value.items() if k != "key"}


class CaCertificates(CertificateKind):
    name, kind = CA_CERTIFICATES, "CA certificate"
    actions = crud_actions("CACertificate", (GROUP,))

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        body = check(CA_CERTIFICATE, conf, read_only_ok=True)
        fields = {k: body[k] for k in META if k in body}
        fields.update(derived_fields(parse_chain(body["cert"], "CA certificate")[0]))
        fields["cert"] = body["cert"]
        return fields

    def editable(self, ctx: Context, value: Record) -> Record:
        return {**{k: value[k] for k in META if k in value}, "cert": value["cert"]}


ROUTES = [
    *routes(Certificates(), "certificate_id"),
    *routes(CaCertificates(), "ca_certificate_id"),
]
