"""Applications: `/clusters/{cluster_id}/apps[/{app_id}]` (paths from api7/cloud-go-sdk)."""

from __future__ import annotations

from typing import Any

from . import lookup
from .context import CloudContext, CloudRequest
from .envelope import NO_PAYLOAD, conflict, invalid, precondition
from .listing import page
from .records import stamp
from .schemas import APPLICATION, without_required
from .translate import application_objects
from .validation import apisix_plugins, check_body

APP_PATCH = without_required(APPLICATION)
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


def checked_application(
    ctx: CloudContext, cluster_id: str, conf: dict[str, Any], current: dict[str, Any] | None
) -> dict[str, Any]:
    """A checked application object (defaults filled, unique name, translatable)."""
    spec = {**APP_DEFAULTS, **{k: v for k, v in conf.items() if k not in MANAGED}}
    if "protocol" in spec and "protocols" not in conf:
        spec["protocols"] = [spec["protocol"]]
    apisix_plugins(spec["plugins"])
    for other in ctx.records.where("apps", "cluster_id", cluster_id):
        if other["name"] == spec["name"] and (current is None or other["id"] != current["id"]):
            raise conflict(f"application name {spec['name']!r} is already used in this cluster")
    app = {
        **spec,
        "id": current["id"] if current else ctx.records.new_id(),
        "cluster_id": cluster_id,
        "status": 50,
        "available_cert_ids": [],
        "canary_release_id": [],
        "canary_upstream_version_list": [],
    }
    # translating refuses what the data plane could not run, before anything is stored
    application_objects(app, apis_of(ctx, app["id"]) if current else [])
    return stamp(app, current)


def list_apps(ctx: CloudContext, req: CloudRequest) -> Any:
    cluster = lookup.cluster(ctx, req)
    active = req.query.get("active", "-1")
    if active not in ("-1", "0", "1"):
        raise invalid("invalid query parameter active: must be -1, 0 or 1")
    return page(
        ctx.records.where("apps", "cluster_id", cluster["id"]),
        req.query,
        ("created_at", "updated_at", "name", "path_prefix"),
        keep=None if active == "-1" else lambda app: app.get("active", 0) == int(active),
    )


def create_app(ctx: CloudContext, req: CloudRequest) -> Any:
    cluster = lookup.cluster(ctx, req)
    app = checked_application(ctx, cluster["id"], lookup.body(req, APPLICATION), None)
    ctx.records.put("apps", app)
    publish(ctx, app, [])
    return app


def get_app(ctx: CloudContext, req: CloudRequest) -> Any:
    return lookup.app(ctx, req)


def update_app(ctx: CloudContext, req: CloudRequest) -> Any:
    current = lookup.app(ctx, req)
    app = checked_application(ctx, current["cluster_id"], lookup.body(req, APPLICATION), current)
    ctx.records.put("apps", app)
    publish(ctx, app, apis_of(ctx, app["id"]))
    return app


def patch_app(ctx: CloudContext, req: CloudRequest) -> Any:
    current = lookup.app(ctx, req)
    changes = lookup.body(req, APP_PATCH)
    merged = {k: v for k, v in {**current, **changes}.items() if v is not None}
    check_body(APPLICATION, {k: v for k, v in merged.items() if k in APPLICATION["properties"]})
    app = checked_application(ctx, current["cluster_id"], merged, current)
    ctx.records.put("apps", app)
    publish(ctx, app, apis_of(ctx, app["id"]))
    return app


def remove_app(ctx: CloudContext, app: dict[str, Any], cascade: bool) -> None:
    apis = apis_of(ctx, app["id"])
    if apis and not cascade:
        raise precondition(
            f"application {app['id']} still has {len(apis)} API(s); delete them or use cascade=true"
        )
    ctx.dataplane.sync_application(ctx.dataplane_prefix(app["cluster_id"]), app["id"], {})
    for api in apis:
        ctx.records.delete("apis", api["id"])
    ctx.records.delete("apps", app["id"])


def delete_app(ctx: CloudContext, req: CloudRequest) -> Any:
    remove_app(ctx, lookup.app(ctx, req), lookup.flag(req, "cascade"))
    return NO_PAYLOAD


def delete_all_apps(ctx: CloudContext, req: CloudRequest) -> Any:
    cluster = lookup.cluster(ctx, req)
    cascade = lookup.flag(req, "cascade")
    apps = ctx.records.where("apps", "cluster_id", cluster["id"])
    if not cascade:
        for app in apps:
            if apis_of(ctx, app["id"]):
                raise precondition(
                    f"application {app['id']} still has APIs; delete them or use cascade=true"
                )
    for app in apps:
        remove_app(ctx, app, cascade)
    return NO_PAYLOAD
