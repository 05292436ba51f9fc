"""What an API product's authentication puts on the published services it links: the
plugin each linked service of a published product runs in its gateway group (key-auth,
basic-auth, or openid-connect verifying the tokens of the product's DCR provider)."""

from __future__ import annotations

from typing import Any

from ...api.errors import ApiError
from ...api.records import Records
from .kinds import API_PRODUCTS, DCR_PROVIDERS

METHODS = ("key-auth", "basic-auth", "dcr")


def method_of(product: dict[str, Any]) -> str:
    """The product's one authentication method."""
    return next(iter(product["auth"]))


def links(product: dict[str, Any]) -> set[tuple[str, str]]:
    return {(s["gateway_group_id"], s["service_id"]) for s in product["linked_gateway_services"]}


def service_plugins(cp: Records, group_id: str, service_id: str) -> dict[str, Any]:
    """The plugins the published API products linking this service put on it."""
    plugins: dict[str, Any] = {}
    for kv in cp.entries(API_PRODUCTS):
        product = kv.value
        if not isinstance(product, dict) or product.get("status") != "published":
            continue
        if (group_id, service_id) in links(product):
            plugins.update(plugin_of(cp, product))
    return plugins


def plugin_of(cp: Records, product: dict[str, Any]) -> dict[str, Any]:
    method = method_of(product)
    if method != "dcr":
        return {method: {}}
    provider_id = product["auth"]["dcr"]["dcr_provider_id"]
    provider = cp.get(DCR_PROVIDERS, provider_id)
    if provider is None:
        raise ApiError(400, f"invalid auth: DCR provider {provider_id} not found")
    # bearer tokens checked against the provider's keys (JWKS): the client id and secret
    # name the provider, the plugin's bearer-only mode never uses them
    issuer = provider["issuer"].rstrip("/")
    return {
        "openid-connect": {
            "client_id": provider_id,
            "client_secret": provider_id,
            "discovery": f"{issuer}/.well-known/openid-configuration",
            "bearer_only": True,
            "use_jwks": True,
        }
    }


def check_shared(cp: Records, product: dict[str, Any]) -> None:
    """Two published products linking one service must ask for the same authentication."""
    if product.get("status") != "published":
        return
    mine = plugin_of(cp, product)
    for kv in cp.entries(API_PRODUCTS):
        other = kv.value
        if not isinstance(other, dict) or other.get("id") == product.get("id"):
            continue
        shared = other.get("status") == "published" and links(other) & links(product)
        if shared and plugin_of(cp, other) != mine:
            raise ApiError(
                400,
                f"invalid auth: a linked service is in published API product {other['id']} "
                "with another authentication method",
            )
