from __future__ import annotations

import asyncio

import pytest

from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv


def _run(conf, ctx):
    full = {"type": "consumer_name", "rejected_code": 403, **conf}
    plugin = PLUGIN_CLASSES["consumer-restriction"](full, PluginEnv([], {}, {}))
    return asyncio.run(plugin.access(ctx))


def _as(make_ctx, username, method="GET", group=None):
    ctx = make_ctx(method, "/")
    ctx.consumer = {"username": username, "group_id": group}
    ctx.consumer_name = username
    ctx.route_id, ctx.service_id = "r1", "s1"
    return ctx


def test_whitelist(make_ctx):
    assert _run({"whitelist": ["jack"]}, _as(make_ctx, "jack")) is None
    response = _run({"whitelist": ["jack"]}, _as(make_ctx, "rose"))
    assert (response.status, response.body) == (403, {"message": "The consumer_name is forbidden."})


def test_blacklist_with_custom_rejection(make_ctx):
    conf = {"blacklist": ["rose"], "rejected_code": 401, "rejected_msg": "go away"}
    response = _run(conf, _as(make_ctx, "rose"))
    assert (response.status, response.body) == (401, {"message": "go away"})
    assert _run(conf, _as(make_ctx, "jack")) is None


@pytest.mark.parametrize(
    ("kind", "allowed", "denied"),
    [
        ("route_id", ["r1"], ["r2"]),
        ("service_id", ["s1"], ["s9"]),
        ("consumer_group_id", ["gold"], ["x"]),
    ],
)
def test_other_subjects(make_ctx, kind, allowed, denied):
    ctx = _as(make_ctx, "jack", group="gold")
    assert _run({"type": kind, "whitelist": allowed}, ctx) is None
    response = _run({"type": kind, "whitelist": denied}, ctx)
    assert response.body == {"message": f"The {kind} is forbidden."}


def test_allowed_by_methods(make_ctx):
    conf = {"allowed_by_methods": [{"user": "jack", "methods": ["POST"]}]}
    assert _run(conf, _as(make_ctx, "jack", "POST")) is None
    assert _run(conf, _as(make_ctx, "jack", "GET")).status == 403
    assert _run(conf, _as(make_ctx, "rose", "GET")) is None


def test_no_consumer_is_401(make_ctx):
    response = _run({"whitelist": ["jack"]}, make_ctx("GET", "/"))
    assert response.status == 401
    assert response.body == {
        "message": "The request is rejected, please check the consumer_name for this request"
    }
