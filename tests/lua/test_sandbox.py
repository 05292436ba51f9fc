"""The Lua sandbox: what user code (filter_func, serverless functions) can and can't reach."""

from __future__ import annotations

import pytest

from reference_impl.lua.checks import serverless_functions_error
from reference_impl.lua.runtime import lua_runtime


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("os.execute('true')", "attempt to call field 'execute' (a nil value)"),
        ("io.open('/etc/passwd')", "attempt to index global 'io' (a nil value)"),
        ("python.eval('1')", "attempt to index global 'python' (a nil value)"),
        ("require('ffi')", "module 'ffi' not found in the gateway's Lua sandbox"),
        ("loadfile('/etc/passwd')", "attempt to call global 'loadfile' (a nil value)"),
        ("debug.getinfo(1)", "attempt to index global 'debug' (a nil value)"),
        ("local g = ngx.md5.__globals__", "not accessible from Lua"),
        ("while true do end", "the code ran too long"),
    ],
)
def test_top_level_code_stays_in_the_sandbox(code: str, reason: str) -> None:
    error = serverless_functions_error([f"{code} return function() end"])
    assert error is not None and error.startswith("pcall error: "), error
    assert reason in error, error


def test_the_sandbox_keeps_the_pure_libraries() -> None:
    source = (
        "local core = require('apisix.core') "
        "local s = string.format('%d', math.floor(2.5)) .. core.json.encode({a = 1}) "
        "return function() return s end"
    )
    assert serverless_functions_error([source]) is None
    runtime = lua_runtime()
    chunk, err = runtime.load(source)
    assert err is None
    ok, fn = runtime.evaluate(chunk)
    assert ok and fn() == '2{"a":1}'
