from __future__ import annotations

import asyncio
import re

import pytest

from reference_impl.proxy.plugin_api import ResponseHead
from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv

ENV = PluginEnv([], {}, {})


@pytest.mark.parametrize(
    ("conf", "remote", "blocked"),
    [
        ({"whitelist": ["10.0.0.0/8", "::1"]}, "10.2.3.4", False),
        ({"whitelist": ["10.0.0.0/8", "::1"]}, "::1", False),
        ({"whitelist": ["10.0.0.0/8", "::1"]}, "192.168.0.1", True),
        ({"blacklist": ["fe80::/10"]}, "fe80::9", True),
        ({"blacklist": ["fe80::/10"]}, "127.0.0.1", False),
    ],
)
def test_ip_restriction(make_ctx, conf, remote, blocked):
    plugin = PLUGIN_CLASSES["ip-restriction"](
        {"message": "Your IP address is not allowed", **conf}, ENV
    )
    response = asyncio.run(plugin.access(make_ctx("GET", "/", remote=remote)))
    if blocked:
        assert (response.status, response.body) == (
            403,
            {"message": "Your IP address is not allowed"},
        )
    else:
        assert response is None


def test_ip_restriction_custom_message(make_ctx):
    plugin = PLUGIN_CLASSES["ip-restriction"]({"blacklist": ["127.0.0.1"], "message": "no"}, ENV)
    assert asyncio.run(plugin.access(make_ctx("GET", "/"))).body == {"message": "no"}


def _request_id(conf, ctx):
    full = {"header_name": "X-Request-Id", "include_in_response": True, "algorithm": "uuid", **conf}
    plugin = PLUGIN_CLASSES["request-id"](full, ENV)
    assert asyncio.run(plugin.rewrite(ctx)) is None
    head = ResponseHead(200, [("Content-Type", "text/plain")])
    plugin.header_filter(ctx, head)
    return head


@pytest.mark.parametrize(
    ("conf", "pattern"),
    [
        ({}, r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
        ({"algorithm": "nanoid"}, r"[A-Za-z0-9_-]{21}"),
        ({"algorithm": "range_id", "range_id": {"length": 8, "char_set": "abcdef"}}, r"[a-f]{8}"),
    ],
)
def test_request_id_generated(make_ctx, conf, pattern):
    ctx = make_ctx("GET", "/")
    head = _request_id(conf, ctx)
    request_id = ctx.upstream_headers["X-Request-Id"]
    assert re.fullmatch(pattern, request_id)
    assert head.get("x-request-id") == request_id


def test_request_id_kept_and_not_in_response(make_ctx):
    ctx = make_ctx("GET", "/", headers={"X-Trace": "given"})
    head = _request_id({"header_name": "X-Trace", "include_in_response": False}, ctx)
    assert ctx.upstream_headers == {}
    assert head.get("X-Trace") is None


def test_request_id_does_not_override_upstream_header(make_ctx):
    ctx = make_ctx("GET", "/")
    full = {"header_name": "X-Request-Id", "include_in_response": True, "algorithm": "uuid"}
    plugin = PLUGIN_CLASSES["request-id"](full, ENV)
    asyncio.run(plugin.rewrite(ctx))
    head = ResponseHead(200, [("X-Request-Id", "from-upstream")])
    plugin.header_filter(ctx, head)
    assert head.headers == [("X-Request-Id", "from-upstream")]
