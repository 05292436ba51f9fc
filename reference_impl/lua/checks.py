"""The Admin API's checks of Lua code, with APISIX's messages (apisix/admin/routes.lua for
`filter_func`, apisix/plugins/serverless/init.lua's check_schema for the functions)."""

from __future__ import annotations

from .runtime import LuaLoadError, lua_runtime


def filter_func_error(source: str) -> str | None:
    """Why a route's `filter_func` is refused, or None."""
    try:
        lua_runtime().function("return " + source)
    except LuaLoadError as exc:
        if exc.stage == "type":
            return "'filter_func' should be a function"
        return f"failed to load 'filter_func' string: {exc.message}"
    return None


_SERVERLESS_MESSAGES = {
    "load": "failed to loadstring: {}",
    "run": "pcall error: {}",
    "type": "only accept Lua function, the input code type is {}",
}


def serverless_functions_error(functions: list[str]) -> str | None:
    """Why a serverless plugin's `functions` are refused, or None."""
    runtime = lua_runtime()
    for source in functions:
        try:
            runtime.function(source)
        except LuaLoadError as exc:
            return _SERVERLESS_MESSAGES[exc.stage].format(exc.message)
    return None
