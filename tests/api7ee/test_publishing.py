"""Publishing templates to gateway groups: versions, re-publish, rollback, runtime
configuration, deletion, and what lands in each group's APISIX namespace."""

from __future__ import annotations

from .conftest import group_key, new_group, new_route, new_template, ok, publish

NODES_B = [{"host": "127.0.0.1", "port": 1981, "weight": 1}]


def _versions(client, group_id, service_id):
    return ok(client.get(f"/api/gateway_groups/{group_id}/services/{service_id}/versions"))["list"]


def test_publish_creates_a_version_and_renders_apisix_objects(client, store):
    group = new_group(client)
    template = new_template(client, hosts=["api.example.com"], path_prefix="/shop")
    route = new_route(client, template["id"], ["/items"], methods=["GET"])
    assert ok(publish(client, group["id"], template["id"], "1.0.0")) == {"value": {}}

    service = group_key(store, group, f"/services/{template['id']}")
    assert (
        service["hosts"] == ["api.example.com"] and service["upstream"]["nodes"][0]["port"] == 1980
    )
    apisix_route = group_key(store, group, f"/routes/{route['id']}")
    assert apisix_route["uris"] == ["/shop/items"] and apisix_route["service_id"] == template["id"]
    assert apisix_route["plugins"]["proxy-rewrite"]["regex_uri"] == ["^/shop/?(.*)$", "/$1"]
    assert store.get(f"/apisix/routes/{route['id']}") is None  # not in the default group

    published = ok(client.get(f"/api/gateway_groups/{group['id']}/services/{template['id']}"))[
        "value"
    ]
    assert published["version"] == "1.0.0" and published["gateway_group_id"] == group["id"]
    version = ok(client.get(f"/api/service_versions/{published['service_version_id']}"))["value"]
    assert version["service"]["name"] == "svc" and [r["id"] for r in version["routes"]] == [
        route["id"]
    ]
    assert (
        ok(client.get(f"/api/services/{template['id']}/versions/1.0.0"))["value"]["id"]
        == version["id"]
    )
    routes = ok(client.get(f"/api/service_versions/{version['id']}/routes"))
    assert routes["total"] == 1
    assert ok(client.get(f"/api/service_versions/{version['id']}/routes/{route['id']}"))["value"][
        "paths"
    ] == ["/items"]
    listed = ok(client.get(f"/api/gateway_groups/{group['id']}/services"))
    assert [s["id"] for s in listed["list"]] == [template["id"]]
    assert (
        ok(
            client.get(f"/api/gateway_groups/{group['id']}/services", params={"hosts": "other.com"})
        )["total"]
        == 0
    )


def test_two_groups_with_their_own_runtime_configuration(client, store):
    g1, g2 = new_group(client, "g1"), new_group(client, "g2")
    template = new_template(client)
    new_route(client, template["id"], ["/hello"])
    ok(publish(client, g1["id"], template["id"], "v1"))
    ok(
        client.post(
            "/api/services/publish",
            json={
                "gateway_group_id": g2["id"],
                "create_new_version": False,
                "services": [{"service_id": template["id"], "version": "v1"}],
            },
        )
    )
    patch = [
        {"op": "replace", "path": "/upstream/nodes", "value": NODES_B},
        {"op": "add", "path": "/plugins/request-id", "value": {}},
    ]
    url = f"/api/gateway_groups/{g2['id']}/services/{template['id']}/runtime_configuration"
    runtime = ok(client.patch(url, json=patch))["value"]
    assert runtime["upstream"]["nodes"] == NODES_B and "request-id" in runtime["plugins"]
    assert ok(client.get(url))["value"] == runtime
    assert (
        group_key(store, g1, f"/services/{template['id']}")["upstream"]["nodes"][0]["port"] == 1980
    )
    assert (
        group_key(store, g2, f"/services/{template['id']}")["upstream"]["nodes"][0]["port"] == 1981
    )
    assert "request-id" in group_key(store, g2, f"/services/{template['id']}")["plugins"]
    assert (
        ok(client.get(f"/api/services/template/{template['id']}"))["value"]["upstream"]["nodes"][0][
            "port"
        ]
        == 1980
    )
    across = ok(client.get(f"/api/services/{template['id']}/published_services"))
    assert {(r["gateway_group_id"], r["version"]) for r in across["list"]} == {
        (g1["id"], "v1"),
        (g2["id"], "v1"),
    }
    # runtime configuration survives publishing a new version
    ok(publish(client, g2["id"], template["id"], "v2"))
    assert (
        group_key(store, g2, f"/services/{template['id']}")["upstream"]["nodes"][0]["port"] == 1981
    )
    for bad in (
        [{"op": "replace", "path": "/upstream/nodes", "value": "x"}],
        [{"op": "add", "path": "/unknown", "value": 1}],
        [{"op": "replace", "path": "/status", "value": 5}],
        [{"op": "add", "path": "/plugins/no-such-plugin", "value": {}}],
    ):
        assert client.patch(url, json=bad).status_code == 400, bad
    assert (
        client.patch(
            url + "?dry-run=all", json=[{"op": "replace", "path": "/status", "value": 0}]
        ).status_code
        == 200
    )
    assert ok(client.get(url))["value"]["status"] == 1


