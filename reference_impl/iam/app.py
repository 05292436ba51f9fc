"""The IAM endpoints under `/api` (users, roles, permission policies, tokens, login and
logout, the permission check, audit logs) as a Starlette app, served behind the admin
port's `IamMiddleware`."""

from __future__ import annotations

import logging
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..api.endpoint import BodyStyle, failure_response, in_worker, read_body
from ..api.errors import ApiError
from ..api.mounts import declared
from ..config import GatewayConfig
from ..store import Store, StoreError
from . import (
    audit,
    checks,
    permissions_list,
    permitted_users,
    policies,
    resource_labels,
    roles,
    session,
    tokens,
    users,
)
from .middleware import PRINCIPAL_KEY
from .service import IamService
from .web import IamCall

log = logging.getLogger(__name__)
ROUTE_TABLES = declared(
    "/api",
    session.ROUTES,
    users.ROUTES,
    roles.ROUTES,
    policies.ROUTES,
    tokens.ROUTES,
    checks.ROUTES,
    audit.ROUTES,
    resource_labels.ROUTES,
    permissions_list.ROUTES,
    permitted_users.ROUTES,
)
STYLE = BodyStyle(max_body=1024 * 1024)


def create_iam_app(config: GatewayConfig, store: Store) -> Starlette:
    """The IAM app; its `state.iam` is the `IamService` an `IamMiddleware` around the rest
    of the admin port needs (`IamMiddleware(app, iam_app=this)`)."""
    iam = IamService(config, store)
    try:
        iam.bootstrap()
    except StoreError as exc:  # the store may come up later; the middleware retries
        log.warning("iam: built-in records not written yet: %s", exc)
    routes = [
        Route(f"/api{path}", _endpoint(iam, handler), methods=[method])
        for table in ROUTE_TABLES
        for method, path, handler in table
    ]
    app = Starlette(routes=routes)
    app.state.iam = iam
    return app


def _endpoint(iam: IamService, handler: Any):
    async def endpoint(request: Request) -> Response:
        try:
            body = await read_body(request, STYLE)
            call = IamCall(
                request.method,
                dict(request.path_params),
                request.query_params,
                body,
                request.scope.get("state", {}).get(PRINCIPAL_KEY),
                request.client.host if request.client else "",
            )
            # read-check-write sequences (unique names, references) stay atomic
            lock = None if call.method == "GET" else iam.write_lock
            result = await in_worker(lock, handler, iam, call)
        except (ApiError, StoreError) as exc:
            return failure_response(STYLE, exc)
        if isinstance(result, Response):
            return result
        return JSONResponse(result)

    return endpoint
