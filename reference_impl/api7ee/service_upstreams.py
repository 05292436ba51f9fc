"""The upstreams of a published service, served under `/apisix/admin/services/{service_id}/
upstreams?gateway_group_id=` (API7 3.9.9): backend pools besides the service's own
(default) upstream, which a route of the service reaches through e.g. a `traffic-split`
rule's `upstream_id`.

They belong to the gateway group's published service, not to its template or version:
like the runtime configuration they are group-side state, kept in the control store next
to the published record (`/api7ee/cp/service_upstreams/<group>/<service>/<id>`), so
re-publishing a new version and rolling back to an older one both leave them in place (a
rolled-back version's routes may name an upstream that was deleted meanwhile; then those
requests get APISIX's answer for a missing upstream). Each is rendered into the group's
APISIX namespace as `upstreams/<id>`; deleting it, or the published service, removes it.
"""

from __future__ import annotations

import copy
from typing import Any

from starlette.datastructures import QueryParams

from ..admin.ssl_crypto import Keyring
from ..api.errors import ApiError, not_found
from ..api.listing import list_answer
from ..api.patching import apply_patch
from . import render, service_discovery
from .cert_store import keyring
from .context import COMPAT, Api, Call
from .cpstore import PUBLISHED, SERVICE_UPSTREAMS
from .schemas import DESC, ID, LABELS, NAME, check
from .sni_render import upstream_tls
from .web import value

READ_ONLY = ("id", "created_at", "updated_at")
DEFAULTS = {
    "name": "default",
    "scheme": "http",
    "type": "roundrobin",
    "hash_on": "vars",
    "pass_host": "pass",
}
NODE = {
    "type": "object",
    "required": ["host", "port", "weight"],
    "properties": {
        "host": {"type": "string", "minLength": 1},
        "port": {"type": "integer", "minimum": 1, "maximum": 65535},
        "weight": {"type": "integer", "minimum": 0, "maximum": 65535},
        "priority": {"type": "integer", "default": 0},
        "metadata": {"type": "object"},
    },
    "additionalProperties": False,
}
UPSTREAM = {
    "type": "object",
    "properties": {
        "name": NAME,
        "desc": DESC,
        "labels": LABELS,
        "scheme": {"type": "string", "enum": ["http", "https", "grpc", "grpcs"]},
        "type": {"type": "string", "enum": ["chash", "roundrobin", "least_conn", "ewma"]},
        "hash_on": {
            "type": "string",
            "enum": ["vars", "header", "cookie", "consumer", "vars_combinations"],
        },
        "key": {"type": "string", "minLength": 1},
        "retries": {"type": "integer", "minimum": 0, "maximum": 65535},
        "retry_timeout": {"type": "number", "minimum": 0},
        "keepalive_pool": {"type": "object"},
        "timeout": {"type": "object"},
        "pass_host": {"type": "string", "enum": ["pass", "node", "rewrite"]},
        "upstream_host": {"type": "string", "pattern": r"^\*?[0-9a-zA-Z-._]+$"},
        "nodes": {"type": "array", "minItems": 1, "maxItems": 64, "items": NODE},
        "service_name": {"type": "string", "minLength": 1, "maxLength": 256},
        "discovery_type": {"type": "string", "enum": ["kubernetes", "nacos"]},
        "discovery_args": {"type": "object"},
        "tls": {"type": "object"},
        "client_certificate": ID,
        "ca_certificates": {"type": "array", "items": ID},
        "tls_verify": {"type": "boolean"},
        "checks": {"type": "object"},
    },
    # nodes, or a service registry's service: exactly one of the two
    "oneOf": [{"required": ["nodes"]}, {"required": ["service_name", "discovery_type"]}],
    "additionalProperties": False,
}


def _published_record(api: Api, call: Call) -> dict[str, Any]:
    group_id = call.params["gateway_group_id"]
    service_id = call.params["service_id"]
    record = api.cp.get(PUBLISHED, group_id, service_id)
    if record is None:
        raise not_found(f"published service {service_id} on gateway group {group_id}")
    return record


def _upstream_or_404(api: Api, call: Call) -> dict[str, Any]:
    record = _published_record(api, call)
    upstream_id = call.params["upstream_id"]
    upstream = api.cp.get(
        SERVICE_UPSTREAMS, record["gateway_group_id"], record["service_id"], upstream_id
    )
    if upstream is None:
        raise not_found(f"upstream {upstream_id} of published service {record['service_id']}")
    return upstream


def _validated(body: Any) -> dict[str, Any]:
    upstream = check(UPSTREAM, body)
    filled = {**DEFAULTS, **copy.deepcopy(upstream)}
    for node in filled.get("nodes", []):
        node.setdefault("priority", 0)
    return filled


def _save(api: Api, call: Call, upstream_id: str, body: dict[str, Any], created_at: int | None):
    """Render and write the APISIX upstream, then store the API7 record (private keys of
    the deprecated `tls` field and of the rendered client certificate encrypted)."""
    group_id, service_id = call.params["gateway_group_id"], call.params["service_id"]
    now = api.cp.clock()
    ring = keyring(api)
    tls = upstream_tls(api.cp, group_id, body, ring).get("tls")
    rendered = service_discovery.resolve(
        api.cp, group_id, render.service_upstream(upstream_id, body, now, tls)
    )
    stored = {
        **body,
        "id": upstream_id,
        "created_at": now if created_at is None else created_at,
        "updated_at": now,
    }
    render.write_upstream(api.cp, group_id, _sealed(rendered, ring))
    stored = _sealed(stored, ring)
    api.cp.put(SERVICE_UPSTREAMS, stored, group_id, service_id, upstream_id)
    return stored


