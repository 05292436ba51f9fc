"""Service templates and their routes and stream routes: CRUD, JSON Patch, list queries,
validation and deletion rules."""

from __future__ import annotations

from .conftest import UPSTREAM_A, new_group, new_route, new_template, ok, publish


def test_template_crud(client):
    template = new_template(client, labels={"team": "a"}, desc="d", hosts=["a.example.com"])
    assert template["type"] == "http" and template["strip_path_prefix"] is True
    assert template["published_gateway_groups_count"] == 0
    got = ok(client.get(f"/api/services/template/{template['id']}"))["value"]
    assert got == template
    body = {"name": "renamed", "upstream": UPSTREAM_A, "path_prefix": "/v1"}
    updated = ok(client.put(f"/api/services/template/{template['id']}", json=body))["value"]
    assert (
        updated["name"] == "renamed" and "labels" not in updated and updated["path_prefix"] == "/v1"
    )
    assert updated["created_at"] == template["created_at"]
    created = ok(client.put("/api/services/template/my-template", json={"name": "by-put"}))["value"]
    assert created["id"] == "my-template"
    assert ok(client.delete(f"/api/services/template/{template['id']}")) is None
    assert client.get(f"/api/services/template/{template['id']}").status_code == 404
    assert client.delete(f"/api/services/template/{template['id']}").status_code == 404


