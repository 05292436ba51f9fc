"""Lua where APISIX runs Lua: route `filter_func` and the serverless plugins' functions, in
one sandboxed LuaJIT state per process (`runtime.lua_runtime()`)."""
