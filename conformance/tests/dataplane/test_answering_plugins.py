"""Plugins that answer or reshape the response: redirect, echo, gzip, real-ip, mocking.

Sources: APISIX 3.5 plugin docs and apisix/plugins/*.lua. redirect: `uri` (with `$var` /
`${var}`), `regex_uri` ([pattern, template]; no match: proxied), `ret_code` (302),
`append_query_string`, `encode_uri`, and `http_to_https`: 301 for GET/HEAD, 308 for other
methods, to `https://$host[:port]$request_uri`, not when X-Forwarded-Proto is https. echo:
`before_body` + (`body` or the upstream body) + `after_body`, and `headers`. gzip: for
clients accepting gzip and responses of `types`, `Content-Encoding: gzip` and, with `vary`,
`Vary: Accept-Encoding`. brotli (apisix/plugins/brotli.lua, APISIX 3.10+, so a feature of
its own): the same for clients accepting `br`, `Content-Encoding: br`. real-ip: `remote_addr` / `remote_port` from `source` (a variable,
or the last X-Forwarded-For address) when the client is in `trusted_addresses`, for every
later phase (ip-restriction, `$remote_addr`). mocking: `response_example` or data generated
from `response_schema` (`example` values kept), `response_status`, `content_type`
(`application/json;charset=utf8`), `x-mock-by` unless `with_mock_header` is false, and no
upstream call.
"""

from __future__ import annotations

import gzip
import json
import re

import brotli
import httpx

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import plugin_route, wait_served
from conformance.support.traffic import Case, expect_cases


@conformance_test(
    name="redirect",
    description="redirect answers ret_code with a Location from uri, regex_uri and the query",
    profile="dataplane",
    features=["dp-plugin-redirect"],
)
def test_redirect(admin, dataplane, gw_target, echo, tag):
    fixed = plugin_route(
        admin, echo, tag, "fixed", {"redirect": {"uri": "/new.html", "ret_code": 301}}
    )
    template = plugin_route(admin, echo, tag, "tpl", {"redirect": {"uri": "${uri}/index.html"}})
    regex = plugin_route(
        admin, echo, tag, "rx", {"redirect": {"regex_uri": [f"^/{tag}/rx/(.*)/(.*)", "/$2-$1"]}}
    )
    query = plugin_route(
        admin, echo, tag, "qs", {"redirect": {"uri": "/q?a=1", "append_query_string": True}}
    )
    encoded = plugin_route(
        admin, echo, tag, "enc", {"redirect": {"uri": "$uri", "encode_uri": True}}
    )
    expect_cases(
        dataplane,
        [
            Case(fixed, status=301),
            Case(f"{template}/a", status=302),
            Case(f"{regex}/a/b", status=302),
            Case(f"{regex}/nomatch", backend="echo"),
            Case(f"{query}?b=2", status=302),
            Case(f"{encoded}/a%20b", status=302),
        ],
        gw_target.timeouts,
    )

    def location(path: str) -> str:
        return dataplane.get(path).headers["location"]

    assert location(fixed) == "/new.html"
    assert location(f"{template}/a") == f"{template}/a/index.html"
    assert location(f"{regex}/a/b") == "/b-a"
    assert location(f"{query}?b=2") == "/q?a=1&b=2"
    assert location(query) == "/q?a=1"
    assert location(f"{encoded}/a%20b") == f"{encoded}/a%20b"


@conformance_test(
    name="redirect-http-to-https",
    description="redirect http_to_https: 301 (GET/HEAD) or 308 to the https form of the request",
    profile="dataplane",
    features=["dp-plugin-redirect"],
)
def test_redirect_http_to_https(admin, dataplane, gw_target, echo, tag):
    path = plugin_route(admin, echo, tag, "tls", {"redirect": {"http_to_https": True}})
    wait_served(dataplane, f"{path}/x?y=1", None, gw_target.timeouts, status=301)
    host = dataplane.base_url.host
    wanted = re.compile(rf"^https://{re.escape(host)}(:\d+)?{re.escape(path)}/x\?y=1$")
    for method, status in (("GET", 301), ("HEAD", 301), ("POST", 308), ("PUT", 308)):
        response = dataplane.request(method, f"{path}/x?y=1")
        assert response.status_code == status, (method, response.status_code)
        assert wanted.match(response.headers["location"]), response.headers["location"]
    behind_tls = dataplane.get(f"{path}/x", headers={"X-Forwarded-Proto": "https"})
    assert behind_tls.status_code == 200 and behind_tls.json()["server"] == "echo"


