"""Loaded plugins of a cluster: `/clusters/{cluster_id}/plugin_management[/{id}[/reference]]`.

The Go SDK has no client for these; the path is named after the documented
`plugin_management_id` parameter. Only plugins the reference gateway implements load.
"""

from __future__ import annotations

from typing import Any

from ..schema import PLUGINS, SchemaError, check_resource
from . import lookup
from .context import CloudContext, CloudRequest
from .envelope import NO_PAYLOAD, conflict, invalid, not_found, precondition
from .listing import page
from .records import stamp
from .schemas import PLUGIN_LOAD, PLUGIN_UPDATE


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


def load_plugin(ctx: CloudContext, req: CloudRequest) -> Any:
    cluster = lookup.cluster(ctx, req)
    conf = lookup.body(req, PLUGIN_LOAD)
    name = conf["name"]
    if name not in PLUGINS:
        raise invalid(f"unknown plugin {name!r}: this gateway does not implement it")
    loaded = ctx.records.all("plugins", cluster["id"])
    if any(p["name"] == name for p in loaded):
        raise conflict(f"plugin {name!r} is already loaded in this cluster")
    plugin_id = conf.get("plugin_management_id") or ctx.records.new_id()
    if ctx.records.get("plugins", cluster["id"], plugin_id) is not None:
        raise conflict(f"plugin_management_id {plugin_id!r} is already used")
    metadata = conf.get("metadata", {})
    _check_metadata(name, metadata)
    plugin = {
        "id": plugin_id,
        "cluster_id": cluster["id"],
        "name": name,
        "type": conf.get("type") or PLUGINS[name].kind or "other",
        "metadata": metadata,
    }
    stamp(plugin)
    return ctx.records.put("plugins", plugin, cluster["id"], plugin_id)


def list_plugins(ctx: CloudContext, req: CloudRequest) -> Any:
    cluster = lookup.cluster(ctx, req)
    return page(ctx.records.all("plugins", cluster["id"]), req.query, ("created_at", "updated_at"))


def update_plugin(ctx: CloudContext, req: CloudRequest) -> Any:
    cluster, current = _loaded(ctx, req)
    conf = lookup.body(req, PLUGIN_UPDATE)
    metadata = conf.get("metadata", {})
    _check_metadata(current["name"], metadata)
    plugin = stamp({**current, "metadata": metadata}, current)
    ctx.records.put("plugins", plugin, cluster["id"], current["id"])
    return NO_PAYLOAD


def delete_plugin(ctx: CloudContext, req: CloudRequest) -> Any:
    cluster, current = _loaded(ctx, req)
    used = references(ctx, cluster["id"], current["name"])
    if used:
        raise precondition(f"plugin {current['name']!r} is still used by {len(used)} object(s)")
    ctx.records.delete("plugins", cluster["id"], current["id"])
    return NO_PAYLOAD


def plugin_reference(ctx: CloudContext, req: CloudRequest) -> Any:
    cluster, current = _loaded(ctx, req)
    used = references(ctx, cluster["id"], current["name"])
    return {"list": used, "count": len(used)}
