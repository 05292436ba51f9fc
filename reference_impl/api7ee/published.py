"""Published services of a gateway group: `/api/gateway_groups/{gid}/services/...` — the
service, its version history, its routes and stream routes, and the group's runtime
configuration of the service and of each route (JSON Patch), which never changes the
template or the version."""

from __future__ import annotations

from typing import Any

from ..api.actions import Actions, row
from ..api.collection import Answer
from ..api.context import CollectionRequest, Context
from ..api.errors import not_found
from ..api.patching import apply_patch
from ..store import KeyValue
from . import health, render, runtime, service_upstreams
from .context import API, Api, Call
from .cpstore import PUBLISHED, VERSIONS
from .group_collections import GroupCollection, control_plane, control_store, group_routes
from .schemas import ROUTE_RUNTIME_CONFIGURATION, RUNTIME_CONFIGURATION, check
from .web import value

SERVICE_ORDER = ("created_at", "updated_at", "publish_time", "name")
GROUP_SERVICES = "/gateway_groups/{gateway_group_id}/services"
SERVICE = f"{GROUP_SERVICES}/{{service_id}}"
SERVICE_ARGS = ("gateway_group_id", "service_id")
GET, UPDATE = "gateway:GetPublishedService", "gateway:UpdatePublishedService"


def published_or_404(api: Api, call: Call) -> tuple[dict[str, Any], dict[str, Any]]:
    group_id = call.params["gateway_group_id"]
    api.group_or_404(group_id)
    service_id = call.params["service_id"]
    record = api.cp.get(PUBLISHED, group_id, service_id)
    if record is None:
        raise not_found(f"published service {service_id} on gateway group {group_id}")
    version = api.cp.get(VERSIONS, record["service_version_id"])
    if version is None:
        raise not_found(f"service version {record['service_version_id']}")
    return record, version


def service_view(record: dict[str, Any], version: dict[str, Any]) -> dict[str, Any]:
    shown = render.service_view(version, record)
    shown.update(
        {
            "id": record["service_id"],
            "gateway_group_id": record["gateway_group_id"],
            "service_version_id": record["service_version_id"],
            "version": record["version"],
            "publish_time": record["publish_time"],
            "created_at": record["created_at"],
            "updated_at": record["updated_at"],
        }
    )
    return shown


