"""Service templates: `/api/services/template[/{id}]` — the blueprints that are published
to gateway groups. A template cannot be deleted while it is published somewhere."""

from __future__ import annotations

from typing import Any

from ..api.actions import crud_actions
from ..api.collection import Answer, RecordCollection
from ..api.context import CollectionRequest, Context
from ..api.errors import ApiError, not_found
from .context import Api, dry_run
from .cpstore import PUBLISHED, ROUTE_TEMPLATES, STREAM_ROUTE_TEMPLATES, TEMPLATES, VERSIONS
from .group_collections import api_routes, control_plane
from .schemas import SERVICE_TEMPLATE, check, check_id, check_plugin_set, check_upstream

ORDER_FIELDS = ("created_at", "updated_at", "last_published", "name")
COMPUTED = ("published_gateway_groups_count",)
STAMPS = ("id", "created_at", "updated_at", "last_published")  # kept by the store, not a body


def template_or_404(api: Api, template_id: str) -> dict[str, Any]:
    template = api.cp.get(TEMPLATES, template_id)
    if template is None:
        raise not_found(f"service template {template_id}")
    return template


def published_on(api: Api, template_id: str) -> list[dict[str, Any]]:
    """The published records of a template, one per gateway group it is published on."""
    return [
        record
        for group in api.cp.groups()
        if (record := api.cp.get(PUBLISHED, group["id"], template_id)) is not None
    ]


def view(api: Api, template: dict[str, Any]) -> dict[str, Any]:
    shown = dict(template)
    shown["published_gateway_groups_count"] = len(published_on(api, template["id"]))
    return shown


def validate(body: Any) -> dict[str, Any]:
    body = check(SERVICE_TEMPLATE, body, read_only_ok=True)
    body = {k: v for k, v in body.items() if k not in COMPUTED}
    if body.get("upstream") is not None:
        check_upstream(body["upstream"])
    if body.get("plugins"):
        check_plugin_set(body["plugins"], "stream" if body.get("type") == "stream" else "route")
    if body.get("type", "http") == "stream" and (body.get("hosts") or body.get("path_prefix")):
        raise ApiError(400, "invalid request body: a stream service has no hosts or path_prefix")
    return body


class ServiceTemplates(RecordCollection):
    name, kind, path = TEMPLATES, "service template", "services/template"
    item_pattern = "{service_template_id}"
    put_creates = True
    order_fields = ORDER_FIELDS
    search_fields = ("name", "desc", "id")
    actions = crud_actions("ServiceTemplate", (), item_arg="service_template_id")

    def handle(self, method: str, ctx: Context, req: CollectionRequest) -> Answer:
        status, body = super().handle(method, ctx, req)
        if isinstance(body, dict) and isinstance(body.get("value"), dict):
            body = {"value": view(control_plane(ctx), body["value"])}
        return status, body

    def missing(self, id: str, req: CollectionRequest) -> str:
        return f"{self.kind} {id} not found"

    def put(self, ctx: Context, req: CollectionRequest) -> Answer:
        check_id(req.segments[0], "service_template_id")
        return super().put(ctx, req)

    def narrow(self, ctx: Context, req: CollectionRequest, rows: list[dict[str, Any]]):
        api = control_plane(ctx)
        rows = [view(api, t) for t in rows]
        kind = req.args.get("type")
        if kind:
            rows = [r for r in rows if r.get("type", "http") == kind]
        group_id = req.args.get("gateway_group_id")
        if group_id:
            rows = [r for r in rows if api.cp.get(PUBLISHED, group_id, r["id"]) is not None]
        for arg, keep in (
            ("last_publish_start_at", lambda t, b: t >= b),
            ("last_publish_end_at", lambda t, b: t <= b),
        ):
            bound = req.args.get(arg)
            if bound is not None:
                if not bound.isdigit():
                    raise ApiError(400, f"invalid query parameter {arg}: must be an integer >= 0")
                rows = [
                    r
                    for r in rows
                    if r.get("last_published") and keep(r["last_published"], int(bound))
                ]
        return rows

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        body = validate(conf)
        old = ctx.records.get(TEMPLATES, id) if id is not None else None
        if old is not None and body.get("type", "http") != old.get("type", "http"):
            has_routes = any(
                r.get("service_id") == id
                for kind in (ROUTE_TEMPLATES, STREAM_ROUTE_TEMPLATES)
                for r in ctx.records.all(kind)
            )
            if has_routes:
                raise ApiError(409, "the type of a service template with routes cannot change")
        template = {"type": "http", **body}
        if template["type"] == "http":
            template.setdefault("strip_path_prefix", True)
        if old and old.get("last_published"):
            template["last_published"] = old["last_published"]
        return template

    def editable(self, ctx: Context, value: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in value.items() if k not in STAMPS}

    def commit(
        self, ctx: Context, req: CollectionRequest, key: str, value: dict, rev: int | None
    ) -> None:
        if not (req.method == "patch" and dry_run(req.args)):
            super().commit(ctx, req, key, value, rev)

    def delete_checker(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        groups = sorted(r["gateway_group_id"] for r in published_on(control_plane(ctx), id))
        if groups:
            raise ApiError(
                400,
                f"service template {id} is published on gateway group(s) "
                f"{', '.join(groups)}; delete the published services first",
            )

    def after_delete(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        for kind in (ROUTE_TEMPLATES, STREAM_ROUTE_TEMPLATES, VERSIONS):
            for obj in ctx.records.all(kind):
                if obj.get("service_id") == id:
                    ctx.records.delete(kind, obj["id"])


ROUTES = api_routes(ServiceTemplates(), "service_template_id")
