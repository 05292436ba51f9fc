from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time

import pytest

from reference_impl.proxy.plugin_api import Ctx, Request, ResponseHead
from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv
from reference_impl.proxy.plugins.csrf import sign
from reference_impl.proxy.variables import Variables
from reference_impl.schema.errors import SchemaError
from reference_impl.schema.plugins import check_plugin
from reference_impl.schema.plugins.security import BODY_SCHEMA_REFUSAL

ENV = PluginEnv([], {}, {})


def _plugin(name, conf):
    return PLUGIN_CLASSES[name](check_plugin(name, conf), ENV)


def _run(plugin, ctx, phase="access"):
    answer = asyncio.run(getattr(plugin, phase)(ctx))
    return None if answer is None else (answer.status, answer.body)


def test_ua_restriction_repeated_headers_each_count():
    raw = [(b"User-Agent", b"curl/8"), (b"user-agent", b" my-bot2 ")]
    request = Request("GET", "/", "", None, "127.0.0.1", 1, "127.0.0.1", 9080, raw_headers=raw)
    deny = _plugin("ua-restriction", {"denylist": ["^my-bot2$"]})
    assert _run(deny, Ctx(request, Variables())) == (403, {"message": "Not allowed"})
    allow = _plugin("ua-restriction", {"allowlist": ["^my-bot2$"]})
    assert _run(allow, Ctx(request, Variables())) is None
    assert request.headers["user-agent"] == "curl/8,  my-bot2 "  # built: still two values
    assert _run(allow, Ctx(request, Variables())) is None
    request.headers["user-agent"] = "my-bot2"  # edited by a plugin: the edit counts
    assert request.header_values("user-agent") == ["my-bot2"]
    del request.headers["user-agent"]
    assert request.header_values("user-agent") == []


def test_ua_restriction_missing(make_ctx):
    assert _run(_plugin("ua-restriction", {"denylist": ["x"]}), make_ctx()) is not None
    bypass = _plugin("ua-restriction", {"denylist": ["x"], "bypass_missing": True})
    assert _run(bypass, make_ctx()) is None


@pytest.mark.parametrize(
    ("referer", "blocked"),
    [
        ("http://xx.com/a", False),
        ("//a.yy.com:80/", False),
        ("https://yy.com/", True),  # `*.yy.com` is subdomains only
        ("xx.com", True),  # no `//`: malformed, as missing
        (None, True),
    ],
)
def test_referer_restriction_hosts(make_ctx, referer, blocked):
    plugin = _plugin("referer-restriction", {"whitelist": ["xx.com", "*.yy.com"]})
    headers = {"referer": referer} if referer else {}
    assert (_run(plugin, make_ctx(headers=headers)) is not None) is blocked


def test_uri_blocker_matches_request_uri(make_ctx):
    plugin = _plugin("uri-blocker", {"block_rules": ["root.exe"], "case_insensitive": True})
    assert _run(plugin, make_ctx(target="/a?f=ROOT.EXE"), "rewrite") == (403, None)
    assert _run(plugin, make_ctx(target="/a"), "rewrite") is None
    custom = _plugin("uri-blocker", {"block_rules": ["x"], "rejected_msg": "no"})
    assert _run(custom, make_ctx(target="/x"), "rewrite") == (403, {"error_msg": "no"})


def _token(plugin, make_ctx) -> str:
    head = ResponseHead(200, [])
    plugin.header_filter(make_ctx(), head)
    (cookie,) = [v for k, v in head.headers if k == "Set-Cookie"]
    name, _, rest = cookie.partition("=")
    assert name == "apisix-csrf-token" and ";path=/;SameSite=Lax;Expires=" in rest
    return rest.split(";")[0]


def test_csrf_token_round_trip_and_expiry(make_ctx):
    plugin = _plugin("csrf", {"key": "k", "expires": 10})
    token = _token(plugin, make_ctx)
    ok = make_ctx(
        "POST", headers={"apisix-csrf-token": token, "cookie": f"apisix-csrf-token={token}"}
    )
    assert _run(plugin, ok) is None
    old = int(time.time()) - 60
    stale = {"random": 0.5, "expires": old, "sign": sign(0.5, old, "k")}
    stale_token = base64.b64encode(json.dumps(stale).encode()).decode()
    expired = make_ctx(
        "POST",
        headers={"apisix-csrf-token": stale_token, "cookie": f"apisix-csrf-token={stale_token}"},
    )
    assert _run(plugin, expired) == (
        401,
        {"error_msg": "Failed to verify the csrf token signature"},
    )
    assert _run(plugin, make_ctx("GET")) is None


def test_csrf_sign_writes_numbers_as_lua():
    # %.14g, as Lua's tostring: 14 significant digits, integral values without a fraction
    text = "{expires:1700000000,random:0.12345678901235,key:k}"
    assert sign(0.1234567890123456, 1.7e9, "k") == hashlib.sha256(text.encode()).hexdigest()


def test_request_validation_headers(make_ctx):
    schema = {"type": "object", "required": ["x-token"]}
    plugin = _plugin("request-validation", {"header_schema": schema})
    assert _run(plugin, make_ctx(), "rewrite") == (400, b'property "x-token" is required')
    assert _run(plugin, make_ctx(headers={"X-Token": "1"}), "rewrite") is None


def test_request_validation_body_schema_is_refused():
    with pytest.raises(SchemaError, match=BODY_SCHEMA_REFUSAL):
        check_plugin("request-validation", {"body_schema": {"type": "object"}})
    with pytest.raises(ValueError):
        PLUGIN_CLASSES["request-validation"]({"body_schema": {}}, ENV)
