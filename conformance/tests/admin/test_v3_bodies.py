"""Response bodies of the 3.x Admin API (Admin API 3.5, "Support new response body format").

Single resource: {"key", "value", "createdIndex", "modifiedIndex"}, no `action`.
List: {"total", "list": [{"key", "value", "createdIndex", "modifiedIndex"}, ...]}, no `node`,
no `action`, no `count` (t/admin/response_body_format.t). Delete: {"deleted": "1", "key"}
(Admin API 3.5, "Force Delete").
"""

from __future__ import annotations

from conformance.registry import conformance_test
from conformance.support.admin_api import expect, route
from conformance.support.ids import unique_id


@conformance_test(
    name="v3-single-body",
    description="PUT and GET of one resource answer {key, value} without `action`",
    profile="apisix-v3",
    features=["admin-v3-bodies"],
)
def test_single_body(admin):
    rid = unique_id("route")
    created = expect(admin.put(f"/routes/{rid}", json=route("/v3", desc="new route")), 201)
    assert "action" not in created and "node" not in created
    assert created["key"].endswith(f"/routes/{rid}")
    assert created["value"]["desc"] == "new route"

    fetched = expect(admin.get(f"/routes/{rid}"), 200)
    assert "action" not in fetched and "node" not in fetched
    assert fetched["key"].endswith(f"/routes/{rid}")
    assert fetched["value"]["id"] == rid
    assert isinstance(fetched["createdIndex"], int)
    assert isinstance(fetched["modifiedIndex"], int)
    assert fetched["modifiedIndex"] >= fetched["createdIndex"]


@conformance_test(
    name="v3-indexes-move-on-update",
    description="an update keeps createdIndex and raises modifiedIndex",
    profile="apisix-v3",
    features=["admin-v3-bodies"],
)
def test_indexes_on_update(admin):
    rid = unique_id("route")
    expect(admin.put(f"/routes/{rid}", json=route("/v3")), 201)
    before = expect(admin.get(f"/routes/{rid}"), 200)
    expect(admin.patch(f"/routes/{rid}", json={"desc": "changed"}), 200)
    after = expect(admin.get(f"/routes/{rid}"), 200)
    assert after["createdIndex"] == before["createdIndex"]
    assert after["modifiedIndex"] > before["modifiedIndex"]


@conformance_test(
    name="v3-list-body",
    description="a list answers {total, list} of {key, value, createdIndex, modifiedIndex}",
    profile="apisix-v3",
    features=["admin-v3-bodies"],
)
def test_list_body(admin):
    tag = unique_id("v3list")
    for i in range(2):
        expect(admin.put(f"/routes/{tag}-{i}", json=route(f"/{tag}/{i}", name=tag)), 201)
    body = expect(admin.get("/routes", params={"name": tag}), 200)
    assert set(body) >= {"total", "list"}
    assert not {"action", "node", "count"} & set(body)
    assert body["total"] == len(body["list"]) == 2
    for item in body["list"]:
        assert item["key"].endswith(f"/routes/{item['value']['id']}")
        assert isinstance(item["createdIndex"], int)
        assert isinstance(item["modifiedIndex"], int)


@conformance_test(
    name="v3-empty-list-body",
    description="an empty result is {total: 0, list: []}",
    profile="apisix-v3",
    features=["admin-v3-bodies"],
)
def test_empty_list(admin):
    body = expect(admin.get("/routes", params={"name": unique_id("nothing-matches")}), 200)
    assert body["total"] == 0
    assert body["list"] == []


@conformance_test(
    name="v3-delete-body",
    description='DELETE answers {deleted: "1", key} without `node` or `action`',
    profile="apisix-v3",
    features=["admin-v3-bodies"],
)
def test_delete_body(admin):
    rid = unique_id("route")
    expect(admin.put(f"/routes/{rid}", json=route("/v3")), 201)
    body = expect(admin.delete(f"/routes/{rid}"), 200)
    assert body["deleted"] == "1"
    assert body["key"].endswith(f"/routes/{rid}")
    assert "action" not in body and "node" not in body


@conformance_test(
    name="v3-json-content-type",
    description="Admin API answers are application/json",
    profile="apisix-v3",
    features=["admin-v3-bodies"],
)
def test_content_type(admin):
    rid = unique_id("route")
    for response in (
        admin.put(f"/routes/{rid}", json=route("/ct")),
        admin.get(f"/routes/{rid}"),
        admin.get("/routes"),
        admin.get(f"/routes/{unique_id('missing')}"),
    ):
        assert response.headers["content-type"].startswith("application/json"), response.headers