def _sealed(obj: dict[str, Any], ring: Keyring) -> dict[str, Any]:
    tls = obj.get("tls")
    if not isinstance(tls, dict) or not isinstance(tls.get("client_key"), str):
        return obj
    return {**obj, "tls": {**tls, "client_key": ring.encrypt_pkey(tls["client_key"])}}


def _unsealed(obj: dict[str, Any], ring: Keyring) -> dict[str, Any]:
    tls = obj.get("tls")
    if not isinstance(tls, dict) or not isinstance(tls.get("client_key"), str):
        return obj
    plain = ring.decrypt_pkey(tls["client_key"])
    return {**obj, "tls": {**tls, "client_key": tls["client_key"] if plain is None else plain}}


def _view(record: dict[str, Any], call: Call, upstream: dict[str, Any]) -> dict[str, Any]:
    if not _flag(call, "with_publish_info"):
        return upstream
    return {
        **upstream,
        "gateway_group_id": record["gateway_group_id"],
        "service_id": record["service_id"],
        "service_version_id": record["service_version_id"],
        "apisix_upstream_id": upstream["id"],
    }


def _flag(call: Call, name: str) -> bool:
    raw = call.args.get(name)
    if raw not in (None, "true", "false"):
        raise ApiError(400, f"invalid query parameter {name}: must be true or false")
    return raw == "true"


def create_upstream(api: Api, call: Call) -> tuple[int, Any]:
    _published_record(api, call)
    return 200, value(_save(api, call, api.cp.new_id(), _validated(call.obj()), None))


def list_upstreams(api: Api, call: Call) -> tuple[int, Any]:
    record = _published_record(api, call)
    for name, only in (("order_by", "created_at"), ("direction", "asc")):
        if call.args.get(name) not in (None, only):
            raise ApiError(400, f"invalid query parameter {name}: the only value is {only}")
    rows = [
        _view(record, call, u)
        for u in api.cp.all(SERVICE_UPSTREAMS, record["gateway_group_id"], record["service_id"])
    ]
    args = QueryParams([*call.args.multi_items(), ("direction", "asc")])  # documented order
    return 200, list_answer(rows, args, order_fields=("created_at",), default_order="created_at")


def get_upstream(api: Api, call: Call) -> tuple[int, Any]:
    upstream = _upstream_or_404(api, call)
    return 200, value(_view(_published_record(api, call), call, upstream))


def put_upstream(api: Api, call: Call) -> tuple[int, Any]:
    old = _upstream_or_404(api, call)
    body = call.obj()
    if "id" in body and body["id"] != old["id"]:
        raise ApiError(400, "invalid request body: id does not match the upstream_id in the path")
    body = {k: v for k, v in body.items() if k not in READ_ONLY}
    return 200, value(_save(api, call, old["id"], _validated(body), old["created_at"]))


def patch_upstream(api: Api, call: Call) -> tuple[int, Any]:
    old = _upstream_or_404(api, call)
    current = {k: v for k, v in _unsealed(old, keyring(api)).items() if k not in READ_ONLY}
    patched = apply_patch(current, call.patch())
    patched = {k: v for k, v in patched.items() if k not in READ_ONLY}
    return 200, value(_save(api, call, old["id"], _validated(patched), old["created_at"]))


def delete_upstream(api: Api, call: Call) -> tuple[int, Any]:
    upstream = _upstream_or_404(api, call)
    group_id, service_id = call.params["gateway_group_id"], call.params["service_id"]
    users = render.upstream_users(api.cp, group_id, upstream["id"])
    if users:
        raise ApiError(
            400,
            f"upstream {upstream['id']} is still used by {', '.join(users)}; "
            "remove those references first",
        )
    render.remove_upstream(api.cp, group_id, upstream["id"])
    api.cp.delete(SERVICE_UPSTREAMS, group_id, service_id, upstream["id"])
    return 200, value({})


def remove_all(api: Api, group_id: str, service_id: str) -> None:
    """Drop every upstream of a published service (the service is being deleted)."""
    for upstream in api.cp.all(SERVICE_UPSTREAMS, group_id, service_id):
        render.remove_upstream(api.cp, group_id, upstream["id"])
        api.cp.delete(SERVICE_UPSTREAMS, group_id, service_id, upstream["id"])


COLLECTION = "/services/{service_id}/upstreams"
ITEM = f"{COLLECTION}/{{upstream_id}}"
# a service's upstreams are read and written as the published service
COMPAT_ROUTES = COMPAT.same(
    [
        ("POST", COLLECTION, create_upstream),
        ("GET", COLLECTION, list_upstreams),
        ("GET", ITEM, get_upstream),
        ("PUT", ITEM, put_upstream),
        ("PATCH", ITEM, patch_upstream),
        ("DELETE", ITEM, delete_upstream),
    ],
    "gateway:GetPublishedService",
    "gateway:UpdatePublishedService",
    "gateway_group_id",
    "service_id",
)
