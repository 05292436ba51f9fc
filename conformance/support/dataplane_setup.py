"""Configure a gateway for a data plane scenario and wait until it serves it."""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from ..timeouts import TimeoutConfig
from .admin_api import expect
from .eventually import converge
from .traffic import served_by


class Node(Protocol):
    """A server an upstream can name: an HTTP echo, a TCP echo."""

    @property
    def node(self) -> str: ...


def nodes(*servers: Node, weights: tuple[int, ...] | None = None) -> dict[str, int]:
    weights = weights or (1,) * len(servers)
    return {server.node: weight for server, weight in zip(servers, weights, strict=True)}


def echo_upstream(*servers: Node, **fields: Any) -> dict[str, Any]:
    """An upstream body over echo servers (round robin unless `type` says otherwise)."""
    return {"type": "roundrobin", "nodes": nodes(*servers), **fields}


def put(admin: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """PUT a resource, asserting it was accepted; return its stored value."""
    return expect(admin.put(path, json=body), 200, 201)["value"]


def plugin_route(
    admin: httpx.Client, echo: Node, tag: str, name: str, plugins: dict[str, Any]
) -> str:
    """PUT the route `{tag}-{name}` serving `/{tag}/{name}*` through `plugins` to `echo`;
    return its path."""
    path = f"/{tag}/{name}"
    put(
        admin,
        f"/routes/{tag}-{name}",
        {"uri": path + "*", "plugins": plugins, "upstream": echo_upstream(echo)},
    )
    return path


def wait_served(
    client: httpx.Client,
    path: str,
    backend: str | None,
    timeouts: TimeoutConfig,
    status: int = 200,
    once: bool = False,
    **request: Any,
) -> httpx.Response:
    """Wait until GET `path` answers `status` (from `backend`, when given) as the run's
    timeouts say (`once`: see `converge`)."""

    def probe() -> httpx.Response:
        try:
            response = client.get(path, **request)
        except httpx.TransportError as exc:
            raise AssertionError(f"GET {path}: {type(exc).__name__}: {exc}") from None
        assert response.status_code == status, (
            f"GET {path}: {response.status_code} {response.text[:200]!r}"
        )
        if backend is not None:
            assert served_by(response) == backend, f"GET {path}: served by {served_by(response)}"
        return response

    return converge(probe, timeouts, once=once)
