"""Who uses a certificate, a CA certificate or an SNI, and whether a certificate is already
stored, on the dashboard API:

- `GET /api/gateway_groups/{gid}/certificates/{certificate_id}/usage` and
  `.../ca_certificates/{ca_certificate_id}/usage`: `resource_type` `sni` (default) or
  `upstream` (a published service's upstream naming it);
- `GET .../snis/{sni_id}/usage`: the group's APISIX services and routes whose hosts the
  SNI's domain covers (the traffic it terminates TLS for);
- `POST .../certificates/exists` and `.../ca_certificates/exists` with `{"cert": ...}`:
  `{"value": {"exists": bool, "id": ...}}` (PEMs compare by their leaf certificate).
"""

from __future__ import annotations

from typing import Any

from ..admin.ssl_crypto import sni_matches
from ..api.errors import ApiError
from .cert_store import (
    CA_CERTIFICATES,
    CERTIFICATES,
    SNIS,
    certificate_users,
    parse_chain,
    records,
    require,
    same_certificate,
)
from .context import API, Api, Call
from .schemas import check
from .web import value

GG = "/gateway_groups/{gateway_group_id}"
RESOURCE_TYPES = ("sni", "upstream")
USAGE_ORDER = ("created_at", "updated_at")
REFERENCE = {"type": "string", "pattern": r"^\$(secret|env|ENV)://"}
PEM = {"type": "string", "minLength": 1, "maxLength": 65536, "pattern": r"^[^\$]"}
CERTIFICATE_EXISTS = {
    "type": "object",
    "required": ["cert"],
    "properties": {"cert": {"oneOf": [REFERENCE, PEM]}},
    "additionalProperties": False,
}
CA_CERTIFICATE_EXISTS = {
    "type": "object",
    "required": ["cert"],
    "properties": {"cert": PEM},
    "additionalProperties": False,
}


def _group(api: Api, call: Call) -> str:
    group_id = call.params["gateway_group_id"]
    api.group_or_404(group_id)
    return group_id


def _certificate_usage(kind: str, id_param: str):
    def usage(api: Api, call: Call) -> tuple[int, Any]:
        group_id = _group(api, call)
        obj_id = call.params[id_param]
        require(api.cp, kind, group_id, obj_id)
        wanted = call.args.get("resource_type") or "sni"
        if wanted not in RESOURCE_TYPES:
            raise ApiError(
                400, f"invalid query parameter resource_type: must be one of {list(RESOURCE_TYPES)}"
            )
        rows = certificate_users(api.cp, group_id, kind).get(obj_id, [])
        rows = [r for r in rows if r["resource_type"] == wanted]
        return 200, call.listing(rows, order_fields=USAGE_ORDER, search_fields=("name",))

    return usage


def _hosts_covered(domain: str, hosts: Any) -> bool:
    if not isinstance(hosts, list):
        return False
    return any(isinstance(h, str) and sni_matches(h, [domain.lower()]) for h in hosts)


def sni_usage(api: Api, call: Call) -> tuple[int, Any]:
    group_id = _group(api, call)
    sni = require(api.cp, SNIS, group_id, call.params["sni_id"])
    rows = []
    for kind, label in (("services", "service"), ("routes", "route")):
        for obj in api.cp.apisix_list(group_id, kind):
            hosts = obj.get("hosts") or ([obj["host"]] if obj.get("host") else [])
            if _hosts_covered(sni["domain"], hosts):
                row = {
                    "resource_type": label,
                    "id": obj["id"],
                    "name": obj.get("name") or obj["id"],
                }
                for field, source in (("created_at", "create_time"), ("updated_at", "update_time")):
                    if isinstance(obj.get(source), int):
                        row[field] = obj[source]
                rows.append(row)
    return 200, call.listing(rows, order_fields=USAGE_ORDER, search_fields=("name",))


def _exists(kind: str, schema: dict[str, Any]):
    def exists(api: Api, call: Call) -> tuple[int, Any]:
        group_id = _group(api, call)
        wanted = check(schema, call.obj())["cert"]
        if not wanted.startswith("$"):
            parse_chain(wanted, "cert")
        for stored in records(api.cp, kind, group_id):
            if same_certificate(stored["cert"], wanted):
                return 200, value({"exists": True, "id": stored["id"]})
        return 200, value({"exists": False})

    return exists


G = ("gateway_group_id",)
GET_CA = "gateway:GetCACertificate"
ROUTES = [
    API(
        "GET",
        f"{GG}/certificates/{{certificate_id}}/usage",
        _certificate_usage(CERTIFICATES, "certificate_id"),
        "gateway:GetCertificate",
        *G,
    ),
    API(
        "GET",
        f"{GG}/ca_certificates/{{ca_certificate_id}}/usage",
        _certificate_usage(CA_CERTIFICATES, "ca_certificate_id"),
        GET_CA,
        *G,
    ),
    API("GET", f"{GG}/snis/{{sni_id}}/usage", sni_usage, "gateway:GetSNI", *G),
    # both `exists` checks are documented with GetCACertificate
    API("POST", f"{GG}/certificates/exists", _exists(CERTIFICATES, CERTIFICATE_EXISTS), GET_CA, *G),
    API(
        "POST",
        f"{GG}/ca_certificates/exists",
        _exists(CA_CERTIFICATES, CA_CERTIFICATE_EXISTS),
        GET_CA,
        *G,
    ),
]
