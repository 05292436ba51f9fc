"""What the engine does for plugins: the rewritten method upstream, metric inputs and counters,
rate-limit scopes of global rules, body filters and framing, error pages of bare rejections."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from reference_impl.proxy import plugins as plugin_package
from reference_impl.proxy.plugin_api import Ctx, Plugin, Request
from reference_impl.proxy.plugins.metrics_store import series_key


def _upstream(up) -> dict:
    return {"type": "roundrobin", "nodes": {up.address: 1}}


def _route(gateway, up, uri: str, plugins: dict) -> None:
    """Route 1: `uri` with `plugins` to `up`, applied."""
    gateway.put("routes", "1", {"uri": uri, "plugins": plugins, "upstream": _upstream(up)})
    gateway.wait_config()


class _Suffix(Plugin):
    """A plugin with only a body filter: appends a marker and records its calls."""

    name = "test-suffix"
    priority = 1
    calls: list[tuple[int, bool]] = []

    def body_filter(self, ctx: Ctx, chunk: bytes, eof: bool) -> bytes:
        _Suffix.calls.append((len(chunk), eof))
        return chunk + b"|suffix" if eof else chunk


@pytest.fixture
def suffix_plugin(monkeypatch: pytest.MonkeyPatch) -> type[_Suffix]:
    monkeypatch.setitem(plugin_package.PLUGIN_CLASSES, _Suffix.name, _Suffix)
    _Suffix.calls = []
    return _Suffix


def test_rewritten_method_reaches_the_upstream(gateway, upstreams):
    up = upstreams("a")
    gateway.put(
        "routes",
        "1",
        {
            "uri": "/m",
            "plugins": {"proxy-rewrite": {"method": "POST"}},
            "upstream": _upstream(up),
        },
    )
    gateway.wait_config()
    assert httpx.get(gateway.url + "/m").status_code == 200
    seen = up.requests[-1]
    assert seen["method"] == "POST"
    assert seen["headers"]["content-length"] == "0"


def test_prometheus_route_gets_metric_inputs(gateway, upstreams):
    up = upstreams("a")
    gateway.put(
        "routes", "p", {"uri": "/p", "plugins": {"prometheus": {}}, "upstream": _upstream(up)}
    )
    gateway.put("routes", "q", {"uri": "/q", "upstream": _upstream(up)})
    gateway.wait_config()
    with httpx.Client(base_url=gateway.url) as client:
        bodies = [client.get("/p").content for _ in range(3)]
        client.get("/q")
    series = gateway.worker.shared.metrics.snapshot()
    status = {k: v for k, v in series.items() if k.startswith("apisix_http_status{")}
    assert list(status.values()) == [3]
    (key,) = status
    assert 'route="p"' in key and 'matched_uri="/p"' in key and f'node="{up.address}"' in key
    labels = f'route="p",service="",consumer="",node="{up.address}"'
    for kind in ("request", "upstream", "apisix"):
        assert series[f'apisix_http_latency_count{{type="{kind}",{labels}}}'] == 3
    egress = series[f'apisix_bandwidth{{type="egress",{labels}}}']
    assert egress > sum(len(b) for b in bodies)  # the bodies plus the heads
    ingress = series[f'apisix_bandwidth{{type="ingress",{labels}}}']
    assert 3 * len("GET /p HTTP/1.1\r\n\r\n") < ingress < 3 * 400
    # the node-wide counters are kept whether or not a route has the plugin
    assert series[series_key("apisix_http_requests_total")] == 4
    accepted = series_key("apisix_nginx_http_current_connections", [("state", "accepted")])
    assert series[accepted] >= 1


def test_connections_are_counted_open_and_closed(gateway, upstreams):
    active = series_key("apisix_nginx_http_current_connections", [("state", "active")])
    metrics = gateway.worker.shared.metrics
    with socket.create_connection(("127.0.0.1", gateway.port)) as sock:
        sock.sendall(b"GET /none HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 404")
        assert metrics.snapshot()[active] == 1
    deadline = time.monotonic() + 5
    while metrics.snapshot()[active] != 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert metrics.snapshot()[active] == 0


def test_global_rule_limit_count_is_shared_by_routes(gateway, upstreams):
    up = upstreams("a")
    gateway.put(
        "global_rules",
        "g1",
        {"plugins": {"limit-count": {"count": 2, "time_window": 60, "rejected_code": 429}}},
    )
    gateway.put("routes", "1", {"uri": "/one", "upstream": _upstream(up)})
    gateway.put("routes", "2", {"uri": "/two", "upstream": _upstream(up)})
    gateway.wait_config()
    with httpx.Client(base_url=gateway.url) as client:
        statuses = [client.get(path).status_code for path in ("/one", "/two", "/one", "/two")]
    assert statuses == [200, 200, 429, 429]


def test_bare_rejection_gets_nginx_error_page(gateway, upstreams):
    up = upstreams("a")
    gateway.put(
        "routes",
        "1",
        {
            "uri": "/limited",
            "plugins": {"limit-count": {"count": 1, "time_window": 60, "rejected_code": 503}},
            "upstream": _upstream(up),
        },
    )
    gateway.wait_config()
    with httpx.Client(base_url=gateway.url) as client:
        assert client.get("/limited").status_code == 200
        rejected = client.get("/limited")
    assert rejected.status_code == 503
    assert rejected.headers["content-type"].startswith("text/html")
    assert "<center><h1>503 Service Temporarily Unavailable</h1></center>" in rejected.text
    assert rejected.headers["x-ratelimit-remaining"] == "0"


def test_body_filter_only_plugin_gets_correct_framing(gateway, upstreams, suffix_plugin):
    up = upstreams("a")
    up.behave = lambda request: (200, 0.0, b"hello")
    gateway.put(
        "routes", "1", {"uri": "/f", "plugins": {"test-suffix": {}}, "upstream": _upstream(up)}
    )
    gateway.wait_config()
    with httpx.Client(base_url=gateway.url) as client:
        response = client.get("/f")
        again = client.get("/f")  # the connection stayed usable: the framing was right
    assert response.content == b"hello|suffix"
    assert again.content == b"hello|suffix"
    assert response.headers.get("content-length", "12") == "12"


def test_body_filter_sees_eof_on_an_empty_body(gateway, upstreams, suffix_plugin):
    up = upstreams("a")
    up.behave = lambda request: (200, 0.0, b"")
    gateway.put(
        "routes", "1", {"uri": "/e", "plugins": {"test-suffix": {}}, "upstream": _upstream(up)}
    )
    gateway.wait_config()
    assert httpx.get(gateway.url + "/e").content == b"|suffix"
    assert suffix_plugin.calls == [(0, True)]


def test_response_rewrite_body_replaces_empty_upstream_body(gateway, upstreams):
    up = upstreams("a")
    up.behave = lambda request: (200, 0.0, b"")
    _route(gateway, up, "/rr", {"response-rewrite": {"body": "replaced body\n"}})
    with httpx.Client(base_url=gateway.url) as client:
        response = client.get("/rr")
        assert client.get("/rr").content == b"replaced body\n"
    assert response.content == b"replaced body\n"


def test_request_headers_are_built_on_first_use():
    raw = [(b"Host", b"example.com"), (b"X-A", b"1"), (b"x-a", b"2")]
    request = Request("GET", "/", "", None, "127.0.0.1", 1, "127.0.0.1", 9080, raw_headers=raw)
    assert request.built_headers() is None  # nothing has asked for them yet
    assert request.headers == {"host": "example.com", "x-a": "1, 2"}
    request.headers["x-b"] = "3"  # plugins edit the same dict
    assert request.built_headers() == {"host": "example.com", "x-a": "1, 2", "x-b": "3"}


def test_one_request_header_is_read_without_building_them_all():
    raw = [(b"Host", b"example.com"), (b"X-A", b"1"), (b"x-a", b"2")]
    request = Request("GET", "/", "", None, "127.0.0.1", 1, "127.0.0.1", 9080, raw_headers=raw)
    assert (request.header("x-a"), request.header("x-b")) == ("1, 2", None)
    assert request.built_headers() is None
    request.headers["x-a"] = "edited"  # once built (and edited), the dict answers
    assert request.header("x-a") == "edited"


def test_forwarded_headers_follow_a_plugin_edit(gateway, upstreams):
    up = upstreams("a")
    gateway.put(
        "routes",
        "1",
        {
            "uri": "/xff",
            "plugins": {"proxy-rewrite": {"headers": {"set": {"X-Forwarded-Proto": "https"}}}},
            "upstream": _upstream(up),
        },
    )
    gateway.put("routes", "2", {"uri": "/plain", "upstream": _upstream(up)})
    gateway.wait_config()
    with httpx.Client(base_url=gateway.url) as client:
        client.get("/xff", headers={"X-Forwarded-For": "10.0.0.1", "Host": "h.example"})
        edited = up.requests[-1]["headers"]
        client.get("/plain", headers={"X-Forwarded-For": "10.0.0.1", "Host": "h.example"})
        plain = up.requests[-1]["headers"]
    assert edited["x-forwarded-proto"] == "https"
    assert plain["x-forwarded-proto"] == "http"
    for seen in (edited, plain):
        assert seen["x-forwarded-for"] == "10.0.0.1, 127.0.0.1"
        assert seen["host"] == "h.example"
        assert seen["x-forwarded-host"] == "h.example"


def test_real_ip_address_is_the_one_sent_upstream(gateway, upstreams):
    """real-ip changes $remote_addr, which nginx sends as X-Real-IP and appends to
    X-Forwarded-For ($proxy_add_x_forwarded_for)."""
    up = upstreams("a")
    _route(gateway, up, "/real", {"real-ip": {"source": "http_x_client_addr"}})
    with httpx.Client(base_url=gateway.url) as client:
        client.get("/real", headers={"X-Client-Addr": "203.0.113.7:4431"})
        found = up.requests[-1]["headers"]
        client.get("/real", headers={"X-Client-Addr": "203.0.113.7", "X-Forwarded-For": "10.0.0.1"})
        behind = up.requests[-1]["headers"]
        client.get("/real", headers={"X-Client-Addr": "not-an-address"})
        ignored = up.requests[-1]["headers"]
    assert found["x-real-ip"] == "203.0.113.7"
    assert found["x-forwarded-for"] == "203.0.113.7"
    assert behind["x-real-ip"] == "203.0.113.7"
    assert behind["x-forwarded-for"] == "10.0.0.1, 203.0.113.7"
    assert ignored["x-real-ip"] == "127.0.0.1"  # no valid address: the connection's
    assert ignored["x-forwarded-for"] == "127.0.0.1"


def test_limit_conn_count_is_given_back_when_the_request_fails(
    gateway, upstreams, monkeypatch: pytest.MonkeyPatch
):
    """A request that raises after limit-conn counted it still runs the log phase, which
    gives the count back: the next request is not refused."""
    from reference_impl.proxy.plugins.limit_count import LimitCount

    up = upstreams("a")
    plugins = {
        "limit-conn": {"conn": 1, "burst": 0, "default_conn_delay": 0.1, "key": "remote_addr"},
        # runs after limit-conn (lower priority); made to raise below
        "limit-count": {"count": 1000, "time_window": 60},
    }
    _route(gateway, up, "/conn", plugins)

    async def boom(self: LimitCount, ctx: Ctx) -> None:
        raise RuntimeError("a plugin failed")

    with httpx.Client(base_url=gateway.url) as client:
        monkeypatch.setattr(LimitCount, "access", boom)
        assert [client.get("/conn").status_code for _ in range(3)] == [500, 500, 500]
        monkeypatch.undo()
        assert client.get("/conn").status_code == 200  # no count was kept
    assert len(up.requests) == 1