@conformance_test(
    name="echo",
    description="echo replaces or wraps the response body and sets response headers",
    profile="dataplane",
    features=["dp-plugin-echo"],
)
def test_echo(admin, dataplane, gw_target, echo, tag):
    replaced = plugin_route(
        admin,
        echo,
        tag,
        "body",
        {"echo": {"before_body": "<", "body": "hello", "after_body": ">", "headers": {"X-E": 1}}},
    )
    wrapped = plugin_route(
        admin, echo, tag, "wrap", {"echo": {"before_body": "[", "after_body": "]"}}
    )
    response = wait_served(dataplane, replaced, None, gw_target.timeouts)
    assert response.text == "<hello>"
    assert response.headers["x-e"] == "1"
    response = wait_served(dataplane, wrapped, None, gw_target.timeouts)
    assert response.text.startswith("[") and response.text.endswith("]"), response.text
    assert json.loads(response.text[1:-1])["server"] == "echo"


def _raw_get(client: httpx.Client, path: str, **headers: str) -> tuple[httpx.Headers, bytes]:
    """The response headers and the body as sent (not decoded)."""
    with client.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200, response.status_code
        return response.headers, b"".join(response.iter_raw())


@conformance_test(
    name="gzip",
    description="gzip compresses responses of the configured types for clients accepting gzip",
    profile="dataplane",
    features=["dp-plugin-gzip"],
)
def test_gzip(admin, dataplane, gw_target, echo, tag):
    json_type = {"gzip": {"types": ["application/json"], "vary": True}}
    compressed = plugin_route(admin, echo, tag, "json", json_type)
    html_only = plugin_route(admin, echo, tag, "html", {"gzip": {}})
    everything = plugin_route(admin, echo, tag, "any", {"gzip": {"types": "*", "comp_level": 9}})
    wait_served(dataplane, compressed, "echo", gw_target.timeouts)
    wait_served(dataplane, html_only, "echo", gw_target.timeouts)
    wait_served(dataplane, everything, "echo", gw_target.timeouts)

    headers, body = _raw_get(dataplane, compressed, **{"Accept-Encoding": "gzip"})
    assert headers.get("content-encoding") == "gzip", dict(headers)
    assert "Accept-Encoding" in headers.get_list("vary"), dict(headers)
    assert json.loads(gzip.decompress(body))["server"] == "echo"

    headers, body = _raw_get(dataplane, everything, **{"Accept-Encoding": "deflate, gzip"})
    assert headers.get("content-encoding") == "gzip", dict(headers)
    assert json.loads(gzip.decompress(body))["path"] == everything

    for path, accept in ((compressed, "identity"), (html_only, "gzip")):
        headers, body = _raw_get(dataplane, path, **{"Accept-Encoding": accept})
        assert "content-encoding" not in headers, (path, accept, dict(headers))
        assert json.loads(body)["server"] == "echo"


@conformance_test(
    name="brotli",
    description="brotli compresses responses of the configured types for clients accepting br",
    profile="dataplane",
    features=["dp-plugin-brotli"],
)
def test_brotli(admin, dataplane, gw_target, echo, tag):
    compressed = plugin_route(
        admin, echo, tag, "br", {"brotli": {"types": ["application/json"], "vary": True}}
    )
    html_only = plugin_route(admin, echo, tag, "html", {"brotli": {}})
    wait_served(dataplane, compressed, "echo", gw_target.timeouts)
    wait_served(dataplane, html_only, "echo", gw_target.timeouts)

    headers, body = _raw_get(dataplane, compressed, **{"Accept-Encoding": "gzip, br"})
    assert headers.get("content-encoding") == "br", dict(headers)
    assert "Accept-Encoding" in headers.get_list("vary"), dict(headers)
    assert json.loads(brotli.decompress(body))["server"] == "echo"

    for path, accept in ((compressed, "gzip"), (compressed, "br;q=0"), (html_only, "br")):
        headers, body = _raw_get(dataplane, path, **{"Accept-Encoding": accept})
        assert "content-encoding" not in headers, (path, accept, dict(headers))
        assert json.loads(body)["server"] == "echo"


