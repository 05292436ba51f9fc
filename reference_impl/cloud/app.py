"""The API7 Cloud API as a Starlette app; mount it at `/api/v1` on the admin port.

Every answer is the Cloud envelope; every request needs the bearer token. Handlers are
synchronous (store calls) and run in the thread pool, one at a time per process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import strict_json
from ..admin.ssl_crypto import Keyring
from ..api.endpoint import BodyStyle, failure_response, in_worker, read_body
from ..config import GatewayConfig
from ..store import Store, StoreError
from . import apis, applications, certificates, clusters, consumers, organizations
from . import plugin_management as plugins
from .auth import TokenGuard
from .clusters import CLUSTERS
from .collection import cloud_handler, owned_endpoints
from .context import MISSING, CloudContext, CloudRequest
from .envelope import (
    INTERNAL,
    INVALID_ARGUMENT,
    NOT_FOUND,
    UNAVAILABLE,
    UNIMPLEMENTED,
    CloudError,
    error_body,
    success_body,
)
from .openapi_import import import_openapi
from .organizations import ORGANIZATIONS as ORGS
from .records import cloud_records
from .translate import DataPlaneWriter


class CloudBodyStyle(BodyStyle):
    """The Cloud's refusals: every one in the envelope, a too large body is invalid."""

    def too_large(self, size: int) -> Exception:
        return CloudError(INVALID_ARGUMENT, f"request body larger than {self.max_body} bytes")

    def not_json(self, exc: Exception) -> Exception:
        if isinstance(exc, strict_json.NotStrictJson):
            return CloudError(INVALID_ARGUMENT, f"invalid request body: not valid JSON ({exc})")
        return CloudError(INVALID_ARGUMENT, "invalid request body: not valid JSON")

    def failure(self, exc: Exception) -> tuple[int, Any]:
        if isinstance(exc, CloudError):
            return exc.http_status, error_body(exc.kind, exc.error)
        if isinstance(exc, StoreError):
            return 503, error_body(UNAVAILABLE, f"config store unavailable: {exc}")
        raise exc


STYLE = CloudBodyStyle(max_body=1536 * 1024, empty=MISSING)
Handler = Callable[[CloudContext, CloudRequest], Any]
log = logging.getLogger(__name__)

C = "/clusters/{cluster_id}"
ENDPOINTS: list[tuple[str, dict[str, Handler]]] = [
    ("/user/me", {"GET": organizations.me}),
    ("/orgs", {"POST": cloud_handler(ORGS, "post")}),
    ("/orgs/initialize", {"POST": organizations.initialize_org}),
    (
        "/orgs/{id}",
        {"GET": cloud_handler(ORGS, "get", "id"), "DELETE": cloud_handler(ORGS, "delete", "id")},
    ),
    ("/orgs/{id}/subscriptions", {"POST": organizations.create_subscription}),
    ("/orgs/{id}/upcoming_invoice", {"GET": organizations.upcoming_invoice}),
    ("/orgs/{id}/billing_portal", {"GET": organizations.billing_portal}),
    ("/orgs/{id}/plugins", {"GET": organizations.available_plugins}),
    (
        "/orgs/{id}/clusters",
        {
            "GET": cloud_handler(CLUSTERS, "get", None, "id"),
            "POST": cloud_handler(CLUSTERS, "post", None, "id"),
        },
    ),
    (C, {"GET": cloud_handler(CLUSTERS, "get", "cluster_id")}),
    (C + "/config", {"PATCH": clusters.update_settings}),
    (C + "/plugins", {"PATCH": clusters.update_plugins}),
    (C + "/gateway_certificate", {"GET": clusters.client_certificate}),
    (C + "/instances", {"GET": clusters.list_instances}),
    (C + "/startup_config_tpl/{config_type}", {"GET": clusters.startup_template}),
    *owned_endpoints(plugins.PLUGIN_MANAGEMENT, "plugin_management_id"),
    (C + "/plugin_management/{plugin_management_id}/reference", {"GET": plugins.plugin_reference}),
    # before /apps/{app_id}: application ids are decimal, so "openapi" names none
    (C + "/apps/openapi", {"POST": import_openapi}),
    *owned_endpoints(applications.APPLICATIONS, "app_id", {"DELETE": applications.delete_all_apps}),
    (C + "/apis", {"GET": apis.search_apis}),
    *owned_endpoints(apis.APIS, "api_id", {"DELETE": apis.delete_all_apis}),
    *owned_endpoints(consumers.CONSUMERS, "consumer_id"),
    (C + "/consumers/{consumer_id}/jwt_token", {"POST": consumers.create_jwt}),
    *owned_endpoints(certificates.CERTIFICATES, "certificate_id"),
]
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def create_cloud_app(config: GatewayConfig, store: Store) -> Starlette:
    """The Cloud API over `store`; the default organization and cluster exist once it returns."""
    keyring = Keyring.from_config(config.raw)
    ctx = CloudContext(
        config=config,
        records=cloud_records(store),
        dataplane=DataPlaneWriter(store),
        keyring=keyring,
    )
    try:
        organizations.ensure_default(ctx)
    except StoreError as exc:  # the store may come up later; every request retries first
        log.warning("cloud: default organization not written yet: %s", exc)
    guard = TokenGuard(config)
    routes = [
        Route(path, _endpoint(ctx, guard, handlers), methods=ALL_METHODS)
        for path, handlers in ENDPOINTS
    ]
    return Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
    )


def _endpoint(ctx: CloudContext, guard: TokenGuard, handlers: dict[str, Handler]):
    def prepared(handler: Handler, req: CloudRequest) -> Any:
        organizations.ensure_default(ctx)
        return handler(ctx, req)

    async def endpoint(request: Request) -> Response:
        try:
            guard.check(request)
            handler = handlers.get(request.method)
            if handler is None:
                allowed = ", ".join(handlers)
                raise CloudError(
                    UNIMPLEMENTED, f"method {request.method} is not allowed (allowed: {allowed})"
                )
            req = CloudRequest(
                params=dict(request.path_params),
                query=request.query_params,
                body=await read_body(request, STYLE),
            )
            payload = await in_worker(ctx.lock, prepared, handler, req)
            return JSONResponse(success_body(payload))
        except (CloudError, StoreError) as exc:
            return failure_response(STYLE, exc)

    return endpoint


async def _http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    kind = NOT_FOUND if status == 404 else UNIMPLEMENTED
    message = f"no such endpoint: {request.method} {request.url.path}"
    return JSONResponse(error_body(kind, message), status_code=404 if status == 404 else 405)


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("cloud API request %s %s failed", request.method, request.url.path)
    return JSONResponse(error_body(INTERNAL, "internal error"), status_code=500)
