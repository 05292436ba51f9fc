"""workflow: the first matching rule's action (return, or limit-count with its own counters)."""

from __future__ import annotations

import asyncio

from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv, SharedState
from reference_impl.schema import check_plugin

CONF = {
    "rules": [
        {"case": [["uri", "==", "/deny"]], "actions": [["return", {"code": 403}]]},
        {
            "case": ["OR", ["arg_tier", "==", "free"], ["http_x_tier", "==", "free"]],
            "actions": [["limit-count", {"count": 1, "time_window": 60, "rejected_code": 429}]],
        },
        {
            "case": [["arg_tier", "==", "paid"]],
            "actions": [["limit-count", {"count": 2, "time_window": 60, "rejected_code": 429}]],
        },
    ]
}


def _workflow(clock, conf=CONF):
    checked = check_plugin("workflow", conf)  # as stored: defaults and each rule's _vid
    return PLUGIN_CLASSES["workflow"](checked, PluginEnv([], {}, {}, SharedState(clock=clock)))


def _call(plugin, make_ctx, target, **kwargs):
    ctx = make_ctx("GET", target, **kwargs)
    ctx.route_id = "r1"
    return asyncio.run(plugin.access(ctx)), ctx


def test_return_answers_the_code_with_the_workflow_message(make_ctx, clock):
    answer, _ = _call(_workflow(clock), make_ctx, "/deny")
    assert (answer.status, answer.body) == (403, {"error_msg": "rejected by workflow"})


def test_no_rule_matching_lets_the_request_through(make_ctx, clock):
    assert _call(_workflow(clock), make_ctx, "/other")[0] is None


def test_limit_count_actions_count_separately_per_rule(make_ctx, clock):
    plugin = _workflow(clock)
    first, ctx = _call(plugin, make_ctx, "/a?tier=free")
    assert first is None and ctx.response_headers["X-RateLimit-Limit"] == "1"
    # the same client on the other rule has its own counter
    assert _call(plugin, make_ctx, "/a?tier=paid")[0] is None
    assert _call(plugin, make_ctx, "/a", headers={"X-Tier": "free"})[0].status == 429
    assert _call(plugin, make_ctx, "/a?tier=paid")[0] is None
    assert _call(plugin, make_ctx, "/a?tier=paid")[0].status == 429


def test_a_global_rules_scope_reaches_its_limit_count_actions(make_ctx, clock):
    plugin = _workflow(clock)
    plugin.scope_id = "global_rule/1"
    assert _call(plugin, make_ctx, "/a?tier=free")[0] is None
    ctx = make_ctx("GET", "/a?tier=free")
    ctx.route_id = "another-route"  # one counter for every route under a global rule
    assert asyncio.run(plugin.access(ctx)).status == 429
