"""`/apisix/admin/snis[/{sni_id}]?gateway_group_id=`: a domain, the certificates served for
it, optional mTLS (CA certificates that verify clients) and TLS protocols. Every write
renders the SNI into the group's APISIX `ssls/<sni id>`; a delete removes it."""

from __future__ import annotations

import re
from typing import Any

from .cert_crud import Kind, Record, handlers
from .cert_store import SNIS, keyring, records
from .context import Api
from .schemas import DESC, ID, LABELS, NAME
from .sni_render import remove_ssl, render_sni, write_ssl
from .web import ApiError

PROTOCOLS = ["TLSv1.1", "TLSv1.2", "TLSv1.3"]
DEFAULT_PROTOCOLS = ["TLSv1.2", "TLSv1.3"]
DOMAIN = {"type": "string", "minLength": 1, "maxLength": 256, "pattern": r"^\*?[0-9a-zA-Z-._]+$"}
IDS = {"type": "array", "minItems": 1, "maxItems": 16, "uniqueItems": True, "items": ID}
MTLS = {
    "type": "object",
    "required": ["ca_certificates"],
    "properties": {
        "ca_certificates": IDS,
        "depth": {"type": "integer", "minimum": 0, "maximum": 64},
        "skip_mtls_uri_regex": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "minLength": 1, "maxLength": 4096},
        },
    },
    "additionalProperties": False,
}
SNI = {
    "type": "object",
    "required": ["domain", "certificates"],
    "properties": {
        "name": NAME,
        "desc": DESC,
        "labels": LABELS,
        "domain": DOMAIN,
        "certificates": IDS,
        "mtls": MTLS,
        "ssl_protocols": {
            "type": "array",
            "minItems": 1,
            "maxItems": 3,
            "uniqueItems": True,
            "items": {"type": "string", "enum": PROTOCOLS},
        },
    },
    "additionalProperties": False,
}
WRITABLE = tuple(SNI["properties"])


def _build(api: Api, group_id: str, body: Record) -> Record:
    fields = {k: body[k] for k in WRITABLE if k in body}
    fields.setdefault("ssl_protocols", list(DEFAULT_PROTOCOLS))
    for pattern in (fields.get("mtls") or {}).get("skip_mtls_uri_regex", []):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ApiError(
                400, f"invalid request body: skip_mtls_uri_regex {pattern!r}: {exc}"
            ) from None
    return fields


def _commit(api: Api, group_id: str, sni: Record, now: int) -> None:
    existing = {r["id"]: r for r in records(api.cp, SNIS, group_id)}
    for other in existing.values():
        if other["id"] != sni["id"] and other["domain"].lower() == sni["domain"].lower():
            raise ApiError(
                400,
                f"invalid SNI: domain {sni['domain']} is already served by SNI "
                f"{other.get('name') or other['id']}",
            )
    if sni["id"] not in existing and api.cp.apisix_get(group_id, f"/ssls/{sni['id']}"):
        raise ApiError(400, f"invalid SNI: the gateway group already has an SSL {sni['id']}")
    ssl = render_sni(api.cp, keyring(api), group_id, sni, now)
    api.cp.put(SNIS, sni, group_id, sni["id"])
    write_ssl(api.cp, group_id, ssl)


def _editable(api: Api, sni: Record) -> Record:
    return {k: sni[k] for k in WRITABLE if k in sni}


def _remove(api: Api, group_id: str, sni: Record) -> None:
    api.cp.delete(SNIS, group_id, sni["id"])
    remove_ssl(api.cp, group_id, sni["id"])


def _mtls_wanted(args: Any) -> set[bool] | None:
    raw = [v for v in args.getlist("mtls_enabled") for v in v.split(",") if v]
    if not raw:
        return None
    wanted = set()
    for item in raw:
        if item.lower() not in ("true", "false"):
            raise ApiError(400, "invalid query parameter mtls_enabled: must be true or false")
        wanted.add(item.lower() == "true")
    return wanted


def _narrow(api: Api, group_id: str, args: Any, rows: list[Record]) -> list[Record]:
    domain = args.get("domain")
    if domain:
        rows = [r for r in rows if r["domain"].lower() == domain.lower()]
    mtls = _mtls_wanted(args)
    if mtls is not None:
        rows = [r for r in rows if bool(r.get("mtls")) in mtls]
    return rows


SNI_KIND = Kind(
    collection=SNIS,
    id_param="sni_id",
    schema=SNI,
    build=_build,
    commit=_commit,
    editable=_editable,
    view=dict,
    remove=_remove,
    narrow=_narrow,
    order_fields=("name",),
    default_order="name",
    search_fields=("name", "domain"),
)
SNI_ROUTES = handlers(SNI_KIND)
