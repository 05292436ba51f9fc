from __future__ import annotations

import asyncio
import gzip
import json

import brotli
import pytest

from reference_impl.proxy.phases import PhasePlan
from reference_impl.proxy.plugin_api import ResponseHead
from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv
from reference_impl.proxy.plugins.brotli import accepts_br
from reference_impl.proxy.plugins.gzip import accepts_gzip
from reference_impl.proxy.plugins.mocking import generate, to_xml
from reference_impl.proxy.plugins.real_ip import parse_addr
from reference_impl.proxy.plugins.redirect import escape_uri, parse_template
from reference_impl.schema.plugins import check_plugin
from reference_impl.schema.plugins.transform import mocking_media_type

ENV = PluginEnv([], {}, {})


def _plugin(name, conf):
    return PLUGIN_CLASSES[name](check_plugin(name, conf), ENV)


def _answer(plugin, ctx, phase):
    return asyncio.run(getattr(plugin, phase)(ctx))


def _body(plugin, ctx, chunks):
    out = b""
    for i, chunk in enumerate(chunks):
        out += plugin.body_filter(ctx, chunk, i == len(chunks) - 1)
    return out


def test_redirect_template_and_escaping():
    assert parse_template(r"/a/\$uri/${host}$uri") == [
        (False, "/a/"),
        (False, r"\$uri"),
        (False, "/"),
        (True, "host"),
        (True, "uri"),
    ]
    assert escape_uri("/a b/%/ü") == "/a%20b/%25/%C3%BC"


@pytest.mark.parametrize(
    ("method", "proto", "code"),
    [("GET", None, 301), ("HEAD", None, 301), ("POST", None, 308), ("GET", "https", None)],
)
def test_redirect_http_to_https(make_ctx, method, proto, code):
    plugin = _plugin("redirect", {"http_to_https": True})
    headers = {"host": "gw.test:9080", **({"x-forwarded-proto": proto} if proto else {})}
    answer = _answer(plugin, make_ctx(method, "/p?q=1", headers=headers), "rewrite")
    if code is None:
        assert answer is None
    else:
        assert (answer.status, answer.headers) == (code, {"Location": "https://gw.test/p?q=1"})


def test_redirect_regex_uri_without_match_proxies(make_ctx):
    plugin = _plugin("redirect", {"regex_uri": ["^/old/(.*)", "/new/$1"], "ret_code": 307})
    answer = _answer(plugin, make_ctx("GET", "/old/a?x=1"), "rewrite")
    assert (answer.status, answer.headers["Location"]) == (307, "/new/a")
    assert _answer(plugin, make_ctx("GET", "/other"), "rewrite") is None


def test_echo_body_chunks(make_ctx):
    replace = _plugin("echo", {"before_body": "<", "body": "x", "after_body": ">"})
    assert _body(replace, make_ctx(), [b"a", b"b", b""]) == b"<x>"
    wrap = _plugin("echo", {"before_body": "<", "after_body": ">"})
    assert _body(wrap, make_ctx(), [b"a", b"b", b""]) == b"<ab>"
    head = ResponseHead(200, [("Content-Length", "2"), ("ETag", "1")])
    wrap.header_filter(make_ctx(), head)
    assert head.headers == []


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        ("gzip", True),
        ("deflate, GZIP;q=0.5", True),
        ("gzip;q=0", False),
        ("br", False),
        (None, False),
    ],
)
def test_accepts_gzip(header, ok):
    assert accepts_gzip(header) is ok


def test_gzip_compresses_stream_and_skips_what_nginx_skips(make_ctx):
    plugin = _plugin("gzip", {"types": ["application/json"], "vary": True})
    ctx = make_ctx(headers={"accept-encoding": "gzip"})
    head = ResponseHead(200, [("Content-Type", "application/json"), ("ETag", '"e"')])
    plugin.header_filter(ctx, head)
    assert head.get("Content-Encoding") == "gzip" and head.get("Vary") == "Accept-Encoding"
    assert head.get("ETag") == 'W/"e"'
    body = b'{"a": "' + b"x" * 1000 + b'"}'
    assert gzip.decompress(_body(plugin, ctx, [body[:10], body[10:], b""])) == body
    for status, headers, request in (
        (500, [("Content-Type", "application/json")], {"accept-encoding": "gzip"}),
        (200, [("Content-Type", "text/html")], {"accept-encoding": "gzip"}),
        (200, [("Content-Type", "application/json"), ("Content-Length", "5")], {}),
        (200, [("Content-Type", "application/json")], {"accept-encoding": "gzip", "via": "p"}),
    ):
        ctx, head = make_ctx(headers=request), ResponseHead(status, list(headers))
        plugin.header_filter(ctx, head)
        assert head.get("Content-Encoding") is None
        assert _body(plugin, ctx, [b"plain", b""]) == b"plain"


