"""The IAM endpoints under `/api` (users, roles, permission policies, tokens, login and
logout, the permission check, audit logs) as a Starlette app guarded by `IamMiddleware`."""

from __future__ import annotations

import logging
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import strict_json
from ..config import GatewayConfig
from ..store import Store, StoreError
from . import audit, checks, policies, roles, session, tokens, users
from .middleware import PRINCIPAL_KEY, IamMiddleware
from .service import IamService
from .web import IamCall, IamError

log = logging.getLogger(__name__)
ROUTE_TABLES = (
    session.ROUTES,
    users.ROUTES,
    roles.ROUTES,
    policies.ROUTES,
    tokens.ROUTES,
    checks.ROUTES,
    audit.ROUTES,
)
MAX_BODY = 1024 * 1024


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
    app.add_middleware(IamMiddleware, iam=iam)
    app.state.iam = iam
    return app


def _endpoint(iam: IamService, handler: Any):
    async def endpoint(request: Request) -> Response:
        try:
            body = await _read_body(request)
            call = IamCall(
                request.method,
                dict(request.path_params),
                request.query_params,
                body,
                request.scope.get("state", {}).get(PRINCIPAL_KEY),
                request.client.host if request.client else "",
            )
            result = await run_in_threadpool(_run, iam, handler, call)
        except IamError as exc:
            return JSONResponse({"error_msg": exc.message}, status_code=exc.status)
        except StoreError as exc:
            return JSONResponse({"error_msg": f"config store unavailable: {exc}"}, status_code=503)
        if isinstance(result, Response):
            return result
        return JSONResponse(result)

    return endpoint


def _run(iam: IamService, handler: Any, call: IamCall) -> Any:
    if call.method == "GET":
        return handler(iam, call)
    with iam.write_lock:  # read-check-write sequences (unique names, references) stay atomic
        return handler(iam, call)


async def _read_body(request: Request) -> Any:
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise IamError(413, f"request body larger than {MAX_BODY} bytes")
    if not raw.strip():
        return None
    try:
        return strict_json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise IamError(400, f"invalid request body: {exc}") from None
