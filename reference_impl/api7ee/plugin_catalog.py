"""What the dashboard shows about plugins: `GET /api/plugins` (3.2.14: every plugin with its
type, priority and version, `?subsystem=`), `GET /api/plugin_catalogs` and
`GET /api/plugins/{plugin_name}/usage` (paths inferred): the catalogs group the plugins by
what they do; the usage lists, per gateway group, the routes, services, consumers, consumer
groups, plugin configs and global rules that configure the plugin."""

from __future__ import annotations

from typing import Any

from ..api.errors import ApiError
from ..schema.plugins import CATALOGS, PLUGINS
from .context import API, Api, Call

SUBSYSTEMS = ("http", "stream")
# the APISIX directories of a gateway group whose objects carry `plugins`
CARRIERS = {
    "routes": "route",
    "services": "service",
    "consumers": "consumer",
    "consumer_groups": "consumer_group",
    "plugin_configs": "plugin_config",
    "global_rules": "global_rule",
    "stream_routes": "stream_route",
}


def _subsystem(call: Call) -> str:
    subsystem = call.args.get("subsystem", "http")
    if subsystem not in SUBSYSTEMS:
        raise ApiError(400, f"invalid query parameter subsystem: must be one of {list(SUBSYSTEMS)}")
    return subsystem


def plugin_details(api: Api, call: Call) -> tuple[int, Any]:
    subsystem = _subsystem(call)
    group_id = call.args.get("gateway_group_id")
    if group_id is not None:
        api.group_or_404(group_id)
    rows = [
        {
            "plugin_name": spec.name,
            "type": spec.kind or "other",
            "priority": spec.priority,
            "version": spec.version,
            "has_metadata": spec.metadata_schema is not None,
            "catalog": next((c for c, names in CATALOGS.items() if spec.name in names), None),
        }
        for spec in sorted(PLUGINS.values(), key=lambda s: -s.priority)
        if subsystem in spec.subsystems
    ]
    return 200, {"value": rows}


def catalogs(api: Api, call: Call) -> tuple[int, Any]:
    return 200, {
        "value": [{"name": name, "plugins": list(names)} for name, names in CATALOGS.items()]
    }


def usage(api: Api, call: Call) -> tuple[int, Any]:
    name = call.params["plugin_name"]
    if name not in PLUGINS:
        raise ApiError(404, f"plugin {name} not found")
    api.cp.ensure_default_group()
    found = []
    for group in api.cp.groups():
        for directory, kind in CARRIERS.items():
            for obj in api.cp.apisix_list(group["id"], directory):
                if name in (obj.get("plugins") or {}):
                    ident = obj.get("id") or obj.get("username")
                    found.append(
                        {
                            "gateway_group_id": group["id"],
                            "resource_type": kind,
                            "id": ident,
                            "name": obj.get("name") or ident,
                        }
                    )
    return 200, {"value": {"plugin_name": name, "total": len(found), "list": found}}


ROUTES = [
    API("GET", "/plugins", plugin_details, None),
    API("GET", "/plugin_catalogs", catalogs, None),
    API("GET", "/plugins/{plugin_name}/usage", usage, None),
]
