"""Service registry connections of a gateway group:
`/api/gateway_groups/{gid}/service_registries[/{id}[/...]]` — CRUD, the published services
using a connection, its health-check history, and what the registry itself lists
(Kubernetes internal services; Nacos namespaces, groups, services and instance metadata).

A connection's `status` and `last_connect_time` come from the control plane's probes (see
service_discovery.py); a connection still used by a published service cannot be deleted.
"""

from __future__ import annotations

from typing import Any

from ..api.actions import Actions, row
from ..api.collection import Answer
from ..api.context import CollectionRequest, Context
from ..api.errors import ApiError, not_found
from . import discovery_poller, published, service_discovery
from .context import API, Api, Call
from .cpstore import PUBLISHED, SERVICE_REGISTRIES, VERSIONS
from .group_collections import GROUP, GroupCollection, control_plane, group_routes
from .registry_clients import NacosClient, RegistryUnreachable, client_for
from .registry_schemas import check_registry
from .schemas import check_id
from .web import value

REGISTRY_ORDER = ("created_at", "updated_at", "last_connect_time")
SERVICE_ORDER = ("created_at", "updated_at", "publish_time", "name")
HISTORY_STATUSES = ("healthy", "lost_connection", "connecting")


def view(registry: dict[str, Any]) -> dict[str, Any]:
    health = service_discovery.health_of(registry["id"])
    shown = {**registry, "status": health.status}
    if health.last_connect_time is not None:
        shown["last_connect_time"] = health.last_connect_time
    return shown


def _registry(api: Api, call: Call) -> dict[str, Any]:
    group_id = call.params["gateway_group_id"]
    api.group_or_404(group_id)
    registry_id = call.params["service_registry_id"]
    registry = api.cp.get(SERVICE_REGISTRIES, group_id, registry_id)
    if registry is None:
        raise not_found(_what(registry_id, group_id))
    return registry


def _what(registry_id: str, group_id: str | None) -> str:
    return f"service registry {registry_id} on gateway group {group_id}"


