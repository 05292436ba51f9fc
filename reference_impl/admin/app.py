"""The APISIX-compatible Admin API (`/apisix/admin` on the admin port) as a Starlette app."""

from __future__ import annotations

import logging
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import request_response

from ..api.collection import Collection
from ..api.context import MISSING, CollectionRequest, Context
from ..api.dialects import ApisixDialect
from ..api.endpoint import ApisixBodyStyle, failure_response, in_worker, json_response, read_body
from ..api.errors import ApiError
from ..api.ids import APISIX_IDS
from ..api.mounts import Operations
from ..api.records import Records
from ..config import GatewayConfig
from ..store import Store, StoreError
from . import plugins_api
from .auth import Guard
from .resources import CREDENTIALS, RESOURCES, VALIDATABLE
from .ssl_crypto import Keyring

PREFIX = "/apisix/admin"
# 1.5 MiB (APISIX's MAX_REQ_BODY), 128 nesting levels
STYLE = ApisixBodyStyle(max_body=1536 * 1024, max_depth=128)
METHODS = ("get", "put", "post", "patch", "delete")
# 2.x names of resources 3.0 renamed: the 2.x page documents SSL objects at /ssl/{id}; in v2
# mode they are the objects of /ssls, stored once
_V2_ALIASES = {"ssl": "ssls"}

log = logging.getLogger(__name__)


def create_app(config: GatewayConfig, store: Store, *, api7_admin: bool = False) -> Starlette:
    """The Admin API over `store`, configured by `config` (keys, version); `allow_admin` is
    checked in front of the whole admin port (`reference_impl.admin_port`). `api7_admin`:
    API7's `/apisix/admin` of a named gateway group (see `Collection.api7_methods`)."""
    ctx = Context(
        config=config,
        records=Records(store, config.etcd_prefix, APISIX_IDS),
        keyring=Keyring.from_config(config.raw),
        dialect=ApisixDialect(config.admin_api_version, api7_admin=api7_admin),
    )
    guard = Guard(config)
    version_header = {"X-API-VERSION": config.admin_api_version}

    async def endpoint(request: Request) -> Response:
        try:
            guard.check(request)
            status, body = await _dispatch(ctx, request)
        except (ApiError, StoreError) as exc:
            return failure_response(STYLE, exc, version_header)
        return json_response(status, body, version_header)

    app = Starlette(exception_handlers={Exception: _internal_error})
    # Every path reaches the endpoint, which answers unknown ones itself: a route pattern
    # would not match ids with encoded newlines and answer them with a plain-text 404.
    app.router.default = request_response(endpoint)
    return app


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("admin API request %s %s failed", request.method, request.url.path)
    return JSONResponse({"error_msg": "internal error"}, status_code=500)


def _normalize(path: str) -> str:
    """Resolve `.` and `..` segments (also percent-encoded ones) as nginx does before APISIX
    sees the URI, so `/routes/..%2F..%2Fetc` can never name a stored key."""
    out: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if not out:
                raise ApiError(400, "invalid request path")
            out.pop()
        else:
            out.append(segment)
    return "/" + "/".join(out)


# the read-only endpoints `_dispatch` serves besides the collections (and `/variables`,
# which API7 documents and this gateway answers 404): any authenticated caller
ADMIN = Operations(PREFIX)
ADMIN.declare("GET", "/plugins/list", None)
ADMIN.declare("GET", "/plugins/{name}", None)
ADMIN.declare("GET", "/plugins", None)
ADMIN.declare("GET", "/schema/{name}", None)
ADMIN.declare("GET", "/schema/plugins/{name}", None)
ADMIN.declare("POST", "/schema/validate/{name}", None)
ADMIN.declare("GET", "/variables", None)


async def _dispatch(ctx: Context, request: Request) -> tuple[int, Any]:
    # scope["path"], not request.url.path: urllib drops newlines and tabs from URLs
    path = _normalize(request.scope["path"])
    if path != PREFIX and not path.startswith(PREFIX + "/"):
        raise ApiError(404, "not found")
    segments = [s for s in path[len(PREFIX) :].split("/") if s]
    method = request.method.lower()
    if method == "head" and not segments:
        return 200, None
    if method not in METHODS:
        raise ApiError(405, f"method {request.method} is not allowed")
    args = request.query_params
    _check_ttl(args.get("ttl"))
    body = await read_body(request, STYLE)
    resource = segments[0] if segments else ""

    if resource == "plugins":
        return _plugins(method, segments[1:], args)
    if resource == "schema" and segments[1:2] == ["validate"] and method == "post":
        name = segments[2] if len(segments) > 2 else ""
        plugins_api.validate(name, None if body is MISSING else body, VALIDATABLE)
        return 200, None
    if resource == "schema":
        return _schema(method, segments[1:], args)
    if resource == "consumers" and len(segments) >= 3 and segments[2] == "credentials":
        handler: Collection = CREDENTIALS
        req = CollectionRequest(method, segments[3:], body, args, parent=segments[1])
    else:
        found = RESOURCES.get(resource if _v3(ctx) else _V2_ALIASES.get(resource, resource))
        if found is None:
            raise ApiError(404, f"Unsupported resource type: {resource}")
        handler = found
        req = CollectionRequest(method, segments[1:], body, args)
    return await in_worker(None, handler.handle, method, ctx, req)


def _v3(ctx: Context) -> bool:
    return isinstance(ctx.dialect, ApisixDialect) and ctx.dialect.v3


def _plugins(method: str, segments: list[str], args: Any) -> tuple[int, Any]:
    if segments == ["reload"]:
        if method != "put":
            raise ApiError(
                405,
                f"please use PUT method to reload the plugins, {method.upper()} method is not allowed.",
            )
        return 200, "done"
    if method != "get":
        raise ApiError(404, "not found")
    if segments == ["list"]:
        return 200, plugins_api.plugin_list(args)
    return 200, plugins_api.plugin_get(segments[0] if segments else None, args)


def _schema(method: str, segments: list[str], args: Any) -> tuple[int, Any]:
    """`GET /schema/{name}` (a resource's JSON Schema, by APISIX's schema_def name) and
    `GET /schema/plugins/{name}` (a plugin's, as `GET /plugins/{name}` answers it); the
    schema endpoints serve GET only, other methods are 404 "not found" as in APISIX."""
    if method != "get":
        raise ApiError(404, "not found")
    if segments[:1] == ["plugins"]:
        return 200, plugins_api.plugin_get(segments[1] if len(segments) > 1 else None, args)
    return 200, plugins_api.resource_schema(segments[0] if segments else "")


def _check_ttl(raw: str | None) -> None:
    if raw is None:
        return
    try:
        seconds = float(raw)
    except ValueError:
        seconds = float("nan")
    if not seconds >= 0 or seconds == float("inf"):
        raise ApiError(400, "invalid argument ttl: should be a number")
