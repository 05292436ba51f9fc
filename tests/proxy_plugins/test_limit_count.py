from __future__ import annotations

import asyncio

from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv, SharedState

BASE = {
    "count": 2,
    "time_window": 60,
    "key": "remote_addr",
    "key_type": "var",
    "rejected_code": 503,
    "policy": "local",
    "show_limit_quota_header": True,
}


def _call(plugin, ctx, route_id="r1"):
    ctx.route_id = route_id
    return asyncio.run(plugin.access(ctx))


def _plugin(shared, **conf):
    return PLUGIN_CLASSES["limit-count"]({**BASE, **conf}, PluginEnv([], {}, {}, shared))


def test_window_counts_and_headers(make_ctx, clock):
    plugin = _plugin(SharedState(clock=clock))
    first = make_ctx("GET", "/")
    assert _call(plugin, first) is None
    assert first.response_headers == {
        "X-RateLimit-Limit": "2",
        "X-RateLimit-Remaining": "1",
        "X-RateLimit-Reset": "60",
    }
    clock.advance(10)
    second = make_ctx("GET", "/")
    assert _call(plugin, second) is None
    assert second.response_headers["X-RateLimit-Remaining"] == "0"
    assert second.response_headers["X-RateLimit-Reset"] == "50"
    rejected = _call(plugin, make_ctx("GET", "/"))
    assert rejected.status == 503 and rejected.body is None
    assert rejected.headers["X-RateLimit-Remaining"] == "0"
    clock.advance(50)
    assert _call(plugin, make_ctx("GET", "/")) is None  # a new window


def test_rejected_message_and_code(make_ctx, clock):
    plugin = _plugin(SharedState(clock=clock), count=1, rejected_code=429, rejected_msg="slow")
    assert _call(plugin, make_ctx("GET", "/")) is None
    response = _call(plugin, make_ctx("GET", "/"))
    assert (response.status, response.body) == (429, {"error_msg": "slow"})


def test_keys_routes_and_quota_header_switch(make_ctx, clock):
    shared = SharedState(clock=clock)
    plugin = _plugin(shared, count=1, key="http_x_user", show_limit_quota_header=False)
    alice = make_ctx("GET", "/", headers={"X-User": "alice"})
    assert _call(plugin, alice) is None
    assert alice.response_headers == {}
    assert _call(plugin, make_ctx("GET", "/", headers={"X-User": "bob"})) is None
    assert _call(plugin, make_ctx("GET", "/", headers={"X-User": "alice"})).status == 503
    assert _call(plugin, make_ctx("GET", "/", headers={"X-User": "alice"}), "r2") is None
    # no header: the client address is the key
    assert _call(plugin, make_ctx("GET", "/", remote="10.0.0.1")) is None
    assert _call(plugin, make_ctx("GET", "/", remote="10.0.0.1")).status == 503


def test_var_combination_and_constant(make_ctx, clock):
    shared = SharedState(clock=clock)
    combo = _plugin(shared, count=1, key_type="var_combination", key="$remote_addr $arg_u")
    assert _call(combo, make_ctx("GET", "/?u=1")) is None
    assert _call(combo, make_ctx("GET", "/?u=2")) is None
    assert _call(combo, make_ctx("GET", "/?u=1")).status == 503
    constant = _plugin(shared, count=1, key_type="constant", key="all")
    assert _call(constant, make_ctx("GET", "/", remote="1.1.1.1")) is None
    assert _call(constant, make_ctx("GET", "/", remote="2.2.2.2")).status == 503


def test_counters_survive_a_config_rebuild_but_not_a_conf_change(make_ctx, clock):
    shared = SharedState(clock=clock)
    assert _call(_plugin(shared, count=1), make_ctx("GET", "/")) is None
    assert _call(_plugin(shared, count=1), make_ctx("GET", "/")).status == 503
    assert _call(_plugin(shared, count=1, time_window=30), make_ctx("GET", "/")) is None


def test_workers_sharing_a_directory_share_counters(make_ctx, clock, tmp_path):
    worker_a = SharedState(str(tmp_path), worker_id=0, clock=clock)
    worker_b = SharedState(str(tmp_path), worker_id=1, clock=clock)
    try:
        assert _call(_plugin(worker_a), make_ctx("GET", "/")) is None
        assert _call(_plugin(worker_b), make_ctx("GET", "/")) is None
        assert _call(_plugin(worker_a), make_ctx("GET", "/")).status == 503
        clock.advance(61)
        assert _call(_plugin(worker_b), make_ctx("GET", "/")) is None
    finally:
        worker_a.close()
        worker_b.close()


