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
from ..api.actions import same_actions
from ..api.collection import Answer
from ..api.context import CollectionRequest, Context
from ..api.errors import ApiError, not_found
from ..api.routes import collection_routes
from . import render, service_discovery
from .context import Api
from .cpstore import PUBLISHED, SERVICE_UPSTREAMS, ControlStore
from .group_collections import GROUP, GroupCollection, control_store, group_context
from .schemas import DESC, ID, LABELS, NAME, check
from .sni_render import upstream_tls

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


def _published_record(cp: ControlStore, req: CollectionRequest) -> dict[str, Any]:
    group_id, service_id = _scope(req)
    record = cp.get(PUBLISHED, group_id, service_id)
    if record is None:
        raise not_found(f"published service {service_id} on gateway group {group_id}")
    return record


def _scope(req: CollectionRequest) -> tuple[str, str]:
    """(gateway group, published service) of a request."""
    group_id, _, service_id = str(req.parent).partition("/")
    return group_id, service_id


def _validated(body: Any) -> dict[str, Any]:
    upstream = check(UPSTREAM, body)
    filled = {**DEFAULTS, **copy.deepcopy(upstream)}
    for node in filled.get("nodes", []):
        node.setdefault("priority", 0)
    return filled


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


def _with_publish_info(record: dict[str, Any], upstream: dict[str, Any]) -> dict[str, Any]:
    return {
        **upstream,
        "gateway_group_id": record["gateway_group_id"],
        "service_id": record["service_id"],
        "service_version_id": record["service_version_id"],
        "apisix_upstream_id": upstream["id"],
    }


def _flag(args: Any, name: str) -> bool:
    raw = args.get(name)
    if raw not in (None, "true", "false"):
        raise ApiError(400, f"invalid query parameter {name}: must be true or false")
    return raw == "true"


class ServiceUpstreams(GroupCollection):
    """A published service's extra upstreams, scoped by `{group}/{service}`: each write is
    rendered into the group's APISIX upstream; the deprecated `tls.client_key` is stored
    (and answered) encrypted. They are read and written as the published service."""

    name, path, kind = SERVICE_UPSTREAMS, "upstreams", "upstream"
    item_pattern = "{upstream_id}"
    order_fields = ("created_at",)
    default_order = "created_at"
    actions = same_actions(
        "gateway:GetPublishedService", "gateway:UpdatePublishedService", GROUP, "service_id"
    )

    def handle(self, method: str, ctx: Context, req: CollectionRequest) -> Answer:
        record = _published_record(control_store(ctx), req)
        if method == "get" and not req.segments:
            for name, only in (("order_by", "created_at"), ("direction", "asc")):
                if req.args.get(name) not in (None, only):
                    raise ApiError(400, f"invalid query parameter {name}: the only value is {only}")
            # the documented order
            req.args = QueryParams([*QueryParams(req.args).multi_items(), ("direction", "asc")])
        status, body = super().handle(method, ctx, req)
        if method == "delete":
            return status, {"value": {}}
        if method == "get" and req.segments:
            if _flag(req.args, "with_publish_info"):
                body = {"value": _with_publish_info(record, body["value"])}
        elif method == "get" and body["list"] and _flag(req.args, "with_publish_info"):
            body = {**body, "list": [_with_publish_info(record, u) for u in body["list"]]}
        return status, body

    def missing(self, id: str, req: CollectionRequest) -> str:
        return f"upstream {id} of published service {_scope(req)[1]} not found"

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        if req.method == "put" and "id" in conf and conf["id"] != id:
            raise ApiError(
                400, "invalid request body: id does not match the upstream_id in the path"
            )
        return _validated({k: v for k, v in conf.items() if k not in READ_ONLY})

    def editable(self, ctx: Context, value: dict[str, Any]) -> dict[str, Any]:
        plain = _unsealed(value, ctx.keyring)
        return {k: v for k, v in plain.items() if k not in READ_ONLY}

    def encode(self, ctx: Context, value: dict) -> dict:
        return _sealed(value, ctx.keyring)

    def commit(
        self, ctx: Context, req: CollectionRequest, key: str, value: dict, rev: int | None
    ) -> None:
        """Render and write the APISIX upstream (its client key sealed too), then store."""
        cp, group_id = control_store(ctx), _scope(req)[0]
        body = self.editable(ctx, value)
        tls = upstream_tls(cp, group_id, body, ctx.keyring).get("tls")
        rendered = render.service_upstream(value["id"], body, value["updated_at"], tls)
        rendered = service_discovery.resolve(cp, group_id, rendered)
        render.write_upstream(cp, group_id, _sealed(rendered, ctx.keyring))
        super().commit(ctx, req, key, value, rev)

    def delete_checker(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        users = render.upstream_users(control_store(ctx), _scope(req)[0], id)
        if users:
            raise ApiError(
                400,
                f"upstream {id} is still used by {', '.join(users)}; remove those references first",
            )

    def after_delete(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        render.remove_upstream(control_store(ctx), _scope(req)[0], id)


def remove_all(api: Api, group_id: str, service_id: str) -> None:
    """Drop every upstream of a published service (the service is being deleted)."""
    for upstream in api.cp.all(SERVICE_UPSTREAMS, group_id, service_id):
        render.remove_upstream(api.cp, group_id, upstream["id"])
        api.cp.delete(SERVICE_UPSTREAMS, group_id, service_id, upstream["id"])


def _group_and_service(call: Any) -> str:
    return f"{call.params[GROUP]}/{call.params['service_id']}"


COMPAT_ROUTES = collection_routes(
    ServiceUpstreams(),
    "upstream_id",
    group_context,
    "/apisix/admin",
    under="/services/{service_id}",
    scope_of=_group_and_service,
)
