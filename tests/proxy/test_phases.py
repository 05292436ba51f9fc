"""The phase runner and object merging with real plugins: auth then consumer plugins, global
rules first, plugin configs and services merged the way APISIX merges them."""

from __future__ import annotations

import httpx


def _upstream(up) -> dict:
    return {"type": "roundrobin", "nodes": {up.address: 1}}


def _jack(gateway) -> None:
    """A consumer with key-auth and a plugin of its own (a header set upstream)."""
    gateway.put(
        "consumers",
        "jack",
        {
            "username": "jack",
            "plugins": {
                "key-auth": {"key": "jack-key"},
                "proxy-rewrite": {"headers": {"set": {"X-Consumer": "jack"}}},
            },
        },
    )


def test_key_auth_then_consumer_plugins_merged(gateway, upstreams):
    up = upstreams("a")
    _jack(gateway)
    gateway.put(
        "routes", "1", {"uri": "/auth", "plugins": {"key-auth": {}}, "upstream": _upstream(up)}
    )
    gateway.wait_config()
    with httpx.Client(base_url=gateway.url) as client:
        denied = client.get("/auth")
        assert denied.status_code == 401
        assert up.requests == []
        allowed = client.get("/auth", headers={"apikey": "jack-key"})
        assert allowed.status_code == 200
        assert allowed.json()["headers"]["x-consumer"] == "jack"  # the consumer's rewrite ran


def test_global_rules_run_first_and_on_404(gateway, upstreams):
    up = upstreams("a")
    gateway.put(
        "global_rules",
        "1",
        {"plugins": {"response-rewrite": {"headers": {"set": {"X-Global": "yes"}}}}},
    )
    gateway.put("routes", "1", {"uri": "/g", "upstream": _upstream(up)})
    gateway.wait_config()
    assert httpx.get(gateway.url + "/g").headers["x-global"] == "yes"
    missing = httpx.get(gateway.url + "/missing")
    assert missing.status_code == 404
    assert missing.headers["x-global"] == "yes"


def test_plugin_config_merge_route_wins_and_missing_is_503(gateway, upstreams):
    up = upstreams("a")
    gateway.put(
        "plugin_configs",
        "pc",
        {
            "plugins": {
                "proxy-rewrite": {"uri": "/from-plugin-config"},
                "response-rewrite": {"headers": {"set": {"X-PC": "1"}}},
            }
        },
    )
    gateway.put(
        "routes",
        "1",
        {
            "uri": "/pc",
            "plugin_config_id": "pc",
            "plugins": {"proxy-rewrite": {"uri": "/from-route"}},
            "upstream": _upstream(up),
        },
    )
    gateway.put(
        "routes", "2", {"uri": "/nopc", "plugin_config_id": "nope", "upstream": _upstream(up)}
    )
    gateway.wait_config()
    response = httpx.get(gateway.url + "/pc")
    assert response.json()["url"] == "/from-route"
    assert response.headers["x-pc"] == "1"
    assert httpx.get(gateway.url + "/nopc").status_code == 503


def test_service_plugins_merged_and_disabled_plugin_skipped(gateway, upstreams):
    up = upstreams("a")
    gateway.put(
        "services",
        "s",
        {
            "upstream": _upstream(up),
            "plugins": {
                "response-rewrite": {"headers": {"set": {"X-Svc": "1"}}},
                "proxy-rewrite": {"uri": "/svc-uri"},
            },
        },
    )
    gateway.put(
        "routes",
        "1",
        {
            "uri": "/s",
            "service_id": "s",
            "plugins": {"proxy-rewrite": {"uri": "/route-uri", "_meta": {"disable": True}}},
        },
    )
    gateway.wait_config()
    response = httpx.get(gateway.url + "/s")
    assert response.headers["x-svc"] == "1"
    # the route's proxy-rewrite replaced the service's, and is disabled: no rewrite at all
    assert response.json()["url"] == "/s"


def test_limit_count_rejects_after_quota(gateway, upstreams):
    up = upstreams("a")
    gateway.put(
        "routes",
        "1",
        {
            "uri": "/lc",
            "plugins": {"limit-count": {"count": 2, "time_window": 60, "rejected_code": 503}},
            "upstream": _upstream(up),
        },
    )
    gateway.wait_config()
    with httpx.Client(base_url=gateway.url) as client:
        statuses = [client.get("/lc").status_code for _ in range(4)]
    assert statuses == [200, 200, 503, 503]
    assert len(up.requests) == 2


def test_consumer_credentials_authenticate(gateway, upstreams):
    up = upstreams("a")
    gateway.put("consumers", "rose", {"username": "rose"})
    gateway.put("consumers/rose/credentials", "c1", {"plugins": {"key-auth": {"key": "rose-key"}}})
    gateway.put(
        "routes", "1", {"uri": "/cred", "plugins": {"key-auth": {}}, "upstream": _upstream(up)}
    )
    gateway.wait_config()
    assert httpx.get(gateway.url + "/cred", headers={"apikey": "rose-key"}).status_code == 200
    assert httpx.get(gateway.url + "/cred", headers={"apikey": "wrong"}).status_code == 401


def test_phases_that_wait_after_ones_that_do_not(gateway, upstreams):
    """key-auth (rewrite) runs in place, limit-conn (access, may wait) then in a task: the
    request is proxied once, with the consumer's plugins applied."""
    up = upstreams("a")
    _jack(gateway)
    gateway.put(
        "routes",
        "1",
        {
            "uri": "/wait",
            "plugins": {
                "key-auth": {},
                "limit-conn": {"conn": 1, "burst": 0, "default_conn_delay": 0.1, "key": "uri"},
            },
            "upstream": _upstream(up),
        },
    )
    gateway.wait_config()
    with httpx.Client(base_url=gateway.url) as client:
        assert client.get("/wait").status_code == 401
        allowed = client.get("/wait", headers={"apikey": "jack-key"})
        again = client.get("/wait", headers={"apikey": "jack-key"})  # the count was given back
    assert allowed.status_code == again.status_code == 200
    assert allowed.json()["headers"]["x-consumer"] == "jack"
    assert len(up.requests) == 2
