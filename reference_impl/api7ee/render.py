"""Turn a published service (an immutable version plus the group's runtime configuration)
into the APISIX objects its gateway group's data plane serves, and write them."""

from __future__ import annotations

import copy
import re
from typing import Any

from . import runtime, service_discovery
from .cpstore import ControlStore
from .portal import auth as portal_auth
from .schemas import check_apisix, check_plugin_set, check_upstream

STRIP_PLUGIN = "proxy-rewrite"


def service_view(version: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """The effective published service (template fields + runtime configuration)."""
    snapshot = version["service"]
    base = runtime.base_of(snapshot, runtime.SERVICE_FIELDS)
    view = {k: copy.deepcopy(v) for k, v in snapshot.items() if k not in runtime.SERVICE_FIELDS}
    view.update(runtime.effective(base, record.get("runtime") or {}))
    view.setdefault("type", "http")
    view.setdefault("strip_path_prefix", True)
    return view


def route_view(route: dict[str, Any], record: dict[str, Any], key: str) -> dict[str, Any]:
    base = runtime.base_of(route, runtime.ROUTE_FIELDS)
    view = copy.deepcopy(route)
    view.update(runtime.effective(base, (record.get(key) or {}).get(route["id"]) or {}))
    return view


def render(
    cp: ControlStore,
    group_id: str,
    service_id: str,
    version: dict[str, Any],
    record: dict[str, Any],
    now: int,
) -> dict[str, dict[str, dict[str, Any]]]:
    """{"services"|"routes"|"stream_routes": {id: APISIX object}}, validated."""
    service = service_view(version, record)
    upstream = check_upstream(service["upstream"]) if service.get("upstream") else None
    if upstream is not None:  # nodes of a registry-discovered upstream
        upstream = service_discovery.resolve(cp, group_id, upstream)
    # the authentication of the published API products that link the service
    portal = portal_auth.service_plugins(cp, group_id, service_id)
    plugins = check_plugin_set({**(service.get("plugins") or {}), **portal})
    apisix_service: dict[str, Any] = {
        "id": service_id,
        "name": service.get("name", service_id)[:256],
        "labels": service.get("labels") or {},
        "plugins": plugins,
        "create_time": now,
        "update_time": now,
    }
    if service.get("desc"):
        apisix_service["desc"] = service["desc"][:256]
    if upstream is not None:
        apisix_service["upstream"] = upstream
    if service.get("hosts") and service.get("type") != "stream":
        apisix_service["hosts"] = service["hosts"]
    out: dict[str, dict[str, dict[str, Any]]] = {
        "services": {service_id: check_apisix("services", apisix_service)},
        "routes": {},
        "stream_routes": {},
    }
    enabled = service.get("status", 1) == 1
    for route in version.get("routes", []):
        out["routes"][route["id"]] = _route(
            service, route_view(route, record, "route_runtime"), enabled, now
        )
    for route in version.get("stream_routes", []):
        view = route_view(route, record, "stream_route_runtime")
        if enabled and view.get("status", 1) == 1:
            out["stream_routes"][route["id"]] = _stream_route(upstream, view, now)
    return out


def _route(
    service: dict[str, Any], route: dict[str, Any], enabled: bool, now: int
) -> dict[str, Any]:
    prefix = (service.get("path_prefix") or "").rstrip("/")
    plugins = check_plugin_set(route.get("plugins") or {})
    if prefix and service.get("strip_path_prefix", True):
        has_rewrite = STRIP_PLUGIN in plugins or STRIP_PLUGIN in (service.get("plugins") or {})
        if not has_rewrite:
            plugins[STRIP_PLUGIN] = {"regex_uri": [f"^{re.escape(prefix)}/?(.*)$", "/$1"]}
    conf: dict[str, Any] = {
        "id": route["id"],
        "name": route.get("name", route["id"])[:256],
        "service_id": route["service_id"],
        "uris": [prefix + path for path in route["paths"]],
        "plugins": plugins,
        "priority": route.get("priority", 0),
        "status": 1 if enabled and route.get("status", 1) == 1 else 0,
        "labels": route.get("labels") or {},
        "create_time": now,
        "update_time": now,
    }
    for name in ("methods", "vars", "timeout"):
        if route.get(name):
            conf[name] = route[name]
    if route.get("enable_websocket") is not None:
        conf["enable_websocket"] = route["enable_websocket"]
    if route.get("desc"):
        conf["desc"] = route["desc"][:256]
    if not conf["labels"]:
        del conf["labels"]
    return check_apisix("routes", conf)


def _stream_route(
    upstream: dict[str, Any] | None, route: dict[str, Any], now: int
) -> dict[str, Any]:
    conf: dict[str, Any] = {
        "id": route["id"],
        "desc": (route.get("desc") or route.get("name") or "")[:256],
        "plugins": check_plugin_set(route.get("plugins") or {}, "stream"),
        "create_time": now,
        "update_time": now,
    }
    if upstream is not None:
        conf["upstream"] = upstream
    for name in ("remote_addr", "server_addr", "server_port", "labels"):
        if route.get(name):
            conf[name] = route[name]
    return check_apisix("stream_routes", conf)


def rendered_keys(objects: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    return {kind: sorted(items) for kind, items in objects.items()}


def write(
    cp: ControlStore,
    group_id: str,
    objects: dict[str, dict[str, dict[str, Any]]],
    previous: dict[str, list[str]] | None,
) -> None:
    """Write the rendered objects (keeping create_time of ones that exist) and delete the
    ones the previous rendering had and this one has not."""
    for kind in ("services", "routes", "stream_routes"):
        for obj_id, obj in objects.get(kind, {}).items():
            _put_keeping_create_time(cp, group_id, f"/{kind}/{obj_id}", obj)
    for kind in ("routes", "stream_routes", "services"):
        for obj_id in (previous or {}).get(kind, []):
            if obj_id not in objects.get(kind, {}):
                cp.apisix_delete(group_id, f"/{kind}/{obj_id}")


def remove(cp: ControlStore, group_id: str, previous: dict[str, list[str]] | None) -> None:
    for kind in ("routes", "stream_routes", "services"):
        for obj_id in (previous or {}).get(kind, []):
            cp.apisix_delete(group_id, f"/{kind}/{obj_id}")


# --- upstreams of a published service (service_upstreams.py) ----------------------------------
UPSTREAM_API7_ONLY = ("client_certificate", "ca_certificates", "tls_verify")


def service_upstream(
    upstream_id: str, upstream: dict[str, Any], now: int, tls: dict[str, Any] | None
) -> dict[str, Any]:
    """The APISIX upstream a published service's extra upstream (API7 shape) renders to,
    validated. The node list is already APISIX's array form; `tls` is what the API7
    certificate fields (`client_certificate`, `ca_certificates`, `tls_verify`) resolved to;
    service discovery fields (`service_name`, `discovery_type`, `discovery_args`) are left
    for `service_discovery.resolve`."""
    conf = {k: copy.deepcopy(v) for k, v in upstream.items() if k not in UPSTREAM_API7_ONLY}
    conf.update({"id": upstream_id, "name": upstream["name"][:256], "create_time": now})
    conf["update_time"] = now
    if upstream.get("desc"):
        conf["desc"] = upstream["desc"][:256]
    if tls:
        conf["tls"] = {**(conf.get("tls") or {}), **tls}
    return check_apisix("upstreams", conf)


def write_upstream(cp: ControlStore, group_id: str, obj: dict[str, Any]) -> None:
    _put_keeping_create_time(cp, group_id, f"/upstreams/{obj['id']}", obj)


def _put_keeping_create_time(
    cp: ControlStore, group_id: str, relative: str, obj: dict[str, Any]
) -> None:
    old = cp.apisix_get(group_id, relative)
    if old and isinstance(old.get("create_time"), int):
        obj = {**obj, "create_time": old["create_time"]}
    cp.apisix_put(group_id, relative, obj)


def remove_upstream(cp: ControlStore, group_id: str, upstream_id: str) -> None:
    cp.apisix_delete(group_id, f"/upstreams/{upstream_id}")


def upstream_users(cp: ControlStore, group_id: str, upstream_id: str) -> list[str]:
    """The group's routes, services and stream routes that name `upstream_id`, at the top
    level or inside a plugin (a `traffic-split` rule's weighted upstream)."""
    users = []
    for kind in ("routes", "services", "stream_routes"):
        for obj in cp.apisix_list(group_id, kind):
            if _names_upstream(obj, upstream_id):
                users.append(f"{kind[:-1].replace('_', ' ')} {obj.get('id')}")
    return sorted(users)


def _names_upstream(node: Any, upstream_id: str) -> bool:
    if isinstance(node, dict):
        if node.get("upstream_id") == upstream_id:
            return True
        return any(_names_upstream(v, upstream_id) for v in node.values())
    if isinstance(node, list):
        return any(_names_upstream(v, upstream_id) for v in node)
    return False
