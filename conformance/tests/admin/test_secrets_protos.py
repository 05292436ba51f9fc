"""Secrets (`/secrets/{manager}/{id}`) and protos.

Sources: Admin API 3.5 "Secret" (vault: uri, prefix and token required; the stored id is
"vault/{id}") and "Proto" (content required; PATCH is not offered); apisix/admin/secrets.lua
("invalid secret manager: X") and apisix/admin/proto.lua ("invalid content: ...").
"""

from __future__ import annotations

import pytest

from conformance.registry import conformance_test
from conformance.support.admin_api import expect, expect_error, list_values
from conformance.support.ids import unique_id

VAULT = {"uri": "http://127.0.0.1:8200", "prefix": "apisix/kv", "token": "apisix"}

HELLO_PROTO = """syntax = "proto3";
package helloworld;
service Greeter {
  rpc SayHello (HelloRequest) returns (HelloReply) {}
}
message HelloRequest {
  string name = 1;
}
message HelloReply {
  string message = 1;
}
"""


@conformance_test(
    name="secret-vault-crud",
    description="a vault secret is created, read, patched, listed and deleted; its id is vault/{id}",
    profile="apisix-v3",
    features=["admin-secrets"],
)
def test_secret_crud(admin):
    sid = unique_id("secret")
    created = expect(admin.put(f"/secrets/vault/{sid}", json=VAULT), 200, 201)
    assert created["value"]["id"] == f"vault/{sid}"
    assert created["key"].endswith(f"/secrets/vault/{sid}")
    assert expect(admin.get(f"/secrets/vault/{sid}"), 200)["value"]["prefix"] == "apisix/kv"
    patched = expect(admin.patch(f"/secrets/vault/{sid}", json={"prefix": "other"}), 200)["value"]
    assert patched["prefix"] == "other"
    assert patched["uri"] == VAULT["uri"]
    ids = [v["id"] for v in list_values(expect(admin.get("/secrets"), 200))]
    assert f"vault/{sid}" in ids
    expect(admin.delete(f"/secrets/vault/{sid}"), 200)
    expect(admin.get(f"/secrets/vault/{sid}"), 404)


@conformance_test(
    name="secret-validation",
    description="unknown secret managers and missing vault fields are refused with 400",
    profile="apisix-v3",
    features=["admin-secrets"],
)
@pytest.mark.parametrize(
    ("manager", "body", "fragment"),
    [
        ("nosuchmanager", VAULT, "invalid secret manager"),
        ("vault", {"uri": VAULT["uri"], "prefix": "p"}, "token"),
        ("vault", {**VAULT, "uri": "not a uri"}, "uri"),
    ],
    ids=["manager", "token", "uri"],
)
def test_secret_validation(admin, manager, body, fragment):
    expect_error(admin.put(f"/secrets/{manager}/{unique_id('s')}", json=body), 400, fragment)


@conformance_test(
    name="proto-crud",
    description="a proto with valid content is stored, listed and deleted",
    profile="apisix-v3",
    features=["admin-protos"],
)
def test_proto_crud(admin):
    pid = unique_id("proto")
    created = expect(admin.put(f"/protos/{pid}", json={"content": HELLO_PROTO}), 201)
    assert created["value"]["content"] == HELLO_PROTO
    posted = expect(admin.post("/protos", json={"content": HELLO_PROTO}), 200, 201)
    ids = [v["id"] for v in list_values(expect(admin.get("/protos"), 200))]
    assert pid in ids and posted["value"]["id"] in ids
    expect(admin.patch(f"/protos/{pid}", json={"desc": "x"}), 405)
    expect(admin.delete(f"/protos/{pid}"), 200)
    expect(admin.get(f"/protos/{pid}"), 404)


@conformance_test(
    name="proto-validation",
    description="a proto without content or with content that does not parse is 400",
    profile="apisix-v3",
    features=["admin-protos"],
)
def test_proto_validation(admin):
    expect_error(
        admin.put(f"/protos/{unique_id('p')}", json={"desc": "no content"}), 400, "content"
    )
    expect_error(
        admin.put(f"/protos/{unique_id('p')}", json={"content": "message { broken"}),
        400,
        "invalid content",
    )


@conformance_test(
    name="secret-patch-without-id",
    description="PATCH /secrets/{manager} without a secret id is 400 'no secret id'",
    profile="apisix-v3",
    features=["admin-secrets"],
)
def test_secret_patch_without_id(admin):
    # apisix/admin/resource.lua: a secret PATCH checks for its id before anything else
    message = expect_error(admin.patch("/secrets/vault", json={"prefix": "other"}), 400)
    assert message == "no secret id"
