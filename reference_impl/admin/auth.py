"""Who may call the Admin API: the X-API-KEY and its role. `allow_admin` is checked once for
the whole admin port, before any API (`reference_impl.admin_port.AllowAdmin`); its entries
are parsed here."""

from __future__ import annotations

import ipaddress

from starlette.requests import Request

from ..api.errors import ApiError
from ..config import ConfigError, GatewayConfig

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: list[str]) -> list[Network]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ConfigError(f"invalid deployment.admin.allow_admin entry: {entry!r}") from None
    return networks


class Guard:
    def __init__(self, config: GatewayConfig) -> None:
        self.key_required = config.admin_key_required and bool(config.admin_keys)
        self.roles = {k.key: k.role for k in config.admin_keys}

    def check(self, request: Request) -> None:
        """Raise ApiError (401 without a valid key, 403 for a viewer key on a method
        other than GET) unless the request may proceed."""
        if not self.key_required:
            return
        token = (
            request.query_params.get("api_key")
            or request.headers.get("x-api-key")
            or request.cookies.get("X-API-KEY")
            or request.cookies.get("x_api_key")
        )
        if not token:
            raise _token_error(401, "missing apikey")
        role = self.roles.get(token)
        if role is None:
            raise _token_error(401, "wrong apikey")
        if role == "viewer" and request.method not in ("GET", "HEAD"):
            raise _token_error(403, "invalid method for role viewer")


def _token_error(status: int, description: str) -> ApiError:
    return ApiError(status, {"error_msg": "failed to check token", "description": description})
