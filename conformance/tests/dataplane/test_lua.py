"""Lua where APISIX runs Lua: a route's `filter_func` and the serverless plugins.

Sources: the Admin API docs (3.5) on `filter_func` ("a user-defined function in Lua ...
Functions accept an argument vars", example `function(vars) return
tonumber(vars.arg_userid) % 4 > 2; end`); apisix/admin/routes.lua (`failed to load
'filter_func' string: <loadstring's error>`); docs/en/latest/plugins/serverless.md and
apisix/plugins/serverless/init.lua (`phase`, `functions` of `return function(conf, ctx)`,
check_schema's `failed to loadstring: ...` and `only accept Lua function, the input code
type is nil`); a function's `code, body` answers the request as core.response.exit does.
"""

from __future__ import annotations

from conformance.registry import conformance_test
from conformance.support.admin_api import expect_error
from conformance.support.dataplane_setup import echo_upstream, plugin_route, put, wait_served
from conformance.support.traffic import Case, check, expect_cases

PLUGIN_ERROR = "failed to check the configuration of plugin {} err: "


@conformance_test(
    name="filter-func",
    description="a route whose filter_func returns false does not match; the next route does",
    profile="dataplane",
    features=["dp-filter-func"],
)
def test_filter_func(admin, dataplane, gw_target, echoes, tag):
    filtered, other = echoes("filtered", "other")
    path = f"/{tag}/filter"
    put(
        admin,
        f"/routes/{tag}-filtered",
        {
            "uri": path,
            "priority": 10,
            "filter_func": "function(vars) return tonumber(vars.arg_userid) % 4 > 2; end",
            "upstream": echo_upstream(filtered),
        },
    )
    put(admin, f"/routes/{tag}-other", {"uri": path, "upstream": echo_upstream(other)})
    expect_cases(
        dataplane,
        [
            Case(f"{path}?userid=3", backend="filtered"),
            Case(f"{path}?userid=7", backend="filtered"),
            Case(f"{path}?userid=4", backend="other"),
            Case(f"{path}?userid=5", backend="other"),
        ],
        gw_target.timeouts,
    )


@conformance_test(
    name="filter-func-headers",
    description="filter_func reads request headers and the method through vars",
    profile="dataplane",
    features=["dp-filter-func"],
)
def test_filter_func_reads_vars(admin, dataplane, gw_target, echo, tag):
    path = f"/{tag}/fvars"
    source = 'function(vars) return vars.http_x_tier == "gold" and vars.request_method == "GET" end'
    put(
        admin,
        f"/routes/{tag}",
        {"uri": path, "filter_func": source, "upstream": echo_upstream(echo)},
    )
    expect_cases(
        dataplane,
        [
            Case(path, headers={"X-Tier": "gold"}, backend="echo"),
            Case(path, headers={"X-Tier": "silver"}, status=404),
            Case(path, method="POST", headers={"X-Tier": "gold"}, status=404),
            Case(path, status=404),
        ],
        gw_target.timeouts,
    )


@conformance_test(
    name="filter-func-compile-error",
    description="a filter_func that does not compile is refused with loadstring's error",
    profile="dataplane",
    features=["dp-filter-func"],
)
def test_filter_func_compile_error(admin, tag):
    source = "function(vars) return vars.arg_a == 1"
    body = {"uri": f"/{tag}/bad", "filter_func": source, "upstream": {"nodes": {"127.0.0.1:1": 1}}}
    message = expect_error(admin.put(f"/routes/{tag}", json=body), 400)
    assert message.startswith("failed to load 'filter_func' string: "), message
    assert "'end' expected" in message, message


@conformance_test(
    name="serverless-access",
    description="serverless-pre-function changes the request and answers with code, body",
    profile="dataplane",
    features=["dp-serverless"],
)
def test_serverless_access(admin, dataplane, gw_target, echo, tag):
    function = """return function(conf, ctx)
        local core = require("apisix.core")
        if core.request.header(ctx, "X-Block") then
            return 403, {message = "blocked by " .. ctx.var.uri}
        end
        ngx.req.set_header("X-From-Lua", ngx.var.arg_who or "nobody")
    end"""
    plugins = {"serverless-pre-function": {"phase": "rewrite", "functions": [function]}}
    path = plugin_route(admin, echo, tag, "pre", plugins)
    seen = wait_served(dataplane, f"{path}?who=lua", "echo", gw_target.timeouts).json()
    assert seen["headers"].get("x-from-lua") == "lua", seen["headers"]
    blocked = check(dataplane, Case(path, headers={"X-Block": "1"}, status=403))
    assert blocked.json() == {"message": f"blocked by {path}"}


@conformance_test(
    name="serverless-exit",
    description="ngx.say then ngx.exit answers the request from Lua, the upstream unused",
    profile="dataplane",
    features=["dp-serverless"],
)
def test_serverless_say_and_exit(admin, dataplane, gw_target, echo, tag):
    function = """return function(conf, ctx)
        if ngx.var.arg_stop then
            ngx.say("stopped at ", ngx.var.arg_stop)
            ngx.exit(202)
        end
    end"""
    plugins = {"serverless-pre-function": {"functions": [function]}}
    path = plugin_route(admin, echo, tag, "exit", plugins)
    wait_served(dataplane, path, "echo", gw_target.timeouts)
    answered = check(dataplane, Case(f"{path}?stop=here", status=202))
    assert answered.text == "stopped at here\n"


@conformance_test(
    name="serverless-response-phases",
    description="serverless-post-function sets response headers and rewrites the body",
    profile="dataplane",
    features=["dp-serverless"],
)
def test_serverless_response_phases(admin, dataplane, gw_target, echo, tag):
    header = """return function(conf, ctx)
        ngx.header["X-Matched"] = ctx.curr_req_matched._path
        ngx.header["X-Upstream-Status"] = ngx.status
    end"""
    body = """return function(conf, ctx)
        local core = require("apisix.core")
        local cjson = require("cjson")
        local body = core.response.hold_body_chunk(ctx)
        if not body then
            return
        end
        local decoded = cjson.decode(body)
        ngx.arg[1] = cjson.encode({server = decoded.server, rewritten = true})
    end"""
    plugins = {
        "serverless-post-function": {"phase": "header_filter", "functions": [header]},
        "serverless-pre-function": {"phase": "body_filter", "functions": [body]},
    }
    path = plugin_route(admin, echo, tag, "post", plugins)
    response = wait_served(dataplane, path, "echo", gw_target.timeouts)
    assert response.json() == {"server": "echo", "rewritten": True}
    assert response.headers.get("x-matched") == path + "*"
    assert response.headers.get("x-upstream-status") == "200"


@conformance_test(
    name="serverless-compile-error",
    description="serverless functions that do not compile, or are not functions, are refused",
    profile="dataplane",
    features=["dp-serverless"],
)
def test_serverless_compile_errors(admin, tag):
    cases = [
        ("return function(conf, ctx) ngx.say('pre')", "failed to loadstring: "),
        ("local count = 1 ngx.say(count)", "only accept Lua function, the input code type is nil"),
    ]
    for name in ("serverless-pre-function", "serverless-post-function"):
        for function, message in cases:
            body = {
                "uri": f"/{tag}/bad",
                "plugins": {name: {"functions": [function]}},
                "upstream": {"nodes": {"127.0.0.1:1": 1}},
            }
            error = expect_error(admin.put(f"/routes/{tag}", json=body), 400)
            assert error.startswith(PLUGIN_ERROR.format(name) + message), error
