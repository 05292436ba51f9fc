"""Response bodies of the 2.x Admin API (a target running `admin_api_version: v2`).

Sources: the 2.x Admin API page (consumer PUT answer {"node": {"value", "createdIndex", "key",
"modifiedIndex"}, ..., "action": "set"}) and apisix/core/etcd.lua, which names the actions
("get", "set", "create", "compareAndSwap", "delete"), answers a list as
{"action": "get", "count": N, "node": {"dir": true, "key": "/apisix/routes", "nodes": [...]}}
and a delete as {"action": "delete", "deleted": "1", "key": ..., "node": {}}.
"""

from __future__ import annotations

from conformance.registry import conformance_test
from conformance.support.admin_api import expect, route
from conformance.support.ids import unique_id, unique_username


def _node_ok(node: dict, key_suffix: str) -> None:
    assert node["key"].endswith(key_suffix), node
    assert isinstance(node["value"], dict)


@conformance_test(
    name="v2-put-and-get-bodies",
    description="PUT answers {action: set, node}; GET {action: get, node with indexes}",
    profile="apisix-v2",
    features=["admin-v2-bodies"],
)
def test_put_get(admin):
    rid = unique_id("route")
    created = expect(admin.put(f"/routes/{rid}", json=route("/v2", desc="v2")), 201)
    assert created["action"] == "set"
    _node_ok(created["node"], f"/routes/{rid}")
    assert created["node"]["value"]["desc"] == "v2"
    assert "list" not in created and "total" not in created

    replaced = expect(admin.put(f"/routes/{rid}", json=route("/v2", desc="again")), 200)
    assert replaced["action"] == "set"

    fetched = expect(admin.get(f"/routes/{rid}"), 200)
    assert fetched["action"] == "get"
    _node_ok(fetched["node"], f"/routes/{rid}")
    assert fetched["node"]["value"]["id"] == rid
    assert isinstance(fetched["node"]["createdIndex"], int)
    assert isinstance(fetched["node"]["modifiedIndex"], int)


@conformance_test(
    name="v2-post-and-patch-bodies",
    description="POST answers action create, PATCH action compareAndSwap",
    profile="apisix-v2",
    features=["admin-v2-bodies"],
)
def test_post_patch(admin):
    posted = expect(admin.post("/routes", json=route("/v2-post")), 200, 201)
    assert posted["action"] == "create"
    rid = posted["node"]["value"]["id"]
    assert posted["node"]["key"].endswith(f"/routes/{rid}")
    patched = expect(admin.patch(f"/routes/{rid}", json={"desc": "patched"}), 200)
    assert patched["action"] == "compareAndSwap"
    assert patched["node"]["value"]["desc"] == "patched"


@conformance_test(
    name="v2-list-body",
    description="a list answers {action: get, count, node: {dir: true, nodes: [...]}}",
    profile="apisix-v2",
    features=["admin-v2-bodies"],
)
def test_list(admin):
    tag = unique_id("v2list")
    for i in range(2):
        expect(admin.put(f"/routes/{tag}-{i}", json=route(f"/{tag}/{i}")), 201)
    body = expect(admin.get("/routes"), 200)
    assert body["action"] == "get"
    assert "list" not in body and "total" not in body
    node = body["node"]
    assert node["dir"] is True
    assert node["key"].endswith("/routes")
    assert int(body["count"]) == len(node["nodes"])
    ids = {item["value"]["id"] for item in node["nodes"]}
    assert {f"{tag}-0", f"{tag}-1"} <= ids
    for item in node["nodes"]:
        assert isinstance(item["createdIndex"], int)
        assert item["key"].endswith(f"/routes/{item['value']['id']}")


@conformance_test(
    name="v2-delete-body",
    description='DELETE answers {action: delete, deleted: "1", key}',
    profile="apisix-v2",
    features=["admin-v2-bodies"],
)
def test_delete(admin):
    rid = unique_id("route")
    expect(admin.put(f"/routes/{rid}", json=route("/v2")), 201)
    body = expect(admin.delete(f"/routes/{rid}"), 200)
    assert body["action"] == "delete"
    assert body["deleted"] == "1"
    assert body["key"].endswith(f"/routes/{rid}")
    expect(admin.get(f"/routes/{rid}"), 404)


@conformance_test(
    name="v2-consumer-body",
    description="a consumer PUT answers {action: set, node: {key: .../consumers/NAME, value}}",
    profile="apisix-v2",
    features=["admin-v2-bodies"],
)
def test_consumer(admin):
    username = unique_username("jack")
    body = {"username": username, "plugins": {"key-auth": {"key": f"auth-{username}"}}}
    created = expect(admin.put("/consumers", json=body), 200, 201)
    assert created["action"] == "set"
    _node_ok(created["node"], f"/consumers/{username}")
    assert created["node"]["value"]["username"] == username


@conformance_test(
    name="v2-no-pagination-envelope",
    description="v2 lists ignore the v3 paging envelope: still {action, count, node}",
    profile="apisix-v2",
    features=["admin-v2-bodies"],
)
def test_no_v3_envelope(admin):
    expect(
        admin.put(
            f"/upstreams/{unique_id('up')}",
            json={"type": "roundrobin", "nodes": {"127.0.0.1:1980": 1}},
        ),
        201,
    )
    body = expect(admin.get("/upstreams", params={"page": 1, "page_size": 10}), 200)
    assert body["action"] == "get"
    assert "list" not in body
    assert body["node"]["dir"] is True
