"""What an approved subscription gives the gateway and the developer: a consumer with the
product's key-auth or basic-auth credential in every gateway group the product links, or an
OAuth client registered at the product's DCR provider; and taking it back."""

from __future__ import annotations

import secrets
from typing import Any

from ...api.records import Records
from ..context import Api
from . import auth, dcr
from .kinds import DCR_PROVIDERS

LABEL = "api7_portal_subscription"


def consumer_name(subscription: dict[str, Any]) -> str:
    return "portal_" + subscription["id"].replace("-", "_")


def grant(api: Api, product: dict[str, Any], subscription: dict[str, Any]) -> dict[str, Any]:
    """The credential of the subscription, put where the gateway checks it."""
    method = auth.method_of(product)
    if method == "dcr":
        provider = _provider(api.cp, product)
        client = dcr.register_client(provider, f"{product['name']} / {subscription['id']}")
        return {
            "type": "dcr",
            "issuer": provider["issuer"],
            "client_id": client["client_id"],
            "client_secret": client.get("client_secret"),
        }
    name = consumer_name(subscription)
    if method == "key-auth":
        credential: dict[str, Any] = {"type": method, "key": "a7pk-" + secrets.token_hex(16)}
        conf = {"key": credential["key"]}
    else:
        credential = {"type": method, "username": name, "password": secrets.token_hex(16)}
        conf = {"username": name, "password": credential["password"]}
    now = api.cp.clock()
    consumer = {
        "username": name,
        "desc": f"developer {subscription['developer_id']}, API product {product['name']}",
        "labels": {LABEL: subscription["id"]},
        "plugins": {method: conf},
        "create_time": now,
        "update_time": now,
    }
    for group in sorted({g for g, _ in auth.links(product)}):
        api.cp.apisix_put(group, f"/consumers/{name}", consumer)
    credential["gateway_groups"] = sorted({g for g, _ in auth.links(product)})
    return credential


def revoke(api: Api, subscription: dict[str, Any]) -> None:
    """The gateway refuses the subscription's credential from now on (its consumers go)."""
    credential = subscription.get("credential") or {}
    for group in credential.get("gateway_groups", []):
        api.cp.apisix_delete(group, f"/consumers/{consumer_name(subscription)}")


def _provider(cp: Records, product: dict[str, Any]) -> dict[str, Any]:
    provider = cp.get(DCR_PROVIDERS, product["auth"]["dcr"]["dcr_provider_id"])
    assert provider is not None  # checked when the product was written
    return provider
