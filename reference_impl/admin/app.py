"""The APISIX-compatible Admin API (`/apisix/admin` on the admin port) as a Starlette app."""

from __future__ import annotations

import logging
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import request_response

from .. import strict_json
from ..config import GatewayConfig
from ..store import RevisionConflict, Store, StoreError
from . import plugins_api
from .auth import Guard
from .bodies import Bodies
from .context import MISSING, AdminContext, AdminRequest
from .errors import AdminError
from .resources import CREDENTIALS, RESOURCES, VALIDATABLE
from .ssl_crypto import Keyring

PREFIX = "/apisix/admin"
MAX_BODY = 1536 * 1024  # 1.5 MiB, APISIX's MAX_REQ_BODY
MAX_DEPTH = 128  # nesting levels of a request body
METHODS = ("get", "put", "post", "patch", "delete")
# 2.x names of resources 3.0 renamed: the 2.x page documents SSL objects at /ssl/{id}; in v2
# mode they are the objects of /ssls, stored once
_V2_ALIASES = {"ssl": "ssls"}

log = logging.getLogger(__name__)


def create_app(config: GatewayConfig, store: Store) -> Starlette:
    """The Admin API over `store`, configured by `config` (keys, version); `allow_admin` is
    checked in front of the whole admin port (`reference_impl.admin_port`)."""
    ctx = AdminContext(
        config=config,
        store=store,
        prefix=config.etcd_prefix,
        keyring=Keyring.from_config(config.raw),
        bodies=Bodies(config.admin_api_version),
    )
    guard = Guard(config)
    version_header = {"X-API-VERSION": config.admin_api_version}

    async def endpoint(request: Request) -> Response:
        try:
            guard.check(request)
            status, body = await _dispatch(ctx, request)
        except AdminError as exc:
            status, body = exc.status, exc.body
        except RevisionConflict:
            status, body = 409, {"error_msg": "value changed before overwritten"}
        except StoreError as exc:
            status, body = 503, {"error_msg": f"config store unavailable: {exc}"}
        if body is None:
            return Response(status_code=status, headers=version_header)
        return JSONResponse(body, status_code=status, headers=version_header)

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
                raise AdminError(400, "invalid request path")
            out.pop()
        else:
            out.append(segment)
    return "/" + "/".join(out)


async def _dispatch(ctx: AdminContext, request: Request) -> tuple[int, Any]:
    # scope["path"], not request.url.path: urllib drops newlines and tabs from URLs
    path = _normalize(request.scope["path"])
    if path != PREFIX and not path.startswith(PREFIX + "/"):
        raise AdminError(404, "not found")
    segments = [s for s in path[len(PREFIX) :].split("/") if s]
    method = request.method.lower()
    if method == "head" and not segments:
        return 200, None
    if method not in METHODS:
        raise AdminError(405, f"method {request.method} is not allowed")
    args = request.query_params
    _check_ttl(args.get("ttl"))
    body = await _read_body(request)
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
        handler = CREDENTIALS
        req = AdminRequest(method, segments[3:], body, args, parent=segments[1])
    else:
        handler = RESOURCES.get(resource if ctx.bodies.v3 else _V2_ALIASES.get(resource, resource))
        if handler is None:
            raise AdminError(404, f"Unsupported resource type: {resource}")
        req = AdminRequest(method, segments[1:], body, args)
    return await run_in_threadpool(handler.handle, method, ctx, req)


def _plugins(method: str, segments: list[str], args: Any) -> tuple[int, Any]:
    if segments == ["reload"]:
        if method != "put":
            raise AdminError(
                405,
                f"please use PUT method to reload the plugins, {method.upper()} method is not allowed.",
            )
        return 200, "done"
    if method != "get":
        raise AdminError(404, "not found")
    if segments == ["list"]:
        return 200, plugins_api.plugin_list(args)
    return 200, plugins_api.plugin_get(segments[0] if segments else None, args)


def _schema(method: str, segments: list[str], args: Any) -> tuple[int, Any]:
    """`GET /schema/{name}` (a resource's JSON Schema, by APISIX's schema_def name) and
    `GET /schema/plugins/{name}` (a plugin's, as `GET /plugins/{name}` answers it); the
    schema endpoints serve GET only, other methods are 404 "not found" as in APISIX."""
    if method != "get":
        raise AdminError(404, "not found")
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
        raise AdminError(400, "invalid argument ttl: should be a number")


async def _read_body(request: Request) -> Any:
    """The JSON body (MISSING when empty); 400 beyond MAX_BODY or when not JSON."""
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY:
        raise _too_large(int(declared))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= MAX_BODY:
            chunks.append(chunk)
    # APISIX reads the whole body (nginx buffers it to a file) and then names its size
    if size > MAX_BODY:
        raise _too_large(size)
    raw = b"".join(chunks)
    if not raw.strip():
        return MISSING
    try:
        data = strict_json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise AdminError(400, f"invalid request body: {_json_reason(exc)}") from None
    if _depth(data) > MAX_DEPTH:
        raise AdminError(400, f"invalid request body: nesting deeper than {MAX_DEPTH} levels")
    return data


def _too_large(size: int) -> AdminError:
    # core.request.get_body's error, answered 400 by apisix/admin/init.lua (t/admin/routes4.t)
    return AdminError(
        400,
        f"invalid request body: request size {size} is greater than the maximum size {MAX_BODY} allowed",
    )


def _json_reason(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "nesting too deep"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return str(exc)


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest
