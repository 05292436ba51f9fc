"""PUT/POST/GET/DELETE of the generic resource: status codes, v3 bodies, ids, timestamps."""

from __future__ import annotations

import re

import pytest

from .conftest import UPSTREAM, put_ok


def test_seed_route_with_upstream_created_then_replaced(api):
    body = {
        "uri": "/index.html",
        "hosts": ["foo.com", "*.bar.com"],
        "remote_addrs": ["127.0.0.0/8"],
        "methods": ["PUT", "GET"],
        "enable_websocket": True,
        "upstream": UPSTREAM,
    }
    first = api.put("/routes/1", json=body)
    assert first.status_code == 201
    assert first.headers["content-type"] == "application/json"
    assert first.headers["x-api-version"] == "v3"
    created = first.json()
    assert created["key"] == "/apisix/routes/1"
    value = created["value"]
    assert value["id"] == "1" and value["priority"] == 0 and value["status"] == 1
    assert value["upstream"]["nodes"] == {"127.0.0.1:1980": 1}
    assert isinstance(value["create_time"], int) and isinstance(value["update_time"], int)
    assert set(created) == {"key", "value"}

    second = api.put("/routes/1", json={**body, "uri": "/other"})
    assert second.status_code == 200
    assert second.json()["value"]["uri"] == "/other"
    assert second.json()["value"]["create_time"] == value["create_time"]


def test_get_one_and_list_bodies(api):
    put_ok(api, "/routes/1", {"uri": "/a", "upstream": UPSTREAM})
    put_ok(api, "/routes/2", {"uri": "/b", "upstream": UPSTREAM})
    one = api.get("/routes/1")
    assert one.status_code == 200
    assert set(one.json()) == {"key", "value", "createdIndex", "modifiedIndex"}
    assert one.json()["value"]["uri"] == "/a"
    listing = api.get("/routes").json()
    assert listing["total"] == 2
    assert [item["value"]["id"] for item in listing["list"]] == ["1", "2"]
    assert all(set(i) == {"key", "value", "createdIndex", "modifiedIndex"} for i in listing["list"])


def test_empty_list(api):
    assert api.get("/upstreams").json() == {"total": 0, "list": []}


def test_missing_key_is_404_with_apisix_body(api):
    for method in ("get", "delete"):
        resp = getattr(api, method)("/routes/404")
        assert resp.status_code == 404
        assert resp.json() == {"message": "Key not found"}
    resp = api.patch("/routes/404", json={"uri": "/x"})
    assert resp.status_code == 404


def test_delete_body(api):
    put_ok(api, "/upstreams/1", UPSTREAM)
    resp = api.delete("/upstreams/1")
    assert resp.status_code == 200
    assert resp.json() == {"deleted": "1", "key": "/apisix/upstreams/1"}
    assert api.get("/upstreams/1").status_code == 404


def test_post_generates_a_20_digit_id(api):
    resp = api.post("/routes", json={"uri": "/p", "upstream": UPSTREAM})
    assert resp.status_code == 201
    value = resp.json()["value"]
    assert re.fullmatch(r"\d{20}", value["id"])
    assert resp.json()["key"] == f"/apisix/routes/{value['id']}"
    other = api.post("/routes", json={"uri": "/q", "upstream": UPSTREAM}).json()["value"]["id"]
    assert other > value["id"]
    assert api.get(f"/routes/{value['id']}").json()["value"]["uri"] == "/p"


@pytest.mark.parametrize(
    "path, body, message",
    [
        ("/routes", {"id": "1", "uri": "/a"}, "wrong route id, do not need it"),
        ("/routes/1", {"uri": "/a"}, "wrong route id, do not need it"),
    ],
)
def test_post_refuses_an_id(api, path, body, message):
    resp = api.post(path, json=body)
    assert resp.status_code == 400
    assert resp.json() == {"error_msg": message}


