from __future__ import annotations

import asyncio

from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv, SharedState

BASE = {
    "rate": 1,
    "burst": 0,
    "key": "remote_addr",
    "key_type": "var",
    "rejected_code": 503,
    "nodelay": False,
}


def _plugin(clock, **conf):
    shared = SharedState(clock=clock, sleep=clock.sleep)
    return PLUGIN_CLASSES["limit-req"]({**BASE, **conf}, PluginEnv([], {}, {}, shared))


def _call(plugin, ctx):
    ctx.route_id = "r1"
    return asyncio.run(plugin.access(ctx))


def test_rate_without_burst_rejects_until_drained(make_ctx, clock):
    plugin = _plugin(clock, rate=2)
    assert _call(plugin, make_ctx()) is None
    assert _call(plugin, make_ctx()).status == 503
    clock.advance(0.5)
    assert _call(plugin, make_ctx()) is None
    assert clock.slept == []


def test_burst_requests_are_delayed(make_ctx, clock):
    plugin = _plugin(clock, rate=1, burst=2)
    assert _call(plugin, make_ctx()) is None
    start = clock.now
    assert _call(plugin, make_ctx()) is None
    assert clock.slept == [1.0]
    clock.now = start
    assert _call(plugin, make_ctx()) is None
    assert clock.slept[-1] == 2.0
    clock.now = start
    response = _call(plugin, make_ctx())
    assert response.status == 503


def test_nodelay_and_rejected_message(make_ctx, clock):
    plugin = _plugin(clock, rate=1, burst=1, nodelay=True, rejected_code=429, rejected_msg="busy")
    assert _call(plugin, make_ctx()) is None
    assert _call(plugin, make_ctx()) is None
    assert clock.slept == []
    response = _call(plugin, make_ctx())
    assert (response.status, response.body) == (429, {"error_msg": "busy"})


def test_keys_are_separate(make_ctx, clock):
    plugin = _plugin(clock, key="arg_user")
    assert _call(plugin, make_ctx("GET", "/?user=a")) is None
    assert _call(plugin, make_ctx("GET", "/?user=b")) is None
    assert _call(plugin, make_ctx("GET", "/?user=a")).status == 503
