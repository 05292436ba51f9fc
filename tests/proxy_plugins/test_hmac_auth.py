from __future__ import annotations

import asyncio
import base64

from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv
from reference_impl.proxy.plugins.hmac_auth import canonical_query, sign

DOC_SIGNING_STRING = (
    "GET\n/index.html\nage=36&name=james\nuser-key\nTue, 19 Jan 2021 11:33:20 GMT\n"
    "User-Agent:curl/7.29.0\nx-custom-a:test\n"
)


def test_the_documented_example_signature():
    assert canonical_query("name=james&age=36", escape=False) == "age=36&name=james"
    signature = base64.b64encode(sign("hmac-sha256", "my-secret-key", DOC_SIGNING_STRING))
    assert signature == b"8XV1GB7Tq23OJcoz6wjqTs4ZLxr9DiLoY4PxzScWGYg="


def test_canonical_query_sorts_escapes_and_keeps_bare_names():
    assert canonical_query("b=2&a=x%2Cy&a=1&flag", escape=True) == "a=1&a=x%2Cy&b=2&flag="
    assert canonical_query("a=x%2Cy", escape=False) == "a=x,y"


def _plugin(consumer_conf):
    consumers = [{"username": "jack", "plugins": {"hmac-auth": consumer_conf}}]
    return PLUGIN_CLASSES["hmac-auth"]({}, PluginEnv(consumers, {}, {}))


def test_documented_request_is_admitted_and_signature_headers_removed(make_ctx):
    plugin = _plugin({"access_key": "user-key", "secret_key": "my-secret-key"})
    headers = {
        "X-HMAC-SIGNATURE": "8XV1GB7Tq23OJcoz6wjqTs4ZLxr9DiLoY4PxzScWGYg=",
        "X-HMAC-ALGORITHM": "hmac-sha256",
        "X-HMAC-ACCESS-KEY": "user-key",
        "Date": "Tue, 19 Jan 2021 11:33:20 GMT",
        "X-HMAC-SIGNED-HEADERS": "User-Agent;x-custom-a",
        "x-custom-a": "test",
        "User-Agent": "curl/7.29.0",
    }
    ctx = make_ctx("GET", "/index.html?name=james&age=36", headers=headers)
    assert asyncio.run(plugin.rewrite(ctx)) is None
    assert ctx.consumer_name == "jack"
    assert ctx.upstream_headers["X-HMAC-SIGNATURE"] is None
    # clock_skew > 0 checks that Date (of 2021) is recent
    skewed = _plugin({"access_key": "user-key", "secret_key": "my-secret-key", "clock_skew": 10})
    ctx = make_ctx("GET", "/index.html?name=james&age=36", headers=headers)
    response = asyncio.run(skewed.rewrite(ctx))
    assert (response.status, response.body) == (
        401,
        {"message": "client request can't be validated"},
    )


def test_body_validation_cannot_admit(make_ctx):
    conf = {"access_key": "user-key", "secret_key": "k", "validate_request_body": True}
    message = "GET\n/\n\nuser-key\n\n"
    headers = {
        "X-HMAC-SIGNATURE": base64.b64encode(sign("hmac-sha256", "k", message)).decode(),
        "X-HMAC-ALGORITHM": "hmac-sha256",
        "X-HMAC-ACCESS-KEY": "user-key",
    }
    assert asyncio.run(_plugin(conf).rewrite(make_ctx(headers=headers))).status == 401
    del conf["validate_request_body"]
    assert asyncio.run(_plugin(conf).rewrite(make_ctx(headers=headers))) is None
