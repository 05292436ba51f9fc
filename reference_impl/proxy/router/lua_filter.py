"""A route's `filter_func`: a Lua function of the request's variables, compiled once per
config generation; the route matches only when it returns a true value (as APISIX's
radixtree calls `filter_fun(vars)`)."""

from __future__ import annotations

from ...lua.runtime import lua_runtime
from ..lua_scope import RequestScope
from ..plugin_api import Ctx


class LuaFilter:
    __slots__ = ("_fn", "_runtime")

    def __init__(self, source: str) -> None:
        self._runtime = runtime = lua_runtime()
        self._fn = runtime.function("return " + source)  # LuaLoadError: the route is left out

    def __call__(self, ctx: Ctx) -> bool:
        """Lua errors raise LuaRuntimeError: the request fails as in APISIX (500)."""
        runtime = self._runtime
        result, _ = runtime.call(RequestScope(ctx, "access"), self._fn, runtime.var_table)
        return result is not None and result is not False
