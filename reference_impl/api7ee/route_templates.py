"""Routes and stream routes of service templates: `/api/routes/template[/{id}]` and
`/api/stream_routes/template[/{id}]`. Each names its template in `service_id`; routes
belong to HTTP templates, stream routes to stream templates."""

from __future__ import annotations

from typing import Any

from ..api.actions import same_actions
from ..api.collection import Answer, RecordCollection
from ..api.context import CollectionRequest, Context
from ..api.errors import ApiError, not_found
from .context import Api
from .cpstore import ROUTE_TEMPLATES, STREAM_ROUTE_TEMPLATES, TEMPLATES
from .group_collections import api_routes
from .schemas import ROUTE_TEMPLATE, STREAM_ROUTE_TEMPLATE, check, check_id, check_plugin_set


def routes_of(api: Api, kind: str, template_id: str) -> list[dict[str, Any]]:
    return [r for r in api.cp.all(kind) if r.get("service_id") == template_id]


class RouteTemplates(RecordCollection):
    """Routes of HTTP service templates; `StreamRouteTemplates` are those of stream ones."""

    name, kind, path = ROUTE_TEMPLATES, "route", "routes/template"
    schema, service_type, plugin_scope = ROUTE_TEMPLATE, "http", "route"
    id_param, item_pattern = "route_template_id", "{route_template_id}"
    put_creates = True
    search_fields = ("name", "desc", "id")
    actions = same_actions(
        "gateway:GetServiceTemplate", "gateway:UpdateServiceTemplate", "service_id"
    )

    def missing(self, id: str, req: CollectionRequest) -> str:
        return f"{self.kind} {id} not found"

    def put(self, ctx: Context, req: CollectionRequest) -> Answer:
        check_id(req.segments[0], self.id_param)
        return super().put(ctx, req)

    def narrow(self, ctx: Context, req: CollectionRequest, rows: list[dict[str, Any]]):
        template_id = req.args.get("service_id")
        if not template_id:
            raise ApiError(400, "query parameter service_id is required")
        return [r for r in rows if r.get("service_id") == template_id]

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        body = check(self.schema, conf, read_only_ok=True)
        template = ctx.records.get(TEMPLATES, body["service_id"])
        if template is None:
            raise not_found(f"service template {body['service_id']}")
        if template.get("type", "http") != self.service_type:
            raise ApiError(  # 409: the body is fine, the template it names is of the other type
                409,
                f"a {self.kind} belongs to a {self.service_type} service template, "
                f"and {body['service_id']} is of type {template.get('type', 'http')}",
            )
        if body.get("plugins"):
            check_plugin_set(body["plugins"], self.plugin_scope)
        return body

    def editable(self, ctx: Context, value: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in value.items() if k not in ("id", "created_at", "updated_at")}

    def commit(
        self, ctx: Context, req: CollectionRequest, key: str, value: dict, rev: int | None
    ) -> None:
        super().commit(ctx, req, key, value, rev)
        template = ctx.records.get(TEMPLATES, value["service_id"])
        if template is not None:  # a template changes with its routes
            ctx.records.put(TEMPLATES, {**template, "updated_at": value["updated_at"]})


class StreamRouteTemplates(RouteTemplates):
    name, kind, path = STREAM_ROUTE_TEMPLATES, "stream route", "stream_routes/template"
    schema, service_type, plugin_scope = STREAM_ROUTE_TEMPLATE, "stream", "stream"
    id_param, item_pattern = "stream_route_template_id", "{stream_route_template_id}"


ROUTES = [
    *api_routes(RouteTemplates(), RouteTemplates.id_param),
    *api_routes(StreamRouteTemplates(), StreamRouteTemplates.id_param),
]
