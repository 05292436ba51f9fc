"""serverless-pre-function / serverless-post-function: the phases, answers and the ngx/core
API the documented examples use."""

from __future__ import annotations

import asyncio
import json

import pytest

from reference_impl.lua.runtime import LuaLoadError
from reference_impl.proxy.phases import PhasePlan
from reference_impl.proxy.plugin_api import ResponseHead
from reference_impl.proxy.plugins import PLUGIN_CLASSES


def _plugin(name: str, phase: str, *functions: str):
    return PLUGIN_CLASSES[name]({"phase": phase, "functions": list(functions)}, None)


def test_the_phase_chooses_where_the_plugin_runs() -> None:
    pre = _plugin("serverless-pre-function", "header_filter", "return function() end")
    post = _plugin("serverless-post-function", "log", "return function() end")
    plan = PhasePlan(sorted([pre, post], key=lambda p: -p.priority))
    assert plan.header_filter == [pre] and plan.log == [post]
    assert not plan.rewrite and not plan.access and not plan.body_filter
    assert (pre.priority, post.priority) == (10000, -2000)


def test_a_function_that_does_not_compile_refuses_the_plugin() -> None:
    with pytest.raises(LuaLoadError):
        _plugin("serverless-pre-function", "access", "return function(")


def test_functions_run_in_order_until_one_answers(make_ctx) -> None:
    plugin = _plugin(
        "serverless-pre-function",
        "access",
        "return function(conf, ctx) ngx.req.set_header('X-One', conf.phase) end",
        "return function(conf, ctx) if ctx.var.arg_stop then return 418, {why = 'tea'} end end",
        "return function() ngx.req.set_header('X-Three', '3') end",
    )
    ctx = make_ctx("GET", "/p?stop=1")
    answer = asyncio.run(plugin.access(ctx))
    assert answer is not None and answer.status == 418 and answer.body == {"why": "tea"}
    assert ctx.upstream_headers == {"X-One": "access"}
    ctx = make_ctx("GET", "/p")
    assert asyncio.run(plugin.access(ctx)) is None
    assert ctx.request.headers["x-three"] == "3"


def test_core_response_exit_and_ngx_say(make_ctx) -> None:
    plugin = _plugin(
        "serverless-pre-function",
        "rewrite",
        "return function() local core = require('apisix.core') "
        "if ngx.var.arg_json then core.response.exit(403, {message = 'no'}) end "
        "ngx.header['X-Lua'] = 'yes' ngx.say('hello ', core.request.header(nil, 'X-Name')) end",
    )
    denied = asyncio.run(plugin.rewrite(make_ctx("GET", "/p?json=1")))
    assert denied is not None and denied.status == 403
    assert json.loads(denied.body or b"") == {"message": "no"}
    ctx = make_ctx("GET", "/p", headers={"X-Name": "lua"})
    said = asyncio.run(plugin.rewrite(ctx))
    assert said is not None and (said.status, said.body) == (200, b"hello lua\n")
    assert ctx.response_headers == {"X-Lua": "yes"}


def test_response_phases(make_ctx) -> None:
    header = _plugin(
        "serverless-post-function",
        "header_filter",
        "return function() ngx.header['X-Status'] = ngx.status ngx.status = 201 end",
    )
    body = _plugin(
        "serverless-post-function",
        "body_filter",
        "return function(conf, ctx) local core = require('apisix.core') "
        "local body = core.response.hold_body_chunk(ctx) "
        "if body then ngx.arg[1] = string.upper(body) end end",
    )
    ctx = make_ctx("GET", "/p")
    head = ResponseHead(200, [("Content-Type", "text/plain")])
    header.header_filter(ctx, head)
    assert head.status == 201 and head.get("X-Status") == "200"
    assert body.body_filter(ctx, b"ab", False) == b""
    assert body.body_filter(ctx, b"c\xff", True) == b"ABC\xff"  # bytes pass unchanged


def test_the_ctx_a_function_gets(make_ctx) -> None:
    plugin = _plugin(
        "serverless-pre-function",
        "access",
        "return function(conf, ctx) return 200, {path = ctx.curr_req_matched._path, "
        "id = ctx.matched_route.value.id, route = ctx.route_id, uri = ctx.var.uri, "
        "consumer = ctx.consumer_name, same = ctx.var == ngx.var} end",
    )
    ctx = make_ctx("GET", "/p/x")
    ctx.route, ctx.route_id, ctx.consumer_name = {"id": "r1", "uri": "/p/*"}, "r1", "jack"
    ctx.state["matched_uri"] = "/p/*"
    answer = asyncio.run(plugin.access(ctx))
    assert answer is not None and answer.body == {
        "path": "/p/*",
        "id": "r1",
        "route": "r1",
        "uri": "/p/x",
        "consumer": "jack",
        "same": True,
    }
