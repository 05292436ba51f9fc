"""The API7 Enterprise control plane (`/api` on the admin port) as a Starlette app.

Authentication: the `X-API-KEY` header (or `api_key` query argument) must be one of the
gateway's admin keys (`deployment.admin.admin_key`); a viewer key may only read. IAM
users, roles and tokens come later.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..admin.auth import Guard
from ..api.endpoint import (
    BodyStyle,
    failure_response,
    http_error,
    in_worker,
    json_response,
    read_body,
)
from ..api.errors import ApiError
from ..api.mounts import declared
from ..config import GatewayConfig
from ..store import Store, StoreError
from . import (
    alert_engine,
    alert_policies,
    cert_usage,
    certificates,
    contact_points,
    core_usage,
    debug_sessions,
    discovery_poller,
    dp_certificates,
    gateway_groups,
    group_resources,
    health,
    install_scripts,
    instances,
    license,
    monitoring,
    openapi_io,
    plugin_catalog,
    published,
    published_openapi,
    publishing,
    resource_schemas,
    route_templates,
    secret_providers,
    secret_usage,
    service_registries,
    service_upstreams,
    smtp_settings,
    snis,
    system_settings,
    templates,
    variables,
    versions,
)
from .context import Api, Call
from .cpstore import ControlStore
from .dataplanes import GroupDataPlanes
from .portal import dcr, developers, files, products
from .portal import instances as portal_instances
from .portal import subscriptions as portal_subscriptions
from .portal import tokens as portal_tokens
from .portal.scope import ensure_default_portal

STYLE = BodyStyle(max_body=4 * 1024 * 1024)
FORM_STYLE = BodyStyle(max_body=4 * 1024 * 1024, forms=True)  # endpoints that take a form
ROUTE_TABLES = declared(
    "/api",
    templates.ROUTES,  # before publishing: /services/template/x is a template, not a service
    route_templates.ROUTES,
    publishing.ROUTES,
    published.ROUTES,
    versions.ROUTES,
    gateway_groups.ROUTES,
    group_resources.ROUTES,
    openapi_io.ROUTES,
    health.ROUTES,
    published_openapi.ROUTES,
    instances.ROUTES,
    secret_usage.ROUTES,
    service_registries.ROUTES,
    cert_usage.ROUTES,
    alert_policies.ROUTES,
    contact_points.ROUTES,
    smtp_settings.ROUTES,
    license.ROUTES,
    system_settings.ROUTES,
    core_usage.ROUTES,
    dp_certificates.ROUTES,
    install_scripts.ROUTES,
    plugin_catalog.ROUTES,
    resource_schemas.ROUTES,
    debug_sessions.ROUTES,
    portal_instances.ROUTES,
    dcr.ROUTES,
    products.ROUTES,
    portal_subscriptions.ROUTES,
    portal_tokens.ROUTES,
    developers.ROUTES,
)
(FORM_TABLE,) = declared("/api", monitoring.ROUTES)  # endpoints that take a form
# API7-only resources served under `/apisix/admin` (paths relative to it), per gateway group:
# the dispatcher in apisix_compat.py puts the group in the `gateway_group_id` query argument
COMPAT_TABLES = declared(
    "/apisix/admin",
    secret_providers.COMPAT_ROUTES,
    service_upstreams.COMPAT_ROUTES,
    certificates.ROUTES,
    snis.ROUTES,
    variables.ROUTES,
)

log = logging.getLogger(__name__)


def create_api7ee_app(
    config: GatewayConfig, store: Store, *, launch_data_planes: bool = True
) -> Starlette:
    """The `/api` app over `store`; mount it at `/api` on the admin port. Its
    `state.data_planes` (`GroupDataPlanes`) must be `await ...sync()`-ed at start-up and
    `await ...stop_all()`-ed at shutdown (it also syncs before its first request).
    `launch_data_planes=False`: no data plane processes (in-process tests)."""
    cp = ControlStore(store, config.etcd_prefix)
    try:
        cp.ensure_default_group()
        ensure_default_portal(cp)
    except StoreError as exc:  # the store may come up later; the first request retries
        log.warning("api7ee: default gateway group not written yet: %s", exc)
    api = Api(config, cp, GroupDataPlanes(config, store, cp, launch=launch_data_planes))
    discovery_poller.attach(api)  # polls the registries, if there are any
    alert_engine.start(api)
    guard = Guard(config)
    routes = [
        Route(path, _endpoint(api, guard, handler), methods=[method])
        for table in ROUTE_TABLES
        for method, path, handler in table
    ] + [
        Route(path, _endpoint(api, guard, handler, style=FORM_STYLE), methods=[method])
        for method, path, handler in FORM_TABLE
    ]
    routes += [
        Route(path, _raw_endpoint(api, guard, handler), methods=[method])
        for method, path, handler in files.RAW_ROUTES
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error, Exception: _internal_error},
    )
    app.state.api7ee = api
    app.state.data_planes = api.planes
    app.state.compat = _compat_app(api, guard)
    return app


def _compat_app(api: Api, guard: Guard) -> Starlette:
    """The API7-only endpoints under `/apisix/admin` (certificates, SNIs, ...): the
    dispatcher sends a request here when one of these routes matches its path."""
    routes = [
        Route(path, _endpoint(api, guard, handler, group_from_query=True), methods=[method])
        for table in COMPAT_TABLES
        for method, path, handler in table
    ]
    return Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error, Exception: _internal_error},
    )


def _endpoint(
    api: Api,
    guard: Guard,
    handler: Any,
    *,
    group_from_query: bool = False,
    style: BodyStyle = STYLE,
):
    async def endpoint(request: Request) -> Response:
        try:
            guard.check(request)
            body = await read_body(request, style)
            params = dict(request.path_params)
            if group_from_query:
                params["gateway_group_id"] = request.query_params["gateway_group_id"]
            call = Call(request.method, params, request.query_params, body)
            lock = None if call.method in ("GET", "HEAD") else api.cp.lock
            status, payload = await in_worker(lock, handler, api, call)
            if call.groups_changed or not api.planes.synced:
                await api.planes.sync()
                if call.groups_changed and isinstance(payload, dict) and "value" in payload:
                    group_id = payload["value"].get("id")
                    payload["value"]["instances"] = instances.of_group(api, group_id)
        except (ApiError, StoreError) as exc:
            return failure_response(style, exc)
        if isinstance(payload, Response):  # a script, a CSV export
            return payload
        return json_response(status, payload)

    return endpoint


def _raw_endpoint(api: Api, guard: Guard, handler: Any):
    """An endpoint whose request body is the raw content (a file), answering a Response."""

    async def endpoint(request: Request) -> Response:
        try:
            guard.check(request)
            raw = await files.read_raw(request)
            call = Call(request.method, dict(request.path_params), request.query_params)
            lock = None if call.method in ("GET", "HEAD") else api.cp.lock
            answer: Response = await in_worker(lock, handler, api, call, raw)
        except (ApiError, StoreError) as exc:
            return failure_response(STYLE, exc)
        return answer

    return endpoint


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("api7ee request %s %s failed", request.method, request.url.path)
    return JSONResponse({"error_msg": "internal error"}, status_code=500)
