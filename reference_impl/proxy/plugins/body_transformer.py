"""body-transformer (APISIX 3.5): the request body (rewrite) and/or the response body (body
filter) rendered through a lua-resty-template (`reference_impl/lua/template.py`), run in the
process's Lua runtime. The body is decoded first as `input_format` (else as the Content-Type
says: text/xml, application/json) and its fields are the template's names; `_body` is the
body as received, `_ctx` APISIX's request context (`_ctx.var.x`), `_escape_json` and
`_escape_xml` its escaping helpers. A template may be given base64-encoded.

A body that does not decode is 400 {"message": "request body decode: ..."}; a template that
does not compile or fails is 503 with "... template compile/rendering: ...". The response's
Content-Length and ETag go, as its body changes.
"""

from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ElementTree
from typing import Any

from ...lua.runtime import ENCODING, LuaLoadError, LuaRuntimeError, lua_runtime
from ...lua.template import TemplateError, lua_source, template_text
from ..plugin_api import Ctx, Plugin, Response, ResponseHead, replace_request_body, request_body
from .lua_scope import RequestScope

log = logging.getLogger(__name__)

_STATE = "body-transformer"
_HELPERS = """
return function(context)
    context._escape_xml = function(s)
        return (s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;")
                 :gsub("'", "&apos;"):gsub('"', "&quot;"))
    end
    context._escape_json = function(s) return require("cjson.safe").encode(s) end
    return context
end
"""


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _xml_value(element: ElementTree.Element) -> Any:
    """An element as xml2lua's tree handler gives it, namespaces removed (body-transformer's
    remove_namespace): text alone is a string, else a table of children (repeated ones as a
    list), `_attr` the attributes and [1] the text beside them; an empty element is ""."""
    children = list(element)
    attributes = {_local(k): v for k, v in element.attrib.items()}
    text = (element.text or "").strip()
    if not children and not attributes:
        return text
    out: dict[Any, Any] = {}
    if attributes:
        out["_attr"] = attributes
    if text:
        out[1] = text
    repeated: set[str] = set()
    for child in children:
        key, value = _local(child.tag), _xml_value(child)
        if key in repeated:
            out[key].append(value)
        elif key in out:
            out[key] = [out[key], value]
            repeated.add(key)
        else:
            out[key] = value
    return out


def _decode(fmt: str, body: bytes) -> Any:
    if fmt == "json":
        return json.loads(body)
    root = ElementTree.fromstring(body)
    return {_local(root.tag): _xml_value(root)}


def _input_format(conf: dict[str, Any], content_type: str | None) -> str | None:
    fmt: str | None = conf.get("input_format")
    if fmt is None and content_type:
        if "text/xml" in content_type:
            return "xml"
        if "application/json" in content_type:
            return "json"
    return fmt


class _Failure(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class BodyTransformer(Plugin):
    name = "body-transformer"
    priority = 1080

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self.reads_body = "request" in conf
        runtime = lua_runtime()
        self._helpers = runtime.function(_HELPERS)
        # typ -> the compiled template, or the compile error APISIX answers 503 with
        self._templates: dict[str, Any] = {}
        for typ in ("request", "response"):
            if typ in conf:
                text = template_text(conf[typ]["template"])
                try:
                    self._templates[typ] = runtime.function(lua_source(text))
                except (TemplateError, LuaLoadError) as exc:
                    self._templates[typ] = _Failure(503, f"{typ} template compile: {exc}")

    def _transform(
        self, typ: str, body: bytes | None, fmt: str | None, scope: RequestScope
    ) -> bytes:
        decoded: Any = {}
        if body is not None and fmt is not None:
            try:
                decoded = _decode(fmt, body)
            except (ValueError, ElementTree.ParseError) as exc:
                raise _Failure(400, f"{typ} body decode: {exc}") from exc
        template = self._templates[typ]
        if isinstance(template, _Failure):
            raise template
        runtime = lua_runtime()
        context = runtime.table(decoded if isinstance(decoded, dict | list) else {})
        context["_ctx"] = runtime.new_ctx()
        if body is not None:
            context["_body"] = body.decode(ENCODING)
        try:
            runtime.call(scope, self._helpers, context)
            return runtime.render(scope, template, context)
        except LuaRuntimeError as exc:
            raise _Failure(503, f"{typ} template rendering: {exc}") from exc

    async def rewrite(self, ctx: Ctx) -> Response | None:
        if "request" not in self.conf:
            return None
        body = await request_body(ctx) or None  # core.request.get_body: nil when empty
        fmt = _input_format(self.conf["request"], ctx.request.headers.get("content-type"))
        try:
            out = self._transform("request", body, fmt, RequestScope(ctx, "rewrite"))
        except _Failure as failure:
            log.error("%s", failure)
            return Response(failure.status, {"message": str(failure)})
        replace_request_body(ctx, out)
        return None

    def header_filter(self, ctx: Ctx, head: ResponseHead) -> None:
        if "response" not in self.conf:
            return
        ctx.state[_STATE] = (_input_format(self.conf["response"], head.get("content-type")), [])
        for name in ("Content-Length", "ETag", "Content-MD5"):
            head.set(name, None)

    def body_filter(self, ctx: Ctx, chunk: bytes, eof: bool) -> bytes:
        held = ctx.state.get(_STATE)
        if held is None:
            return chunk
        fmt, parts = held
        parts.append(chunk)
        if not eof:
            return b""
        body = b"".join(parts)
        scope = RequestScope(ctx, "body_filter", ctx.state.get("response_head"), body, eof)
        try:
            return self._transform("response", body or None, fmt, scope)
        except _Failure as failure:
            log.error("failed to transform response body: %s", failure)
            return body