class PublishedServices(GroupCollection):
    """The services published on a gateway group: created by publishing (publishing.py),
    listed, read and deleted here (a delete removes what was rendered for it and its
    extra upstreams); a record whose version is gone is not listed, and is a 404."""

    name, path, kind = PUBLISHED, "services", "published service"
    unsupported = frozenset({"post", "put", "patch"})
    item_pattern = "{service_id}"
    order_fields = SERVICE_ORDER
    search_fields = ("name", "desc", "id")
    actions = Actions(
        lambda base, item: [
            row("GET", base, GET, "gateway_group_id", "*", lists="id"),
            row("GET", f"{base}/{item}", GET, *SERVICE_ARGS),
            row("DELETE", f"{base}/{item}", "gateway:DeletePublishedService", *SERVICE_ARGS),
        ]
    )

    def handle(self, method: str, ctx: Context, req: CollectionRequest) -> Answer:
        control_plane(ctx).group_or_404(str(req.parent))
        return super().handle(method, ctx, req)

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        raise AssertionError("unreachable: a published service is written by publishing")

    def missing(self, id: str, req: CollectionRequest) -> str:
        return f"published service {id} on gateway group {req.parent} not found"

    def listed(self, ctx: Context, req: CollectionRequest) -> list[KeyValue]:
        cp = control_store(ctx)
        return [
            kv
            for kv in super().listed(ctx, req)
            if isinstance(kv.value, dict) and cp.get(VERSIONS, kv.value["service_version_id"])
        ]

    def check_mutable(self, ctx: Context, value: Any) -> None:
        self.view_in(ctx, value)  # a 404 when its version is gone

    def view_in(self, ctx: Context, value: Any) -> Any:
        version = control_store(ctx).get(VERSIONS, value["service_version_id"])
        if version is None:
            raise not_found(f"service version {value['service_version_id']}")
        return service_view(value, version)

    def narrow(
        self, ctx: Context, req: CollectionRequest, rows: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        args: Any = req.args  # the app's QueryParams (repeated parameters)
        kinds = args.getlist("type")
        if kinds:
            rows = [r for r in rows if r.get("type", "http") in kinds]
        hosts = args.getlist("hosts")
        if hosts:
            rows = [r for r in rows if set(hosts) & set(r.get("hosts") or [])]
        unhealthy_nodes = args.getlist("unhealthy_nodes")
        if unhealthy_nodes:  # asks the group's data plane
            api = control_plane(ctx)
            rows = health.filter_unhealthy_nodes(api, str(req.parent), rows, unhealthy_nodes)
        return rows

    def delete(self, ctx: Context, req: CollectionRequest) -> Answer:
        record = self._existing(ctx, req.segments[0], req).value
        answer = super().delete(ctx, req)
        group_id = record["gateway_group_id"]
        render.remove(control_store(ctx), group_id, record.get("rendered"))
        service_upstreams.remove_all(control_plane(ctx), group_id, record["service_id"])
        return answer


def history(api: Api, call: Call) -> tuple[int, Any]:
    record, _ = published_or_404(api, call)
    rows = []
    for entry in record.get("history", []):
        version = api.cp.get(VERSIONS, entry["service_version_id"]) or {}
        rows.append(
            {**entry, "id": entry["service_version_id"], "created_at": version.get("created_at")}
        )
    return 200, call.listing(rows, order_fields=("publish_time",), default_order="publish_time")


def rerender(api: Api, record: dict[str, Any], version: dict[str, Any]) -> None:
    group_id = record["gateway_group_id"]
    now = api.cp.clock()
    objects = render.render(api.cp, group_id, record["service_id"], version, record, now)
    previous = record.get("rendered")
    record["rendered"] = render.rendered_keys(objects)
    record["updated_at"] = now
    render.write(api.cp, group_id, objects, previous)
    api.cp.put(PUBLISHED, record, group_id, record["service_id"])


def get_runtime(api: Api, call: Call) -> tuple[int, Any]:
    record, version = published_or_404(api, call)
    base = runtime.base_of(version["service"], runtime.SERVICE_FIELDS)
    return 200, value(runtime.effective(base, record.get("runtime") or {}))


def patch_runtime(api: Api, call: Call) -> tuple[int, Any]:
    with api.cp.lock:
        record, version = published_or_404(api, call)
        base = runtime.base_of(version["service"], runtime.SERVICE_FIELDS)
        current = runtime.effective(base, record.get("runtime") or {})
        patched = check(RUNTIME_CONFIGURATION, apply_patch(current, call.patch()))
        record = {**record, "runtime": runtime.overrides_from(base, patched)}
        render.render(api.cp, record["gateway_group_id"], record["service_id"], version, record, 0)
        if not call.dry_run:
            rerender(api, record, version)
    return 200, value(patched)


def route_handlers(kind: str, key: str, id_param: str) -> list[tuple[str, str, Any]]:
    """Listing, reading and runtime configuration of a published service's routes (or
    stream routes): `kind` is the version's list, `key` the record's overrides."""
    base_path = f"/gateway_groups/{{gateway_group_id}}/services/{{service_id}}/{kind}"
    item = f"{base_path}/{{{id_param}}}"

    def find(version: dict[str, Any], route_id: str) -> dict[str, Any]:
        for route in version.get(kind, []):
            if route["id"] == route_id:
                return route
        raise not_found(f"{kind[:-1].replace('_', ' ')} {route_id} of the published service")

    def list_routes(api: Api, call: Call) -> tuple[int, Any]:
        record, version = published_or_404(api, call)
        rows = [render.route_view(r, record, key) for r in version.get(kind, [])]
        return 200, call.listing(rows, search_fields=("name", "desc", "id"))

    def get_route(api: Api, call: Call) -> tuple[int, Any]:
        record, version = published_or_404(api, call)
        return 200, value(render.route_view(find(version, call.params[id_param]), record, key))

    def get_route_runtime(api: Api, call: Call) -> tuple[int, Any]:
        record, version = published_or_404(api, call)
        route = find(version, call.params[id_param])
        base = runtime.base_of(route, runtime.ROUTE_FIELDS)
        return 200, value(runtime.effective(base, (record.get(key) or {}).get(route["id"]) or {}))

    def patch_route_runtime(api: Api, call: Call) -> tuple[int, Any]:
        with api.cp.lock:
            record, version = published_or_404(api, call)
            route = find(version, call.params[id_param])
            base = runtime.base_of(route, runtime.ROUTE_FIELDS)
            overrides = dict(record.get(key) or {})
            current = runtime.effective(base, overrides.get(route["id"]) or {})
            patched = check(ROUTE_RUNTIME_CONFIGURATION, apply_patch(current, call.patch()))
            overrides[route["id"]] = runtime.overrides_from(base, patched)
            record = {**record, key: overrides}
            render.render(
                api.cp, record["gateway_group_id"], record["service_id"], version, record, 0
            )
            if not call.dry_run:
                rerender(api, record, version)
        return 200, value(patched)

    routes = [
        ("GET", base_path, list_routes),
        ("GET", item, get_route),
        ("GET", f"{item}/runtime_configuration", get_route_runtime),
        ("PATCH", f"{item}/runtime_configuration", patch_route_runtime),
    ]
    # documented writes of a published service's routes; here a route changes by
    # publishing its template (these answer 405)
    for method, path in (
        ("POST", base_path),
        ("PUT", item),
        ("PATCH", item),
        ("DELETE", item),
        ("PUT", f"{item}/runtime_configuration"),
    ):
        API.declare(method, path, UPDATE, *SERVICE_ARGS)
    return API.same(routes, GET, UPDATE, *SERVICE_ARGS)


# documented, answered 405 here: a service is published (publishing.py), not created or
# replaced on a gateway group
API.declare("POST", GROUP_SERVICES, "gateway:CreatePublishedService", "gateway_group_id")
API.declare(
    "POST",
    "/gateway_groups/{gateway_group_id}/import/services",
    "gateway:CreatePublishedService",
    "gateway_group_id",
)
API.declare("PUT", SERVICE, UPDATE, *SERVICE_ARGS)
API.declare("PATCH", SERVICE, UPDATE, *SERVICE_ARGS)
API.declare("PUT", f"{SERVICE}/runtime_configuration", UPDATE, *SERVICE_ARGS)
ROUTES = [
    *group_routes(PublishedServices(), "service_id"),
    *API.same(
        [
            ("GET", f"{SERVICE}/versions", history),
            ("GET", f"{SERVICE}/runtime_configuration", get_runtime),
            ("PATCH", f"{SERVICE}/runtime_configuration", patch_runtime),
        ],
        GET,
        UPDATE,
        *SERVICE_ARGS,
    ),
    *route_handlers("routes", "route_runtime", "route_id"),
    *route_handlers("stream_routes", "stream_route_runtime", "stream_route_id"),
]
