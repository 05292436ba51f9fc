"""nginx / APISIX variables as the data plane sees them (`ctx.var(name)`).

Values that only depend on the request are cached per request in `ctx.state`; plugins that
change the request call `invalidate(ctx)` (see `plugins/request_edit.py`).
"""

from __future__ import annotations

import posixpath
import socket
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote

from .plugin_api import Ctx, Request

CACHE_KEY = "_vars_cache"
_HOSTNAME = socket.gethostname()


def normalize_uri(raw_path: str) -> str:
    """nginx's $uri: percent-decoded, dot segments resolved, repeated slashes merged."""
    plain = "%" not in raw_path and "//" not in raw_path and "/." not in raw_path
    if plain and raw_path.startswith("/"):
        return raw_path
    path = unquote(raw_path or "/")
    if not path.startswith("/"):
        path = "/" + path
    trailing = path.endswith("/") or path.endswith("/.") or path.endswith("/..")
    while "//" in path:
        path = path.replace("//", "/")
    path = posixpath.normpath(path)
    if trailing and path != "/":
        path += "/"
    return path


def parse_cookies(header: str | None) -> dict[str, str]:
    """Cookie names are case-sensitive; the first occurrence of a name wins."""
    cookies: dict[str, str] = {}
    if not header:
        return cookies
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in cookies:
            cookies[name] = value.strip()
    return cookies


def parse_args(query: str) -> dict[str, str]:
    """Decoded query arguments; the first value of a repeated name wins."""
    args: dict[str, str] = {}
    for name, value in parse_qsl(query or "", keep_blank_values=True):
        args.setdefault(name, value)
    return args


def request_host(request: Request) -> str:
    """nginx's $host: the Host header without its port, lower-cased, else the server address."""
    raw = request.headers.get("host", "")
    if raw.startswith("["):
        end = raw.find("]")
        host = raw[: end + 1] if end > 0 else raw
    else:
        host = raw.split(":", 1)[0]
    return (host or request.server_addr).lower()


def _host(ctx: Ctx) -> str:
    return request_host(ctx.request)


def _request_uri(ctx: Ctx) -> str:
    query = ctx.request.query
    return ctx.request.uri + ("?" + query if query else "")


def _response_head(ctx: Ctx) -> Any:
    return ctx.state.get("response_head")


_REQUEST_VARS: dict[str, Callable[[Ctx], str | None]] = {
    "uri": lambda ctx: normalize_uri(ctx.request.uri),
    "document_uri": lambda ctx: normalize_uri(ctx.request.uri),
    "request_uri": _request_uri,
    "real_request_uri": _request_uri,
    "args": lambda ctx: ctx.request.query,
    "query_string": lambda ctx: ctx.request.query,
    "is_args": lambda ctx: "?" if ctx.request.query else "",
    "host": _host,
    "request_method": lambda ctx: ctx.request.method.upper(),
    "remote_addr": lambda ctx: ctx.request.remote_addr,
    "remote_port": lambda ctx: str(ctx.request.remote_port),
    "server_addr": lambda ctx: ctx.request.server_addr,
    "server_port": lambda ctx: str(ctx.request.server_port),
    "scheme": lambda ctx: ctx.request.scheme,
    "https": lambda ctx: "on" if ctx.request.scheme == "https" else "",
    "server_protocol": lambda ctx: f"HTTP/{ctx.request.http_version}",
    "request_line": lambda ctx: (
        f"{ctx.request.method} {_request_uri(ctx)} HTTP/{ctx.request.http_version}"
    ),
    "content_type": lambda ctx: ctx.request.headers.get("content-type"),
    "content_length": lambda ctx: ctx.request.headers.get("content-length"),
    "cookie": lambda ctx: ctx.request.headers.get("cookie"),
    "server_name": lambda ctx: "_",
    "hostname": lambda ctx: _HOSTNAME,
}

# Not cached: they change while the request goes through the phases.
_CONTEXT_VARS: dict[str, Callable[[Ctx], Any]] = {
    "route_id": lambda ctx: ctx.route_id,
    "route_name": lambda ctx: ctx.route.get("name") if ctx.route else None,
    "service_id": lambda ctx: ctx.service_id,
    "service_name": lambda ctx: ctx.state.get("service_name"),
    "consumer_name": lambda ctx: ctx.consumer_name,
    "consumer_group_id": lambda ctx: (ctx.consumer or {}).get("group_id"),
    "upstream_uri": lambda ctx: ctx.upstream_uri or _request_uri(ctx),
    "upstream_host": lambda ctx: ctx.upstream_host,
    "status": lambda ctx: (
        str(_response_head(ctx).status) if _response_head(ctx) is not None else None
    ),
    "msec": lambda ctx: f"{time.time():.3f}",
    "time_iso8601": lambda ctx: time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
    "request_id": lambda ctx: ctx.state.get("request_id"),
}


# variables named by a prefix and a request-specific rest (`arg_name`, `http_x_id`)
FAMILIES = ("arg_", "http_", "cookie_", "upstream_http_", "sent_http_")


def names() -> list[str]:
    """Every variable this data plane resolves; a family as its prefix followed by `*`."""
    return sorted([*_REQUEST_VARS, *_CONTEXT_VARS, *(f"{p}*" for p in FAMILIES)])


class Variables:
    """Resolves variable names for one data plane worker; stateless, shared by requests."""

    def get(self, ctx: Ctx, name: str) -> str | None:
        cache: dict[str, Any] = ctx.state.get(CACHE_KEY)  # type: ignore[assignment]
        if cache is None:
            cache = ctx.state[CACHE_KEY] = {}
        if name in cache:
            return cache[name]
        context_getter = _CONTEXT_VARS.get(name)
        if context_getter is not None:
            value = context_getter(ctx)
            return None if value is None else str(value)
        if name.startswith(("upstream_http_", "sent_http_")):
            head = _response_head(ctx)
            if head is None:
                return None
            return head.get(name.split("_http_", 1)[1].replace("_", "-"))
        value = self._request_var(ctx, cache, name)
        cache[name] = value
        return value

    def _request_var(self, ctx: Ctx, cache: dict[str, Any], name: str) -> str | None:
        getter = _REQUEST_VARS.get(name)
        if getter is not None:
            return getter(ctx)
        if name.startswith("arg_"):
            args = cache.get("\0args")
            if args is None:
                args = cache["\0args"] = parse_args(ctx.request.query)
            return args.get(name[4:])
        if name.startswith("http_"):
            headers = cache.get("\0headers")
            if headers is None:
                headers = cache["\0headers"] = {
                    k.lower().replace("-", "_"): v for k, v in ctx.request.headers.items()
                }
            return headers.get(name[5:].lower().replace("-", "_"))
        if name.startswith("cookie_"):
            cookies = cache.get("\0cookies")
            if cookies is None:
                cookies = cache["\0cookies"] = parse_cookies(ctx.request.headers.get("cookie"))
            return cookies.get(name[7:])
        return None


def invalidate(ctx: Ctx) -> None:
    """Forget the cached request variables after a plugin changed the request."""
    ctx.state.pop(CACHE_KEY, None)
