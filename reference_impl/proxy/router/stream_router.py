"""Stream (L4) route matching, like APISIX's `ip_port` stream router.

Routes with an `sni` only match TLS connections carrying that server name (wildcards
allowed); the others are tried in the order given, and the first whose `server_addr`,
`server_port` and `remote_addr` conditions all hold wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar, overload

from ..left_out import LeftOut
from .ip_match import IpMatcher

R = TypeVar("R")


class _StreamCandidate(Generic[R]):
    __slots__ = ("remote", "route", "server", "server_port", "sni")

    def __init__(self, conf: dict[str, Any], route: R) -> None:
        self.route = route
        self.remote = IpMatcher([conf["remote_addr"]]) if conf.get("remote_addr") else None
        self.server = IpMatcher([conf["server_addr"]]) if conf.get("server_addr") else None
        port = conf.get("server_port")
        self.server_port = int(port) if port is not None else None
        sni = conf.get("sni")
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


def _entry_candidate(conf: dict[str, Any], route: R) -> _StreamCandidate[R] | None:
    """The route's candidate, or None for a subordinate xRPC route (never matched at the
    entry)."""
    if (conf.get("protocol") or {}).get("superior_id"):
        return None
    return _StreamCandidate(conf, route)


def _itself(route: Any) -> dict[str, Any]:
    return route


class StreamRouter(Generic[R]):
    """Stream routes in matching order: confs, or objects whose conf `conf(route)` gives
    (returned by `match`); one that cannot be compiled is left out (`left_out`)."""

    @overload
    def __init__(
        self: StreamRouter[dict[str, Any]],
        stream_routes: Iterable[dict[str, Any]],
        left_out: LeftOut | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        stream_routes: Iterable[R],
        left_out: LeftOut | None = None,
        *,
        conf: Callable[[R], dict[str, Any]],
    ) -> None: ...
    def __init__(
        self,
        stream_routes: Iterable[Any],
        left_out: LeftOut | None = None,
        *,
        conf: Callable[[Any], dict[str, Any]] = _itself,
    ) -> None:
        self._plain: list[_StreamCandidate[R]] = []
        self._tls: list[_StreamCandidate[R]] = []
        left_out = left_out if left_out is not None else LeftOut()
        for route in stream_routes:
            route_conf = conf(route)
            candidate = left_out.compile(
                "stream_routes", route_conf.get("id"), _entry_candidate, route_conf, route
            )
            if candidate is not None:
                (self._tls if candidate.sni else self._plain).append(candidate)
        # the most specific server name first, as a radix tree on reversed names would try
        self._tls.sort(key=lambda c: ((c.sni or "").startswith("*"), -len(c.sni or "")))

    def match(
        self, server_addr: str, server_port: int, remote_addr: str, sni: str | None = None
    ) -> R | None:
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
