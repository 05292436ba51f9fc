"""Applications: `/clusters/{cluster_id}/apps[/{app_id}]` (paths from api7/cloud-go-sdk)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..api.context import CollectionRequest, Context
from . import lookup
from .collection import OwnedCollection, Record, cloud_of
from .context import CloudContext, CloudRequest
from .envelope import NO_PAYLOAD, conflict, invalid, precondition
from .lookup import flag
from .records import stamp
from .schemas import APPLICATION, without_required
from .translate import application_objects
from .validation import apisix_plugins

APP_DEFAULTS: dict[str, Any] = {
    "description": "",
    "labels": [],
    "protocols": ["HTTP"],
    "plugins": {},
    "default_upstream_version": "default",
    "active": 0,
}
MANAGED = ("id", "cluster_id", "status", "created_at", "updated_at")


def apis_of(ctx: CloudContext, app_id: str) -> list[dict[str, Any]]:
    return ctx.records.where("apis", "app_id", app_id)


def publish(ctx: CloudContext, app: dict[str, Any], apis: list[dict[str, Any]]) -> None:
    """Write the application's APISIX routes and upstreams where its cluster's data plane reads."""
    objects = application_objects(app, apis)
    ctx.dataplane.sync_application(ctx.dataplane_prefix(app["cluster_id"]), app["id"], objects)


def _fields(ctx: Context | CloudContext, cluster_id: str, conf: Record, id: str | None) -> Record:
    """An application's fields (defaults filled, plugins checked, its name unique)."""
    spec = {**APP_DEFAULTS, **{k: v for k, v in conf.items() if k not in MANAGED}}
    if "protocol" in spec and "protocols" not in conf:
        spec["protocols"] = [spec["protocol"]]
    apisix_plugins(spec["plugins"])
    for other in ctx.records.where("apps", "cluster_id", cluster_id):
        if other["name"] == spec["name"] and other["id"] != id:
            raise conflict(f"application name {spec['name']!r} is already used in this cluster")
    return {
        **spec,
        "cluster_id": cluster_id,
        "status": 50,
        "available_cert_ids": [],
        "canary_release_id": [],
        "canary_upstream_version_list": [],
    }


def checked_application(ctx: CloudContext, cluster_id: str, conf: Record) -> Record:
    """A new checked application object, not stored (the OpenAPI import stores it)."""
    app = {**_fields(ctx, cluster_id, conf, None), "id": ctx.records.new_id()}
    application_objects(app, [])  # refuses what the data plane could not run
    return stamp(app)


class Applications(OwnedCollection):
    """An application's routes and upstreams (with its APIs') go to its cluster's data
    plane on every write; one with APIs is deleted only with `cascade=true`."""

    name, kind = "apps", "application"
    schema, patch_schema = APPLICATION, without_required(APPLICATION)
    patch_drops_nulls = True
    order_fields = ("created_at", "updated_at", "name", "path_prefix")

    def fields(self, ctx: Context, id: str | None, conf: Record, req: CollectionRequest) -> Record:
        return _fields(ctx, str(req.parent), conf, id)

    def keep(self, req: CollectionRequest) -> Callable[[Record], bool] | None:
        active = req.args.get("active", "-1")
        if active not in ("-1", "0", "1"):
            raise invalid("invalid query parameter active: must be -1, 0 or 1")
        return None if active == "-1" else lambda app: app.get("active", 0) == int(active)

    def commit(
        self, ctx: Context, req: CollectionRequest, key: str, value: dict, rev: int | None
    ) -> None:
        cloud = cloud_of(ctx)
        # translating refuses what the data plane could not run, before anything is stored
        objects = application_objects(value, apis_of(cloud, value["id"]))
        super().commit(ctx, req, key, value, rev)
        cloud.dataplane.sync_application(
            cloud.dataplane_prefix(value["cluster_id"]), value["id"], objects
        )

    def delete_checker(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        cascade, apis = flag(req.args, "cascade"), apis_of(cloud_of(ctx), id)
        if apis and not cascade:
            raise precondition(
                f"application {id} still has {len(apis)} API(s); delete them or use cascade=true"
            )

    def after_delete(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        _unpublish(cloud_of(ctx), {"id": id, "cluster_id": req.parent})


APPLICATIONS = Applications()


def _unpublish(ctx: CloudContext, app: Record) -> None:
    """Take the application and its APIs off the data plane and out of the store."""
    ctx.dataplane.sync_application(ctx.dataplane_prefix(app["cluster_id"]), app["id"], {})
    for api in apis_of(ctx, app["id"]):
        ctx.records.delete("apis", api["id"])


def remove_app(ctx: CloudContext, app: Record) -> None:
    """Delete an application and its APIs (the caller has checked it may)."""
    _unpublish(ctx, app)
    ctx.records.delete("apps", app["id"])


def delete_all_apps(ctx: CloudContext, req: CloudRequest) -> Any:
    cluster = lookup.cluster(ctx, req)
    cascade = flag(req.query, "cascade")
    apps = ctx.records.where("apps", "cluster_id", cluster["id"])
    if not cascade:
        for app in apps:
            if apis_of(ctx, app["id"]):
                raise precondition(
                    f"application {app['id']} still has APIs; delete them or use cascade=true"
                )
    for app in apps:
        remove_app(ctx, app)
    return NO_PAYLOAD
