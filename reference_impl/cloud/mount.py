"""Serve the Cloud API at `/api/v1` beside another ASGI app (the Admin API) on one port."""

from __future__ import annotations

from starlette.types import ASGIApp

from ..config import GatewayConfig
from ..prefix_dispatch import PrefixDispatcher
from ..store import Store
from .app import create_cloud_app

PREFIX = "/api/v1"


def with_cloud_api(admin_app: ASGIApp, config: GatewayConfig, store: Store) -> ASGIApp:
    """`admin_app` with the Cloud API mounted at `/api/v1` (what the server listens with)."""
    return PrefixDispatcher(create_cloud_app(config, store), admin_app, PREFIX)
