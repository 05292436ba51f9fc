from __future__ import annotations

import asyncio

from reference_impl.proxy.plugin_api import Ctx, Request, ResponseHead
from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv
from reference_impl.proxy.variables import Variables

DEFAULTS = {
    "allow_origins": "*",
    "allow_methods": "*",
    "allow_headers": "*",
    "expose_headers": "*",
    "max_age": 5,
    "allow_credential": False,
}


def _filter(conf, origin=None, method="GET", metadata=None, extra_headers=None):
    headers = {"host": "gw", **(extra_headers or {})}
    if origin:
        headers["origin"] = origin
    ctx = Ctx(Request(method, "/", "", headers, "127.0.0.1", 1, "127.0.0.1", 9080), Variables())
    plugin = PLUGIN_CLASSES["cors"]({**DEFAULTS, **conf}, PluginEnv([], {}, metadata or {}))
    answered = asyncio.run(plugin.rewrite(ctx))
    head = ResponseHead(200, [])
    plugin.header_filter(ctx, head)
    return answered, head


def test_defaults_allow_any_origin():
    answered, head = _filter({}, origin="http://a.test")
    assert answered is None
    assert head.get("Access-Control-Allow-Origin") == "*"
    assert head.get("Access-Control-Allow-Methods") == "*"
    assert head.get("Access-Control-Max-Age") == "5"
    assert head.get("Access-Control-Expose-Headers") == "*"
    assert head.get("Access-Control-Allow-Credentials") is None
    assert head.get("Vary") is None


def test_origin_list():
    conf = {"allow_origins": "http://a.test,http://b.test", "allow_methods": "GET,POST"}
    _, head = _filter(conf, origin="http://b.test")
    assert head.get("Access-Control-Allow-Origin") == "http://b.test"
    assert head.get("Access-Control-Allow-Methods") == "GET,POST"
    assert head.get("Vary") == "Origin"
    _, head = _filter(conf, origin="http://c.test")
    assert head.get("Access-Control-Allow-Origin") is None
    assert head.get("Vary") == "Origin"


def test_force_all_reflects_origin_and_request_headers():
    conf = {
        "allow_origins": "**",
        "allow_methods": "**",
        "allow_headers": "**",
        "allow_credential": True,
    }
    _, head = _filter(
        conf, origin="http://x.test", extra_headers={"access-control-request-headers": "X-A"}
    )
    assert head.get("Access-Control-Allow-Origin") == "http://x.test"
    assert head.get("Access-Control-Allow-Methods").startswith("GET,POST,PUT,DELETE")
    assert head.get("Access-Control-Allow-Headers") == "X-A"
    assert head.get("Access-Control-Allow-Credentials") == "true"


def test_origin_regex():
    conf = {"allow_origins": "http://never", "allow_origins_by_regex": [r".*\.good\.test$"]}
    _, head = _filter(conf, origin="https://a.good.test")
    assert head.get("Access-Control-Allow-Origin") == "https://a.good.test"
    _, head = _filter(conf, origin="https://bad.test")
    assert head.get("Access-Control-Allow-Origin") is None


def test_origins_by_metadata():
    metadata = {"cors": {"allow_origins": {"team": "http://t.test,http://u.test"}}}
    conf = {"allow_origins": "http://never", "allow_origins_by_metadata": ["team"]}
    _, head = _filter(conf, origin="http://u.test", metadata=metadata)
    assert head.get("Access-Control-Allow-Origin") == "http://u.test"


def test_preflight_is_answered_by_the_plugin():
    answered, head = _filter(
        {"allow_origins": "http://a.test"}, origin="http://a.test", method="OPTIONS"
    )
    assert answered.status == 200
    assert answered.headers["Access-Control-Allow-Origin"] == "http://a.test"
    assert answered.headers["Vary"] == "Origin"
    assert head.headers == []
