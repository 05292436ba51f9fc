"""cors: CORS response headers, and the answer to preflight (OPTIONS) requests."""

from __future__ import annotations

import re
from typing import Any

from ..plugin_api import Ctx, Plugin, Response, ResponseHead

_ALL_METHODS = "GET,POST,PUT,DELETE,PATCH,HEAD,OPTIONS,CONNECT,TRACE"


def _origin_list(allow_origins: str) -> set[str] | None:
    """The origins of a comma-separated list; None for a single value."""
    if "," not in allow_origins:
        return None
    return {part for part in allow_origins.split(",") if part}


def _resolve_allowed(allow_origins: str | None, request_origin: str | None) -> str | None:
    """What Access-Control-Allow-Origin would be under `allow_origins` (None: not allowed)."""
    if allow_origins is None:
        return None
    if allow_origins == "**":
        allow_origins = request_origin or "*"
    listed = _origin_list(allow_origins)
    if listed is not None:
        return request_origin if request_origin in listed else None
    return allow_origins


def _origin_matches(request_origin: str | None, allowed: str | None) -> bool:
    return allowed is not None and (allowed == "*" or request_origin == allowed)


class Cors(Plugin):
    name = "cors"
    priority = 4000

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        rules = conf.get("allow_origins_by_regex")
        self._origin_regex = re.compile("|".join(rules)) if rules else None

    async def rewrite(self, ctx: Ctx) -> Response | None:
        ctx.state["cors_request_origin"] = ctx.var("http_origin")
        if ctx.request.method.upper() != "OPTIONS":
            return None
        head = ResponseHead(200, [])
        self.header_filter(ctx, head)
        ctx.state["cors_preflight_answered"] = True
        return Response(200, b"", dict(head.headers))

    def _allowed_origin(self, origin: str | None) -> str | None:
        conf = self.conf
        if self._origin_regex is None:
            allowed = _resolve_allowed(conf.get("allow_origins", "*"), origin)
        elif origin is not None and self._origin_regex.search(origin):
            allowed = origin
        else:
            allowed = None
        if _origin_matches(origin, allowed):
            return allowed
        return self._allowed_by_metadata(origin)

    def _allowed_by_metadata(self, origin: str | None) -> str | None:
        keys = self.conf.get("allow_origins_by_metadata")
        metadata = self.env.metadata(self.name) if keys else None
        if not metadata:
            return None
        origins_by_key = metadata.get("allow_origins") or {}
        for key in keys or ():
            if _origin_matches(origin, _resolve_allowed(origins_by_key.get(key), origin)):
                return origin
        return None

    def header_filter(self, ctx: Ctx, head: ResponseHead) -> None:
        if ctx.state.get("cors_preflight_answered"):
            return  # the preflight answer already carries the headers
        conf = self.conf
        origin = ctx.state.get("cors_request_origin", ctx.var("http_origin"))
        allowed = self._allowed_origin(origin)
        if conf.get("allow_origins", "*") != "*":
            head.headers.append(("Vary", "Origin"))
        if allowed is None:
            return
        methods = conf.get("allow_methods", "*")
        head.set("Access-Control-Allow-Origin", allowed)
        head.set("Access-Control-Allow-Methods", _ALL_METHODS if methods == "**" else methods)
        head.set("Access-Control-Max-Age", str(conf.get("max_age", 5)))
        if conf.get("expose_headers") is not None:
            head.set("Access-Control-Expose-Headers", conf["expose_headers"])
        allow_headers = conf.get("allow_headers", "*")
        if allow_headers == "**":
            allow_headers = ctx.var("http_access_control_request_headers")
        head.set("Access-Control-Allow-Headers", allow_headers)
        if conf.get("allow_credential"):
            head.set("Access-Control-Allow-Credentials", "true")