def test_id_rules(api):
    ok = api.put("/routes/a-Z_0.9", json={"uri": "/a", "upstream": UPSTREAM})
    assert ok.status_code == 201
    route = {"uri": "/a", "upstream": UPSTREAM}
    assert api.put("/routes/" + "x" * 64, json=route).status_code == 201
    for bad in ("x" * 65, "a$b", "a%20b"):
        resp = api.put(f"/routes/{bad}", json=route)
        assert resp.status_code == 400, bad
        assert "id" in resp.json()["error_msg"]
    mismatch = api.put("/routes/1", json={**route, "id": "2"})
    assert mismatch.status_code == 400
    assert mismatch.json() == {"error_msg": "wrong route id"}
    same = api.put("/routes/3", json={**route, "id": 3})
    assert same.status_code == 201 and same.json()["value"]["id"] == "3"
    missing = api.put("/routes", json=route)
    assert missing.status_code == 400
    assert missing.json() == {"error_msg": "missing route id"}
    from_body = api.put("/routes", json={**route, "id": "7"})
    assert from_body.status_code == 201 and from_body.json()["key"] == "/apisix/routes/7"


def test_timestamps_given_are_kept_and_update_time_moves(api, store):
    stamped = {
        "uri": "/a",
        "upstream": UPSTREAM,
        "create_time": 1602883670,
        "update_time": 1602883670,
    }
    resp = api.put("/routes/1", json=stamped)
    assert resp.json()["value"]["create_time"] == 1602883670
    assert resp.json()["value"]["update_time"] == 1602883670
    again = api.put("/routes/1", json={"uri": "/b", "upstream": UPSTREAM}).json()["value"]
    assert again["create_time"] == 1602883670
    assert again["update_time"] > 1602883670


def test_schema_errors_are_400_naming_the_field(api):
    resp = api.put("/routes/1", json={"uri": 1980, "upstream": UPSTREAM})
    assert resp.status_code == 400
    assert resp.json()["error_msg"].startswith('invalid configuration: property "uri"')


# (resource path, a valid body) for each resource with ids and the full CRUD
CRUD_RESOURCES = [
    ("/routes", {"uri": "/crud", "upstream": UPSTREAM}),
    ("/services", {"upstream": UPSTREAM, "name": "svc"}),
    ("/upstreams", UPSTREAM),
    ("/consumer_groups", {"plugins": {"limit-count": {"count": 2, "time_window": 60}}}),
    ("/global_rules", {"plugins": {"prometheus": {}}}),
    ("/plugin_configs", {"plugins": {"cors": {}}}),
    ("/stream_routes", {"upstream": UPSTREAM, "server_port": 9100}),
    ("/protos", {"content": 'syntax = "proto3"; package t; message A { string a = 1; }'}),
]


@pytest.mark.parametrize("path, body", CRUD_RESOURCES, ids=[p for p, _ in CRUD_RESOURCES])
def test_every_resource_put_get_list_delete(api, path, body):
    created = api.put(f"{path}/r1", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["key"] == f"/apisix{path}/r1"
    assert api.put(f"{path}/r1", json=body).status_code == 200
    got = api.get(f"{path}/r1")
    assert got.status_code == 200 and got.json()["value"]["id"] == "r1"
    listing = api.get(path).json()
    assert listing["total"] == 1 and listing["list"][0]["value"]["id"] == "r1"
    deleted = api.delete(f"{path}/r1")
    assert deleted.json() == {"deleted": "1", "key": f"/apisix{path}/r1"}
    assert api.get(f"{path}/r1").status_code == 404


# methods APISIX refuses per resource, and its message
UNSUPPORTED = [
    ("post", "/consumers", "consumer"),
    ("patch", "/consumers/jack", "consumer"),
    ("post", "/global_rules", "global rule"),
    ("post", "/plugin_configs", "plugin config"),
    ("post", "/consumer_groups", "consumer group"),
    ("post", "/plugin_metadata/cors", "plugin_metadata"),
    ("patch", "/plugin_metadata/cors", "plugin_metadata"),
    ("patch", "/stream_routes/1", "stream route"),
    ("patch", "/protos/1", "proto"),
    ("post", "/secrets/vault", "secret"),
    ("post", "/consumers/jack/credentials", "credential"),
    ("patch", "/consumers/jack/credentials/c1", "credential"),
]


@pytest.mark.parametrize(
    "method, path, kind", UNSUPPORTED, ids=[f"{m} {p}" for m, p, _ in UNSUPPORTED]
)
def test_unsupported_methods_are_405(api, method, path, kind):
    resp = api.request(method.upper(), path, json={"plugins": {}})
    assert resp.status_code == 405
    assert resp.json() == {"error_msg": f"not supported `{method.upper()}` method for {kind}"}
