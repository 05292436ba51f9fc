"""OpenAPI in and out of service templates: convert an OpenAPI 3 document to a template
with routes, import it as a new template, replace a template's routes from a document,
and export templates as an OpenAPI 3.0 document (`build_document` also serves published
services and service versions, in published_openapi.py)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import yaml

from ..api.errors import ApiError
from .context import API, Api, Call
from .cpstore import ROUTE_TEMPLATES, TEMPLATES
from .publishing import publish_to
from .route_templates import routes_of
from .schemas import ROUTE_TEMPLATE, check, check_id
from .templates import template_or_404, validate, view
from .web import value

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PARAM = re.compile(r"\{[^/{}]+\}")
MAX_ROUTES = 1000
IMPORT_FIELDS = {"raw_openapi", "name", "labels", "desc", "type", "routes"}
EXPORT_FIELDS = {"service_ids", "info", "servers"}


def _only(body: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiError(
            400, f"invalid request body: unknown field(s) {', '.join(map(repr, unknown))}"
        )
    return body


def raw_openapi(call: Call) -> Any:
    return _only(call.obj(), {"raw_openapi"}).get("raw_openapi")


def parse_document(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, str) or not raw.strip():
        raise ApiError(400, "invalid request body: raw_openapi must be a non-empty string")
    try:
        doc = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ApiError(400, f"invalid OpenAPI document: {str(exc).splitlines()[0]}") from None
    if not isinstance(doc, dict) or not str(doc.get("openapi", "")).startswith("3"):
        raise ApiError(400, "invalid OpenAPI document: expected an OpenAPI 3.x object")
    if not isinstance(doc.get("paths", {}), dict) or not isinstance(doc.get("info", {}), dict):
        raise ApiError(400, "invalid OpenAPI document: paths and info must be objects")
    return doc


def convert(doc: dict[str, Any]) -> dict[str, Any]:
    """The template (with `routes`) an OpenAPI document describes."""
    info = doc.get("info") or {}
    service: dict[str, Any] = {"name": str(info.get("title") or "imported-service"), "type": "http"}
    if info.get("description"):
        service["desc"] = str(info["description"])
    upstream = _upstream(doc.get("servers"))
    if upstream:
        service["upstream"] = upstream
    routes = []
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(path, str) or not path.startswith("/") or not isinstance(item, dict):
            raise ApiError(400, f"invalid OpenAPI document: bad path item {path!r}")
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            route = {
                "name": str(
                    operation.get("operationId")
                    or operation.get("summary")
                    or f"{method.upper()} {path}"
                ),
                "paths": [PARAM.sub("*", path)],
                "methods": [method.upper()],
            }
            if operation.get("summary") or operation.get("description"):
                route["desc"] = str(operation.get("description") or operation.get("summary"))
            routes.append(route)
    if len(routes) > MAX_ROUTES:
        raise ApiError(400, f"invalid OpenAPI document: more than {MAX_ROUTES} operations")
    service["routes"] = routes
    return service


def _upstream(servers: Any) -> dict[str, Any] | None:
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        return None
    parts = urlsplit(str(servers[0].get("url", "")))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return {
        "type": "roundrobin",
        "scheme": parts.scheme,
        "nodes": [{"host": parts.hostname, "port": port, "weight": 1}],
    }


def _create_routes(api: Api, template_id: str, routes: list[dict[str, Any]]) -> None:
    now = api.cp.clock()
    for route in routes:
        route_id = api.cp.new_id()
        api.cp.put(
            ROUTE_TEMPLATES,
            {
                **route,
                "service_id": template_id,
                "id": route_id,
                "created_at": now,
                "updated_at": now,
            },
            route_id,
        )


def checked_routes(routes: Any) -> list[dict[str, Any]]:
    if not isinstance(routes, list):
        raise ApiError(400, "invalid request body: routes must be an array")
    placeholder = {"service_id": "imported"}
    return [
        {k: v for k, v in check(ROUTE_TEMPLATE, {**r, **placeholder}).items() if k != "service_id"}
        for r in routes
    ]


def convert_openapi(api: Api, call: Call) -> tuple[int, Any]:
    return 200, value(convert(parse_document(raw_openapi(call))))


def import_services(api: Api, call: Call) -> tuple[int, Any]:
    """A new service template; with `?gateway_group_id=` also published there (3.9.9:
    "Import an OpenAPI specification directly into published services for a gateway
    group")."""
    group_id = call.args.get("gateway_group_id")
    if group_id is not None:
        api.group_or_404(group_id)
    body = dict(_only(call.obj(), IMPORT_FIELDS))
    if body.get("type", "http") != "http":
        raise ApiError(400, "invalid request body: an imported service is of type http")
    if "raw_openapi" in body:
        body = {**convert(parse_document(body.pop("raw_openapi"))), **body}
    routes = checked_routes(body.pop("routes", []))
    template = validate(body)
    template_id = api.cp.new_id()
    now = api.cp.clock()
    stored = {
        "type": "http",
        "strip_path_prefix": True,
        **template,
        "id": template_id,
        "created_at": now,
        "updated_at": now,
    }
    api.cp.put(TEMPLATES, stored, template_id)
    _create_routes(api, template_id, routes)
    if group_id is not None:
        publish_to(api, group_id, [{"service_id": template_id}], True)
        stored = api.cp.get(TEMPLATES, template_id) or stored
    return 200, value(view(api, stored))


def get_template_openapi(api: Api, call: Call) -> tuple[int, Any]:
    template = template_or_404(api, call.params["service_template_id"])
    return 200, value(
        {
            "raw_openapi": json.dumps(
                export_document(
                    api, [template], {"title": template["name"], "version": "1.0.0"}, []
                )
            )
        }
    )


def put_template_openapi(api: Api, call: Call) -> tuple[int, Any]:
    template = template_or_404(api, call.params["service_template_id"])
    converted = convert(parse_document(raw_openapi(call)))
    routes = checked_routes(converted["routes"])
    for route in routes_of(api, ROUTE_TEMPLATES, template["id"]):
        api.cp.delete(ROUTE_TEMPLATES, route["id"])
    _create_routes(api, template["id"], routes)
    return 200, value(view(api, template))


def export_services(api: Api, call: Call) -> tuple[int, Any]:
    body = _only(call.obj(), EXPORT_FIELDS)
    info = body.get("info")
    if not isinstance(info, dict) or not isinstance(info.get("title"), str) or not info["title"]:
        raise ApiError(400, "invalid request body: info with a title is required")
    ids = body.get("service_ids")
    if ids is None:
        templates = api.cp.all(TEMPLATES)
    elif isinstance(ids, list) and all(isinstance(i, str) for i in ids):
        templates = [template_or_404(api, check_id(i, "service_ids item")) for i in ids]
    else:
        raise ApiError(400, "invalid request body: service_ids must be an array of ids")
    servers = body.get("servers") or []
    if not isinstance(servers, list) or not all(isinstance(s, dict) for s in servers):
        raise ApiError(400, "invalid request body: servers must be an array of objects")
    return 200, value(export_document(api, templates, info, servers))


def export_document(
    api: Api, templates: list[dict[str, Any]], info: dict[str, Any], servers: list
) -> dict[str, Any]:
    services = [
        (template, routes_of(api, ROUTE_TEMPLATES, template["id"])) for template in templates
    ]
    return build_document(services, info, servers)


def build_document(
    services: list[tuple[dict[str, Any], list[dict[str, Any]]]],
    info: dict[str, Any],
    servers: list,
) -> dict[str, Any]:
    """The OpenAPI 3.0 document of services, each given with its routes: a template, a
    service version's snapshot or a published service (with its effective path prefix)."""
    paths: dict[str, dict[str, Any]] = {}
    for service, routes in services:
        prefix = (service.get("path_prefix") or "").rstrip("/")
        for route in sorted(routes, key=lambda r: r["id"]):
            methods = [
                m.lower() for m in route.get("methods") or ["GET", "POST", "PUT", "DELETE", "PATCH"]
            ]
            for path in route["paths"]:
                item = paths.setdefault(_openapi_path(prefix + path), {})
                for method in methods:
                    if method in HTTP_METHODS:
                        item[method] = {
                            "operationId": route["name"],
                            "summary": route.get("desc") or route["name"],
                            "x-api7-service-id": service["id"],
                            "responses": {"default": {"description": "the upstream's answer"}},
                        }
    info = {"version": "1.0.0", **info}
    return {"openapi": "3.0.0", "info": info, "servers": servers, "paths": paths}


def _openapi_path(uri: str) -> str:
    count = 0

    def name(_: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return "{path" + (str(count) if count > 1 else "") + "}"

    return re.sub(r"\*", name, uri)


# documented; answered 404 here (`/import/services` imports templates)
# with a gateway group, the import publishes there (seed line 2537)
API.declare(
    "POST",
    "/import/services",
    "gateway:CreatePublishedService",
    "gateway_group_id",
    query="gateway_group_id",
)
API.declare("POST", "/import/services/template", "gateway:CreateServiceTemplate")
ROUTES = [
    API("PUT", "/openapi/convert", convert_openapi, None),
    API("POST", "/import/services", import_services, "gateway:CreateServiceTemplate"),
    API("POST", "/export/services", export_services, "gateway:GetServiceTemplate", "*"),
    *API.same(
        [
            ("GET", "/services/template/{service_template_id}/openapi", get_template_openapi),
            ("PUT", "/services/template/{service_template_id}/openapi", put_template_openapi),
        ],
        "gateway:GetServiceTemplate",
        "gateway:UpdateServiceTemplate",
        "service_template_id",
    ),
]
