"""Consumers (and their APISIX consumers, JWTs) and certificates (and their SSL objects)."""

from __future__ import annotations

import jwt
import pytest

from conformance.support.certs import make_certificate
from reference_impl.admin.ssl_crypto import Keyring
from reference_impl.schema import check_resource

from .conftest import Cloud


def _consumers(cloud: Cloud) -> str:
    return f"/clusters/{cloud.cluster_id}/consumers"


def test_consumer_crud_and_apisix_consumer(cloud: Cloud) -> None:
    body = {"name": "jack", "credentials": {"key_auth": {"key": "jack-key"}}, "labels": ["vip"]}
    consumer = cloud.ok(cloud.http.post(_consumers(cloud), json=body))
    assert consumer["cluster_id"] == cloud.cluster_id and consumer["name"] == "jack"
    path = f"{_consumers(cloud)}/{consumer['id']}"
    assert cloud.ok(cloud.http.get(path)) == consumer
    apisix = cloud.apisix("consumers")[f"cloud_{consumer['id']}"]
    assert apisix["plugins"]["key-auth"] == {"key": "jack-key"}
    assert check_resource("consumers", {k: v for k, v in apisix.items() if not k.endswith("_time")})
    replaced = cloud.ok(
        cloud.http.put(
            path,
            json={
                "name": "jack",
                "credentials": {"basic_auth": {"username": "j", "password": "p"}},
            },
        )
    )
    assert replaced["created_at"] == consumer["created_at"] and replaced["labels"] == []
    plugins = cloud.apisix("consumers")[f"cloud_{consumer['id']}"]["plugins"]
    assert set(plugins) == {"basic-auth"}
    patched = cloud.ok(cloud.http.patch(path, json={"description": "jack is important"}))
    assert patched["description"] == "jack is important" and patched["credentials"]["basic_auth"]
    listed = cloud.ok(cloud.http.get(_consumers(cloud), params={"search": "JA"}))
    assert listed["count"] == 1
    cloud.ok(cloud.http.delete(path))
    Cloud.fails(cloud.http.get(path), 404, 5)
    assert cloud.apisix("consumers") == {}


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "with-dash"},
        {"name": "n" * 101},
        {"name": "ok", "description": "d" * 257},
        {"name": "ok", "credentials": {"key_auth": {}}},
        {"name": "ok", "credentials": {"oauth": {}}},
        {"name": "ok", "labels": ["a", "a"]},
        {"description": "no name"},
        {},
    ],
)
def test_consumer_constraints(cloud: Cloud, body) -> None:
    Cloud.fails(cloud.http.post(_consumers(cloud), json=body), 400, 3)


def test_consumer_names_and_keys_are_unique(cloud: Cloud) -> None:
    cloud.ok(
        cloud.http.post(
            _consumers(cloud), json={"name": "a", "credentials": {"key_auth": {"key": "k"}}}
        )
    )
    Cloud.fails(cloud.http.post(_consumers(cloud), json={"name": "a"}), 409, 6)
    taken = {"name": "b", "credentials": {"key_auth": {"key": "k"}}}
    assert "key" in Cloud.fails(cloud.http.post(_consumers(cloud), json=taken), 409, 6)
    cloud.store.put(
        "/apisix/consumers/admin_made",
        {"username": "admin_made", "plugins": {"key-auth": {"key": "mine"}}},
    )
    taken = {"name": "c", "credentials": {"key_auth": {"key": "mine"}}}
    Cloud.fails(cloud.http.post(_consumers(cloud), json=taken), 409, 6)


