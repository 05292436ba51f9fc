"""`/apisix/admin/snis[/{sni_id}]?gateway_group_id=`: a domain, the certificates served for
it, optional mTLS (CA certificates that verify clients) and TLS protocols. Every write
renders the SNI into the group's APISIX `ssls/<sni id>`; a delete removes it."""

from __future__ import annotations

import re
from typing import Any

from ..api.actions import crud_actions
from ..api.context import CollectionRequest, Context
from ..api.errors import ApiError
from .cert_store import SNIS, records
from .group_collections import GROUP, GroupCollection, control_store, routes
from .schemas import DESC, ID, LABELS, NAME, check
from .sni_render import remove_ssl, render_sni, write_ssl

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
SNI: dict[str, Any] = {
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


Record = dict[str, Any]


class Snis(GroupCollection):
    name, kind = SNIS, "SNI"
    actions = crud_actions("SNI", (GROUP,))
    order_fields = ("name",)
    default_order = "name"
    search_fields = ("name", "domain")

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        body = check(SNI, conf, read_only_ok=True)
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

    def commit(
        self, ctx: Context, req: CollectionRequest, key: str, value: dict, rev: int | None
    ) -> None:
        cp, group_id, sni = control_store(ctx), str(req.parent), value
        existing = {r["id"]: r for r in records(cp, SNIS, group_id)}
        for other in existing.values():
            if other["id"] != sni["id"] and other["domain"].lower() == sni["domain"].lower():
                raise ApiError(
                    400,
                    f"invalid SNI: domain {sni['domain']} is already served by SNI "
                    f"{other.get('name') or other['id']}",
                )
        if sni["id"] not in existing and cp.apisix_get(group_id, f"/ssls/{sni['id']}"):
            raise ApiError(400, f"invalid SNI: the gateway group already has an SSL {sni['id']}")
        ssl = render_sni(cp, ctx.keyring, group_id, sni, sni["updated_at"])
        super().commit(ctx, req, key, value, rev)
        write_ssl(cp, group_id, ssl)

    def editable(self, ctx: Context, value: Record) -> Record:
        return {k: value[k] for k in WRITABLE if k in value}

    def after_delete(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        remove_ssl(control_store(ctx), str(req.parent), id)

    def narrow(self, ctx: Context, req: CollectionRequest, rows: list[Record]) -> list[Record]:
        domain = req.args.get("domain")
        if domain:
            rows = [r for r in rows if r["domain"].lower() == domain.lower()]
        mtls = _mtls_wanted(req.args)
        if mtls is not None:
            rows = [r for r in rows if bool(r.get("mtls")) in mtls]
        return rows


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


ROUTES = routes(Snis(), "sni_id")
