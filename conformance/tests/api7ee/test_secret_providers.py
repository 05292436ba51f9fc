"""API7 secret providers (`/apisix/admin/secret_providers/{provider}/{id}?gateway_group_id=`):
a provider is the gateway group's APISIX secret object, its usage lists the resources whose
configuration references it, and it cannot be deleted while referenced."""

from __future__ import annotations

from conformance.registry import conformance_test
from conformance.support.ids import unique_id, unique_username

from .ee_client import body_of, items

VAULT = {"uri": "http://127.0.0.1:8200", "prefix": "kv/apisix", "token": "gwconform-vault-token"}


def _put_provider(ee, group_id: str, provider_id: str) -> dict:
    path = f"/secret_providers/vault/{provider_id}"
    return body_of(ee.apisix("PUT", path, group_id, json=VAULT))["value"]


@conformance_test(
    name="ee-secret-provider-is-apisix-secret",
    description="a Vault secret provider of a gateway group is the group's APISIX secret "
    "vault/<id>, listed and deleted by the id its list item carries",
    profile="api7ee",
    features=["ee-secret-providers"],
)
def test_provider_is_the_apisix_secret(ee):
    group_id = ee.group()["id"]
    provider_id = unique_id("vault")
    created = _put_provider(ee, group_id, provider_id)
    assert created["uri"] == VAULT["uri"] and created["prefix"] == VAULT["prefix"]

    secret = body_of(ee.apisix("GET", f"/secrets/vault/{provider_id}", group_id))["value"]
    for field, expected in VAULT.items():
        assert secret[field] == expected, field
    shown = body_of(ee.apisix("GET", f"/secret_providers/vault/{provider_id}", group_id))["value"]
    assert shown["uri"] == secret["uri"] and shown["prefix"] == secret["prefix"]

    replaced = {**VAULT, "prefix": "kv/rotated"}
    body_of(ee.apisix("PUT", f"/secret_providers/vault/{provider_id}", group_id, json=replaced))
    secret = body_of(ee.apisix("GET", f"/secrets/vault/{provider_id}", group_id))["value"]
    assert secret["prefix"] == "kv/rotated"

    listing = body_of(ee.apisix("GET", "/secret_providers", group_id))
    mine = [p for p in items(listing) if provider_id in str(p.get("id"))]
    assert len(mine) == 1, listing
    body_of(ee.apisix("DELETE", f"/secret_providers/{mine[0]['id']}", group_id))
    assert ee.apisix("GET", f"/secrets/vault/{provider_id}", group_id).status_code == 404
    gone = ee.apisix("GET", f"/secret_providers/vault/{provider_id}", group_id)
    assert gone.status_code == 404 and gone.json().get("error_msg")


@conformance_test(
    name="ee-secret-provider-bad-body",
    description="a secret provider without its required token, or of an unknown kind, is "
    "refused with a 4xx and an error_msg",
    profile="api7ee",
    features=["ee-secret-providers"],
)
def test_bad_provider_refused(ee):
    group_id = ee.group()["id"]
    provider_id = unique_id("vault")
    no_token = {k: v for k, v in VAULT.items() if k != "token"}
    for path, body in (
        (f"/secret_providers/vault/{provider_id}", no_token),
        (f"/secret_providers/vault/{provider_id}", {**VAULT, "uri": "not a uri"}),
        (f"/secret_providers/no-such-kind/{provider_id}", VAULT),
    ):
        response = ee.apisix("PUT", path, group_id, json=body)
        assert 400 <= response.status_code < 500, (path, response.status_code, response.text)
        assert response.json().get("error_msg"), response.text
    assert ee.apisix("GET", f"/secrets/vault/{provider_id}", group_id).status_code == 404


@conformance_test(
    name="ee-secret-provider-usage",
    description="a consumer whose key-auth key is a $secret://vault/<id>/... reference shows "
    "in the provider's usage and keeps the provider from being deleted until it goes",
    profile="api7ee",
    features=["ee-secret-providers", "ee-consumers"],
)
def test_usage_blocks_delete(ee):
    group_id = ee.group()["id"]
    provider_id, unused_id = unique_id("vault"), unique_id("vault")
    _put_provider(ee, group_id, provider_id)
    _put_provider(ee, group_id, unused_id)
    user = unique_username("sp")
    consumer = {"plugins": {"key-auth": {"key": f"$secret://vault/{provider_id}/{user}/key"}}}
    consumers = f"/gateway_groups/{group_id}/consumers"
    body_of(ee.client.put(f"{consumers}/{user}", json=consumer))
    usage = f"/gateway_groups/{group_id}/secret_providers/vault/{provider_id}/usage"
    try:
        rows = items(body_of(ee.client.get(usage)))
        assert [(r["resource_type"], r["id"]) for r in rows] == [("consumer", user)], rows
        only = items(body_of(ee.client.get(usage, params={"resource_type": "route"})))
        assert only == []
        unused = f"/gateway_groups/{group_id}/secret_providers/vault/{unused_id}/usage"
        assert body_of(ee.client.get(unused))["total"] == 0

        refused = ee.apisix("DELETE", f"/secret_providers/vault/{provider_id}", group_id)
        assert refused.status_code == 400 and refused.json().get("error_msg"), refused.text
        still = ee.apisix("GET", f"/secrets/vault/{provider_id}", group_id)
        assert still.status_code == 200
    finally:
        ee.client.delete(f"{consumers}/{user}")
    assert body_of(ee.client.get(usage))["total"] == 0
    body_of(ee.apisix("DELETE", f"/secret_providers/vault/{provider_id}", group_id))
    body_of(ee.apisix("DELETE", f"/secret_providers/vault/{unused_id}", group_id))
