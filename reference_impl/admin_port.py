"""Everything the admin port serves: the APISIX Admin API (`/apisix/admin`), the API7
Enterprise control plane (`/api`) behind IAM, and the API7 Cloud API (`/api/v1`), all
behind one `deployment.admin.allow_admin` check (`AllowAdmin`)."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from .admin.auth import Network, parse_networks
from .api7ee import create_admin_port_app
from .cloud import with_cloud_api
from .config import GatewayConfig
from .iam import IamMiddleware, create_iam_app
from .store import Store


class AllowAdmin:
    """`deployment.admin.allow_admin` for the whole admin port, whatever API a request is
    for: a client outside every listed network gets 403 before any API sees the request, as
    APISIX's `allow ...; deny all;` on its admin server. An empty list lets everyone in."""

    def __init__(self, app: ASGIApp, allow_admin: list[str]) -> None:
        self.app = app
        self.networks: list[Network] = parse_networks(allow_admin)

    def allows(self, host: str) -> bool:
        if not self.networks:
            return True
        try:
            addr = ipaddress.ip_address(host)
        except ValueError:
            return False
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
            addr = addr.ipv4_mapped
        return any(addr in network for network in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = (scope.get("client") or ("", 0))[0]
        if self.allows(host):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # answered 403 before accept
            return
        body = json.dumps({"error_msg": f"access from {host or 'unknown'} is not allowed"}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 403, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def create_admin_port(
    config: GatewayConfig, store: Store, *, launch_data_planes: bool = True
) -> tuple[Any, Any]:
    """The ASGI app, and the gateway groups' data planes (`sync()` at start, `stop_all()` at
    shutdown)."""
    control_plane = create_admin_port_app(config, store, launch_data_planes=launch_data_planes)
    control_plane.add_middleware(IamMiddleware, iam_app=create_iam_app(config, store))
    # the Cloud API is outside the rest so the API7 `/api` dispatcher never sees `/api/v1`
    # paths; allow_admin is outermost: one check for everything the port serves
    port = AllowAdmin(with_cloud_api(control_plane, config, store), config.allow_admin)
    return port, control_plane.state.data_planes
