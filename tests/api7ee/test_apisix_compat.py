"""The APISIX Admin API per gateway group (`?gateway_group_id=`): it agrees with the `/api`
view of published services, and every APISIX resource kind is isolated per group."""

from __future__ import annotations

from tests.admin.certs import cert_and_key

from .conftest import group_key, new_group, new_route, new_template, ok, publish


def _items(body):
    return [item.get("value", item) for item in body["list"]]


def test_published_service_agrees_with_the_api_view(client, store):
    group = new_group(client)
    template = new_template(client, hosts=["shop.example.com"], labels={"team": "shop"})
    route = new_route(client, template["id"], ["/cart"], methods=["GET"])
    ok(publish(client, group["id"], template["id"], "v1"))
    api_view = ok(client.get(f"/api/gateway_groups/{group['id']}/services/{template['id']}"))[
        "value"
    ]
    scope = {"gateway_group_id": group["id"]}
    apisix_service = ok(client.get(f"/apisix/admin/services/{template['id']}", params=scope))[
        "value"
    ]
    assert (
        apisix_service["name"] == api_view["name"] and apisix_service["hosts"] == api_view["hosts"]
    )
    assert apisix_service["labels"] == api_view["labels"]

    def nodes(upstream):
        return [(n["host"], n["port"], n["weight"]) for n in upstream["nodes"]]

    assert nodes(apisix_service["upstream"]) == nodes(api_view["upstream"])
    routes = _items(ok(client.get("/apisix/admin/routes", params=scope)))
    assert [r["id"] for r in routes] == [route["id"]] and routes[0]["uris"] == ["/cart"]
    assert ok(client.get("/apisix/admin/routes"))["total"] == 0  # the default group is separate
    # a write through the group's APISIX Admin API lands in the group's namespace
    ok(client.patch(f"/apisix/admin/routes/{route['id']}", params=scope, json={"priority": 7}))
    assert group_key(store, group, f"/routes/{route['id']}")["priority"] == 7


def test_unknown_group(client):
    response = client.get("/apisix/admin/routes", params={"gateway_group_id": "missing"})
    assert response.status_code == 404 and "missing" in response.json()["error_msg"]


def test_resources_are_isolated_per_group(client, store):
    g1, g2 = new_group(client, "g1"), new_group(client, "g2")
    s1, s2 = {"gateway_group_id": g1["id"]}, {"gateway_group_id": g2["id"]}
    ok(client.put("/apisix/admin/consumers", params=s1, json={"username": "alice"}), 201)
    cred = {"plugins": {"key-auth": {"key": "alice-key"}}}
    ok(client.put("/apisix/admin/consumers/alice/credentials/c1", params=s1, json=cred), 201)
    cert, key = cert_and_key("shop.example.com")
    ok(
        client.put(
            "/apisix/admin/ssls/tls1",
            params=s1,
            json={"cert": cert, "key": key, "snis": ["shop.example.com"]},
        ),
        201,
    )
    ok(
        client.put(
            "/apisix/admin/global_rules/gr1", params=s1, json={"plugins": {"request-id": {}}}
        ),
        201,
    )
    ok(
        client.put(
            "/apisix/admin/plugin_metadata/cors",
            params=s1,
            json={"allow_origins": {"k": "https://a.example.com"}},
        ),
        201,
    )
    vault = {"uri": "http://127.0.0.1:8200", "prefix": "kv/apisix", "token": "root"}
    ok(client.put("/apisix/admin/secrets/vault/v1", params=s1, json=vault), 201)

    for path in (
        "consumers/alice",
        "consumers/alice/credentials/c1",
        "ssls/tls1",
        "global_rules/gr1",
        "plugin_metadata/cors",
        "secrets/vault/v1",
    ):
        assert client.get(f"/apisix/admin/{path}", params=s1).status_code == 200, path
        assert client.get(f"/apisix/admin/{path}", params=s2).status_code == 404, path
        assert client.get(f"/apisix/admin/{path}").status_code == 404, path
    assert group_key(store, g1, "/consumers/alice")["username"] == "alice"
    ssl = group_key(store, g1, "/ssls/tls1")
    assert ssl["key"] != key  # stored encrypted, as in the default group
