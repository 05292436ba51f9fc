"""Routes and stream routes of service templates: `/api/routes/template[/{id}]` and
`/api/stream_routes/template[/{id}]`. Each names its template in `service_id`; routes
belong to HTTP templates, stream routes to stream templates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..api.errors import ApiError, not_found
from ..api.patching import apply_patch
from .context import Api, Call
from .cpstore import ROUTE_TEMPLATES, STREAM_ROUTE_TEMPLATES, TEMPLATES
from .schemas import ROUTE_TEMPLATE, STREAM_ROUTE_TEMPLATE, check, check_id, check_plugin_set
from .web import value


@dataclass(frozen=True)
class RouteKind:
    kind: str  # control store directory
    what: str  # for messages
    schema: dict[str, Any]
    service_type: str
    plugin_scope: str
    id_param: str


ROUTE = RouteKind(ROUTE_TEMPLATES, "route", ROUTE_TEMPLATE, "http", "route", "route_template_id")
STREAM_ROUTE = RouteKind(
    STREAM_ROUTE_TEMPLATES,
    "stream route",
    STREAM_ROUTE_TEMPLATE,
    "stream",
    "stream",
    "stream_route_template_id",
)


def routes_of(api: Api, kind: RouteKind, template_id: str) -> list[dict[str, Any]]:
    return [r for r in api.cp.all(kind.kind) if r.get("service_id") == template_id]


def _validate(api: Api, kind: RouteKind, body: Any) -> dict[str, Any]:
    body = check(kind.schema, body, read_only_ok=True)
    template = api.cp.get(TEMPLATES, body["service_id"])
    if template is None:
        raise not_found(f"service template {body['service_id']}")
    if template.get("type", "http") != kind.service_type:
        raise ApiError(  # 409: the body is fine, the template it names is of the other type
            409,
            f"a {kind.what} belongs to a {kind.service_type} service template, "
            f"and {body['service_id']} is of type {template.get('type', 'http')}",
        )
    if body.get("plugins"):
        check_plugin_set(body["plugins"], kind.plugin_scope)
    return body


def _get_or_404(api: Api, kind: RouteKind, route_id: str) -> dict[str, Any]:
    route = api.cp.get(kind.kind, route_id)
    if route is None:
        raise not_found(f"{kind.what} {route_id}")
    return route


def _store(
    api: Api, kind: RouteKind, route_id: str, body: dict[str, Any], old: dict[str, Any] | None
):
    now = api.cp.clock()
    route = {
        **body,
        "id": route_id,
        "created_at": old["created_at"] if old else now,
        "updated_at": now,
    }
    with api.cp.lock:
        api.cp.put(kind.kind, route, route_id)
        template = api.cp.get(TEMPLATES, route["service_id"])
        if template is not None:
            api.cp.put(TEMPLATES, {**template, "updated_at": now}, template["id"])
    return route


def handlers(kind: RouteKind) -> list[tuple[str, str, Any]]:
    base = "/routes/template" if kind is ROUTE else "/stream_routes/template"
    item = f"{base}/{{{kind.id_param}}}"

    def list_routes(api: Api, call: Call) -> tuple[int, Any]:
        template_id = call.args.get("service_id")
        if not template_id:
            raise ApiError(400, "query parameter service_id is required")
        rows = routes_of(api, kind, template_id)
        return 200, call.listing(rows, search_fields=("name", "desc", "id"))

    def create_route(api: Api, call: Call) -> tuple[int, Any]:
        return 200, value(
            _store(api, kind, api.cp.new_id(), _validate(api, kind, call.obj()), None)
        )

    def get_route(api: Api, call: Call) -> tuple[int, Any]:
        return 200, value(_get_or_404(api, kind, call.params[kind.id_param]))

    def put_route(api: Api, call: Call) -> tuple[int, Any]:
        route_id = check_id(call.params[kind.id_param], kind.id_param)
        old = api.cp.get(kind.kind, route_id)
        return 200, value(_store(api, kind, route_id, _validate(api, kind, call.obj()), old))

    def patch_route(api: Api, call: Call) -> tuple[int, Any]:
        old = _get_or_404(api, kind, call.params[kind.id_param])
        current = {k: v for k, v in old.items() if k not in ("id", "created_at", "updated_at")}
        body = _validate(api, kind, apply_patch(current, call.patch()))
        return 200, value(_store(api, kind, old["id"], body, old))

    def delete_route(api: Api, call: Call) -> tuple[int, Any]:
        route = _get_or_404(api, kind, call.params[kind.id_param])
        api.cp.delete(kind.kind, route["id"])
        return 200, None

    return [
        ("GET", base, list_routes),
        ("POST", base, create_route),
        ("GET", item, get_route),
        ("PUT", item, put_route),
        ("PATCH", item, patch_route),
        ("DELETE", item, delete_route),
    ]


ROUTES = handlers(ROUTE) + handlers(STREAM_ROUTE)
