"""The `/apisix/admin/...?gateway_group_id=` forms API7 documents beyond APISIX: consumers
created with POST and changed with a JSON Patch, credentials and global rules created with
POST, and a plugin's metadata defaults. Without a gateway group the APISIX Admin API keeps
APISIX's answers (405)."""

from __future__ import annotations

import pytest

from .conftest import new_group, ok


@pytest.fixture(params=["default", "g1"])
def scope(request, client):
    group_id = "default" if request.param == "default" else new_group(client)["id"]
    return {"gateway_group_id": group_id}


def test_consumer_post_and_json_patch(client, scope):
    created = ok(
        client.post("/apisix/admin/consumers", params=scope, json={"username": "bob"}), 201
    )
    assert created["value"]["username"] == "bob"
    patch = [{"op": "add", "path": "/desc", "value": "patched"}]
    patched = ok(client.patch("/apisix/admin/consumers/bob", params=scope, json=patch))
    assert patched["value"]["desc"] == "patched" and patched["value"]["username"] == "bob"
    shown = ok(client.get("/apisix/admin/consumers/bob", params=scope))["value"]
    assert shown["desc"] == "patched"
    bad = client.patch("/apisix/admin/consumers/bob", params=scope, json=[{"op": "remove"}])
    assert bad.status_code == 400 and bad.json()["error_msg"]
    missing = client.patch("/apisix/admin/consumers/nobody", params=scope, json=patch)
    assert missing.status_code == 404


def test_credential_post(client, scope):
    ok(client.put("/apisix/admin/consumers", params=scope, json={"username": "carol"}), 201)
    cred = {"name": "primary", "plugins": {"key-auth": {"key": "carol-key"}}}
    created = ok(
        client.post("/apisix/admin/consumers/carol/credentials", params=scope, json=cred), 201
    )
    cred_id = created["value"]["id"]
    listed = ok(client.get("/apisix/admin/consumers/carol/credentials", params=scope))
    assert [item["value"]["id"] for item in listed["list"]] == [cred_id]
    orphan = client.post("/apisix/admin/consumers/nobody/credentials", params=scope, json=cred)
    assert orphan.status_code == 404


def test_global_rule_post(client, scope):
    rule = {"plugins": {"response-rewrite": {"headers": {"set": {"X-Rule": "1"}}}}}
    created = ok(client.post("/apisix/admin/global_rules", params=scope, json=rule), 201)
    rule_id = created["value"]["id"]
    shown = ok(client.get(f"/apisix/admin/global_rules/{rule_id}", params=scope))["value"]
    assert shown["plugins"]["response-rewrite"]["headers"]["set"] == {"X-Rule": "1"}


def test_plugin_metadata_defaults_are_not_the_stored_value(client, scope):
    stored = {"allow_origins": {"shop": "https://shop.example.com"}}
    ok(client.put("/apisix/admin/plugin_metadata/cors", params=scope, json=stored), 201)
    current = ok(client.get("/apisix/admin/plugin_metadata/cors", params=scope))["value"]
    assert current["allow_origins"] == stored["allow_origins"]
    defaults = ok(client.get("/apisix/admin/plugin_metadata/cors/default", params=scope))
    assert defaults["value"] == {}  # cors's metadata schema gives no defaults
    for path in ("no-such-plugin/default", "key-auth/default"):
        refused = client.get(f"/apisix/admin/plugin_metadata/{path}", params=scope)
        assert refused.status_code == 400 and refused.json()["error_msg"], path
    ok(client.delete("/apisix/admin/plugin_metadata/cors", params=scope))
    unset = {**scope, "return_default": "true"}
    assert ok(client.get("/apisix/admin/plugin_metadata/cors", params=unset))["value"] == {}
    assert client.get("/apisix/admin/plugin_metadata/cors", params=scope).status_code == 404


def test_without_a_group_the_apisix_answers_stay(client):
    assert client.post("/apisix/admin/consumers", json={"username": "dave"}).status_code == 405
    assert client.post("/apisix/admin/global_rules", json={"plugins": {}}).status_code == 405


def test_import_services_into_a_gateway_group(client):
    group = new_group(client)
    body = {"name": "imported", "routes": [{"name": "r1", "paths": ["/imported"]}]}
    imported = ok(
        client.post("/api/import/services", params={"gateway_group_id": group["id"]}, json=body)
    )
    template_id = imported["value"]["id"]
    published = ok(client.get(f"/api/gateway_groups/{group['id']}/services/{template_id}"))
    assert published["value"]["name"] == "imported"
    routes = ok(client.get("/apisix/admin/routes", params={"gateway_group_id": group["id"]}))
    assert [item["value"]["uris"] for item in routes["list"]] == [["/imported"]]
    missing = client.post("/api/import/services", params={"gateway_group_id": "nope"}, json=body)
    assert missing.status_code == 404
    alone = ok(client.post("/api/import/services", json={**body, "name": "template-only"}))
    services = ok(client.get(f"/api/gateway_groups/{group['id']}/services"))
    assert alone["value"]["id"] not in [s["id"] for s in services["list"]]
