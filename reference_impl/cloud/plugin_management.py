"""Loaded plugins of a cluster: `/clusters/{cluster_id}/plugin_management[/{id}[/reference]]`.

The Go SDK has no client for these; the path is named after the documented
`plugin_management_id` parameter. Only plugins the reference gateway implements load.
"""

from __future__ import annotations

from typing import Any

from ..api.collection import Answer
from ..api.context import CollectionRequest, Context
from ..schema import PLUGINS, SchemaError, check_resource
from . import lookup
from .collection import OwnedCollection, Record, cloud_of
from .context import CloudContext, CloudRequest
from .envelope import NO_PAYLOAD, conflict, invalid, not_found, precondition
from .schemas import PLUGIN_LOAD, PLUGIN_UPDATE
from .validation import check_body


def _check_metadata(name: str, metadata: dict[str, Any]) -> None:
    spec = PLUGINS[name]
    if not metadata or spec.metadata_schema is None:
        return
    try:
        check_resource(f"plugin_metadata/{name}", {"id": name, **metadata})
    except SchemaError as exc:
        raise invalid(f"invalid metadata of plugin {name}: {exc}") from None


def _loaded(ctx: CloudContext, req: CloudRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    cluster = lookup.cluster(ctx, req)
    plugin_id = req.param("plugin_management_id")
    found = ctx.records.get("plugins", cluster["id"], plugin_id)
    if found is None:
        raise not_found("loaded plugin")
    return cluster, found


def references(ctx: CloudContext, cluster_id: str, name: str) -> list[dict[str, Any]]:
    """Applications, APIs and consumers of the cluster that configure plugin `name`."""

    def uses(obj: dict[str, Any]) -> bool:
        return any(key.replace("_", "-") == name for key in (obj.get("plugins") or {}))

    found = []
    apps = ctx.records.where("apps", "cluster_id", cluster_id)
    app_ids = {app["id"] for app in apps}
    found += [{"type": "application", "id": a["id"], "name": a["name"]} for a in apps if uses(a)]
    found += [
        {"type": "api", "id": a["id"], "name": a["name"], "app_id": a["app_id"]}
        for a in ctx.records.all("apis")
        if a["app_id"] in app_ids and uses(a)
    ]
    found += [
        {"type": "consumer", "id": c["id"], "name": c["name"]}
        for c in ctx.records.where("consumers", "cluster_id", cluster_id)
        if uses(c)
    ]
    return found


class PluginManagement(OwnedCollection):
    """Plugins loaded in a cluster, stored per cluster (`plugins/{cluster}/{id}`): POST
    loads one (its id may be the client's `plugin_management_id`), PUT changes its
    metadata, DELETE unloads one no object uses; there is no GET of one item."""

    name, path, kind = "plugins", "plugin_management", "loaded plugin"
    unsupported = frozenset({"patch"})
    item_get = False
    order_fields = ("created_at", "updated_at")

    def dir_path(self, req: CollectionRequest) -> str:
        return f"/{self.name}/{req.parent}"

    def check_id(self, id: str) -> str:
        return id  # any path id names a loaded plugin or none (404)

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        if id is not None:
            current = ctx.records.get(self.name, str(req.parent), id) or {}
            metadata = check_body(PLUGIN_UPDATE, conf).get("metadata", {})
            _check_metadata(current["name"], metadata)
            return {**current, "metadata": metadata}
        conf = dict(check_body(PLUGIN_LOAD, conf))
        name = conf["name"]
        if name not in PLUGINS:
            raise invalid(f"unknown plugin {name!r}: this gateway does not implement it")
        if any(p["name"] == name for p in ctx.records.all(self.name, str(req.parent))):
            raise conflict(f"plugin {name!r} is already loaded in this cluster")
        chosen = conf.get("plugin_management_id")
        if chosen and ctx.records.get(self.name, str(req.parent), chosen) is not None:
            raise conflict(f"plugin_management_id {chosen!r} is already used")
        metadata = conf.get("metadata", {})
        _check_metadata(name, metadata)
        return {
            "cluster_id": req.parent,
            "name": name,
            "type": conf.get("type") or PLUGINS[name].kind or "other",
            "metadata": metadata,
        }

    def fields(self, ctx: Context, id: str | None, conf: Record, req: CollectionRequest) -> Record:
        return conf  # check_conf is this kind's own

    def new_id(self, ctx: Context, req: CollectionRequest) -> str:
        return str(req.body.get("plugin_management_id") or ctx.records.new_id())

    def put(self, ctx: Context, req: CollectionRequest) -> Answer:
        status, _ = super().put(ctx, req)
        return status, NO_PAYLOAD  # the change is not echoed

    def delete_checker(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        current = ctx.records.get(self.name, str(req.parent), id) or {}
        used = references(cloud_of(ctx), str(req.parent), current["name"])
        if used:
            raise precondition(f"plugin {current['name']!r} is still used by {len(used)} object(s)")


PLUGIN_MANAGEMENT = PluginManagement()


def plugin_reference(ctx: CloudContext, req: CloudRequest) -> Any:
    cluster, current = _loaded(ctx, req)
    used = references(ctx, cluster["id"], current["name"])
    return {"list": used, "count": len(used)}
