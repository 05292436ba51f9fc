"""response-rewrite: change the status, headers and body of the response to the client."""

from __future__ import annotations

import base64
import re
from typing import Any

from ..plugin_api import Ctx, Plugin, ResponseHead
from ..router import Expr
from .regex_util import compile_pattern, substitute
from .request_edit import resolve_vars

_ADD_ENTRY = re.compile(r"^([^:\s]+)\s*:\s*([^:]+)$")
_MATCHED = "response_rewrite_matched"


def _header_operations(headers: dict[str, Any]) -> tuple[list[tuple[str, str]], dict, list]:
    new_form = (
        isinstance(headers.get("add"), list)
        or isinstance(headers.get("set"), dict)
        or isinstance(headers.get("remove"), list)
    )
    if not new_form:
        return [], headers, []
    add = []
    for entry in headers.get("add") or []:
        match = _ADD_ENTRY.match(entry)
        if match:
            add.append((match.group(1), match.group(2)))
    return add, headers.get("set") or {}, headers.get("remove") or []


class ResponseRewrite(Plugin):
    name = "response-rewrite"
    priority = 899

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self._expr = Expr(conf["vars"]) if conf.get("vars") else None
        self._filters = [
            (
                compile_pattern(f["regex"], f.get("options", "jo")),
                f["replace"],
                0 if f.get("scope") == "global" else 1,
            )
            for f in conf.get("filters") or []
        ]
        body = conf.get("body")
        if body is not None and conf.get("body_base64"):
            self._body: bytes | None = base64.b64decode(body)
        else:
            self._body = body.encode() if body is not None else None

    def header_filter(self, ctx: Ctx, head: ResponseHead) -> None:
        ctx.state["response_head"] = head
        matched = self._expr is None or self._expr.evaluate(ctx.var)
        ctx.state[_MATCHED] = matched
        if not matched:
            return
        if self.conf.get("status_code"):
            head.status = int(self.conf["status_code"])
        if self._filters or self._body is not None:
            for name in ("Content-Length", "ETag", "Last-Modified"):
                head.set(name, None)
        headers = self.conf.get("headers")
        if not headers:
            return
        add, set_, remove = _header_operations(headers)
        for name, template in add:
            head.headers.append((name, resolve_vars(template, ctx)))
        for name, template in set_.items():
            head.set(name, resolve_vars(str(template), ctx))
        for name in remove:
            head.set(name, None)

    def body_filter(self, ctx: Ctx, chunk: bytes, eof: bool) -> bytes:
        if not ctx.state.get(_MATCHED):
            return chunk
        if self._filters:
            buffered = ctx.state.setdefault("response_rewrite_body", bytearray())
            buffered.extend(chunk)
            if not eof:
                return b""
            text = bytes(buffered).decode("utf-8", errors="surrogateescape")
            for pattern, replace, count in self._filters:
                text, _ = substitute(text, pattern, replace, count)
            return text.encode("utf-8", errors="surrogateescape")
        if self._body is not None:
            if ctx.state.get("response_rewrite_body_sent"):
                return b""
            ctx.state["response_rewrite_body_sent"] = True
            return self._body
        return chunk
