"""proxy-rewrite: change the upstream URI, host, method and request headers."""

from __future__ import annotations

from typing import Any

from ..plugin_api import Ctx, Plugin, Response
from ..variables import invalidate
from .regex_util import compile_pattern, substitute
from .request_edit import add_request_header, resolve_captures, resolve_vars, set_request_header

_HEADER_OPS = ("add", "set", "remove")


def escape_uri(uri: str) -> str:
    """nginx's ngx_escape_uri(NGX_ESCAPE_URI): space, #, %, ?, controls and non-ASCII."""
    out = []
    for byte in uri.encode():
        if byte <= 0x20 or byte >= 0x7F or byte in b"#%?":
            out.append(f"%{byte:02X}")
        else:
            out.append(chr(byte))
    return "".join(out)


def _header_operations(headers: dict[str, Any]) -> tuple[dict, dict, list]:
    if any(isinstance(headers.get(op), dict | list) for op in _HEADER_OPS):
        return headers.get("add") or {}, headers.get("set") or {}, headers.get("remove") or []
    return {}, headers, []  # the older form: every field is set


class ProxyRewrite(Plugin):
    name = "proxy-rewrite"
    priority = 1008

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        regex_uri = conf.get("regex_uri") or []
        self._regex_uri = [
            (compile_pattern(regex_uri[i], "jo"), regex_uri[i + 1])
            for i in range(0, len(regex_uri) - 1, 2)
        ]

    async def rewrite(self, ctx: Ctx) -> Response | None:
        if self.conf.get("host"):
            ctx.upstream_host = self.conf["host"]
        unsafe = bool(self.conf.get("use_real_request_uri_unsafe"))
        upstream_uri = ctx.var("real_request_uri" if unsafe else "uri") or "/"
        separator_escaped = False
        captures: list[str | None] = []
        if self.conf.get("uri") is not None:
            separator_escaped = True
            upstream_uri = resolve_vars(self.conf["uri"], ctx, lambda v: v.replace("?", "%3F"))
        elif self._regex_uri:
            separator_escaped = "?" not in upstream_uri
            for pattern, template in self._regex_uri:
                match = pattern.search(upstream_uri)
                if match:
                    captures = [match.group(0), *match.groups()]
                    upstream_uri, _ = substitute(upstream_uri, pattern, template)
                    break
        if not unsafe:
            upstream_uri = self._with_args(ctx, upstream_uri, separator_escaped)
        ctx.upstream_uri = upstream_uri
        self._rewrite_headers(ctx, captures)
        method = self.conf.get("method")
        if method:
            ctx.request.method = method
            invalidate(ctx)
        return None

    @staticmethod
    def _with_args(ctx: Ctx, uri: str, separator_escaped: bool) -> str:
        index = uri.find("?") if separator_escaped else -1
        uri = escape_uri(uri[:index]) + uri[index:] if index >= 0 else escape_uri(uri)
        args = ctx.var("args")
        if args:
            uri += ("&" if index >= 0 else "?") + args
        return uri

    def _rewrite_headers(self, ctx: Ctx, captures: list[str | None]) -> None:
        headers = self.conf.get("headers")
        if not headers:
            return
        add, set_, remove = _header_operations(headers)

        def value_of(template: Any) -> str:
            text = resolve_captures(str(template), captures) if captures else str(template)
            return resolve_vars(text, ctx)

        for name, template in add.items():
            add_request_header(ctx, name, value_of(template))
        for name, template in set_.items():
            value = value_of(template)
            # an empty value removes the header (nginx's set_header with "")
            set_request_header(ctx, name, value or None)
        for name in remove:
            set_request_header(ctx, name, None)
