from __future__ import annotations

import asyncio

import pytest

from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv, SharedState
from reference_impl.schema.plugins import check_plugin


def _plugin(name, conf, clock):
    env = PluginEnv([], {}, {}, SharedState(clock=clock, sleep=clock.sleep))
    return PLUGIN_CLASSES[name](check_plugin(name, conf), env)


def _answer(coro):
    answer = asyncio.run(coro)
    return None if answer is None else (answer.status, answer.body, answer.headers)


def test_limit_conn_admits_conn_plus_burst_and_gives_slots_back(make_ctx, clock):
    conf = {"conn": 2, "burst": 1, "default_conn_delay": 0.5, "key": "remote_addr"}
    conf["only_use_default_delay"] = True
    plugin = _plugin("limit-conn", conf, clock)
    ctxs = [make_ctx() for _ in range(4)]
    answers = [_answer(plugin.access(ctx)) for ctx in ctxs]
    assert answers[:3] == [None, None, None]
    assert answers[3] == (503, None, {})
    assert clock.slept == [0.5]  # the third: unit delay * floor((3 - 1) / 2)
    plugin.log(ctxs[0], 200)
    plugin.log(ctxs[3], 503)  # the rejected one held nothing
    assert _answer(plugin.access(make_ctx())) is None
    assert _answer(plugin.access(make_ctx())) == (503, None, {})


def test_limit_conn_keys_and_message(make_ctx, clock):
    conf = {"conn": 1, "burst": 0, "default_conn_delay": 0.1, "key": "remote_addr"}
    plugin = _plugin("limit-conn", {**conf, "rejected_msg": "busy"}, clock)
    assert _answer(plugin.access(make_ctx(remote="10.0.0.1"))) is None
    assert _answer(plugin.access(make_ctx(remote="10.0.0.2"))) is None
    assert _answer(plugin.access(make_ctx(remote="10.0.0.1"))) == (503, {"error_msg": "busy"}, {})


def test_limit_conn_unit_delay_follows_latency(make_ctx, clock):
    conf = {"conn": 1, "burst": 5, "default_conn_delay": 1, "key": "remote_addr"}
    plugin = _plugin("limit-conn", conf, clock)
    first = make_ctx()
    _answer(plugin.access(first))
    first.state["upstream_latency_ms"] = 3000.0
    plugin.log(first, 200)  # unit delay (3 + 1) / 2 = 2
    _answer(plugin.access(make_ctx()))
    _answer(plugin.access(make_ctx()))
    assert clock.slept == [2.0]


def test_fault_injection_abort_resolves_vars(make_ctx, clock):
    abort = {
        "http_status": 403,
        "body": "bye $arg_name",
        "headers": {"X-Who": "$arg_name", "X-N": 1},
        "vars": [[["arg_name", "==", "jack"]]],
    }
    plugin = _plugin("fault-injection", {"abort": abort, "delay": {"duration": 2}}, clock)
    answer = _answer(plugin.rewrite(make_ctx("GET", "/?name=jack")))
    assert answer == (403, b"bye jack", {"X-Who": "jack", "X-N": "1"})
    assert _answer(plugin.rewrite(make_ctx("GET", "/?name=rose"))) is None
    assert clock.slept == [2.0, 2.0]


@pytest.mark.parametrize(("percentage", "aborted"), [(0, False), (100, True)])
def test_fault_injection_percentage(make_ctx, clock, percentage, aborted):
    conf = {"abort": {"http_status": 500, "percentage": percentage}}
    plugin = _plugin("fault-injection", conf, clock)
    assert (_answer(plugin.rewrite(make_ctx())) is not None) is aborted


def test_fault_injection_empty_vars_never_match(make_ctx, clock):
    plugin = _plugin("fault-injection", {"abort": {"http_status": 500, "vars": []}}, clock)
    assert _answer(plugin.rewrite(make_ctx())) is None
