"""Answers that follow Apache APISIX's own code and tests: the schema endpoints, a missing
consumer's credentials, a secret PATCH without an id, and the 2.x `/ssl` path in v2 mode."""

from __future__ import annotations

import pytest

from reference_impl.schema import resources

from .certs import cert_and_key
from .conftest import put_ok


def test_schema_of_resources(api):
    assert api.get("/schema/route").json() == resources.ROUTE
    assert api.get("/schema/ssl").json() == resources.SSL
    assert api.get("/schema/credential").json() == resources.CREDENTIAL
    for name in ("routes", "secret", "validate", "check"):
        missing = api.get(f"/schema/{name}")
        assert (missing.status_code, missing.json()) == (
            400,
            {"error_msg": f"not found schema: {name}"},
        )
    for method in ("put", "post", "patch", "delete"):
        refused = api.request(method.upper(), "/schema/route", json={})
        assert (refused.status_code, refused.json()) == (404, {"error_msg": "not found"})


def test_schema_of_plugins(api):
    assert api.get("/schema/plugins/key-auth").json() == api.get("/plugins/key-auth").json()
    consumer = api.get("/schema/plugins/key-auth?schema_type=consumer").json()
    assert consumer["required"] == ["key"] and "_meta" not in consumer["properties"]
    assert api.get("/schema/plugins/limit-count?schema_type=consumer").json() == {
        "error_msg": "not found schema"
    }
    # apisix/admin/plugins.lua knows no schema_type but consumer: the plugin schema
    cors = api.get("/plugins/cors?schema_type=metadata").json()
    assert cors == api.get("/plugins/cors").json()
    for path in ("/schema/plugins/no-such", "/schema/plugins", "/schema/plugins/list"):
        missing = api.get(path)
        assert (missing.status_code, missing.json()) == (
            404,
            {"error_msg": "plugin not found in subsystem http"},
        ), path
    assert api.put("/schema/plugins/key-auth", json={}).status_code == 404


def test_credentials_of_a_missing_consumer(api):
    missing = api.get("/consumers/ghost/credentials")
    assert (missing.status_code, missing.json()) == (404, {"message": "Key not found"})
    put_ok(api, "/consumers", {"username": "jack"})
    assert api.get("/consumers/jack/credentials").json() == {"total": 0, "list": []}


@pytest.mark.parametrize("path", ["/secrets/vault", "/secrets"])
def test_secret_patch_without_id(api, path):
    resp = api.patch(path, json={"token": "t"})
    assert (resp.status_code, resp.json()) == (400, {"error_msg": "no secret id"})


def test_v2_ssl_path_is_the_ssls_objects(client_factory):
    cert, key = cert_and_key("v2.test.com")
    body = {"cert": cert, "key": key, "snis": ["v2.test.com"]}
    v3 = client_factory()
    refused = v3.put("/ssl/1", json=body)
    assert (refused.status_code, refused.json()) == (
        404,
        {"error_msg": "Unsupported resource type: ssl"},
    )
    v2 = client_factory({"deployment": {"admin": {"admin_api_version": "v2"}}})
    created = v2.put("/ssl/1", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["node"]["key"] == "/apisix/ssls/1"
    via_ssls = v2.get("/ssls/1").json()["node"]["value"]
    assert via_ssls["snis"] == ["v2.test.com"] and "key" not in via_ssls
    assert [n["value"]["id"] for n in v2.get("/ssl").json()["node"]["nodes"]] == ["1"]
    assert v2.patch("/ssl/1", json={"snis": ["v2.test.com"]}).status_code == 200
    assert v2.delete("/ssl/1").json()["key"] == "/apisix/ssls/1"
    assert v2.get("/ssls/1").status_code == 404
