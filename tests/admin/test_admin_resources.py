"""What differs per resource: consumers, credentials, secrets, plugin metadata, plugins,
stream routes, schema validation, ttl."""

from __future__ import annotations

import time

from .conftest import UPSTREAM, put_ok


def test_seed_consumer_put_only(api):
    body = {
        "username": "jack",
        "plugins": {
            "key-auth": {"key": "auth-one"},
            "limit-count": {
                "count": 2,
                "time_window": 60,
                "rejected_code": 503,
                "key": "remote_addr",
            },
        },
    }
    created = api.put("/consumers", json=body)
    assert created.status_code == 201
    assert created.json()["key"] == "/apisix/consumers/jack"
    assert created.json()["value"]["plugins"]["limit-count"]["policy"] == "local"
    assert api.put("/consumers/jack", json=body).status_code == 200
    wrong = api.put("/consumers/jill", json=body)
    assert wrong.json() == {"error_msg": "wrong username"}
    assert api.get("/consumers/jack").json()["value"]["username"] == "jack"
    bad_plugin = api.put("/consumers", json={"username": "x", "plugins": {"key-auth": {"key": 1}}})
    assert bad_plugin.status_code == 400
    assert bad_plugin.json()["error_msg"].startswith("invalid plugins configuration: ")


def test_credentials(api):
    missing_consumer = api.put(
        "/consumers/jack/credentials/c1", json={"plugins": {"key-auth": {"key": "k"}}}
    )
    assert missing_consumer.status_code == 404
    assert missing_consumer.json() == {"error_msg": "consumer not found"}
    put_ok(api, "/consumers", {"username": "jack"})
    created = api.put(
        "/consumers/jack/credentials/c1", json={"plugins": {"key-auth": {"key": "k"}}}
    )
    assert created.status_code == 201
    assert created.json()["key"] == "/apisix/consumers/jack/credentials/c1"
    assert created.json()["value"]["id"] == "c1"
    not_auth = api.put(
        "/consumers/jack/credentials/c2",
        json={"plugins": {"limit-count": {"count": 1, "time_window": 1}}},
    )
    assert not_auth.json() == {
        "error_msg": "only supports auth type plugins in consumer credential"
    }
    listing = api.get("/consumers/jack/credentials").json()
    assert [i["value"]["id"] for i in listing["list"]] == ["c1"]
    consumers = api.get("/consumers").json()
    assert consumers["total"] == 1 and consumers["list"][0]["key"] == "/apisix/consumers/jack"
    assert api.get("/consumers/jack/credentials/c1").status_code == 200
    assert (
        api.delete("/consumers/jack/credentials/c1").json()["key"]
        == "/apisix/consumers/jack/credentials/c1"
    )
    put_ok(
        api,
        "/consumers/jack/credentials/c3",
        {"plugins": {"basic-auth": {"username": "u", "password": "p"}}},
    )
    assert api.delete("/consumers/jack").status_code == 200
    assert api.get("/consumers/jack/credentials/c3").status_code == 404


def test_seed_secret(api):
    resp = api.put(
        "/secrets/vault/test2",
        json={"uri": "http://xxx/get", "prefix": "apisix", "token": "apisix"},
    )
    assert resp.status_code == 201
    assert resp.json()["key"] == "/apisix/secrets/vault/test2"
    assert resp.json()["value"]["id"] == "vault/test2"
    assert api.get("/secrets/vault/test2").json()["value"]["token"] == "apisix"
    assert api.get("/secrets").json()["total"] == 1
    assert api.get("/secrets/vault").json()["total"] == 1
    patched = api.patch("/secrets/vault/test2", json={"token": "new"})
    assert patched.json()["value"]["token"] == "new"
    sub = api.patch("/secrets/vault/test2/prefix", json="other")
    assert sub.json()["value"]["prefix"] == "other"
    unknown = api.put("/secrets/nomanager/1", json={"uri": "http://x"})
    assert unknown.json() == {"error_msg": "invalid secret manager: nomanager"}
    assert api.put("/secrets/vault", json={}).json() == {"error_msg": "missing secret id"}
    assert api.delete("/secrets/vault/test2").json()["key"] == "/apisix/secrets/vault/test2"


def test_plugin_metadata(api):
    created = api.put("/plugin_metadata/cors", json={"allow_origins": {"a": "https://a.test"}})
    assert created.status_code == 201, created.text
    value = created.json()["value"]
    assert value["id"] == "cors" and "create_time" not in value
    assert api.get("/plugin_metadata/cors").json()["value"]["id"] == "cors"
    unknown = api.put("/plugin_metadata/not-a-plugin", json={})
    assert unknown.json() == {"error_msg": "invalid plugin name"}
    assert api.delete("/plugin_metadata/cors").status_code == 200


