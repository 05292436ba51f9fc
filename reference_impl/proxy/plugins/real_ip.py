"""real-ip: take the client address (and port) from a variable or X-Forwarded-For, for
every later phase: `remote_addr`, `remote_port`, ip-restriction, the logs."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from ..plugin_api import Ctx, Plugin, Response
from ..router import IpMatcher
from ..variables import invalidate

_LIST_SEPARATOR = re.compile(r",\s*")


def parse_addr(addr: str) -> tuple[str, int | None] | None:
    """core.utils.parse_addr: host and port of `ip`, `ip:port`, `[ipv6]:port` or `ipv6`;
    None when the port is not a number."""
    if addr.startswith("["):
        if addr.endswith("]"):
            return addr, None
        host, sep, port = addr.rpartition(":")
        if not sep or not host.endswith("]"):
            return addr, None
    elif addr.count(":") >= 2:
        return addr, None
    else:
        host, sep, port = addr.rpartition(":")
        if not sep:
            return addr, None
    return (host, int(port)) if port.isdigit() else None


def _valid_ip(host: str) -> str | None:
    """The address without IPv6 brackets, if `host` is an IP address."""
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None
    return host


class RealIp(Plugin):
    name = "real-ip"
    priority = 23000

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        trusted = conf.get("trusted_addresses")
        self._trusted = IpMatcher(trusted) if trusted else None
        self._source: str = conf["source"]
        self._recursive = bool(conf.get("recursive"))

    def _forwarded_for(self, ctx: Ctx) -> str | None:
        values = ctx.request.header_values("x-forwarded-for")
        if not values:
            return None
        addrs = values[-1]
        if "," not in addrs:
            return addrs
        if self._recursive and self._trusted is not None:
            parts = _LIST_SEPARATOR.split(addrs)
            for part in reversed(parts[1:]):
                if not self._trusted.match(part):
                    return part
            return parts[0]
        return addrs.rpartition(",")[2].lstrip(" ")

    async def rewrite(self, ctx: Ctx) -> Response | None:
        if self._trusted is not None and not self._trusted.match(ctx.var("remote_addr")):
            return None
        if self._source == "http_x_forwarded_for":
            addr = self._forwarded_for(ctx)
        else:
            addr = ctx.var(self._source)
        parsed = parse_addr(addr) if addr else None
        if parsed is None:
            return None
        ip = _valid_ip(parsed[0])
        port = parsed[1]
        if ip is None or (port is not None and not 1 <= port <= 65535):
            return None
        ctx.request.remote_addr = ip
        if port is not None:
            ctx.request.remote_port = port
        invalidate(ctx)
        return None