@pytest.mark.parametrize(
    ("header", "ok"),
    [("br", True), ("*", True), ("gzip, br;q=0.5", True), ("br;q=0", False), ("gzip", False)],
)
def test_accepts_br(header, ok):
    assert accepts_br(header) is ok


def test_brotli_compresses_stream(make_ctx):
    plugin = _plugin("brotli", {"types": "*", "lgwin": 0, "vary": True})
    ctx = make_ctx(headers={"accept-encoding": "gzip, br"})
    head = ResponseHead(200, [("Content-Type", "text/plain"), ("ETag", "bare")])
    plugin.header_filter(ctx, head)
    assert head.headers == [  # an unquoted ETag cannot be weakened: dropped
        ("Content-Type", "text/plain"),
        ("Content-Encoding", "br"),
        ("Vary", "Accept-Encoding"),
    ]
    body = b"y" * 5000
    assert brotli.decompress(_body(plugin, ctx, [body[:7], body[7:], b""])) == body
    encoded = ResponseHead(200, [("Content-Type", "text/plain"), ("Content-Encoding", "gzip")])
    plugin.header_filter(make_ctx(headers={"accept-encoding": "br"}), encoded)
    assert encoded.get("Content-Encoding") == "gzip"


def test_output_filters_run_after_every_other_filter():
    echo, rewrite = _plugin("echo", {"body": "x"}), _plugin("response-rewrite", {"body": "y"})
    zipped = _plugin("gzip", {})
    plan = PhasePlan([zipped, rewrite, echo], PhasePlan([_plugin("gzip", {})]))
    assert [p.name for p in plan.body_filter] == ["response-rewrite", "echo", "gzip", "gzip"]
    assert [p.name for p in plan.header_filter][-2:] == ["gzip", "gzip"]


@pytest.mark.parametrize(
    ("addr", "parsed"),
    [
        ("1.2.3.4", ("1.2.3.4", None)),
        ("1.2.3.4:80", ("1.2.3.4", 80)),
        ("[::1]:80", ("[::1]", 80)),
        ("::1", ("::1", None)),
        ("1.2.3.4:x", None),
    ],
)
def test_real_ip_parse_addr(addr, parsed):
    assert parse_addr(addr) == parsed


def test_real_ip_recursive_forwarded_for(make_ctx):
    conf = {"source": "http_x_forwarded_for", "trusted_addresses": ["127.0.0.1", "10.0.0.0/8"]}
    xff = {"x-forwarded-for": "1.1.1.1, 2.2.2.2, 10.0.0.5"}
    plain = _plugin("real-ip", conf)
    ctx = make_ctx(headers=xff)
    _answer(plain, ctx, "rewrite")
    assert ctx.var("remote_addr") == "10.0.0.5"
    recursive = _plugin("real-ip", {**conf, "recursive": True})
    ctx = make_ctx(headers=xff)
    assert ctx.var("remote_addr") == "127.0.0.1"  # cached, then forgotten by the plugin
    _answer(recursive, ctx, "rewrite")
    assert ctx.var("remote_addr") == "2.2.2.2"
    untrusted = make_ctx(headers=xff, remote="192.0.2.1")
    _answer(recursive, untrusted, "rewrite")
    assert untrusted.var("remote_addr") == "192.0.2.1"


def test_mocking_generation():
    schema = {
        "properties": {
            "n": {"type": "number", "example": 1.5},
            "i": {"type": "integer", "example": 2.7},
            "b": {"type": "boolean", "example": False},
            "o": {"type": "object", "properties": {"s": {"type": "string", "example": "<&>"}}},
        }
    }
    value = generate({**schema, "type": "object"})
    assert value == {"n": 1.5, "i": 2, "b": False, "o": {"s": "<&>"}}
    assert to_xml(value, "data") == (
        "<data><n>1.5</n><i>2</i><b>false</b><o><s>&lt;&amp;&gt;</s></o></data>"
    )
    assert mocking_media_type("text/xml; charset=a;b") == "text/xml; charset=a"  # greedy


def test_mocking_answers(make_ctx):
    plugin = _plugin("mocking", {"response_example": '{"uri":"$uri"}', "response_status": 418})
    answer = _answer(plugin, make_ctx("GET", "/m"), "access")
    assert (answer.status, json.loads(answer.body)) == (418, {"uri": "/m"})
    assert answer.headers["x-mock-by"].startswith("APISIX/")
    html = _plugin("mocking", {"response_schema": {}, "content_type": "text/html"})
    assert _answer(html, make_ctx(), "access").body == b""
