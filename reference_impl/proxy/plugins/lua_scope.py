"""The request as Lua code sees it (`ngx`, `core`): one `RequestScope` per Lua call, made by
the route filter and the serverless plugins over the request's `Ctx`."""

from __future__ import annotations

from typing import Any

from ...lua.runtime import ENCODING, lua_text
from ..plugin_api import Ctx, ResponseHead
from ..variables import parse_args
from .request_edit import set_request_header

_LUA_CTX = "lua_ctx"  # ctx.state keys: the Lua tables that live as long as the request
_NGX_CTX = "lua_ngx_ctx"
_HELD_BODY = "lua_held_body"


class RequestScope:
    """One Lua call's view of the request: `phase` decides where headers, the status and
    the body go (the answer being made, or the upstream's response passing through)."""

    __slots__ = ("chunk", "ctx", "eof", "exit_status", "head", "output", "phase")

    def __init__(
        self,
        ctx: Ctx,
        phase: str,
        head: ResponseHead | None = None,
        chunk: bytes = b"",
        eof: bool = False,
    ) -> None:
        self.ctx = ctx
        self.phase = phase
        self.head = head
        self.chunk = chunk
        self.eof = eof
        self.output: list[bytes] = []
        self.exit_status: int | None = None

    # --- the end of the call ---------------------------------------------------------
    def exit(self, status: int) -> None:
        self.exit_status = status

    # --- variables and the request ---------------------------------------------------
    def set_var(self, name: str, value: Any) -> None:
        if name != "upstream_uri":
            raise ValueError(f'variable "{name}" not changeable')
        self.ctx.upstream_uri = None if value is None else str(value)

    def request_headers(self) -> dict[str, str]:
        return dict(self.ctx.request.headers)

    def request_header(self, name: str) -> str | None:
        value = self.ctx.request.headers.get(name.lower())
        return None if value is None else lua_text(value)

    def set_request_header(self, name: str, value: str | None) -> None:
        set_request_header(self.ctx, name, value)

    def uri_args(self) -> dict[str, str]:
        return parse_args(self.ctx.request.query)

    # --- the response ----------------------------------------------------------------
    def response_header(self, name: str) -> str | None:
        if self.head is not None:
            return self.head.get(name)
        for key, value in self.ctx.response_headers.items():
            if key.lower() == name.lower():
                return value
        return None

    def set_response_header(self, name: str, value: str | None) -> None:
        if self.head is not None:
            self.head.set(name, value)
        else:
            self.ctx.response_headers[name] = value

    def add_response_header(self, name: str, value: str) -> None:
        current = self.response_header(name)
        self.set_response_header(name, value if current is None else f"{current}, {value}")

    def status(self) -> int | None:
        return self.head.status if self.head is not None else None

    def set_status(self, status: int) -> None:
        if self.head is not None:
            self.head.status = status

    # --- the body (body_filter) ------------------------------------------------------
    def arg(self, index: int) -> Any:
        if index == 1:
            return self.chunk.decode(ENCODING)
        return self.eof if index == 2 else None

    def set_arg(self, index: int, value: Any) -> None:
        if index == 1:
            self.chunk = b"" if value is None else str(value).encode(ENCODING)
        elif index == 2:
            self.eof = bool(value)

    def hold_body_chunk(self) -> str | None:
        """APISIX's core.response.hold_body_chunk: the whole body at its end, else None
        (and this chunk is held back)."""
        held: list[bytes] = self.ctx.state.setdefault(_HELD_BODY, [])
        held.append(self.chunk)
        if not self.eof:
            self.chunk = b""
            return None
        return b"".join(held).decode(ENCODING)

    # --- per-request Lua tables ------------------------------------------------------
    def lua_ctx(self, runtime: Any) -> Any:
        """APISIX's `api_ctx` as Lua code sees it, one table for the whole request."""
        table = self.ctx.state.get(_LUA_CTX)
        if table is None:
            table = self.ctx.state[_LUA_CTX] = runtime.new_ctx()
        return table

    def ctx_field(self, runtime: Any, name: str) -> Any:
        """A field of `api_ctx`: `var` (Lua's own), `curr_req_matched`, `matched_route`,
        the ids and names; nil for the others."""
        ctx = self.ctx
        if name == "curr_req_matched":
            matched = {
                "_path": ctx.state.get("matched_uri"),
                "_host": ctx.state.get("matched_host"),
            }
            return runtime.table({k: v for k, v in matched.items() if v})
        if name == "matched_route":
            return runtime.table({"value": ctx.route})
        value = {
            "route_id": ctx.route_id,
            "service_id": ctx.service_id,
            "route_name": ctx.route.get("name"),
            "consumer_name": ctx.consumer_name,
        }.get(name)
        return None if value is None else lua_text(str(value))

    def ngx_ctx(self, runtime: Any) -> Any:
        table = self.ctx.state.get(_NGX_CTX)
        if table is None:
            table = self.ctx.state[_NGX_CTX] = runtime.table({})
        return table
