"""serverless-pre-function and serverless-post-function (apisix/plugins/serverless/init.lua):
Lua functions (`return function(conf, ctx) ... end`) run in the configured `phase`, one
after the other, in the worker's Lua runtime; compiled when the config generation is built.

In `rewrite` and `access` a function answers the request by returning `code, body`, by
`ngx.exit(status)` or `core.response.exit(code, body)`, or by writing with `ngx.say`. The
pre-function runs first in its phase (priority 10000), the post-function last (-2000).
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from ...lua.runtime import LuaRuntime, LuaRuntimeError, lua_runtime
from ..plugin_api import Ctx, Plugin, Response, ResponseHead
from .lua_scope import RequestScope

log = logging.getLogger(__name__)


class _Functions(Plugin):
    """The compiled functions of one plugin conf; a subclass per phase runs them."""

    phase: ClassVar[str]

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        runtime = lua_runtime()
        self.runtime: LuaRuntime = runtime
        # LuaLoadError (a ValueError): the route is served as 503, not without them
        self.functions = [runtime.function(source) for source in conf.get("functions") or []]
        self.conf_table = runtime.table(conf)

    def _run(self, scope: RequestScope) -> tuple[Any, Any]:
        """Run the functions until one answers: its (code, body), else (None, None)."""
        runtime = self.runtime
        lua_ctx = scope.lua_ctx(runtime)
        for fn in self.functions:
            code, body = runtime.call(scope, fn, self.conf_table, lua_ctx)
            if scope.exit_status is not None:
                return None, None
            if code is not None or body is not None:
                return code, body
        return None, None

    def _answer(self, ctx: Ctx) -> Response | None:
        scope = RequestScope(ctx, self.phase)
        code, body = self._run(scope)
        output = b"".join(scope.output)
        status = scope.exit_status
        if status is not None and status >= 200:
            return Response(status, output or None)
        if code is not None or body is not None:
            status = int(code) if isinstance(code, int | float) else 200
            answer = self.runtime.to_python(body) if body is not None else None
            return Response(status, answer)
        if output:  # ngx.say sent a response: the request ends with it
            return Response(200, output)
        return None

    def _filter(self, scope: RequestScope) -> None:
        """Functions of the response phases: what they return does not answer anything."""
        try:
            self._run(scope)
        except LuaRuntimeError as exc:
            log.error("%s failed in the %s phase: %s", self.name, self.phase, exc)


class _Rewrite(_Functions):
    phase = "rewrite"

    async def rewrite(self, ctx: Ctx) -> Response | None:
        return self._answer(ctx)


class _Access(_Functions):
    phase = "access"

    async def access(self, ctx: Ctx) -> Response | None:
        return self._answer(ctx)


class _HeaderFilter(_Functions):
    phase = "header_filter"

    def header_filter(self, ctx: Ctx, head: ResponseHead) -> None:
        self._filter(RequestScope(ctx, self.phase, head=head))


class _BodyFilter(_Functions):
    phase = "body_filter"

    def body_filter(self, ctx: Ctx, chunk: bytes, eof: bool) -> bytes:
        scope = RequestScope(ctx, self.phase, ctx.state.get("response_head"), chunk, eof)
        self._filter(scope)
        return scope.chunk


class _Log(_Functions):
    phase = "log"

    def log(self, ctx: Ctx, status: int) -> None:
        self._filter(RequestScope(ctx, self.phase, ctx.state.get("response_head")))


_PHASE_CLASSES: tuple[type[_Functions], ...] = (_Rewrite, _Access, _HeaderFilter, _BodyFilter, _Log)


def _serverless(plugin_name: str, plugin_priority: int) -> type[Plugin]:
    """The plugin class: making one gives the instance of its configured phase's class
    (the engine sorts plugins into phases by the methods their class overrides)."""
    by_phase: dict[str, type[_Functions]] = {
        base.phase: type(base.__name__, (base,), {"name": plugin_name, "priority": plugin_priority})
        for base in _PHASE_CLASSES
    }

    class Serverless(Plugin):
        name = plugin_name
        priority = plugin_priority

        def __new__(cls, conf: dict[str, Any], env: Any) -> Any:
            phase = by_phase.get(conf.get("phase") or "access")
            if phase is None:
                raise ValueError(f"phase {conf.get('phase')!r} is not run by this gateway")
            return phase(conf, env)

    return Serverless


ServerlessPreFunction = _serverless("serverless-pre-function", 10000)
ServerlessPostFunction = _serverless("serverless-post-function", -2000)
