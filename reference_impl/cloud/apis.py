"""APIs of an application: `/apps/{app_id}/apis[/{api_id}]` (paths from api7/cloud-go-sdk),
and the cluster-wide search `/clusters/{cluster_id}/apis`."""

from __future__ import annotations

from typing import Any

from . import lookup
from .applications import apis_of, publish
from .context import CloudContext, CloudRequest
from .envelope import NO_PAYLOAD, conflict
from .listing import page
from .records import stamp
from .schemas import API, without_required
from .validation import apisix_plugins, check_body

API_PATCH = without_required(API)
API_DEFAULTS: dict[str, Any] = {
    "description": "",
    "labels": [],
    "methods": [],
    "plugins": {},
    "strip_path_prefix": False,
    "active": 0,
    "type": "Rest",
}
MANAGED = ("id", "app_id", "status", "created_at", "updated_at")


def checked_api(
    ctx: CloudContext, app: dict[str, Any], conf: dict[str, Any], current: dict[str, Any] | None
) -> dict[str, Any]:
    """A checked API object (defaults filled, name unique in its application)."""
    spec = {**API_DEFAULTS, **{k: v for k, v in conf.items() if k not in MANAGED}}
    spec["paths"] = [
        {"path": p.get("path", ""), "path_type": p.get("path_type", "Prefix")}
        for p in spec["paths"]
    ]
    apisix_plugins(spec["plugins"])
    siblings = apis_of(ctx, app["id"])
    for other in siblings:
        if other["name"] == spec["name"] and (current is None or other["id"] != current["id"]):
            raise conflict(f"API name {spec['name']!r} is already used in this application")
    api = {
        **spec,
        "id": current["id"] if current else ctx.records.new_id(),
        "app_id": app["id"],
        "status": 50,
    }
    return stamp(api, current)


def _save(ctx: CloudContext, app: dict[str, Any], api: dict[str, Any]) -> dict[str, Any]:
    """Translate the application with this API first (refusing what cannot run), then store."""
    others = [a for a in apis_of(ctx, app["id"]) if a["id"] != api["id"]]
    publish(ctx, app, [*others, api])
    ctx.records.put("apis", api)
    return api


def list_apis(ctx: CloudContext, req: CloudRequest) -> Any:
    app = lookup.app(ctx, req)
    return page(apis_of(ctx, app["id"]), req.query, ("created_at", "updated_at", "name"))


def create_api(ctx: CloudContext, req: CloudRequest) -> Any:
    app = lookup.app(ctx, req)
    return _save(ctx, app, checked_api(ctx, app, lookup.body(req, API), None))


def get_api(ctx: CloudContext, req: CloudRequest) -> Any:
    return lookup.api(ctx, req, lookup.app(ctx, req))


def update_api(ctx: CloudContext, req: CloudRequest) -> Any:
    app = lookup.app(ctx, req)
    current = lookup.api(ctx, req, app)
    return _save(ctx, app, checked_api(ctx, app, lookup.body(req, API), current))


def patch_api(ctx: CloudContext, req: CloudRequest) -> Any:
    app = lookup.app(ctx, req)
    current = lookup.api(ctx, req, app)
    changes = lookup.body(req, API_PATCH)
    merged = {k: v for k, v in {**current, **changes}.items() if v is not None}
    check_body(API, {k: v for k, v in merged.items() if k in API["properties"]})
    return _save(ctx, app, checked_api(ctx, app, merged, current))


def delete_api(ctx: CloudContext, req: CloudRequest) -> Any:
    app = lookup.app(ctx, req)
    api = lookup.api(ctx, req, app)
    publish(ctx, app, [a for a in apis_of(ctx, app["id"]) if a["id"] != api["id"]])
    ctx.records.delete("apis", api["id"])
    return NO_PAYLOAD


def delete_all_apis(ctx: CloudContext, req: CloudRequest) -> Any:
    app = lookup.app(ctx, req)
    publish(ctx, app, [])
    for api in apis_of(ctx, app["id"]):
        ctx.records.delete("apis", api["id"])
    return NO_PAYLOAD


def search_apis(ctx: CloudContext, req: CloudRequest) -> Any:
    """APIs of every application of the cluster, each with its parent application."""
    cluster = lookup.cluster(ctx, req)
    apps = {a["id"]: a for a in ctx.records.where("apps", "cluster_id", cluster["id"])}
    apis = [
        {**api, "app": {k: apps[api["app_id"]][k] for k in ("id", "name", "path_prefix", "hosts")}}
        for api in ctx.records.all("apis")
        if api["app_id"] in apps
    ]
    return page(apis, req.query, ("created_at", "updated_at", "name"))
