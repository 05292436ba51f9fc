"""APIs of an application: `/apps/{app_id}/apis[/{api_id}]` (paths from api7/cloud-go-sdk),
and the cluster-wide search `/clusters/{cluster_id}/apis`."""

from __future__ import annotations

from typing import Any

from ..api.context import CollectionRequest, Context
from . import lookup
from .applications import apis_of, publish
from .collection import OwnedCollection, Record, cloud_of
from .context import CloudContext, CloudRequest
from .envelope import NO_PAYLOAD, conflict
from .listing import page
from .records import stamp
from .schemas import API, without_required
from .validation import apisix_plugins, require

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


def _fields(ctx: Context | CloudContext, app_id: str, conf: Record, id: str | None) -> Record:
    """An API's fields (defaults filled, plugins checked, its name unique in its application)."""
    spec = {**API_DEFAULTS, **{k: v for k, v in conf.items() if k not in MANAGED}}
    spec["paths"] = [
        {"path": p.get("path", ""), "path_type": p.get("path_type", "Prefix")}
        for p in spec["paths"]
    ]
    apisix_plugins(spec["plugins"])
    for other in ctx.records.where("apis", "app_id", app_id):
        if other["name"] == spec["name"] and other["id"] != id:
            raise conflict(f"API name {spec['name']!r} is already used in this application")
    return {**spec, "app_id": app_id, "status": 50}


def checked_api(ctx: CloudContext, app: Record, conf: Record) -> Record:
    """A new checked API of `app`, not stored (the OpenAPI import stores it)."""
    return stamp({**_fields(ctx, app["id"], conf, None), "id": ctx.records.new_id()})


class Apis(OwnedCollection):
    """Every write translates the API's application with it (refusing what cannot run)
    before storing it, and republishes the application."""

    name, kind = "apis", "API"
    owner_kind, owner_label, owner_field = "apps", "application", "app_id"
    schema, patch_schema = API, without_required(API)
    patch_drops_nulls = True

    def fields(self, ctx: Context, id: str | None, conf: Record, req: CollectionRequest) -> Record:
        return _fields(ctx, str(req.parent), conf, id)

    def commit(
        self, ctx: Context, req: CollectionRequest, key: str, value: dict, rev: int | None
    ) -> None:
        cloud = cloud_of(ctx)
        others = [a for a in apis_of(cloud, value["app_id"]) if a["id"] != value["id"]]
        publish(cloud, _app(cloud, value["app_id"]), [*others, value])
        super().commit(ctx, req, key, value, rev)

    def after_delete(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        cloud = cloud_of(ctx)
        publish(cloud, _app(cloud, str(req.parent)), apis_of(cloud, str(req.parent)))


APIS = Apis()


def _app(ctx: CloudContext, app_id: str) -> Record:
    return require(ctx.records.get("apps", app_id), "application")


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
