"""Consumers and credentials, SSL objects, global rules and plugin metadata of a gateway
group on the dashboard API (`/api/gateway_groups/{gid}/...`), in the API7 envelope, and the
same objects through the group's APISIX Admin API."""

from __future__ import annotations

from tests.admin.certs import cert_and_key

from .conftest import new_group, ok


def test_consumers_and_credentials(client):
    group = new_group(client)
    base = f"/api/gateway_groups/{group['id']}"
    created = ok(client.post(f"{base}/consumers", json={"username": "alice", "desc": "a"}))
    assert created["value"]["username"] == "alice" and "key" not in created
    ok(client.put(f"{base}/consumers/bob", json={"desc": "b"}))
    assert client.put(f"{base}/consumers/bob", json={"username": "carol"}).status_code == 400
    listing = ok(client.get(f"{base}/consumers"))
    assert listing["total"] == 2 and {c["username"] for c in listing["list"]} == {"alice", "bob"}
    scope = {"gateway_group_id": group["id"]}
    assert ok(client.get("/apisix/admin/consumers/alice", params=scope))["value"]["desc"] == "a"

    cred = ok(
        client.post(
            f"{base}/consumers/alice/credentials",
            json={"plugins": {"key-auth": {"key": "k-alice"}}},
        )
    )
    cred_id = cred["value"]["id"]
    got = ok(client.get(f"{base}/consumers/alice/credentials/{cred_id}"))["value"]
    assert got["plugins"]["key-auth"]["key"] == "k-alice"
    assert ok(client.get(f"{base}/consumers/alice/credentials"))["total"] == 1
    missing = client.post(
        f"{base}/consumers/nobody/credentials", json={"plugins": {"key-auth": {"key": "k2"}}}
    )
    assert missing.status_code == 404 and missing.json()["error_msg"]
    ok(client.delete(f"{base}/consumers/alice/credentials/{cred_id}"))
    ok(client.delete(f"{base}/consumers/alice"))
    response = client.get(f"{base}/consumers/alice")
    assert response.status_code == 404 and response.json()["error_msg"]
    assert client.post(f"{base}/consumers", json={"username": "bad name"}).status_code == 400
    assert client.get("/api/gateway_groups/missing/consumers").status_code == 404


def test_ssl_global_rules_and_plugin_metadata(client, store):
    group = new_group(client)
    base = f"/api/gateway_groups/{group['id']}"
    cert, key = cert_and_key("api.example.com")
    ssl = ok(
        client.post(f"{base}/ssls", json={"cert": cert, "key": key, "snis": ["api.example.com"]})
    )["value"]
    shown = ok(client.get(f"{base}/ssls/{ssl['id']}"))["value"]
    assert shown["snis"] == ["api.example.com"] and shown.get("key") != key
    assert store.get(f"{group['prefix']}/ssls/{ssl['id']}").value["key"] != key  # encrypted

    rule = ok(client.post(f"{base}/global_rules", json={"plugins": {"request-id": {}}}))["value"]
    assert rule["id"] and ok(client.get(f"{base}/global_rules"))["total"] == 1
    ok(
        client.put(
            f"{base}/global_rules/{rule['id']}",
            json={"plugins": {"request-id": {"header_name": "X-Id"}}},
        )
    )
    scope = {"gateway_group_id": group["id"]}
    via_apisix = ok(client.get(f"/apisix/admin/global_rules/{rule['id']}", params=scope))["value"]
    assert via_apisix["plugins"]["request-id"]["header_name"] == "X-Id"
    assert (
        client.get(f"/apisix/admin/global_rules/{rule['id']}").status_code == 404
    )  # default group

    metadata = {"allow_origins": {"site": "https://a.example.com"}}
    ok(client.put(f"{base}/plugin_metadata/cors", json=metadata))
    assert (
        ok(client.get(f"{base}/plugin_metadata/cors"))["value"]["allow_origins"]
        == metadata["allow_origins"]
    )
    assert client.put(f"{base}/plugin_metadata/cors", json={"allow_origins": 5}).status_code == 400
    ok(client.delete(f"{base}/plugin_metadata/cors"))
    assert client.get(f"{base}/plugin_metadata/cors").status_code == 404
    ok(client.delete(f"{base}/global_rules/{rule['id']}"))
    ok(client.delete(f"{base}/ssls/{ssl['id']}"))
