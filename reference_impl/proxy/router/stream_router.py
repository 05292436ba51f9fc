"""Stream (L4) route matching, like APISIX's `ip_port` stream router.

Routes with an `sni` only match TLS connections carrying that server name (wildcards
allowed); the others are tried in the order given, and the first whose `server_addr`,
`server_port` and `remote_addr` conditions all hold wins.
"""

from __future__ import annotations

from typing import Any

from ..left_out import LeftOut
from .ip_match import IpMatcher


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


def _entry_candidate(route: dict[str, Any]) -> _StreamCandidate | None:
    """The route's candidate, or None for a subordinate xRPC route (never matched at the
    entry)."""
    if (route.get("protocol") or {}).get("superior_id"):
        return None
    return _StreamCandidate(route)


class StreamRouter:
    """Stream routes in matching order; one that cannot be compiled is left out (`left_out`)."""

    def __init__(
        self, stream_routes: list[dict[str, Any]], left_out: LeftOut | None = None
    ) -> None:
        self._plain: list[_StreamCandidate] = []
        self._tls: list[_StreamCandidate] = []
        left_out = left_out if left_out is not None else LeftOut()
        for route in stream_routes:
            candidate = left_out.compile("stream_routes", route.get("id"), _entry_candidate, route)
            if candidate is not None:
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
