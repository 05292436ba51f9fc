"""Gateway groups: `/api/gateway_groups[/{id}]`, its admin key and instance token (its
instances: instances.py).

A gateway group is a namespace of APISIX resources served by a data plane of its own. A
group cannot be deleted while services are published on it; the default group (the plain
APISIX namespace) cannot be deleted at all. There are at most `gwconform.max_gateway_groups`
groups (dataplanes.MAX_GATEWAY_GROUPS by default), the default one included.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from ..api.actions import crud_actions
from ..api.collection import Answer, RecordCollection
from ..api.context import CollectionRequest, Context
from ..api.errors import ApiError
from . import instances, service_registries
from .context import API, Api, Call
from .cpstore import DEFAULT_GROUP, GATEWAY_GROUPS, PUBLISHED
from .group_collections import api_routes, control_plane, control_store
from .schemas import GATEWAY_GROUP_CREATE, GATEWAY_GROUP_UPDATE, check
from .web import value

HIDDEN = ("admin_key", "instance_token_sha256")


def view(api: Api, group: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in group.items() if k not in HIDDEN}
    shown["instances"] = instances.of_group(api, group["id"])
    return shown


class GatewayGroups(RecordCollection):
    """The gateway groups: creating or deleting one starts or stops its data plane (the
    app syncs the data planes once the request's write is stored)."""

    name, kind = GATEWAY_GROUPS, "gateway group"
    unsupported = frozenset({"patch"})
    item_pattern = "{gateway_group_id}"
    search_fields = ("name", "description")
    actions = crud_actions("GatewayGroup", (), item_arg="gateway_group_id", patch=False)

    def handle(self, method: str, ctx: Context, req: CollectionRequest) -> Answer:
        if method == "get":
            control_store(ctx).ensure_default_group()
        return super().handle(method, ctx, req)

    def missing(self, id: str, req: CollectionRequest) -> str:
        return f"gateway group {id} not found"

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        if id is not None:
            body = check(GATEWAY_GROUP_UPDATE, conf)
            old = ctx.records.get(self.name, id) or {}
            return {**old, **body, "labels": body.get("labels", {})}
        body = check(GATEWAY_GROUP_CREATE, conf)
        return {
            "name": body["name"],
            "description": body.get("description", ""),
            "labels": body.get("labels", {}),
            "type": body.get("type", "api7_gateway"),
            "enforce_service_publishing": body.get("enforce_service_publishing", False),
            "admin_key": _new_admin_key(),
        }

    def before_put(self, ctx: Context, req: CollectionRequest) -> None:
        if req.method != "post":
            return
        cp, limit = control_store(ctx), control_plane(ctx).planes.max_groups
        cp.ensure_default_group()
        if len(cp.groups()) >= limit:
            raise ApiError(
                400,
                f"too many gateway groups: at most {limit}, the default one included "
                "(gwconform.max_gateway_groups); delete one before creating another",
            )

    def created(self, ctx: Context, id: str, conf: dict) -> dict:
        return {**super().created(ctx, id, conf), "prefix": control_store(ctx).group_prefix(id)}

    def view_in(self, ctx: Context, value: Any) -> Any:
        return view(control_plane(ctx), value)

    def narrow(
        self, ctx: Context, req: CollectionRequest, rows: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        name = req.args.get("name")
        return rows if name is None else [g for g in rows if g.get("name") == name]

    def delete_checker(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        if id == DEFAULT_GROUP:
            raise ApiError(400, "the default gateway group cannot be deleted")
        published = control_store(ctx).all(PUBLISHED, id)
        if published:
            names = ", ".join(sorted(p["service_id"] for p in published))
            raise ApiError(
                400,
                f"gateway group {id} still has published services ({names}); "
                "delete them before deleting the gateway group",
            )

    def after_delete(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        cp = control_store(ctx)
        cp.drop_group_namespace(id)
        service_registries.forget_group_registries(control_plane(ctx), id)
        cp.drop_group_records(id)

    def changed(self, ctx: Context, req: CollectionRequest, id: str) -> None:
        if req.method == "post":
            control_plane(ctx).planes.reserve(id)
        if req.method in ("post", "delete"):
            assert isinstance(req.origin, Call)
            req.origin.groups_changed = True


def admin_key_of(api: Api, group: dict[str, Any]) -> str:
    """The group's admin key, made on first use."""
    if not group.get("admin_key"):
        group = {**group, "admin_key": _new_admin_key()}
        api.cp.put(GATEWAY_GROUPS, group, group["id"])
    return str(group["admin_key"])


def get_admin_key(api: Api, call: Call) -> tuple[int, Any]:
    group = api.group_or_404(call.params["gateway_group_id"])
    return 200, value({"key": admin_key_of(api, group)})


COUNTED = ("ssl", "consumer", "gateway_instance")


def count_resources(api: Api, call: Call) -> tuple[int, Any]:
    """`GET /api/gateway_groups/count/{resource_type}`: every group with its number of
    SSL objects, consumers or gateway instances."""
    kind = call.params["resource_type"]
    if kind not in COUNTED:
        raise ApiError(400, f"invalid resource_type {kind!r}: must be one of {list(COUNTED)}")
    api.cp.ensure_default_group()
    rows = []
    for group in api.cp.groups():
        if kind == "gateway_instance":
            count = len(instances.of_group(api, group["id"]))
        else:
            count = len(api.cp.apisix_list(group["id"], f"{kind}s"))
        rows.append({**{k: v for k, v in group.items() if k not in HIDDEN}, "count": count})
    return 200, call.listing(rows, search_fields=("name", "description"))


def regenerate_admin_key(api: Api, call: Call) -> tuple[int, Any]:
    group = api.group_or_404(call.params["gateway_group_id"])
    group = {**group, "admin_key": _new_admin_key(), "updated_at": api.cp.clock()}
    api.cp.put(GATEWAY_GROUPS, group, group["id"])
    return 200, value({"key": group["admin_key"]})


def create_instance_token(api: Api, call: Call) -> tuple[int, Any]:
    group = api.group_or_404(call.params["gateway_group_id"])
    token = "a7ee-gw-" + secrets.token_hex(24)
    digest = hashlib.sha256(token.encode()).hexdigest()
    api.cp.put(GATEWAY_GROUPS, {**group, "instance_token_sha256": digest}, group["id"])
    if call.args.get("only_token") in ("true", "1"):
        return 200, value(token)
    return 200, value({"token_plain_text": token, "gateway_group_id": group["id"]})


def admin_key_owner(api: Api, key: str) -> str | None:
    """The gateway group whose admin key `key` is, if any."""
    for group in api.cp.groups():
        if group.get("admin_key") and secrets.compare_digest(group["admin_key"], key):
            return group["id"]
    return None


def _new_admin_key() -> str:
    return secrets.token_hex(16)


GROUP = "/gateway_groups/{gateway_group_id}"
G = ("gateway_group_id",)
ROUTES = [
    *api_routes(GatewayGroups(), "gateway_group_id"),
    API("GET", f"{GROUP}/admin_key", get_admin_key, "gateway:GetAdminKey", *G),
    API("PUT", f"{GROUP}/admin_key", regenerate_admin_key, "gateway:UpdateGatewayGroup", *G),
    API(
        "POST",
        f"{GROUP}/instance_token",
        create_instance_token,
        "gateway:CreateGatewayInstance",
        *G,
    ),
    API(
        "GET",
        "/gateway_groups/count/{resource_type}",
        count_resources,
        "gateway:GetGatewayGroup",
        "*",
    ),
]
