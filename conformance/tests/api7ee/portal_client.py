"""Builders for the developer portal scenarios: the provider side (`/api`: portals, API
products, portal tokens, approvals) and a developer calling the portal backend with a portal
token. Everything a scenario creates on the provider side is removed by `cleanup()`."""

from __future__ import annotations

from typing import Any

import httpx

from conformance.support.echo_upstream import EchoUpstream
from conformance.support.ids import unique_id

from .ee_client import Api7, body_of, upstream_of

DEFAULT_PORTAL = "default"


class Provider:
    """The provider portal of one API7 dashboard (`/api`), on top of the `ee` builders."""

    def __init__(self, ee: Api7) -> None:
        self.ee = ee
        self.client = ee.client
        self.products: list[tuple[str, str]] = []  # (portal, product)
        self.portals: list[str] = []
        self.providers: list[str] = []

    def published_service(self, echo: EchoUpstream, path: str) -> tuple[str, str]:
        """(gateway group id, service id) of a service published with one route."""
        group = self.ee.group()
        template = self.ee.template(upstream=upstream_of(echo))
        self.ee.route(template["id"], [path])
        body_of(self.ee.publish(group["id"], template["id"]))
        return group["id"], template["id"]

    def portal(self, **extra: Any) -> dict[str, Any]:
        body = {"name": unique_id("portal"), "public_url": "https://portal.example.com", **extra}
        portal = body_of(self.client.post("/portals", json=body))["value"]
        self.portals.append(portal["id"])
        return portal

    def product(self, portal: str, links: list[tuple[str, str]], **extra: Any) -> httpx.Response:
        body = {
            "name": unique_id("product"),
            "auth": {"key-auth": {}},
            "linked_gateway_services": [{"gateway_group_id": g, "service_id": s} for g, s in links],
            **extra,
        }
        answer = self.client.post("/api_products", params={"portal_id": portal}, json=body)
        if answer.status_code == 200:
            self.products.append((portal, answer.json()["value"]["id"]))
        return answer

    def dcr_provider(self, issuer: str) -> dict[str, Any]:
        body = {"name": unique_id("dcr"), "issuer": issuer}
        provider = body_of(self.client.post("/dcr_providers", json=body))["value"]
        self.providers.append(provider["id"])
        return provider

    def token(self, portal: str) -> dict[str, Any]:
        body = {"name": unique_id("token"), "expires_at": 0}
        return body_of(self.client.post("/portal_tokens", params={"portal_id": portal}, json=body))[
            "value"
        ]

    def pending_approval(self, portal: str, product_id: str) -> dict[str, Any]:
        listing = body_of(
            self.client.get("/approvals", params={"portal_id": portal, "status": "pending"})
        )
        found = [a for a in listing["list"] if a["resource_id"] == product_id]
        assert len(found) == 1, listing
        return found[0]

    def cleanup(self) -> None:
        for portal, product in self.products:
            self.client.delete(f"/api_products/{product}", params={"portal_id": portal})
        for provider in self.providers:
            self.client.delete(f"/dcr_providers/{provider}")
        for portal in self.portals:
            self.client.delete(f"/portals/{portal}")


class Developer:
    """One developer of a portal, calling the portal backend with the portal's token."""

    def __init__(self, base_url: str, token: str, developer_id: str, timeout: float) -> None:
        self.developer_id = developer_id
        headers = {"Authorization": f"Bearer {token}", "X-Portal-Developer-ID": developer_id}
        self.client = httpx.Client(base_url=base_url, headers=headers, timeout=timeout)

    def sign_up(self) -> dict[str, Any]:
        body = {"developer_id": self.developer_id, "name": f"Developer {self.developer_id}"}
        return body_of(self.client.post("/api/developers", json=body))["value"]

    def application(self) -> dict[str, Any]:
        return body_of(self.client.post("/api/applications", json={"name": unique_id("app")}))[
            "value"
        ]

    def subscribe(self, app_id: str, product_id: str, **extra: Any) -> dict[str, Any]:
        body = {"api_product_id": product_id, **extra}
        path = f"/api/applications/{app_id}/subscriptions"
        return body_of(self.client.post(path, json=body))["value"]

    def credentials(self, app_id: str) -> list[dict[str, Any]]:
        return body_of(self.client.get(f"/api/applications/{app_id}/credentials"))["list"]

    def close(self) -> None:
        self.client.close()
