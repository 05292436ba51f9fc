"""Stream (L4) route matching, like APISIX's `ip_port` stream router.

Routes with an `sni` only match TLS connections carrying that server name (wildcards
allowed); the others are tried in the order given, and the first whose `server_addr`,
`server_port` and `remote_addr` conditions all hold wins.
"""

from __future__ import annotations

import logging
from typing import Any

from .ip_match import IpMatcher

log = logging.getLogger(__name__)


class _StreamCandidate:
    __slots__ = ("remote", "route", "server", "server_port", "sni")

    def __init__(self, route: dict[str, Any]) -> None:
        self.route = route
        self.remote = IpMatcher([route["remote_addr"]]) if route.get("remote_addr") else None
        self.server = IpMatcher([route["server_addr"]]) if route.get("server_addr") else None
        port = route.get("server_port")
        self.server_port = int(port) if port is not None else None
        sni = route.get("sni")
        self.sni = sni.lower() if isinstance(sni, str) and sni else None

    def addresses_match(self, server_addr: str, server_port: int, remote_addr: str) -> bool:
        if self.remote is not None and not self.remote.match(remote_addr):
            return False
        if self.server is not None and not self.server.match(server_addr):
            return False
        return self.server_port is None or self.server_port == server_port

    def sni_matches(self, sni: str) -> bool:
        if self.sni is None:
            return False
        if self.sni.startswith("*"):
            return sni.endswith(self.sni[1:])
        return sni == self.sni


class StreamRouter:
    def __init__(self, stream_routes: list[dict[str, Any]]) -> None:
        self._plain: list[_StreamCandidate] = []
        self._tls: list[_StreamCandidate] = []
        for route in stream_routes:
            if (route.get("protocol") or {}).get("superior_id"):
                continue  # a subordinate xRPC route is never matched at the entry
            try:
                candidate = _StreamCandidate(route)
            except ValueError as exc:
                log.warning("stream route %s left out: %s", route.get("id"), exc)
                continue
            (self._tls if candidate.sni else self._plain).append(candidate)
        # the most specific server name first, as a radix tree on reversed names would try
        self._tls.sort(key=lambda c: (c.sni.startswith("*"), -len(c.sni or "")))

    def match(
        self, server_addr: str, server_port: int, remote_addr: str, sni: str | None = None
    ) -> dict[str, Any] | None:
        if sni:
            sni = sni.lower()
            for candidate in self._tls:
                if candidate.sni_matches(sni) and candidate.addresses_match(
                    server_addr, server_port, remote_addr
                ):
                    return candidate.route
        for candidate in self._plain:
            if candidate.addresses_match(server_addr, server_port, remote_addr):
                return candidate.route
        return None
