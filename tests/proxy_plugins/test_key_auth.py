from __future__ import annotations

import asyncio

from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv

CONSUMERS = [
    {"username": "jack", "plugins": {"key-auth": {"key": "auth-one"}}},
    {
        "username": "rose",
        "plugins": {},
        "credentials": [{"id": "c1", "plugins": {"key-auth": {"key": "rose-key"}}}],
    },
    {"username": "guest", "plugins": {}},
]


def _plugin(conf=None, consumers=CONSUMERS):
    base = {"header": "apikey", "query": "apikey", "hide_credentials": False}
    return PLUGIN_CLASSES["key-auth"]({**base, **(conf or {})}, PluginEnv(consumers, {}, {}))


def test_missing_key_is_401_with_challenge(make_ctx):
    response = asyncio.run(_plugin().rewrite(make_ctx("GET", "/")))
    assert response.status == 401
    assert response.body == {"message": "Missing API key in request"}
    assert response.headers["WWW-Authenticate"] == 'apikey realm="key"'


def test_invalid_key_is_401(make_ctx):
    ctx = make_ctx("GET", "/", headers={"apikey": "nope"})
    response = asyncio.run(_plugin().rewrite(ctx))
    assert (response.status, response.body) == (401, {"message": "Invalid API key in request"})
    assert ctx.consumer is None


def test_key_in_header_attaches_consumer(make_ctx):
    ctx = make_ctx("GET", "/", headers={"apikey": "auth-one"})
    assert asyncio.run(_plugin().rewrite(ctx)) is None
    assert ctx.consumer_name == "jack"
    assert ctx.var("consumer_name") == "jack"
    assert ctx.upstream_headers == {}


def test_key_from_credentials_and_query(make_ctx):
    ctx = make_ctx("GET", "/?apikey=rose-key")
    assert asyncio.run(_plugin().rewrite(ctx)) is None
    assert ctx.consumer_name == "rose"


def test_custom_header_name(make_ctx):
    ctx = make_ctx("GET", "/", headers={"X-Key": "auth-one"})
    assert asyncio.run(_plugin({"header": "X-Key"}).rewrite(ctx)) is None
    assert ctx.consumer_name == "jack"


def test_hide_credentials_header(make_ctx):
    ctx = make_ctx("GET", "/?apikey=other", headers={"apikey": "auth-one"})
    assert asyncio.run(_plugin({"hide_credentials": True}).rewrite(ctx)) is None
    assert ctx.upstream_headers == {"apikey": None}
    assert "apikey" not in ctx.request.headers
    assert ctx.request.query == "apikey=other"


def test_hide_credentials_query(make_ctx):
    ctx = make_ctx("GET", "/p?a=1&apikey=auth-one&b=2")
    assert asyncio.run(_plugin({"hide_credentials": True}).rewrite(ctx)) is None
    assert ctx.request.query == "a=1&b=2"
    assert ctx.var("args") == "a=1&b=2"
    assert ctx.upstream_uri == "/p?a=1&b=2"
    only = make_ctx("GET", "/q?apikey=auth-one")
    only.upstream_uri = "/rewritten?apikey=auth-one"
    assert asyncio.run(_plugin({"hide_credentials": True}).rewrite(only)) is None
    assert only.upstream_uri == "/rewritten"


def test_anonymous_consumer(make_ctx):
    ctx = make_ctx("GET", "/")
    assert asyncio.run(_plugin({"anonymous_consumer": "guest"}).rewrite(ctx)) is None
    assert ctx.consumer_name == "guest"
    missing = asyncio.run(_plugin({"anonymous_consumer": "nobody"}).rewrite(make_ctx("GET", "/")))
    assert (missing.status, missing.body) == (401, {"message": "Invalid user authorization"})