def test_plugins_endpoints(api):
    names = api.get("/plugins/list").json()
    assert "key-auth" in names and "limit-count" in names
    assert "ip-restriction" in api.get("/plugins/list?subsystem=stream").json()
    assert api.get("/plugins/list?subsystem=x").json() == {"error_msg": "invalid subsystem passed"}
    schema = api.get("/plugins/key-auth?subsystem=http").json()
    assert schema["properties"]["header"]["default"] == "apikey"
    assert "_meta" in schema["properties"]
    assert api.get("/plugins/key-auth?subsystem=stream").json() == {
        "error_msg": "plugin not found in subsystem stream"
    }
    assert api.get("/plugins/key-auth?subsystem=udp").status_code == 400
    missing = api.get("/plugins/no-such-plugin")
    assert (missing.status_code, missing.json()) == (
        404,
        {"error_msg": "plugin not found in subsystem http"},
    )
    everything = api.get("/plugins?all=true").json()
    assert everything["key-auth"]["type"] == "auth" and "priority" in everything["key-auth"]
    assert api.put("/plugins/reload").json() == "done"
    assert api.post("/plugins/reload").status_code == 405


def test_seed_schema_validate(api):
    bad = api.post(
        "/schema/validate/routes",
        json={
            "uri": 1980,
            "upstream": {"scheme": "https", "type": "roundrobin", "nodes": {"nghttp2.org": 1}},
        },
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "error_msg": 'property "uri" validation failed: wrong type: expected string, got number'
    }
    good = api.post("/schema/validate/routes", json={"uri": "/a", "upstream": UPSTREAM})
    assert good.status_code == 200
    assert api.get("/routes").json()["total"] == 0
    unknown = api.post("/schema/validate/nothing", json={})
    assert unknown.json() == {"error_msg": "Unsupported resource type: nothing"}


def test_stream_routes_need_the_stream_proxy(client_factory):
    no_stream = client_factory({"apisix": {"stream_proxy": None}})
    resp = no_stream.put("/stream_routes/1", json={"upstream": UPSTREAM})
    assert resp.json() == {"error_msg": "stream mode is disabled, can not add stream routes"}
    api = client_factory()
    assert (
        api.put(
            "/stream_routes/1", json={"upstream": UPSTREAM, "remote_addr": "127.0.0.1"}
        ).status_code
        == 201
    )


def test_ttl_expires_the_object(api, store):
    put_ok(api, "/routes/2?ttl=1", {"uri": "/aa/index.html", "upstream": UPSTREAM})
    assert store.expires_at("/apisix/routes/2") is not None
    assert api.get("/routes/2").status_code == 200
    deadline = time.monotonic() + 5
    while api.get("/routes/2").status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert api.get("/routes/2").status_code == 404
    put_ok(api, "/routes/3?ttl=0", {"uri": "/b", "upstream": UPSTREAM})
    assert store.expires_at("/apisix/routes/3") is None


def test_stream_routes_with_only_udp_listeners(client_factory):
    udp_only = client_factory({"apisix": {"stream_proxy": {"udp": [9200]}}})
    assert udp_only.put("/stream_routes/1", json={"upstream": UPSTREAM}).status_code == 201


def test_stream_plugins_the_data_plane_cannot_run_are_refused(api):
    """APISIX's stream plugins the reference does not run are unknown to its stream
    subsystem, and an xRPC protocol (none registered by default) is refused by name."""
    for name in ("mqtt-proxy", "syslog", "traffic-split", "prometheus"):
        resp = api.put("/stream_routes/1", json={"upstream": UPSTREAM, "plugins": {name: {}}})
        assert (resp.status_code, resp.json()) == (
            400,
            {"error_msg": f"unknown plugin [{name}]"},
        ), name
    resp = api.put("/stream_routes/1", json={"upstream": UPSTREAM, "protocol": {"name": "redis"}})
    assert (resp.status_code, resp.json()) == (400, {"error_msg": "unknown protocol [redis]"})


def test_stream_limit_conn_has_the_stream_schema(api):
    assert api.get("/plugins/list?subsystem=stream").json() == ["ip-restriction", "limit-conn"]
    stream = api.get("/plugins/limit-conn?subsystem=stream").json()
    assert "rejected_code" not in stream["properties"]
    assert "rejected_code" in api.get("/plugins/limit-conn").json()["properties"]
    conf = {"conn": 1, "burst": 0, "default_conn_delay": 0.1, "key": "remote_addr"}
    ok = api.put("/stream_routes/1", json={"upstream": UPSTREAM, "plugins": {"limit-conn": conf}})
    assert ok.status_code == 201
    bad = api.put(
        "/stream_routes/1",
        json={"upstream": UPSTREAM, "plugins": {"limit-conn": {**conf, "conn": 0}}},
    )
    assert bad.status_code == 400
    assert bad.json()["error_msg"].startswith(
        "failed to check the configuration of stream plugin [limit-conn]: "
    ), bad.json()
