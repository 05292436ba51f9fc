"""Who may call the Admin API: the role of the admin key the caller acts with, as the admin
port identified it (`reference_impl.caller`). `allow_admin` is checked once for the whole
admin port, before any API (`reference_impl.admin_port.AllowAdmin`); its entries are parsed
here."""

from __future__ import annotations

import ipaddress

from starlette.requests import Request

from ..api.errors import ApiError
from ..caller import admin_key_caller, caller_in
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


def admin_roles(config: GatewayConfig) -> dict[str, str]:
    """Each gateway admin key's role."""
    return {k.key: k.role for k in config.admin_keys}


class Guard:
    def __init__(self, config: GatewayConfig) -> None:
        self.key_required = config.admin_key_required and bool(config.admin_keys)
        self.roles = admin_roles(config)

    def check(self, request: Request) -> None:
        """Raise ApiError (401 without a valid key, 403 for a viewer key on a method
        other than GET) unless the request may proceed."""
        if not self.key_required:
            return
        caller = caller_in(request.scope)
        if caller is None:  # an Admin API served on its own, without the admin port
            caller = admin_key_caller(request, self.roles, request.headers.get("x-api-key"))
        if caller.admin_role is None:
            raise _token_error(401, caller.admin_key_error)
        if caller.admin_role == "viewer" and request.method not in ("GET", "HEAD"):
            raise _token_error(403, "invalid method for role viewer")


def _token_error(status: int, description: str) -> ApiError:
    return ApiError(status, {"error_msg": "failed to check token", "description": description})
