"""A small client for the API7 Enterprise `/api` control plane used by the api7ee scenarios:
builders for gateway groups, service templates and routes, publishing, and finding a
gateway group's data plane. Everything a scenario creates is removed by `cleanup()`."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit

import httpx

from conformance.support.echo_upstream import EchoUpstream
from conformance.support.eventually import converge
from conformance.support.ids import unique_id
from conformance.timeouts import TimeoutConfig


def body_of(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url} -> {response.status_code}: {response.text[:300]}"
    )
    return response.json() if response.content else None


def items(listing: dict[str, Any]) -> list[dict[str, Any]]:
    """Objects of a list answer, whether bare (API7) or wrapped in `value` (APISIX 3)."""
    return [item.get("value", item) if isinstance(item, dict) else item for item in listing["list"]]


def upstream_of(*echoes: EchoUpstream) -> dict[str, Any]:
    nodes = []
    for echo in echoes:
        host, port = echo.node.rsplit(":", 1)
        nodes.append({"host": host, "port": int(port), "weight": 1})
    return {"type": "roundrobin", "nodes": nodes}


class Api7:
    def __init__(self, client: httpx.Client, dashboard_url: str, timeouts: TimeoutConfig) -> None:
        self.client = client
        self.timeouts = timeouts
        self.dashboard_url = dashboard_url.rstrip("/")
        self.groups: list[str] = []
        self.templates: list[str] = []

    # --- builders ---------------------------------------------------------------------------
    def group(self, **extra: Any) -> dict[str, Any]:
        group = body_of(
            self.client.post("/gateway_groups", json={"name": unique_id("gg"), **extra})
        )["value"]
        self.groups.append(group["id"])
        return group

    def template(self, **extra: Any) -> dict[str, Any]:
        body = {"name": unique_id("svc"), **extra}
        template = body_of(self.client.post("/services/template", json=body))["value"]
        self.templates.append(template["id"])
        return template

    def route(self, service_id: str, paths: list[str], **extra: Any) -> dict[str, Any]:
        body = {"name": unique_id("route"), "paths": paths, "service_id": service_id, **extra}
        return body_of(self.client.post("/routes/template", json=body))["value"]

    def publish(self, group_id: str, service_id: str, version: str | None = None) -> httpx.Response:
        item: dict[str, Any] = {"service_id": service_id, "version": version or unique_id("v")}
        body = {"gateway_group_id": group_id, "create_new_version": True, "services": [item]}
        return self.client.post("/services/publish", json=body)

    def rollback(self, group_id: str, service_id: str, service_version_id: str) -> httpx.Response:
        item = {"service_id": service_id, "service_version_id": service_version_id}
        body = {"gateway_group_id": group_id, "create_new_version": False, "services": [item]}
        return self.client.post("/services/publish", json=body)

    def published(self, group_id: str, service_id: str) -> httpx.Response:
        return self.client.get(f"/gateway_groups/{group_id}/services/{service_id}")

    def apisix(self, method: str, path: str, group_id: str, **kwargs: Any) -> httpx.Response:
        """The APISIX-compatible Admin API of a gateway group."""
        params = {**kwargs.pop("params", {}), "gateway_group_id": group_id}
        url = f"{self.dashboard_url}/apisix/admin{path}"
        return self.client.request(method, url, params=params, **kwargs)

    # --- data planes ------------------------------------------------------------------------
    def data_plane_url(self, group_id: str) -> str:
        """The HTTP address of a gateway group's data plane, once it accepts connections."""

        def find() -> str:
            listing = body_of(self.client.get(f"/gateway_groups/{group_id}/instances"))
            assert listing["list"], f"gateway group {group_id} has no gateway instance yet"
            instance = listing["list"][0]
            url = (
                instance.get("data_plane_url") or f"http://{instance['ip']}:{instance['ports'][0]}"
            )
            parts = urlsplit(url)
            with socket.create_connection((parts.hostname, parts.port), timeout=1):
                return url

        return converge(
            find,
            self.timeouts,
            within=self.timeouts.data_plane_start,
            interval=0.2,
            retry_on=(AssertionError, OSError),
        )

    # --- clean-up -----------------------------------------------------------------------------
    def cleanup(self) -> None:
        for group_id in self.groups:
            for service_id in self.templates:
                self.client.delete(f"/gateway_groups/{group_id}/services/{service_id}")
        for service_id in self.templates:
            for group in items(self.client.get("/gateway_groups").json()):
                self.client.delete(f"/gateway_groups/{group['id']}/services/{service_id}")
            self.client.delete(f"/services/template/{service_id}")
        for group_id in self.groups:
            self.client.delete(f"/gateway_groups/{group_id}")