@conformance_test(
    name="real-ip",
    description="real-ip sets remote_addr and remote_port from a variable or X-Forwarded-For",
    profile="dataplane",
    features=["dp-plugin-real-ip"],
)
def test_real_ip(admin, dataplane, gw_target, echo, tag):
    anyone = ["0.0.0.0/0", "::/0"]
    show = {
        "response-rewrite": {
            "headers": {"set": {"X-Addr": "$remote_addr", "X-Port": "$remote_port"}}
        }
    }
    from_arg = plugin_route(
        admin,
        echo,
        tag,
        "arg",
        {"real-ip": {"source": "arg_realip", "trusted_addresses": anyone}, **show},
    )
    from_xff = plugin_route(
        admin, echo, tag, "xff", {"real-ip": {"source": "http_x_forwarded_for"}, **show}
    )
    untrusted = plugin_route(
        admin,
        echo,
        tag,
        "untrusted",
        {"real-ip": {"source": "arg_realip", "trusted_addresses": ["192.0.2.0/24"]}, **show},
    )
    guarded = plugin_route(
        admin,
        echo,
        tag,
        "guarded",
        {
            "real-ip": {"source": "arg_realip"},
            "ip-restriction": {"whitelist": ["198.51.100.7"]},
        },
    )
    expect_cases(
        dataplane,
        [
            Case(f"{from_arg}?realip=1.2.3.4:9080", backend="echo"),
            Case(f"{from_xff}", headers={"X-Forwarded-For": "10.0.0.1, 5.6.7.8"}, backend="echo"),
            Case(f"{untrusted}?realip=1.2.3.4", backend="echo"),
            Case(f"{guarded}?realip=198.51.100.7", backend="echo"),
            Case(f"{guarded}?realip=198.51.100.8", status=403),
            Case(guarded, status=403),
        ],
        gw_target.timeouts,
    )
    response = dataplane.get(f"{from_arg}?realip=1.2.3.4:9080")
    assert (response.headers["x-addr"], response.headers["x-port"]) == ("1.2.3.4", "9080")
    response = dataplane.get(from_xff, headers={"X-Forwarded-For": "10.0.0.1, 5.6.7.8"})
    assert response.headers["x-addr"] == "5.6.7.8"
    response = dataplane.get(f"{untrusted}?realip=1.2.3.4")
    assert response.headers["x-addr"] != "1.2.3.4"


@conformance_test(
    name="mocking",
    description="mocking answers with an example or schema-generated data, without the upstream",
    profile="dataplane",
    features=["dp-plugin-mocking"],
)
def test_mocking(admin, dataplane, gw_target, echo, tag):
    example = plugin_route(
        admin,
        echo,
        tag,
        "example",
        {
            "mocking": {
                "response_example": '{"a":1}',
                "response_status": 201,
                "response_headers": {"X-Mocked": "yes"},
            }
        },
    )
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "example": "Jack"},
            "age": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
    }
    generated = plugin_route(
        admin,
        echo,
        tag,
        "schema",
        {"mocking": {"response_schema": schema, "with_mock_header": False}},
    )
    response = wait_served(dataplane, example, None, gw_target.timeouts, status=201)
    assert response.json() == {"a": 1}
    assert response.headers["content-type"] == "application/json;charset=utf8"
    assert response.headers["x-mock-by"].startswith("APISIX/")
    assert response.headers["x-mocked"] == "yes"
    response = wait_served(dataplane, generated, None, gw_target.timeouts)
    body = response.json()
    assert body["name"] == "Jack"
    assert isinstance(body["age"], int)
    assert body["tags"] and all(isinstance(t, str) for t in body["tags"]), body
    assert "x-mock-by" not in response.headers
    assert echo.request_count == 0
