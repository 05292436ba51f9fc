from __future__ import annotations

import asyncio
import base64

import pytest

from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv
from reference_impl.proxy.plugins.basic_auth import parse_basic_authorization

CONSUMERS = [{"username": "foo", "plugins": {"basic-auth": {"username": "foo", "password": "bar"}}}]


def _basic(user_pass: str) -> str:
    return "Basic " + base64.b64encode(user_pass.encode()).decode()


def _run(ctx, conf=None):
    plugin = PLUGIN_CLASSES["basic-auth"](
        {"hide_credentials": False, **(conf or {})}, PluginEnv(CONSUMERS, {}, {})
    )
    return asyncio.run(plugin.rewrite(ctx))


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "Missing authorization in request"),
        ("Bearer x", "Invalid authorization in request"),
        (_basic("no-colon"), "Invalid authorization in request"),
        (_basic("foo:wrong"), "Invalid user authorization"),
        (_basic("nobody:bar"), "Invalid user authorization"),
    ],
)
def test_rejections(make_ctx, authorization, message):
    headers = {"Authorization": authorization} if authorization else {}
    response = _run(make_ctx("GET", "/", headers=headers))
    assert (response.status, response.body) == (401, {"message": message})
    assert response.headers["WWW-Authenticate"] == 'Basic realm="basic"'


def test_valid_credentials(make_ctx):
    ctx = make_ctx("GET", "/", headers={"Authorization": _basic("foo:bar")})
    assert _run(ctx) is None
    assert ctx.consumer_name == "foo"
    assert "authorization" in ctx.request.headers


def test_hide_credentials(make_ctx):
    ctx = make_ctx("GET", "/", headers={"Authorization": _basic("foo:bar")})
    assert _run(ctx, {"hide_credentials": True}) is None
    assert ctx.upstream_headers == {"Authorization": None}


def test_parse_is_case_insensitive_and_strips_spaces():
    assert parse_basic_authorization("basic " + base64.b64encode(b"a b:c ").decode()) == (
        "ab",
        "c",
    )
