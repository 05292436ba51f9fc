"""Service templates: `/api/services/template[/{id}]` — the blueprints that are published
to gateway groups. A template cannot be deleted while it is published somewhere."""

from __future__ import annotations

from typing import Any

from ..api.errors import ApiError, not_found
from ..api.patching import apply_patch
from .context import Api, Call
from .cpstore import PUBLISHED, ROUTE_TEMPLATES, STREAM_ROUTE_TEMPLATES, TEMPLATES, VERSIONS
from .schemas import SERVICE_TEMPLATE, check, check_id, check_plugin_set, check_upstream
from .web import value

ORDER_FIELDS = ("created_at", "updated_at", "last_published", "name")
COMPUTED = ("published_gateway_groups_count",)


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


def list_templates(api: Api, call: Call) -> tuple[int, Any]:
    rows = [view(api, t) for t in api.cp.all(TEMPLATES)]
    kind = call.args.get("type")
    if kind:
        rows = [r for r in rows if r.get("type", "http") == kind]
    group_id = call.args.get("gateway_group_id")
    if group_id:
        rows = [r for r in rows if api.cp.get(PUBLISHED, group_id, r["id"]) is not None]
    for arg, keep in (
        ("last_publish_start_at", lambda t, b: t >= b),
        ("last_publish_end_at", lambda t, b: t <= b),
    ):
        bound = call.args.get(arg)
        if bound is not None:
            if not bound.isdigit():
                raise ApiError(400, f"invalid query parameter {arg}: must be an integer >= 0")
            rows = [
                r for r in rows if r.get("last_published") and keep(r["last_published"], int(bound))
            ]
    return 200, call.listing(rows, order_fields=ORDER_FIELDS, search_fields=("name", "desc", "id"))


def create_template(api: Api, call: Call) -> tuple[int, Any]:
    return 200, value(view(api, _store(api, api.cp.new_id(), validate(call.obj()), None)))


def get_template(api: Api, call: Call) -> tuple[int, Any]:
    return 200, value(view(api, template_or_404(api, call.params["service_template_id"])))


def put_template(api: Api, call: Call) -> tuple[int, Any]:
    template_id = call.params["service_template_id"]
    check_id(template_id, "service_template_id")
    old = api.cp.get(TEMPLATES, template_id)
    body = validate(call.obj())
    return 200, value(view(api, _store(api, template_id, body, old)))


def patch_template(api: Api, call: Call) -> tuple[int, Any]:
    old = template_or_404(api, call.params["service_template_id"])
    current = {
        k: v
        for k, v in old.items()
        if k not in ("id", "created_at", "updated_at", "last_published")
    }
    body = validate(apply_patch(current, call.patch()))
    if call.dry_run:
        return 200, value(view(api, {**old, **body}))
    return 200, value(view(api, _store(api, old["id"], body, old)))


def delete_template(api: Api, call: Call) -> tuple[int, Any]:
    template_id = call.params["service_template_id"]
    with api.cp.lock:
        template_or_404(api, template_id)
        groups = sorted(r["gateway_group_id"] for r in published_on(api, template_id))
        if groups:
            raise ApiError(
                400,
                f"service template {template_id} is published on gateway group(s) "
                f"{', '.join(groups)}; delete the published services first",
            )
        for kind in (ROUTE_TEMPLATES, STREAM_ROUTE_TEMPLATES, VERSIONS):
            for obj in api.cp.all(kind):
                if obj.get("service_id") == template_id:
                    api.cp.delete(kind, obj["id"])
        api.cp.delete(TEMPLATES, template_id)
    return 200, None


def _store(
    api: Api, template_id: str, body: dict[str, Any], old: dict[str, Any] | None
) -> dict[str, Any]:
    with api.cp.lock:
        if old is not None and body.get("type", "http") != old.get("type", "http"):
            has_routes = any(
                r.get("service_id") == template_id
                for kind in (ROUTE_TEMPLATES, STREAM_ROUTE_TEMPLATES)
                for r in api.cp.all(kind)
            )
            if has_routes:
                raise ApiError(409, "the type of a service template with routes cannot change")
        now = api.cp.clock()
        template = {"type": "http", **body, "id": template_id}
        if template["type"] == "http":
            template.setdefault("strip_path_prefix", True)
        template["created_at"] = old["created_at"] if old else now
        template["updated_at"] = now
        if old and old.get("last_published"):
            template["last_published"] = old["last_published"]
        api.cp.put(TEMPLATES, template, template_id)
        return template


ROUTES = [
    ("GET", "/services/template", list_templates),
    ("POST", "/services/template", create_template),
    ("GET", "/services/template/{service_template_id}", get_template),
    ("PUT", "/services/template/{service_template_id}", put_template),
    ("PATCH", "/services/template/{service_template_id}", patch_template),
    ("DELETE", "/services/template/{service_template_id}", delete_template),
]
