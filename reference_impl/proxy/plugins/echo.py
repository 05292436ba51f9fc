"""echo: replace the response body, or wrap it in `before_body` / `after_body`, and set
response headers."""

from __future__ import annotations

from typing import Any

from ..plugin_api import Ctx, Plugin, ResponseHead

_BODY_MODIFIED = ("Content-Length", "Content-Encoding", "Last-Modified", "ETag")
_STARTED = "echo_body_started"
_REPLACED = "echo_body_replaced"


def clear_body_headers(head: ResponseHead) -> None:
    """APISIX's clear_header_as_body_modified: headers a new body makes untrue."""
    for name in _BODY_MODIFIED:
        head.set(name, None)


class Echo(Plugin):
    name = "echo"
    priority = 412

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self._before = (conf.get("before_body") or "").encode()
        self._after = (conf.get("after_body") or "").encode()
        body = conf.get("body")
        self._body = body.encode() if body is not None else None
        self._headers = [(k, str(v)) for k, v in (conf.get("headers") or {}).items()]

    def header_filter(self, ctx: Ctx, head: ResponseHead) -> None:
        if self._body is not None or "before_body" in self.conf or "after_body" in self.conf:
            clear_body_headers(head)
        for name, value in self._headers:
            head.set(name, value)

    def body_filter(self, ctx: Ctx, chunk: bytes, eof: bool) -> bytes:
        state = ctx.state
        if self._body is not None:
            if state.get(_REPLACED):
                return b""  # the body ended with the replacement
            state[_REPLACED] = True
            chunk, eof = self._body, True
        if self._before and not state.get(_STARTED):
            chunk = self._before + chunk
            state[_STARTED] = True
        if eof and self._after:
            chunk += self._after
        return chunk
