"""The `admin` fixture's clean-up: created keys (v3 and v2 bodies) deleted newest first."""

from __future__ import annotations

import json

import httpx

from conformance.admin_client import CleanupRecorder, admin_path_of_key, created_key


def test_created_key_of_v3_and_v2_bodies():
    assert created_key({"key": "/apisix/routes/1", "value": {}}) == "/apisix/routes/1"
    assert created_key({"action": "set", "node": {"key": "/apisix/upstreams/2"}}) == (
        "/apisix/upstreams/2"
    )
    assert created_key({"error_msg": "x"}) is None
    assert created_key([1, 2]) is None


def test_admin_path_drops_the_store_prefix():
    assert admin_path_of_key("/apisix/routes/1") == "/routes/1"
    assert admin_path_of_key("/custom/consumers/jack/credentials/c1") == (
        "/consumers/jack/credentials/c1"
    )
    assert admin_path_of_key("/apisix/routes") is None


def test_records_creations_only_and_deletes_newest_first():
    seen: list[tuple[str, str]] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, str(request.url)))
        if request.method == "PUT" and request.url.path.endswith("/bad"):
            return httpx.Response(400, json={"error_msg": "invalid"})
        if request.method in ("PUT", "POST"):
            key = "/apisix" + request.url.path.removeprefix("/apisix/admin")
            if request.method == "POST":
                key += "/generated"
            return httpx.Response(201, json={"key": key, "value": json.loads(request.content)})
        return httpx.Response(200, json={"key": "/apisix/routes/1"})

    recorder = CleanupRecorder()
    client = httpx.Client(
        base_url="http://gw/apisix/admin",
        transport=httpx.MockTransport(gateway),
        event_hooks={"response": [recorder.on_response]},
    )
    client.put("/upstreams/u1", json={"nodes": {}})
    client.post("/routes", json={"uri": "/a"})
    client.put("/upstreams/u1", json={"nodes": {}})  # replaced: recorded once
    client.put("/routes/bad", json={})  # refused: nothing to delete
    client.get("/routes/1")  # reads are not creations
    assert recorder.paths == ["/upstreams/u1", "/routes/generated"]
    seen.clear()
    recorder.cleanup(client)
    assert seen == [
        ("DELETE", "http://gw/apisix/admin/routes/generated?force=true"),
        ("DELETE", "http://gw/apisix/admin/upstreams/u1?force=true"),
    ]
    assert recorder.paths == []
