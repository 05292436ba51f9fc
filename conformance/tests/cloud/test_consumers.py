"""Consumers: CRUD, constraints, and JSON Web Token creation."""

from __future__ import annotations

import jwt
import pytest

from conformance.registry import conformance_test

from .envelope import ID, payload, refused


@conformance_test(
    name="cloud-consumer-crud",
    description="a consumer is created with credentials, read, replaced, patched and deleted",
    profile="api7cloud",
    features=["cloud-consumers"],
)
def test_consumer_crud(cloud, cluster) -> None:
    consumers = f"/clusters/{cluster['id']}/consumers"
    body = {"name": "jack", "description": "vip", "credentials": {"key_auth": {"key": "jack-key"}}}
    consumer = payload(cloud.post(consumers, json=body))
    assert ID.match(consumer["id"]) and consumer["name"] == "jack"
    path = f"{consumers}/{consumer['id']}"
    assert payload(cloud.get(path))["description"] == "vip"
    payload(cloud.put(path, json={"name": "jack", "labels": ["gold"]}))
    assert payload(cloud.get(path))["labels"] == ["gold"]
    payload(cloud.patch(path, json={"description": "patched"}))
    assert payload(cloud.get(path))["description"] == "patched"
    assert [c["id"] for c in payload(cloud.get(consumers))["list"]] == [consumer["id"]]
    refused(cloud.post(consumers, json={"name": "jack"}), 400, 409)
    payload(cloud.delete(path))
    refused(cloud.get(path), 404)


@conformance_test(
    name="cloud-consumer-constraints",
    description="consumer names have 1 to 100 of [a-zA-Z0-9_]; descriptions at most 256",
    profile="api7cloud",
    features=["cloud-validation"],
)
@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "has-dash"},
        {"name": "n" * 101},
        {"name": "ok", "description": "d" * 257},
        {"name": "ok", "labels": ["bad label"]},
        {"description": "no name"},
    ],
)
def test_consumer_constraints(cloud, cluster, body) -> None:
    refused(cloud.post(f"/clusters/{cluster['id']}/consumers", json=body), 400)


@conformance_test(
    name="cloud-consumer-jwt",
    description="a consumer's JSON Web Token is HS256, signed with its secret, carries its key",
    profile="api7cloud",
    features=["cloud-consumer-jwt"],
)
def test_consumer_jwt(cloud, cluster) -> None:
    secret = "conformance-secret-0123456789abcdef"
    body = {"name": "jwt_user", "credentials": {"jwt_auth": {"key": "jwt-key", "secret": secret}}}
    consumer = payload(cloud.post(f"/clusters/{cluster['id']}/consumers", json=body))
    path = f"/clusters/{cluster['id']}/consumers/{consumer['id']}/jwt_token"
    token = payload(cloud.post(path, json={"ttl": 120, "custom_payload": {"team": "qa"}}))["token"]
    claims = jwt.decode(token, secret, algorithms=["HS256"])
    assert claims["key"] == "jwt-key" and claims["team"] == "qa"
    refused(cloud.post(path, json={"ttl": 0}), 400)
