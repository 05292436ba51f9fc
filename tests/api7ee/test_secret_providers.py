"""API7 secret providers under `/apisix/admin/secret_providers` (per gateway group): the
same objects as the group's APISIX secrets, their usage, and the delete guard."""

from __future__ import annotations

import pytest

from tests.admin.certs import cert_and_key

from .conftest import group_key, new_group, ok

VAULT = {"uri": "http://127.0.0.1:8200", "prefix": "kv/apisix", "token": "vault-token"}
AWS = {"access_key_id": "AKIAEXAMPLE", "secret_access_key": "aws-secret"}
KUBERNETES = {"apiserver_addr": "https://127.0.0.1:6443", "token": "sa-token"}


def test_put_get_list_delete_and_same_object_as_apisix_secret(client, store, ticking_clock):
    group = new_group(client)
    scope = {"gateway_group_id": group["id"]}
    created = ok(client.put("/apisix/admin/secret_providers/vault/v1", params=scope, json=VAULT))
    value = created["value"]
    assert value["id"] == "vault/v1" and value["secret_provider"] == "vault"
    assert value["secret_provider_id"] == "v1"
    assert value["kv_version"] == "kv-v1" and value["authentication_method"] == "token"
    stored = group_key(store, group, "/secrets/vault/v1")
    assert stored["token"] == "vault-token" and stored["uri"] == VAULT["uri"]
    apisix = ok(client.get("/apisix/admin/secrets/vault/v1", params=scope))["value"]
    assert apisix == stored

    replaced = ok(
        client.put(
            "/apisix/admin/secret_providers/vault/v1",
            params=scope,
            json={**VAULT, "prefix": "kv/other", "desc": "rotated", "labels": {"env": "prod"}},
        )
    )["value"]
    assert replaced["prefix"] == "kv/other" and replaced["created_at"] == value["created_at"]
    assert replaced["updated_at"] > value["updated_at"]
    assert group_key(store, group, "/secrets/vault/v1")["prefix"] == "kv/other"

    ok(client.put("/apisix/admin/secret_providers/aws/a1", params=scope, json=AWS))
    k8s = ok(
        client.put("/apisix/admin/secret_providers/kubernetes/k1", params=scope, json=KUBERNETES)
    )
    assert k8s["value"]["apiserver_addr"] == KUBERNETES["apiserver_addr"]
    listing = ok(client.get("/apisix/admin/secret_providers", params=scope))
    assert listing["total"] == 3
    assert {p["id"] for p in listing["list"]} == {"vault/v1", "aws/a1", "kubernetes/k1"}
    assert (
        ok(client.get("/apisix/admin/secret_providers/aws/a1", params=scope))["value"]["region"]
        == "us-east-1"
    )
    labelled = ok(
        client.get("/apisix/admin/secret_providers", params={**scope, "labels[env]": "prod"})
    )
    assert [p["id"] for p in labelled["list"]] == ["vault/v1"]
    paged = ok(
        client.get(
            "/apisix/admin/secret_providers",
            params={
                **scope,
                "page": 2,
                "page_size": 2,
                "order_by": "created_at",
                "direction": "asc",
            },
        )
    )
    assert paged["total"] == 3 and [p["id"] for p in paged["list"]] == ["kubernetes/k1"]

    # the list item id works in the item path, as the spec test's cleanup uses it
    for item in listing["list"]:
        assert (
            client.delete(f"/apisix/admin/secret_providers/{item['id']}", params=scope).status_code
            == 200
        )
    assert ok(client.get("/apisix/admin/secret_providers", params=scope))["total"] == 0
    assert group_key(store, group, "/secrets/vault/v1") is None
    gone = client.get("/apisix/admin/secret_providers/vault/v1", params=scope)
    assert gone.status_code == 404 and gone.json()["error_msg"]


