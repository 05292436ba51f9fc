"""Plugins that change requests and responses: proxy-rewrite, response-rewrite, cors,
request-id. The echo upstream shows what reached it.

Sources: APISIX plugin docs and apisix/plugins/*.lua: proxy-rewrite `uri`, `regex_uri`
([pattern, replacement]), `host`, `method` and `headers` ({"set": ..., "remove": [...]});
response-rewrite `status_code`, `body` and `headers.set`; cors defaults (allow_origins "*",
allow_methods "*") and preflight answered by the gateway; request-id adds `X-Request-Id`
(default header_name) to the upstream request and the response, keeping one the client sent.
"""

from __future__ import annotations

import uuid

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import echo_upstream, put, wait_served


@conformance_test(
    name="proxy-rewrite-uri-and-headers",
    description="proxy-rewrite replaces the uri, host, method and headers the upstream sees",
    profile="dataplane",
    features=["dp-proxy-rewrite"],
)
def test_proxy_rewrite(admin, dataplane, gw_target, echo, tag):
    plugins = {
        "proxy-rewrite": {
            "uri": "/test/home.html",
            "host": "rewritten.example",
            "method": "POST",
            "headers": {"set": {"X-Api-Version": "v2"}, "remove": ["X-Drop-Me"]},
        }
    }
    put(
        admin,
        f"/routes/{tag}",
        {"uri": f"/{tag}/pr", "plugins": plugins, "upstream": echo_upstream(echo)},
    )
    seen = wait_served(
        dataplane,
        f"/{tag}/pr",
        "echo",
        gw_target.timeouts,
        headers={"X-Drop-Me": "1", "X-Keep": "2"},
    ).json()
    assert seen["path"] == "/test/home.html"
    assert seen["method"] == "POST"
    assert seen["headers"]["host"] == "rewritten.example"
    assert seen["headers"]["x-api-version"] == "v2"
    assert "x-drop-me" not in seen["headers"]
    assert seen["headers"]["x-keep"] == "2"


@conformance_test(
    name="proxy-rewrite-regex-uri",
    description="proxy-rewrite regex_uri rewrites with capture groups and keeps the query string",
    profile="dataplane",
    features=["dp-proxy-rewrite"],
)
def test_proxy_rewrite_regex(admin, dataplane, gw_target, echo, tag):
    plugins = {"proxy-rewrite": {"regex_uri": [f"^/{tag}/old/(.*)", "/new/$1"]}}
    put(
        admin,
        f"/routes/{tag}",
        {"uri": f"/{tag}/old/*", "plugins": plugins, "upstream": echo_upstream(echo)},
    )
    seen = wait_served(dataplane, f"/{tag}/old/a/b?x=1", "echo", gw_target.timeouts).json()
    assert seen["path"] == "/new/a/b"
    assert seen["query"] == "x=1"


@conformance_test(
    name="proxy-passes-request-through",
    description="without plugins the upstream sees the client's path, query, method, headers and body",
    profile="dataplane",
    features=["dp-proxy-rewrite"],
)
def test_pass_through(admin, dataplane, gw_target, echo, tag):
    put(admin, f"/routes/{tag}", {"uri": f"/{tag}/*", "upstream": echo_upstream(echo)})
    wait_served(dataplane, f"/{tag}/x", "echo", gw_target.timeouts)
    response = dataplane.put(
        f"/{tag}/p/q?a=1&b=two", content=b'{"hello": "world"}', headers={"X-Custom": "yes"}
    )
    seen = response.json()
    assert seen["method"] == "PUT"
    assert seen["path"] == f"/{tag}/p/q"
    assert seen["query"] == "a=1&b=two"
    assert seen["headers"]["x-custom"] == "yes"
    assert seen["body"] == '{"hello": "world"}'
    # pass_host defaults to "pass": the client's Host reaches the upstream
    assert seen["headers"]["host"].split(":")[0] == dataplane.base_url.host


@conformance_test(
    name="response-rewrite",
    description="response-rewrite replaces the status, body and headers the client receives",
    profile="dataplane",
    features=["dp-response-rewrite"],
)
def test_response_rewrite(admin, dataplane, gw_target, echo, tag):
    plugins = {
        "response-rewrite": {
            "status_code": 202,
            "body": '{"code":"ok"}',
            "headers": {"set": {"X-Server-Id": "3"}},
        }
    }
    put(
        admin,
        f"/routes/{tag}",
        {"uri": f"/{tag}/rr", "plugins": plugins, "upstream": echo_upstream(echo)},
    )
    response = wait_served(dataplane, f"/{tag}/rr", None, gw_target.timeouts, status=202)
    assert response.text == '{"code":"ok"}'
    assert response.headers["x-server-id"] == "3"
    assert echo.request_count >= 1  # the upstream was still called


@conformance_test(
    name="cors",
    description="cors adds Access-Control-Allow-* headers and answers preflight requests itself",
    profile="dataplane",
    features=["dp-cors"],
)
def test_cors(admin, dataplane, gw_target, echo, tag):
    put(
        admin,
        f"/routes/{tag}-any",
        {"uri": f"/{tag}/any", "plugins": {"cors": {}}, "upstream": echo_upstream(echo)},
    )
    strict = {"allow_origins": "http://a.example", "allow_methods": "GET,POST", "max_age": 10}
    put(
        admin,
        f"/routes/{tag}-one",
        {"uri": f"/{tag}/one", "plugins": {"cors": strict}, "upstream": echo_upstream(echo)},
    )
    origin = {"Origin": "http://a.example"}

    simple = wait_served(dataplane, f"/{tag}/any", "echo", gw_target.timeouts, headers=origin)
    assert simple.headers["access-control-allow-origin"] == "*"

    allowed = wait_served(dataplane, f"/{tag}/one", "echo", gw_target.timeouts, headers=origin)
    assert allowed.headers["access-control-allow-origin"] == "http://a.example"
    other = dataplane.get(f"/{tag}/one", headers={"Origin": "http://b.example"})
    assert "access-control-allow-origin" not in other.headers

    before = echo.request_count
    preflight = dataplane.options(
        f"/{tag}/one", headers={**origin, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://a.example"
    assert preflight.headers["access-control-allow-methods"] == "GET,POST"
    assert preflight.headers["access-control-max-age"] == "10"
    assert echo.request_count == before, "the preflight reached the upstream"


@conformance_test(
    name="request-id",
    description="request-id gives each request an X-Request-Id seen upstream and in the response",
    profile="dataplane",
    features=["dp-request-id"],
)
def test_request_id(admin, dataplane, gw_target, echo, tag):
    put(
        admin,
        f"/routes/{tag}",
        {"uri": f"/{tag}/rid", "plugins": {"request-id": {}}, "upstream": echo_upstream(echo)},
    )
    first = wait_served(dataplane, f"/{tag}/rid", "echo", gw_target.timeouts)
    second = dataplane.get(f"/{tag}/rid")
    ids = [r.headers["x-request-id"] for r in (first, second)]
    assert ids[0] != ids[1]
    for response, rid in zip((first, second), ids, strict=True):
        uuid.UUID(rid)  # the default algorithm is uuid
        assert response.json()["headers"]["x-request-id"] == rid
    kept = dataplane.get(f"/{tag}/rid", headers={"X-Request-Id": "client-chosen"})
    assert kept.headers["x-request-id"] == "client-chosen"
    assert kept.json()["headers"]["x-request-id"] == "client-chosen"
