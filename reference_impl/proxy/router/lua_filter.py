"""A route's `filter_func`: a Lua function of the request's variables, compiled once per
config generation; the route matches only when it returns a true value (as APISIX's
radixtree calls `filter_fun(vars)`)."""

from __future__ import annotations

import logging

from ...lua.runtime import LuaRuntimeError, lua_runtime
from ..plugin_api import Ctx
from ..plugins.lua_scope import RequestScope

log = logging.getLogger(__name__)


class LuaFilter:
    __slots__ = ("_fn", "_route_id", "_runtime")

    def __init__(self, source: str, route_id: object) -> None:
        self._route_id = route_id
        self._runtime = runtime = lua_runtime()
        self._fn = runtime.function("return " + source)  # LuaLoadError: the route is left out

    def __call__(self, ctx: Ctx) -> bool:
        """Whether the route matches; a filter that raises does not match (logged: the
        router runs on the fast path too, which has no error answer of its own)."""
        runtime = self._runtime
        try:
            result, _ = runtime.call(RequestScope(ctx, "access"), self._fn, runtime.var_table)
        except LuaRuntimeError as exc:
            log.error("route %s: filter_func failed: %s", self._route_id, exc)
            return False
        return result is not None and result is not False
