"""`admin_api_version: v2`: the APISIX 2.x bodies (action, node, node.nodes, count)."""

from __future__ import annotations

import pytest

from .conftest import UPSTREAM


@pytest.fixture
def v2(client_factory):
    return client_factory({"deployment": {"admin": {"admin_api_version": "v2"}}})


def test_v2_bodies(v2):
    created = v2.put("/routes/1", json={"uri": "/a", "upstream": UPSTREAM})
    assert created.status_code == 201
    assert created.headers["x-api-version"] == "v2"
    body = created.json()
    assert body["action"] == "set"
    assert body["node"]["key"] == "/apisix/routes/1" and body["node"]["value"]["uri"] == "/a"

    one = v2.get("/routes/1").json()
    assert one["action"] == "get" and one["count"] == 1
    assert set(one["node"]) == {"key", "value", "createdIndex", "modifiedIndex"}

    v2.put("/routes/2", json={"uri": "/b", "upstream": UPSTREAM})
    listing = v2.get("/routes").json()
    assert listing["action"] == "get" and listing["count"] == 2
    assert listing["node"]["dir"] is True and listing["node"]["key"] == "/apisix/routes"
    assert [n["value"]["id"] for n in listing["node"]["nodes"]] == ["1", "2"]
    assert "list" not in listing and "total" not in listing

    patched = v2.patch("/routes/1", json={"name": "n"}).json()
    assert patched["action"] == "compareAndSwap" and patched["node"]["value"]["name"] == "n"

    posted = v2.post("/routes", json={"uri": "/c", "upstream": UPSTREAM})
    assert posted.status_code == 201 and posted.json()["action"] == "create"

    deleted = v2.delete("/routes/1").json()
    assert deleted["action"] == "delete" and deleted["deleted"] == "1"
    assert deleted["key"] == "/apisix/routes/1"


def test_v2_empty_list_and_errors(v2):
    empty = v2.get("/upstreams").json()
    assert empty == {
        "action": "get",
        "count": 0,
        "node": {"dir": True, "key": "/apisix/upstreams", "nodes": []},
    }
    assert v2.get("/upstreams/9").json() == {"message": "Key not found"}
    assert v2.put("/routes/1", json={"uri": 1}).status_code == 400
