"""Serve the Cloud API at `/api/v1` beside another ASGI app (the Admin API) on one port.

A plain prefix test rather than Starlette's `Mount`, whose pattern does not match paths with
a decoded newline: such requests must still reach the Cloud app and get its envelope."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from ..config import GatewayConfig
from ..store import Store
from .app import create_cloud_app

PREFIX = "/api/v1"


class CloudDispatcher:
    """`/api/v1` and below to the Cloud app, every other request to `fallback`."""

    def __init__(self, cloud: ASGIApp, fallback: ASGIApp, prefix: str = PREFIX) -> None:
        self.cloud, self.fallback, self.prefix = cloud, fallback, prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and (path == self.prefix or path.startswith(self.prefix + "/")):
            scope = {**scope, "root_path": scope.get("root_path", "") + self.prefix}
            await self.cloud(scope, receive, send)
        else:
            await self.fallback(scope, receive, send)


def with_cloud_api(admin_app: ASGIApp, config: GatewayConfig, store: Store) -> ASGIApp:
    """`admin_app` with the Cloud API mounted at `/api/v1` (what the server listens with)."""
    return CloudDispatcher(create_cloud_app(config, store), admin_app)