class ServiceRegistries(GroupCollection):
    """Connections of a gateway group to registries: probed and polled once they exist
    (`service_discovery`); a connection used by a published service keeps its type and
    cannot be deleted."""

    name, kind = SERVICE_REGISTRIES, "service registry"
    unsupported = frozenset({"patch"})
    item_pattern = "{service_registry_id}"
    order_fields = REGISTRY_ORDER
    search_fields = ("name", "description", "id")
    actions = Actions(
        lambda base, item: [
            row("GET", base, "gateway:GetServiceRegistry", GROUP),
            row("POST", base, "gateway:ConnectServiceRegistry", GROUP),
            row("GET", f"{base}/{item}", "gateway:GetServiceRegistry", GROUP),
            row("PUT", f"{base}/{item}", "gateway:UpdateServiceRegistry", GROUP),
            row("DELETE", f"{base}/{item}", "gateway:DisconnectServiceRegistry", GROUP),
        ]
    )

    def handle(self, method: str, ctx: Context, req: CollectionRequest) -> Answer:
        if req.segments:
            check_id(req.segments[0], "service_registry_id")
        control_plane(ctx).group_or_404(str(req.parent))
        answer = super().handle(method, ctx, req)
        if method in ("get", "post"):
            discovery_poller.ensure_poller(control_plane(ctx))
        return answer

    def missing(self, id: str, req: CollectionRequest) -> str:
        return f"{_what(id, req.parent)} not found"

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        body = {"gateway_group_id": req.parent, **check_registry(conf)}
        old = ctx.records.get(self.name, str(req.parent), id) if id else None
        if old is None or id is None:
            return body
        in_use = discovery_poller.users(control_plane(ctx), old["gateway_group_id"], id)
        if in_use and body["type"] != old["type"]:
            raise ApiError(
                400,
                f"service registry {id} is used by published services "
                f"({_names(in_use)}); its type cannot change",
            )
        return body

    def commit(
        self, ctx: Context, req: CollectionRequest, key: str, value: dict, rev: int | None
    ) -> None:
        super().commit(ctx, req, key, value, rev)
        if req.method == "put":
            service_discovery.forget(value["id"])  # a new address: probe and fetch afresh

    def view(self, value: Any) -> Any:
        return view(value)

    def delete_checker(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        in_use = discovery_poller.users(control_plane(ctx), str(req.parent), id)
        if in_use:
            raise ApiError(
                400,
                f"service registry {id} is still used by published services "
                f"({_names(in_use)}); change their upstreams or delete them first",
            )

    def after_delete(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        service_discovery.forget(id)


def forget_group_registries(api: Api, group_id: str) -> None:
    """Drop what discovery keeps of a gateway group's registries (the group is going)."""
    for registry in api.cp.all(SERVICE_REGISTRIES, group_id):
        service_discovery.forget(registry["id"])


def _names(in_use: list[discovery_poller.Use]) -> str:
    return ", ".join(sorted({use.service_id for use in in_use}))


def connected_services(api: Api, call: Call) -> tuple[int, Any]:
    registry = _registry(api, call)
    group_id = registry["gateway_group_id"]
    rows = []
    for service_id in sorted(
        {u.service_id for u in discovery_poller.users(api, group_id, registry["id"])}
    ):
        record = api.cp.get(PUBLISHED, group_id, service_id)
        version = record and api.cp.get(VERSIONS, record["service_version_id"])
        if record and version:
            rows.append(published.service_view(record, version))
    return 200, call.listing(rows, order_fields=SERVICE_ORDER, search_fields=("name", "id"))


def health_check_history(api: Api, call: Call) -> tuple[int, Any]:
    registry = _registry(api, call)
    health = service_discovery.health_of(registry["id"])
    with service_discovery.state_lock():
        rows = [dict(entry) for entry in health.history]
    statuses = call.args.getlist("status")
    bad = [s for s in statuses if s not in HISTORY_STATUSES]
    if bad:
        raise ApiError(
            400,
            f"invalid query parameter status: {bad[0]!r} is not one of {list(HISTORY_STATUSES)}",
        )
    if statuses:
        rows = [r for r in rows if r["status"] in statuses]
    return 200, call.listing(
        rows,
        order_fields=("connect_time",),
        default_order="connect_time",
        search_fields=("hostname", "status"),
    )


# --- what the registry lists ----------------------------------------------------------------------
def _ask(registry: dict[str, Any], question: Any) -> Any:
    try:
        return question(client_for(registry))
    except RegistryUnreachable as exc:
        raise ApiError(400, f"service registry {registry['id']} cannot be reached: {exc}") from None


def _nacos(api: Api, call: Call) -> dict[str, Any]:
    registry = _registry(api, call)
    if registry["type"] != "nacos":
        raise ApiError(400, f"service registry {registry['id']} is not a nacos registry")
    for name in ("nacos_namespace", "nacos_group", "nacos_service"):
        if name in call.params:
            _check_name(call.params[name], name)
    return registry


def _check_name(raw: str, name: str) -> None:
    if not raw or len(raw) > 256 or any(c in raw for c in "@/\\") or not raw.isprintable():
        raise ApiError(400, f"invalid {name}: 1..256 printable characters, no @, / or \\")


def kubernetes_internal_services(api: Api, call: Call) -> tuple[int, Any]:
    registry = _registry(api, call)
    if registry["type"] != "kubernetes":
        raise ApiError(400, f"service registry {registry['id']} is not a kubernetes registry")
    found = _ask(registry, lambda client: client.internal_services())
    return 200, value({"type": "kubernetes", "internal_services": found})


def nacos_namespaces(api: Api, call: Call) -> tuple[int, Any]:
    registry = _nacos(api, call)
    rows = _ask(registry, NacosClient.namespaces)
    return 200, {"list": rows, "total": len(rows)}


def nacos_groups(api: Api, call: Call) -> tuple[int, Any]:
    registry = _nacos(api, call)
    rows = _ask(registry, lambda c: c.groups(call.params["nacos_namespace"]))
    return 200, {"list": rows, "total": len(rows)}


def nacos_services(api: Api, call: Call) -> tuple[int, Any]:
    registry = _nacos(api, call)
    namespace, group = call.params["nacos_namespace"], call.params["nacos_group"]
    rows = _ask(registry, lambda c: c.services(namespace, group))
    return 200, {"list": rows, "total": len(rows)}


def nacos_instances_metadata(api: Api, call: Call) -> tuple[int, Any]:
    """Each instance's metadata (`list`) and, per key, every value seen (`value`)."""
    registry = _nacos(api, call)
    p = call.params
    hosts = _ask(
        registry,
        lambda c: c.instances(p["nacos_namespace"], p["nacos_group"], p["nacos_service"], False),
    )
    metadata = [h.get("metadata") for h in hosts]
    rows = [{str(k): str(v) for k, v in m.items()} for m in metadata if isinstance(m, dict)]
    merged: dict[str, set[str]] = {}
    for metadata_row in rows:
        for key, val in metadata_row.items():
            merged.setdefault(key, set()).add(val)
    return 200, {
        "list": rows,
        "total": len(rows),
        "value": {k: sorted(v) for k, v in sorted(merged.items())},
    }


def _checked_ids(handler: Any) -> Any:
    def checked(api: Api, call: Call) -> tuple[int, Any]:
        if "service_registry_id" in call.params:
            check_id(call.params["service_registry_id"], "service_registry_id")
        return handler(api, call)

    return checked


BASE = "/gateway_groups/{gateway_group_id}/service_registries"
ITEM = f"{BASE}/{{service_registry_id}}"
NACOS_NS = f"{ITEM}/nacos/namespaces/{{nacos_namespace}}"
NACOS_GROUP = f"{NACOS_NS}/groups/{{nacos_group}}"
# the documented details below a registry that are not served here: read as the registry
API.declare("GET", f"{ITEM}/{{detail:path}}", "gateway:GetServiceRegistry", GROUP)
ROUTES = [
    *group_routes(ServiceRegistries(), "service_registry_id"),
    *(
        API(method, path, _checked_ids(handler), "gateway:GetServiceRegistry", GROUP)
        for method, path, handler in (
            ("GET", f"{ITEM}/connected_services", connected_services),
            ("GET", f"{ITEM}/health_check_history", health_check_history),
            ("GET", f"{ITEM}/kubernetes/internal_services", kubernetes_internal_services),
            ("GET", f"{ITEM}/nacos/namespaces", nacos_namespaces),
            ("GET", f"{NACOS_NS}/groups", nacos_groups),
            ("GET", f"{NACOS_GROUP}/services", nacos_services),
            (
                "GET",
                f"{NACOS_GROUP}/services/{{nacos_service}}/instances_metadata",
                nacos_instances_metadata,
            ),
        )
    ),
]
