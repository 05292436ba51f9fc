"""Gateway groups: CRUD, list queries, deletion rules, admin key, instance token, auth."""

from __future__ import annotations

from .conftest import (
    ADMIN_KEY,
    VIEWER_KEY,
    group_key,
    make_client,
    new_group,
    new_template,
    ok,
    publish,
)


def test_default_group_exists_and_uses_the_apisix_prefix(client):
    body = ok(client.get("/api/gateway_groups"))
    assert body["total"] == 1
    default = body["list"][0]
    assert default["id"] == "default" and default["prefix"] == "/apisix"
    assert default["instances"][0]["data_plane_url"] == "http://127.0.0.1:9080"


def test_create_get_update_delete(client, store):
    group = new_group(client, "edge", description="edge gateways", labels={"env": "prod"})
    assert group["name"] == "edge" and group["labels"] == {"env": "prod"}
    assert group["type"] == "api7_gateway" and group["prefix"].startswith("/api7ee/groups/")
    assert "admin_key" not in group
    instance = group["instances"][0]
    assert instance["data_plane_url"].startswith("http://127.0.0.1:")
    assert ok(client.get(f"/api/gateway_groups/{group['id']}"))["value"]["name"] == "edge"

    body = {"name": "edge2", "description": "renamed", "labels": {"env": "stage"}}
    updated = ok(client.put(f"/api/gateway_groups/{group['id']}", json=body))["value"]
    assert updated["name"] == "edge2" and updated["labels"] == {"env": "stage"}
    assert updated["created_at"] == group["created_at"]

    client.put(
        f"/apisix/admin/routes/r1?gateway_group_id={group['id']}",
        json={"uri": "/x", "upstream": {"nodes": {"127.0.0.1:1980": 1}}},
    )
    assert group_key(store, group, "/routes/r1") is not None
    assert client.delete(f"/api/gateway_groups/{group['id']}").status_code == 200
    assert client.get(f"/api/gateway_groups/{group['id']}").status_code == 404
    assert group_key(store, group, "/routes/r1") is None  # its namespace went with it


def test_validation(client):
    for body in (
        {},
        {"name": ""},
        {"name": "x" * 101},
        {"name": "a", "type": "nope"},
        {"name": "a", "extra": 1},
    ):
        response = client.post("/api/gateway_groups", json=body)
        assert response.status_code == 400 and "error_msg" in response.json(), body
    other = new_group(client, "other")
    response = client.put(f"/api/gateway_groups/{other['id']}", json={"name": "only-name"})
    assert response.status_code == 400  # description is required on update
    assert client.post("/api/gateway_groups", content=b"{not json").status_code == 400


def test_list_pagination_order_search_labels(client):
    for i, env in enumerate(("prod", "dev", "prod")):
        new_group(client, f"grp-{i}", labels={"env": env})
    body = ok(
        client.get(
            "/api/gateway_groups",
            params={"page": 1, "page_size": 2, "order_by": "created_at", "direction": "asc"},
        )
    )
    assert body["total"] == 4 and len(body["list"]) == 2
    page2 = ok(
        client.get(
            "/api/gateway_groups",
            params={"page": 2, "page_size": 2, "order_by": "created_at", "direction": "asc"},
        )
    )
    assert len(page2["list"]) == 2
    assert {g["id"] for g in body["list"]}.isdisjoint({g["id"] for g in page2["list"]})
    assert ok(client.get("/api/gateway_groups", params={"labels[env]": "prod"}))["total"] == 2
    assert ok(client.get("/api/gateway_groups", params={"search": "grp-1"}))["total"] == 1
    assert (
        ok(client.get("/api/gateway_groups", params={"name": "grp-2"}))["list"][0]["name"]
        == "grp-2"
    )
    for bad in ({"page": 0}, {"page_size": "x"}, {"order_by": "nope"}, {"direction": "up"}):
        assert client.get("/api/gateway_groups", params=bad).status_code == 400, bad


def test_delete_rules(client):
    assert client.delete("/api/gateway_groups/default").status_code == 400
    assert client.delete("/api/gateway_groups/missing").status_code == 404
    group = new_group(client)
    template = new_template(client)
    ok(publish(client, group["id"], template["id"], "v1"))
    response = client.delete(f"/api/gateway_groups/{group['id']}")
    assert response.status_code == 400 and template["id"] in response.json()["error_msg"]
    ok(client.delete(f"/api/gateway_groups/{group['id']}/services/{template['id']}"))
    assert client.delete(f"/api/gateway_groups/{group['id']}").status_code == 200


def test_admin_key_scopes_the_apisix_admin_api(client, store):
    group = new_group(client)
    key = ok(client.get(f"/api/gateway_groups/{group['id']}/admin_key"))["value"]["key"]
    assert key == ok(client.get(f"/api/gateway_groups/{group['id']}/admin_key"))["value"]["key"]
    with make_client(store, key) as scoped:
        route = {"uri": "/scoped", "upstream": {"nodes": {"127.0.0.1:1980": 1}}}
        assert scoped.put("/apisix/admin/routes/r1", json=route).status_code == 201
        assert scoped.get("/api/gateway_groups").status_code == 401  # not a dashboard key
    assert group_key(store, group, "/routes/r1")["uri"] == "/scoped"
    assert store.get("/apisix/routes/r1") is None
    new_key = ok(client.put(f"/api/gateway_groups/{group['id']}/admin_key"))["value"]["key"]
    assert new_key != key
    with make_client(store, key) as stale:
        assert stale.get("/apisix/admin/routes").status_code == 401
    other = new_group(client, "g2")
    with make_client(store, new_key) as scoped:
        assert scoped.get(f"/apisix/admin/routes?gateway_group_id={other['id']}").status_code == 403


def test_instance_token_and_instances(client):
    group = new_group(client)
    token = ok(client.post(f"/api/gateway_groups/{group['id']}/instance_token"))["value"]
    assert token["token_plain_text"].startswith("a7ee-gw-")
    only = ok(client.post(f"/api/gateway_groups/{group['id']}/instance_token?only_token=true"))[
        "value"
    ]
    assert isinstance(only, str) and only != token["token_plain_text"]
    instances = ok(client.get(f"/api/gateway_groups/{group['id']}/instances"))
    assert instances["total"] == 1 and instances["list"][0]["gateway_group_id"] == group["id"]
    assert client.get("/api/gateway_groups/nope/instances").status_code == 404


def test_auth(store):
    with make_client(store, None) as anonymous:
        response = anonymous.get("/api/gateway_groups")
        assert response.status_code == 401 and "error_msg" in response.json()
    with make_client(store, "wrong") as wrong:
        assert wrong.get("/api/gateway_groups").status_code == 401
    with make_client(store, VIEWER_KEY) as viewer:
        assert viewer.get("/api/gateway_groups").status_code == 200
        assert viewer.post("/api/gateway_groups", json={"name": "x"}).status_code == 403
    with make_client(store, ADMIN_KEY) as admin:
        assert admin.get("/api/unknown/path").json() == {"error_msg": "not found"}
        assert admin.delete("/api/gateway_groups").status_code == 405


def test_error_answers_are_json(client):
    for path in ("/api/gateway_groups/a%0Ab/x/y", "/api%0A/x", "/api/services/template/%0A"):
        response = client.get(path)
        assert response.status_code == 404 and response.json()["error_msg"], path
    response = client.post("/api/gateway_groups", content=b"[1, 2")
    assert response.status_code == 400 and response.json()["error_msg"].startswith(
        "invalid request body"
    )
