from __future__ import annotations

import base64

from reference_impl.proxy.plugin_api import ResponseHead
from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv


def _plugin(conf):
    return PLUGIN_CLASSES["response-rewrite"]({"body_base64": False, **conf}, PluginEnv([], {}, {}))


def _head():
    return ResponseHead(
        200,
        [("Content-Type", "text/plain"), ("Content-Length", "11"), ("X-Old", "1"), ("X-Keep", "k")],
    )


def _body(plugin, ctx, chunks):
    out = b""
    for i, chunk in enumerate(chunks):
        out += plugin.body_filter(ctx, chunk, i == len(chunks) - 1)
    return out


def test_status_headers_and_body(make_ctx):
    plugin = _plugin(
        {
            "status_code": 403,
            "body": '{"code":"ok"}',
            "headers": {
                "set": {"X-Server": "$remote_addr"},
                "add": ["X-Add: a"],
                "remove": ["X-Old"],
            },
        }
    )
    ctx, head = make_ctx("GET", "/"), _head()
    plugin.header_filter(ctx, head)
    assert head.status == 403
    assert head.get("Content-Length") is None
    assert head.get("X-Old") is None
    assert head.get("X-Server") == "127.0.0.1"
    assert head.get("X-Add") == "a"
    assert head.get("X-Keep") == "k"
    assert _body(plugin, ctx, [b"hello ", b"world"]) == b'{"code":"ok"}'


def test_old_header_form_and_base64_body(make_ctx):
    body = base64.b64encode(b"\x00binary").decode()
    plugin = _plugin({"headers": {"X-Old": "new"}, "body": body, "body_base64": True})
    ctx, head = make_ctx("GET", "/"), _head()
    plugin.header_filter(ctx, head)
    assert head.get("X-Old") == "new"
    assert _body(plugin, ctx, [b"ignored"]) == b"\x00binary"


def test_filters_once_and_global(make_ctx):
    plugin = _plugin(
        {
            "filters": [
                {"regex": "l", "replace": "L", "scope": "global", "options": "jo"},
                {"regex": "(o)", "replace": "[$1]", "scope": "once", "options": "jo"},
                {"regex": "WORLD", "replace": "there", "scope": "once", "options": "i"},
            ]
        }
    )
    ctx, head = make_ctx("GET", "/"), _head()
    plugin.header_filter(ctx, head)
    assert head.status == 200
    assert _body(plugin, ctx, [b"hello ", b"world"]) == b"heLL[o] there"


def test_vars_condition(make_ctx):
    plugin = _plugin({"status_code": 500, "vars": [["status", "==", 200]], "body": "x"})
    ctx, head = make_ctx("GET", "/"), ResponseHead(404, [])
    plugin.header_filter(ctx, head)
    assert head.status == 404
    assert _body(plugin, ctx, [b"original"]) == b"original"
    ctx, head = make_ctx("GET", "/"), ResponseHead(200, [])
    plugin.header_filter(ctx, head)
    assert head.status == 500
    assert _body(plugin, ctx, [b"original"]) == b"x"
