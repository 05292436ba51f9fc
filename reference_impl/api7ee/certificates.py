"""Certificates and CA certificates of a gateway group, and the `COMPAT_ROUTES` of this
family under `/apisix/admin` (`?gateway_group_id=`; SNIs come from `snis.py`).

A certificate is a PEM certificate (chain) and its private key, or `$secret://`/`$env://`
references to them; PEMs must parse and the key must match. The key is stored encrypted
and never answered. Answers add the read-only `exptime`, `validity_start`, `validity_end`
(UNIX seconds) and `snis` (the names the certificate covers) when the cert is a PEM. A CA
certificate is a PEM certificate (bundle) only. Updating either re-renders the SNIs using it;
deleting one still used by an SNI or a published-service upstream is refused."""

from __future__ import annotations

from typing import Any

from .cert_crud import Kind, Record, handlers, int_arg
from .cert_store import (
    CA_CERTIFICATES,
    CERTIFICATES,
    LABEL,
    SNIS,
    certificate_users,
    check_pair,
    derived_fields,
    is_reference,
    keyring,
    parse_chain,
    plain_key,
    record,
    records,
    sni_certificate_ids,
)
from .context import Api
from .schemas import DESC, LABELS, NAME
from .sni_render import rerender_users, write_ssl
from .snis import SNI_ROUTES
from .web import ApiError

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


def _build_certificate(api: Api, group_id: str, body: Record) -> Record:
    fields = {k: body[k] for k in META if k in body}
    cert, key = body["cert"], body["key"]
    if not is_reference(key) and not key.lstrip().startswith("-----BEGIN"):
        raise ApiError(400, "invalid certificate: failed to parse key: not a PEM private key")
    ring = keyring(api)
    if not is_reference(cert):
        leaf = parse_chain(cert, "cert")[0]
        if not is_reference(key):
            leaf = check_pair(cert, key.lstrip(), ring)
        fields.update(derived_fields(leaf))
    fields["cert"] = cert
    fields["key"] = key if is_reference(key) else ring.encrypt_pkey(key.lstrip())
    return fields


def _build_ca(api: Api, group_id: str, body: Record) -> Record:
    fields = {k: body[k] for k in META if k in body}
    fields.update(derived_fields(parse_chain(body["cert"], "CA certificate")[0]))
    fields["cert"] = body["cert"]
    return fields


def _committer(kind: str):
    def commit(api: Api, group_id: str, full: Record, now: int) -> None:
        ssls = rerender_users(api.cp, keyring(api), group_id, kind, full, now)
        api.cp.put(kind, full, group_id, full["id"])
        for ssl in ssls:
            write_ssl(api.cp, group_id, ssl)

    return commit


def _editable_certificate(api: Api, cert: Record) -> Record:
    doc = {k: cert[k] for k in META if k in cert}
    return {**doc, "cert": cert["cert"], "key": plain_key(cert["key"], keyring(api))}


def _editable_ca(api: Api, ca: Record) -> Record:
    return {**{k: ca[k] for k in META if k in ca}, "cert": ca["cert"]}


def _view_certificate(cert: Record) -> Record:
    return {k: v for k, v in cert.items() if k != "key"}


def _remover(kind: str):
    def remove(api: Api, group_id: str, obj: Record) -> None:
        users = certificate_users(api.cp, group_id, kind).get(obj["id"])
        if users:
            user = users[0]
            raise ApiError(
                400,
                f"can not delete this {LABEL[kind]}, {user['resource_type']} "
                f"[{user['name']}] is still using it now",
            )
        api.cp.delete(kind, group_id, obj["id"])

    return remove


def _narrower(kind: str):
    def narrow(api: Api, group_id: str, args: Any, rows: list[Record]) -> list[Record]:
        wanted: set[str] | None = None
        sni_id = args.get("sni_id")
        if sni_id:
            sni = record(api.cp, SNIS, group_id, sni_id)
            wanted = set(sni_certificate_ids(sni, kind)) if sni else set()
        sni_name = args.get("sni_name")
        if sni_name:
            named = set()
            for sni in records(api.cp, SNIS, group_id):
                if sni_name in (sni.get("name"), sni["domain"]):
                    named.update(sni_certificate_ids(sni, kind))
            wanted = named if wanted is None else wanted & named
        if wanted is not None:
            rows = [r for r in rows if r["id"] in wanted]
        exptime = int_arg(args, "exptime")
        if exptime is not None:
            rows = [r for r in rows if r.get("exptime") is None or r["exptime"] >= exptime]
        return rows

    return narrow


def _kind(kind: str, id_param: str, schema: dict[str, Any], build, editable, view) -> Kind:
    return Kind(
        collection=kind,
        id_param=id_param,
        schema=schema,
        build=build,
        commit=_committer(kind),
        editable=editable,
        view=view,
        remove=_remover(kind),
        narrow=_narrower(kind),
        order_fields=("name", "exptime"),
        default_order="exptime",
        search_fields=("name", "snis"),
    )


CERTIFICATE_KIND = _kind(
    CERTIFICATES,
    "certificate_id",
    CERTIFICATE,
    _build_certificate,
    _editable_certificate,
    _view_certificate,
)
CA_CERTIFICATE_KIND = _kind(
    CA_CERTIFICATES, "ca_certificate_id", CA_CERTIFICATE, _build_ca, _editable_ca, dict
)
COMPAT_ROUTES = [
    *handlers(CERTIFICATE_KIND),
    *handlers(CA_CERTIFICATE_KIND),
    *SNI_ROUTES,
]