def test_group_shares_counter_across_routes(make_ctx, clock):
    shared = SharedState(clock=clock)
    plugin = _plugin(shared, count=1, group="g")
    assert _call(plugin, make_ctx("GET", "/"), "r1") is None
    assert _call(plugin, make_ctx("GET", "/"), "r2").status == 503


def test_consumer_confs_count_per_consumer_and_scope_id_shares(make_ctx, clock):
    shared = SharedState(clock=clock)
    env = PluginEnv([], {}, {}, shared)
    conf = {**BASE, "count": 1}
    consumers = {name: {"username": name, "plugins": {"limit-count": dict(conf)}} for name in "ab"}
    for name, consumer in consumers.items():
        plugin = PLUGIN_CLASSES["limit-count"](consumer["plugins"]["limit-count"], env)
        ctx = make_ctx("GET", "/")
        ctx.consumer, ctx.consumer_name = consumer, name
        assert _call(plugin, ctx) is None, name
    global_rule = PLUGIN_CLASSES["limit-count"](dict(conf), env)
    global_rule.scope_id = "global_rule/1"
    assert _call(global_rule, make_ctx("GET", "/"), "r1") is None
    assert _call(global_rule, make_ctx("GET", "/"), "r2").status == 503


def _rules_plugin(shared, rules, **conf):
    base = {k: v for k, v in BASE.items() if k not in ("count", "time_window")}
    return PLUGIN_CLASSES["limit-count"](
        {**base, **conf, "rules": rules}, PluginEnv([], {}, {}, shared)
    )


def test_rules_count_each_key_with_prefixed_headers(make_ctx, clock):
    """APISIX 3.16+ `rules`: every rule whose key resolves is counted on its own, with its
    headers prefixed by header_prefix or the rule's 1-based index."""
    rules = [
        {"count": 2, "time_window": 60, "key": "$http_x_user"},
        {"count": 1, "time_window": 10, "key": "$http_x_team", "header_prefix": "team"},
    ]
    plugin = _rules_plugin(SharedState(clock=clock), rules)
    first = make_ctx("GET", "/", headers={"X-User": "alice", "X-Team": "red"})
    assert _call(plugin, first) is None
    assert first.response_headers == {
        "X-1-RateLimit-Limit": "2",
        "X-1-RateLimit-Remaining": "1",
        "X-1-RateLimit-Reset": "60",
        "X-team-RateLimit-Limit": "1",
        "X-team-RateLimit-Remaining": "0",
        "X-team-RateLimit-Reset": "10",
    }
    # the team rule is spent; a request without X-Team is only counted by the user rule
    rejected = _call(plugin, make_ctx("GET", "/", headers={"X-User": "bob", "X-Team": "red"}))
    assert rejected.status == 503
    assert rejected.headers["X-team-RateLimit-Remaining"] == "0"
    assert _call(plugin, make_ctx("GET", "/", headers={"X-User": "alice"})) is None
    assert _call(plugin, make_ctx("GET", "/", headers={"X-User": "alice"})).status == 503


def test_rules_none_applying_is_an_error_unless_degradation(make_ctx, clock):
    rules = [{"count": 1, "time_window": 60, "key": "$http_x_user"}]
    strict = _rules_plugin(SharedState(clock=clock), rules)
    assert _call(strict, make_ctx("GET", "/")).status == 500
    lenient = _rules_plugin(SharedState(clock=clock), rules, allow_degradation=True)
    assert _call(lenient, make_ctx("GET", "/")) is None


def test_count_and_window_from_variables(make_ctx, clock):
    plugin = _plugin(SharedState(clock=clock), count="$http_x_quota", time_window="${arg_w ?? 30}")
    ctx = make_ctx("GET", "/", headers={"X-Quota": "1"})
    assert _call(plugin, ctx) is None
    assert ctx.response_headers["X-RateLimit-Limit"] == "1"
    assert ctx.response_headers["X-RateLimit-Reset"] == "30"
    assert _call(plugin, make_ctx("GET", "/", headers={"X-Quota": "1"})).status == 503
    for bad in ("many", "0", "-3", "1.5"):
        response = _call(plugin, make_ctx("GET", "/", headers={"X-Quota": bad}))
        assert response is not None and response.status == 500, bad