def test_republish_rollback_and_version_immutability(client, store, ticking_clock):
    group = new_group(client)
    template = new_template(client)
    route = new_route(client, template["id"], ["/old"])
    ok(publish(client, group["id"], template["id"], "v1"))
    v1 = ok(client.get(f"/api/gateway_groups/{group['id']}/services/{template['id']}"))["value"][
        "service_version_id"
    ]

    ok(
        client.patch(
            f"/api/routes/template/{route['id']}",
            json=[{"op": "replace", "path": "/paths", "value": ["/new"]}],
        )
    )
    assert group_key(store, group, f"/routes/{route['id']}")["uris"] == [
        "/old"
    ]  # not live until published
    ok(publish(client, group["id"], template["id"], "v2"))
    assert group_key(store, group, f"/routes/{route['id']}")["uris"] == ["/new"]
    assert ok(client.get(f"/api/service_versions/{v1}"))["value"]["routes"][0]["paths"] == ["/old"]

    response = publish(client, group["id"], template["id"], "v2")
    assert response.status_code == 409 and "immutable" in response.json()["error_msg"]
    for method in ("put", "patch", "delete"):
        kwargs = {} if method == "delete" else {"json": {"version": "changed"}}
        assert getattr(client, method)(f"/api/service_versions/{v1}", **kwargs).status_code == 405

    ok(publish(client, group["id"], template["id"], service_version_id=v1))
    assert group_key(store, group, f"/routes/{route['id']}")["uris"] == ["/old"]
    current = ok(client.get(f"/api/gateway_groups/{group['id']}/services/{template['id']}"))[
        "value"
    ]
    assert current["service_version_id"] == v1 and current["version"] == "v1"
    history = _versions(client, group["id"], template["id"])
    assert [h["version"] for h in history] == ["v1", "v2", "v1"]  # newest first
    assert (
        history[0]["service_version_id"] == v1
        and history[0]["publish_time"] > history[1]["publish_time"]
    )
    oldest_first = ok(
        client.get(
            f"/api/gateway_groups/{group['id']}/services/{template['id']}/versions?direction=asc"
        )
    )
    assert [h["publish_time"] for h in oldest_first["list"]] == sorted(
        h["publish_time"] for h in history
    )
    assert len({h["service_version_id"] for h in history}) == 2  # the rollback made no new version


def test_publish_errors(client):
    group = new_group(client)
    template = new_template(client)
    other = new_template(client, "other")
    ok(publish(client, group["id"], other["id"], "o1"))
    other_version = ok(client.get(f"/api/gateway_groups/{group['id']}/services/{other['id']}"))[
        "value"
    ]["service_version_id"]
    gid, sid = group["id"], template["id"]
    cases = [  # (body, status): unknown references are 404, malformed bodies 400
        ({"gateway_group_id": "missing", "services": [{"service_id": sid}]}, 404),
        ({"gateway_group_id": gid, "services": [{"service_id": "missing"}]}, 404),
        ({"gateway_group_id": gid, "services": []}, 400),
        ({"gateway_group_id": gid}, 400),
        ({"gateway_group_id": gid, "services": [{"service_id": sid}, {"service_id": sid}]}, 400),
        (
            {
                "gateway_group_id": gid,
                "create_new_version": False,
                "services": [{"service_id": sid, "service_version_id": other_version}],
            },
            404,
        ),
        (
            {
                "gateway_group_id": gid,
                "create_new_version": False,
                "services": [{"service_id": sid, "version": "nope"}],
            },
            404,
        ),
        ({"gateway_group_id": gid, "services": [{"service_id": sid, "extra": 1}]}, 400),
    ]
    for body, status in cases:
        response = client.post("/api/services/publish", json=body)
        assert response.status_code == status and response.json()["error_msg"], body
    assert (
        client.get(f"/api/gateway_groups/{group['id']}/services/{template['id']}").status_code
        == 404
    )
    versions = ok(
        client.post(
            "/api/services/publish",
            json={"gateway_group_id": group["id"], "services": [{"service_id": template["id"]}]},
        )
    )
    assert versions == {"value": {}}
    assert (
        ok(client.get(f"/api/gateway_groups/{group['id']}/services/{template['id']}"))["value"][
            "version"
        ]
        == "v1"
    )


