from __future__ import annotations

import asyncio

import pytest

from conformance.support.auth_service import AuthService
from reference_impl.proxy.phases import PluginConfError, instantiate
from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv


def _plugin(conf):
    return PLUGIN_CLASSES["forward-auth"](conf, PluginEnv([], {}, {}))


def test_allows_relays_refusals_and_copies_headers(make_ctx):
    with AuthService(token="tok", user="alice") as service:
        conf = {
            "uri": service.auth_url,
            "request_headers": ["Authorization"],
            "upstream_headers": ["X-User-ID"],
            "client_headers": ["X-Reason"],
        }
        ctx = make_ctx("GET", "/a?b=1", headers={"authorization": "Bearer tok"})
        assert asyncio.run(_plugin(conf).access(ctx)) is None
        assert ctx.upstream_headers["X-User-ID"] == "alice"
        asked = service.seen[-1]
        assert (asked["x-forwarded-uri"], asked["x-forwarded-method"]) == ("/a?b=1", "GET")
        assert asked["x-forwarded-for"] == "127.0.0.1"

        refused = asyncio.run(_plugin(conf).access(make_ctx("GET", "/a")))
        assert refused.status == 403
        assert refused.body == b"denied by auth service"
        assert refused.headers == {"X-Reason": "bad token"}


def test_unreachable_service_is_403_unless_degradation_allowed(make_ctx):
    with AuthService(token="tok", user="alice") as service:
        url = service.auth_url
    assert asyncio.run(_plugin({"uri": url, "timeout": 500}).access(make_ctx())).status == 403
    lenient = _plugin({"uri": url, "allow_degradation": True})
    assert asyncio.run(lenient.access(make_ctx())) is None


def test_post_is_refused():
    with pytest.raises(PluginConfError, match="request_method"):
        instantiate(
            {"forward-auth": {"uri": "http://x", "request_method": "POST"}}, PLUGIN_CLASSES, None
        )
