"""redirect: answer with a `Location` made from a template, a regex over the uri, or the
https form of the request (`http_to_https`)."""

from __future__ import annotations

import re
from typing import Any

from ...schema.plugins.transform import REDIRECT_URI_PARTS
from ..plugin_api import Ctx, Plugin, Response
from .regex_util import compile_pattern, substitute

_PARTS = re.compile(REDIRECT_URI_PARTS, re.IGNORECASE)
# nginx's ngx_escape_uri(NGX_ESCAPE_URI): controls, space, '#', '%', '?' and non-ASCII
_UNSAFE = re.compile(rb"[\x00-\x20#%?\x7f-\xff]")
_HTTPS_TEMPLATE = "https://$host$request_uri"

# A parsed `uri` template: literal text, or the name of a variable to look up.
Template = list[tuple[bool, str]]


def parse_template(uri: str) -> Template:
    """(is_variable, text) pieces of a redirect `uri`; `\\$name` stays literal."""
    pieces: Template = []
    for match in _PARTS.finditer(uri):
        escaped, braced, bare, other = match.groups()
        if braced or bare:
            pieces.append((True, braced or bare))
        else:
            pieces.append((False, escaped or other))
    return pieces


def render(template: Template, ctx: Ctx) -> str:
    return "".join((ctx.var(text) or "") if is_var else text for is_var, text in template)


def escape_uri(uri: str) -> str:
    raw = uri.encode("utf-8", "surrogateescape")
    return _UNSAFE.sub(lambda m: b"%%%02X" % m.group(0)[0], raw).decode("latin-1")


class Redirect(Plugin):
    name = "redirect"
    priority = 900

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self._code: int = conf.get("ret_code", 302)
        self._template = parse_template(conf["uri"]) if conf.get("uri") else None
        regex_uri = conf.get("regex_uri")
        self._regex = (compile_pattern(regex_uri[0]), regex_uri[1]) if regex_uri else None
        self._to_https = bool(conf.get("http_to_https"))
        self._https = parse_template(_HTTPS_TEMPLATE)

    def _location(self, ctx: Ctx) -> tuple[int, str | None]:
        scheme = ctx.var("http_x_forwarded_proto") or ctx.request.scheme
        if self._to_https and scheme == "http":
            method = ctx.request.method.upper()
            return (301 if method in ("GET", "HEAD") else 308), render(self._https, ctx)
        if self._template is not None:
            return self._code, render(self._template, ctx)
        if self._regex is not None:
            uri, replaced = substitute(ctx.var("uri") or "", *self._regex)
            return self._code, uri if replaced else None
        return self._code, None

    async def rewrite(self, ctx: Ctx) -> Response | None:
        code, location = self._location(ctx)
        if location is None:
            return None
        path, mark, query = location.partition("?")
        if self.conf.get("encode_uri"):
            path = escape_uri(path)
        if self.conf.get("append_query_string") and ctx.request.query:
            query = query + "&" + ctx.request.query if mark else ctx.request.query
            mark = "?"
        return Response(code, None, {"Location": path + mark + query})