def test_default_group_and_groups_are_separate(client, store):
    group = new_group(client)
    ok(client.put("/apisix/admin/secret_providers/vault/shared", json=VAULT))
    assert store.get("/apisix/secrets/vault/shared").value["token"] == "vault-token"
    assert ok(client.get("/apisix/admin/secrets/vault/shared"))["value"]["prefix"] == "kv/apisix"
    other = client.get(
        "/apisix/admin/secret_providers/vault/shared", params={"gateway_group_id": group["id"]}
    )
    assert other.status_code == 404
    ok(client.delete("/apisix/admin/secret_providers/vault/shared"))


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("vault/v1", {"uri": "http://vault:8200", "prefix": "kv"}, "token"),
        ("vault/v1", {**VAULT, "uri": "no-scheme"}, "uri"),
        ("vault/v1", {**VAULT, "kv_version": "kv-v2"}, "kv_version"),
        ("vault/v1", {**VAULT, "unknown": 1}, "unknown"),
        ("aws/a1", {"access_key_id": "x"}, "secret_access_key"),
        ("kubernetes/k1", {"token": "t"}, "apiserver_addr"),
        ("gcp/g1", VAULT, "secret_provider"),
        ("vault/bad id", VAULT, "secret_provider_id"),
    ],
)
def test_bad_bodies_and_paths_are_refused(client, path, body, field):
    response = client.put(f"/apisix/admin/secret_providers/{path}", json=body)
    assert response.status_code == 400
    assert field in response.json()["error_msg"]


def test_usage_lists_referencing_resources_and_blocks_delete(client):
    group = new_group(client)
    gid = group["id"]
    scope = {"gateway_group_id": gid}
    base = f"/api/gateway_groups/{gid}"
    ok(client.put("/apisix/admin/secret_providers/vault/v1", params=scope, json=VAULT))
    ok(client.put("/apisix/admin/secret_providers/vault/unused", params=scope, json=VAULT))
    ref = "$secret://vault/v1/jack/key"
    ok(client.put(f"{base}/consumers/jack", json={"plugins": {"key-auth": {"key": ref}}}))
    ok(
        client.post(
            f"{base}/consumers/jack/credentials",
            json={"name": "cred-a", "plugins": {"basic-auth": {"username": "u", "password": ref}}},
        )
    )
    ok(client.post(f"{base}/global_rules", json={"plugins": {"request-id": {}}}))  # no reference
    cert, _ = cert_and_key("secret.example.com")
    ok(client.post(f"{base}/ssls", json={"cert": cert, "key": ref, "snis": ["secret.example.com"]}))

    usage = ok(client.get(f"{base}/secret_providers/vault/v1/usage"))
    found = {(row["resource_type"], row["name"]) for row in usage["list"]}
    assert found == {
        ("consumer", "jack"),
        ("consumer_credential", "cred-a"),
        ("ssl", "secret.example.com"),
    }
    assert usage["total"] == 3
    only = ok(
        client.get(f"{base}/secret_providers/vault/v1/usage", params={"resource_type": "ssl"})
    )
    assert [row["resource_type"] for row in only["list"]] == ["ssl"]
    assert ok(client.get(f"{base}/secret_providers/vault/unused/usage"))["total"] == 0
    bad = client.get(f"{base}/secret_providers/vault/v1/usage", params={"resource_type": "nope"})
    assert bad.status_code == 400
    assert client.get(f"{base}/secret_providers/vault/missing/usage").status_code == 404

    refused = client.delete("/apisix/admin/secret_providers/vault/v1", params=scope)
    assert refused.status_code == 400
    assert "still referenced" in refused.json()["error_msg"]
    assert ok(client.get("/apisix/admin/secret_providers/vault/v1", params=scope))["value"]
    ok(client.delete("/apisix/admin/secret_providers/vault/unused", params=scope))


def test_usage_of_unknown_group_is_404(client):
    response = client.get("/api/gateway_groups/nope/secret_providers/vault/v1/usage")
    assert response.status_code == 404 and response.json()["error_msg"]


def test_usage_covers_the_groups_api7_certificates(client):
    group = new_group(client)
    scope = {"gateway_group_id": group["id"]}
    ok(client.put("/apisix/admin/secret_providers/vault/v1", params=scope, json=VAULT))
    cp = client.app.state.api7ee.cp
    record = {"id": "c1", "name": "edge", "cert": "-----BEGIN", "key": "$secret://vault/v1/c/key"}
    cp.put("certificates", record, group["id"], "c1")  # where the API7 certificates live
    usage = ok(
        client.get(
            f"/api/gateway_groups/{group['id']}/secret_providers/vault/v1/usage",
            params={"resource_type": "certificate"},
        )
    )
    assert [(r["id"], r["name"]) for r in usage["list"]] == [("c1", "edge")]
    refused = client.delete("/apisix/admin/secret_providers/vault/v1", params=scope)
    assert refused.status_code == 400 and "certificate c1" in refused.json()["error_msg"]
