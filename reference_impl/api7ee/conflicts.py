"""The service conflict check: routes of services about to be published against each other
and against the services already published on the gateway group.

`duplicate`: the same host (or both without host), the same full path and a shared method.
`overlapping`: not duplicate, but one route's wildcard path (`/a/*`) covers the other's
path, or the paths are the same and only one of them is limited to a host.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ALL_METHODS = frozenset({"*"})


@dataclass(frozen=True)
class Entry:
    service_id: str
    service_name: str
    route_id: str
    route_name: str
    host: str | None
    path: str
    methods: frozenset[str]

    def shown(self) -> dict[str, Any]:
        return {
            "service_id": self.service_id,
            "service_name": self.service_name,
            "route_id": self.route_id,
            "route_name": self.route_name,
            "url": f"{self.host}{self.path}" if self.host else self.path,
        }


def entries(service: dict[str, Any], version: dict[str, Any]) -> list[Entry]:
    prefix = (service.get("path_prefix") or "").rstrip("/")
    hosts = service.get("hosts") or [None]
    out = []
    for route in version.get("routes", []):
        methods = frozenset(route.get("methods") or ALL_METHODS)
        for path in route.get("paths", []):
            for host in hosts:
                out.append(
                    Entry(
                        version["service_id"],
                        service.get("name", ""),
                        route["id"],
                        route.get("name", ""),
                        host,
                        prefix + path,
                        methods,
                    )
                )
    return out


def _methods_meet(a: frozenset[str], b: frozenset[str]) -> bool:
    return a == ALL_METHODS or b == ALL_METHODS or bool(a & b)


def _covers(wide: str, narrow: str) -> bool:
    return wide.endswith("*") and narrow.startswith(wide[:-1])


def relation(a: Entry, b: Entry) -> str | None:
    if a.service_id == b.service_id or not _methods_meet(a.methods, b.methods):
        return None
    if a.host == b.host and a.path == b.path:
        return "duplicate"
    hosts_meet = a.host == b.host or a.host is None or b.host is None
    if hosts_meet and (a.path == b.path or _covers(a.path, b.path) or _covers(b.path, a.path)):
        return "overlapping"
    return None


def find_conflicts(
    candidates: list[tuple[dict[str, Any], dict[str, Any]]],
    published: list[tuple[dict[str, Any], dict[str, Any]]],
) -> dict[str, list[list[dict[str, Any]]]]:
    """{"duplicate": [[a, b], ...], "overlapping": [...]} over (service view, version) pairs."""
    new = [e for service, version in candidates for e in entries(service, version)]
    old = [e for service, version in published for e in entries(service, version)]
    found: dict[str, list[list[dict[str, Any]]]] = {"duplicate": [], "overlapping": []}
    pairs = [(a, b) for i, a in enumerate(new) for b in new[i + 1 :]] + [
        (a, b) for a in new for b in old
    ]
    seen: set[tuple[str, tuple[str, str], tuple[str, str]]] = set()
    for a, b in pairs:
        kind = relation(a, b)
        if kind is None:
            continue
        key = (kind, (a.route_id, a.path), (b.route_id, b.path))
        if key not in seen:
            seen.add(key)
            found[kind].append([a.shown(), b.shown()])
    return found