def test_route_runtime_configuration_and_status(client, store):
    group = new_group(client)
    template = new_template(client)
    route = new_route(client, template["id"], ["/a"])
    ok(publish(client, group["id"], template["id"], "v1"))
    base = f"/api/gateway_groups/{group['id']}/services/{template['id']}"
    assert ok(client.get(f"{base}/routes"))["list"][0]["id"] == route["id"]
    assert ok(client.get(f"{base}/routes/{route['id']}"))["value"]["paths"] == ["/a"]
    assert client.get(f"{base}/routes/missing").status_code == 404
    patch = [{"op": "add", "path": "/plugins", "value": {"response-rewrite": {"body": "hi"}}}]
    ok(client.patch(f"{base}/routes/{route['id']}/runtime_configuration", json=patch))
    assert (
        ok(client.get(f"{base}/routes/{route['id']}/runtime_configuration"))["value"]["plugins"][
            "response-rewrite"
        ]["body"]
        == "hi"
    )
    assert "response-rewrite" in group_key(store, group, f"/routes/{route['id']}")["plugins"]
    assert "plugins" not in ok(client.get(f"/api/routes/template/{route['id']}"))["value"]
    ok(
        client.patch(
            f"{base}/runtime_configuration", json=[{"op": "replace", "path": "/status", "value": 0}]
        )
    )
    assert group_key(store, group, f"/routes/{route['id']}")["status"] == 0


def test_delete_published_service(client, store):
    group = new_group(client)
    template = new_template(client)
    route = new_route(client, template["id"], ["/a"])
    ok(publish(client, group["id"], template["id"], "v1"))
    ok(client.delete(f"/api/gateway_groups/{group['id']}/services/{template['id']}"))
    assert group_key(store, group, f"/routes/{route['id']}") is None
    assert group_key(store, group, f"/services/{template['id']}") is None
    assert (
        client.get(f"/api/gateway_groups/{group['id']}/services/{template['id']}").status_code
        == 404
    )
    assert (
        client.delete(f"/api/gateway_groups/{group['id']}/services/{template['id']}").status_code
        == 404
    )


def test_route_removed_from_template_leaves_the_data_plane_on_republish(client, store):
    group = new_group(client)
    template = new_template(client)
    keep, drop = (
        new_route(client, template["id"], ["/keep"]),
        new_route(client, template["id"], ["/drop"]),
    )
    ok(publish(client, group["id"], template["id"], "v1"))
    ok(client.delete(f"/api/routes/template/{drop['id']}"))
    ok(publish(client, group["id"], template["id"], "v2"))
    assert group_key(store, group, f"/routes/{keep['id']}") is not None
    assert group_key(store, group, f"/routes/{drop['id']}") is None


def test_publish_to_the_default_group_is_visible_to_the_apisix_admin_api(client, store):
    template = new_template(client)
    route = new_route(client, template["id"], ["/plain"])
    ok(publish(client, "default", template["id"], "v1"))
    assert store.get(f"/apisix/routes/{route['id']}").value["uris"] == ["/plain"]
    apisix = ok(client.get(f"/apisix/admin/routes/{route['id']}"))
    assert apisix["value"]["service_id"] == template["id"]


def test_stream_service_publish(client, store):
    group = new_group(client)
    template = new_template(client, "tcp", type="stream")
    body = {"name": "echo", "server_port": 9100, "service_id": template["id"]}
    route = ok(client.post("/api/stream_routes/template", json=body))["value"]
    ok(publish(client, group["id"], template["id"], "v1"))
    rendered = group_key(store, group, f"/stream_routes/{route['id']}")
    assert rendered["server_port"] == 9100 and rendered["upstream"]["nodes"][0]["port"] == 1980
    base = f"/api/gateway_groups/{group['id']}/services/{template['id']}"
    assert ok(client.get(f"{base}/stream_routes"))["total"] == 1
    ok(
        client.patch(
            f"{base}/stream_routes/{route['id']}/runtime_configuration",
            json=[{"op": "replace", "path": "/status", "value": 0}],
        )
    )
    assert group_key(store, group, f"/stream_routes/{route['id']}") is None


def test_conflict_check(client):
    group = new_group(client)
    one = new_template(client, "one", hosts=["a.com"])
    new_route(client, one["id"], ["/users"], methods=["GET"])
    new_route(client, one["id"], ["/files/*"])
    ok(publish(client, group["id"], one["id"], "v1"))
    two = new_template(client, "two", hosts=["a.com"])
    new_route(client, two["id"], ["/users"], methods=["GET", "POST"])
    new_route(client, two["id"], ["/files/report"])
    new_route(client, two["id"], ["/unique"])
    body = {
        "gateway_group_id": group["id"],
        "create_new_version": True,
        "services": [{"service_id": two["id"]}],
    }
    found = ok(client.post("/api/services/conflict_check", json=body))["value"]
    assert len(found["duplicate"]) == 1 and len(found["overlapping"]) == 1
    assert {e["url"] for e in found["duplicate"][0]} == {"a.com/users"}
    assert {e["service_id"] for e in found["overlapping"][0]} == {one["id"], two["id"]}
    three = new_template(client, "three", hosts=["b.com"])
    new_route(client, three["id"], ["/users"])
    body["services"] = [{"service_id": three["id"]}]
    assert ok(client.post("/api/services/conflict_check", json=body))["value"] == {
        "duplicate": [],
        "overlapping": [],
    }
    body["services"] = [{"service_id": one["id"]}]  # a service does not conflict with itself
    assert ok(client.post("/api/services/conflict_check", json=body))["value"]["duplicate"] == []
    assert client.post("/api/services/conflict_check", json={"services": []}).status_code == 400