def test_template_validation(client):
    bad_bodies = [
        {},
        {"name": ""},
        {"name": "a", "type": "grpc"},
        {"name": "a", "hosts": []},
        {"name": "a", "hosts": ["bad host"]},
        {"name": "a", "path_prefix": "no-slash"},
        {"name": "a", "upstream": {"nodes": "x"}},
        {"name": "a", "plugins": {"no-such-plugin": {}}},
        {"name": "a", "plugins": {"key-auth": {"header": 1}}},
        {"name": "a", "unknown": 1},
        {"name": "a", "type": "stream", "hosts": ["a.com"]},
        {"name": "a", "labels": {"k": "has space"}},
    ]
    for body in bad_bodies:
        response = client.post("/api/services/template", json=body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error_msg"]
    assert client.post("/api/services/template", json=[1]).status_code == 400
    assert client.put("/api/services/template/bad id!", json={"name": "x"}).status_code == 400


def test_template_json_patch(client):
    template = new_template(client, labels={"a": "1"})
    patch = [
        {"op": "replace", "path": "/name", "value": "patched"},
        {"op": "add", "path": "/labels/b", "value": "2"},
    ]
    patched = ok(client.patch(f"/api/services/template/{template['id']}", json=patch))["value"]
    assert patched["name"] == "patched" and patched["labels"] == {"a": "1", "b": "2"}
    dry = [{"op": "replace", "path": "/name", "value": "dry"}]
    assert (
        ok(client.patch(f"/api/services/template/{template['id']}?dry-run=all", json=dry))["value"][
            "name"
        ]
        == "dry"
    )
    assert ok(client.get(f"/api/services/template/{template['id']}"))["value"]["name"] == "patched"
    wrong_mode = client.patch(f"/api/services/template/{template['id']}?dry-run=yes", json=dry)
    assert wrong_mode.status_code == 400
    for bad in (
        [{"op": "remove", "path": "/name", "value": 1}],
        [{"op": "replace", "path": "/missing/deep", "value": 1}],
        [{"op": "replace", "path": "/name", "value": ""}],
        [{"op": "replace", "path": "/name"}],
        {"name": "merge-patch-is-not-accepted"},
        [],
    ):
        response = client.patch(f"/api/services/template/{template['id']}", json=bad)
        assert response.status_code == 400, (bad, response.text)
    assert client.patch("/api/services/template/missing", json=patch).status_code == 404


def test_template_listing(client, ticking_clock):
    a = new_template(client, "alpha", labels={"env": "prod"})
    b = new_template(client, "beta", labels={"env": "dev"})
    c = new_template(client, "gamma-stream", type="stream")
    body = ok(client.get("/api/services/template"))  # updated_at, newest first
    assert body["total"] == 3 and [t["id"] for t in body["list"]] == [c["id"], b["id"], a["id"]]
    oldest = ok(
        client.get("/api/services/template", params={"direction": "asc", "page_size": 2, "page": 2})
    )
    assert [t["id"] for t in oldest["list"]] == [c["id"]]
    by_name = ok(
        client.get("/api/services/template", params={"order_by": "name", "direction": "asc"})
    )
    assert [t["name"] for t in by_name["list"]] == ["alpha", "beta", "gamma-stream"]
    newest = ok(
        client.get("/api/services/template", params={"order_by": "created_at", "page_size": 1})
    )
    assert newest["total"] == 3 and len(newest["list"]) == 1 and newest["list"][0]["id"] != a["id"]
    assert (
        ok(client.get("/api/services/template", params={"labels[env]": "dev"}))["list"][0]["id"]
        == b["id"]
    )
    assert ok(client.get("/api/services/template", params={"search": "ALP"}))["total"] == 1
    assert ok(client.get("/api/services/template", params={"type": "stream"}))["total"] == 1
    group = new_group(client)
    ok(publish(client, group["id"], b["id"], "v1"))
    only = ok(client.get("/api/services/template", params={"gateway_group_id": group["id"]}))
    assert [t["id"] for t in only["list"]] == [b["id"]]
    assert (
        only["list"][0]["published_gateway_groups_count"] == 1 and only["list"][0]["last_published"]
    )
    last = ok(client.get("/api/services/template", params={"order_by": "last_published"}))
    assert last["list"][0]["id"] == b["id"]
    assert (
        ok(client.get("/api/services/template", params={"last_publish_start_at": 1}))["total"] == 1
    )


def test_template_delete_rules(client, store):
    template = new_template(client)
    route = new_route(client, template["id"], ["/a"])
    group = new_group(client)
    ok(publish(client, group["id"], template["id"], "v1"))
    response = client.delete(f"/api/services/template/{template['id']}")
    assert response.status_code == 400 and group["id"] in response.json()["error_msg"]
    ok(client.delete(f"/api/gateway_groups/{group['id']}/services/{template['id']}"))
    ok(client.delete(f"/api/services/template/{template['id']}"))
    assert client.get(f"/api/routes/template/{route['id']}").status_code == 404


def test_route_templates(client):
    template = new_template(client)
    route = new_route(
        client, template["id"], ["/users", "/users/*"], methods=["GET", "POST"], priority=3
    )
    assert route["service_id"] == template["id"] and route["paths"] == ["/users", "/users/*"]
    assert ok(client.get(f"/api/routes/template/{route['id']}"))["value"] == route
    listed = ok(client.get("/api/routes/template", params={"service_id": template["id"]}))
    assert listed["total"] == 1 and listed["list"][0]["id"] == route["id"]
    assert client.get("/api/routes/template").status_code == 400  # service_id is required
    body = {"name": "r", "paths": ["/x"], "service_id": template["id"]}
    assert ok(client.put(f"/api/routes/template/{route['id']}", json=body))["value"]["paths"] == [
        "/x"
    ]
    patched = ok(
        client.patch(
            f"/api/routes/template/{route['id']}",
            json=[{"op": "add", "path": "/methods", "value": ["PUT"]}],
        )
    )
    assert patched["value"]["methods"] == ["PUT"]
    for bad in (
        {"name": "r", "paths": ["/x"]},
        {"name": "r", "paths": [], "service_id": template["id"]},
        {"name": "r", "paths": ["x"], "service_id": template["id"]},
        {"name": "r", "paths": ["/x"], "service_id": template["id"], "methods": ["FETCH"]},
        {"name": "r", "paths": ["/x"], "service_id": template["id"], "plugins": {"nope": {}}},
    ):
        assert client.post("/api/routes/template", json=bad).status_code == 400, bad
    missing = {"name": "r", "paths": ["/x"], "service_id": "missing"}
    assert client.post("/api/routes/template", json=missing).status_code == 404
    ok(client.delete(f"/api/routes/template/{route['id']}"))
    assert client.get(f"/api/routes/template/{route['id']}").status_code == 404


def test_stream_route_templates(client):
    stream = new_template(client, "tcp", type="stream")
    http = new_template(client, "web")
    body = {
        "name": "mysql",
        "server_port": 3306,
        "remote_addr": "127.0.0.1",
        "service_id": stream["id"],
    }
    route = ok(client.post("/api/stream_routes/template", json=body))["value"]
    assert (
        ok(client.get(f"/api/stream_routes/template/{route['id']}"))["value"]["server_port"] == 3306
    )
    listed = ok(client.get("/api/stream_routes/template", params={"service_id": stream["id"]}))
    assert listed["total"] == 1
    assert (
        client.post(
            "/api/stream_routes/template", json={**body, "service_id": http["id"]}
        ).status_code
        == 409  # the template it names is of the other type
    )
    assert (
        client.post(
            "/api/routes/template", json={"name": "r", "paths": ["/"], "service_id": stream["id"]}
        ).status_code
        == 409
    )
    assert (
        client.post("/api/stream_routes/template", json={**body, "server_port": 70000}).status_code
        == 400
    )
    # a template with routes keeps its type
    response = client.put(
        f"/api/services/template/{stream['id']}", json={"name": "tcp", "type": "http"}
    )
    assert response.status_code == 409
    ok(client.delete(f"/api/stream_routes/template/{route['id']}"))


def test_a_newline_in_a_path_id_is_a_bad_id_not_an_unknown_path(client):
    """Both APIs of the admin port get such paths (Starlette's Mount would not match them
    and answered a generic 404): the id is refused with 400, as any other bad id."""
    template = client.put("/api/services/template/a%0Ab", json={"name": "x"})
    assert template.status_code == 400, template.text
    assert "service_template_id" in template.json()["error_msg"]
    route = client.put("/apisix/admin/routes/a%0Ab", json={"uri": "/x"})
    assert route.status_code == 400, route.text


def test_api7_group_lists_take_page_sizes_from_one(client):
    """API7 documents page_size >= 1 on its lists; the APISIX Admin API keeps 10..500."""
    assert (
        client.get("/api/gateway_groups/default/consumers", params={"page_size": 7}).status_code
        == 200
    )
    assert client.get("/apisix/admin/routes", params={"page_size": 7}).status_code == 400