def test_jwt_token_is_accepted_by_jwt_auth(cloud: Cloud) -> None:
    secret = "s" * 32
    body = {"name": "jwt_user", "credentials": {"jwt_auth": {"key": "user-key", "secret": secret}}}
    consumer = cloud.ok(cloud.http.post(_consumers(cloud), json=body))
    path = f"{_consumers(cloud)}/{consumer['id']}/jwt_token"
    token = cloud.ok(cloud.http.post(path, json={"ttl": 60, "custom_payload": {"tier": "gold"}}))[
        "token"
    ]
    claims = jwt.decode(token, secret, algorithms=["HS256"])
    assert claims["key"] == "user-key" and claims["tier"] == "gold"
    assert claims["exp"] - claims["iat"] == 60
    default = jwt.decode(cloud.ok(cloud.http.post(path))["token"], secret, algorithms=["HS256"])
    assert default["exp"] - default["iat"] == 86400
    apisix = cloud.apisix("consumers")[f"cloud_{consumer['id']}"]
    assert apisix["plugins"]["jwt-auth"]["key"] == "user-key"
    Cloud.fails(cloud.http.post(path, json={"ttl": 0}), 400, 3)
    Cloud.fails(cloud.http.post(path, json={"custom_payload": {}}), 400, 3)
    plain = cloud.ok(cloud.http.post(_consumers(cloud), json={"name": "plain"}))
    Cloud.fails(cloud.http.post(f"{_consumers(cloud)}/{plain['id']}/jwt_token"), 409, 9)


def _certificates(cloud: Cloud) -> str:
    return f"/clusters/{cloud.cluster_id}/certificates"


def test_certificate_create_get_list_delete(cloud: Cloud) -> None:
    generated = make_certificate("shop.example.com", "*.shop.example.com")
    body = {"certificate": generated.cert_pem, "private_key": generated.key_pem, "labels": ["web"]}
    cert = cloud.ok(cloud.http.post(_certificates(cloud), json=body))
    assert cert["type"] == "Server" and cert["snis"] == ["shop.example.com", "*.shop.example.com"]
    assert cert["not_after"] > cert["not_before"] and cert["serial_number"]
    assert "private_key" not in cert and "certificate" not in cert
    path = f"{_certificates(cloud)}/{cert['id']}"
    assert cloud.ok(cloud.http.get(path)) == cert
    listed = cloud.ok(
        cloud.http.get(_certificates(cloud), params={"search": "shop", "order_by": "not_after"})
    )
    assert [c["id"] for c in listed["list"]] == [cert["id"]]
    ssl = cloud.apisix("ssls")[f"cloud-cert-{cert['id']}"]
    assert ssl["snis"] == cert["snis"] and not ssl["key"].startswith("-----")
    assert Keyring.from_config({}).decrypt(ssl["key"]) == generated.key_pem
    stored = cloud.store.get(f"/gwconform/cloud/certificates/{cert['id']}").value
    assert not stored["private_key"].startswith("-----"), "keys are stored encrypted"
    cloud.ok(cloud.http.delete(path))
    Cloud.fails(cloud.http.get(path), 404, 5)
    assert cloud.apisix("ssls") == {}


def test_client_certificates_are_not_ssl_objects(cloud: Cloud) -> None:
    generated = make_certificate("client.example.com")
    body = {"certificate": generated.cert_pem, "private_key": generated.key_pem, "type": "Client"}
    assert cloud.ok(cloud.http.post(_certificates(cloud), json=body))["type"] == "Client"
    assert cloud.apisix("ssls") == {}


def test_certificate_constraints(cloud: Cloud) -> None:
    one, two = make_certificate("a.example.com"), make_certificate("b.example.com")
    mismatched = {"certificate": one.cert_pem, "private_key": two.key_pem}
    assert "does not match" in Cloud.fails(
        cloud.http.post(_certificates(cloud), json=mismatched), 400, 3
    )
    short = {"certificate": "x" * 127, "private_key": one.key_pem}
    Cloud.fails(cloud.http.post(_certificates(cloud), json=short), 400, 3)
    garbage = {"certificate": "x" * 200, "private_key": one.key_pem}
    Cloud.fails(cloud.http.post(_certificates(cloud), json=garbage), 400, 3)
    typed = {"certificate": one.cert_pem, "private_key": one.key_pem, "type": "Both"}
    Cloud.fails(cloud.http.post(_certificates(cloud), json=typed), 400, 3)
    Cloud.fails(cloud.http.get(f"{_certificates(cloud)}/0"), 400, 3)
    Cloud.fails(cloud.http.get(f"{_certificates(cloud)}/42"), 404, 5)
