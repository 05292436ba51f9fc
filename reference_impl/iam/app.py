"""The IAM endpoints under `/api` (users, roles, permission policies, tokens, login and
logout, the permission check, audit logs) as a Starlette app, served behind the admin
port's `IamMiddleware`."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl

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
    ldap_login,
    login_options,
    oidc_login,
    permissions_list,
    permitted_users,
    policies,
    resource_labels,
    roles,
    saml_cas_login,
    scim,
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
    login_options.ROUTES,
    ldap_login.ROUTES,
    oidc_login.ROUTES,
    saml_cas_login.ROUTES,
    scim.SETTINGS_ROUTES,
)
STYLE = BodyStyle(max_body=1024 * 1024)
FORM = "application/x-www-form-urlencoded"  # what a SAML IdP posts


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
    ] + [
        Route(path, scim.endpoint(iam, handler), methods=[method])
        for method, path, handler in scim.PROTOCOL_ROUTES
    ]
    app = Starlette(routes=routes)
    app.state.iam = iam
    return app


async def _form(request: Request) -> dict[str, str]:
    raw = await request.body()
    if len(raw) > STYLE.max_body:
        raise STYLE.too_large(len(raw))
    return dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))


def _endpoint(iam: IamService, handler: Any):
    async def endpoint(request: Request) -> Response:
        try:
            form = request.headers.get("content-type", "").startswith(FORM)
            body = await _form(request) if form else await read_body(request, STYLE)
            call = IamCall(
                request.method,
                dict(request.path_params),
                request.query_params,
                body,
                request.scope.get("state", {}).get(PRINCIPAL_KEY),
                request.client.host if request.client else "",
                str(request.base_url).rstrip("/"),
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
