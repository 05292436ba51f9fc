"""Upstream nodes and the per-upstream runtime (balancer, health, timeouts, pool settings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_TIMEOUT = 60.0  # nginx proxy_{connect,send,read}_timeout
DEFAULT_POOL = {"size": 320, "idle_timeout": 60.0, "requests": 1000}  # APISIX's keepalive_pool


class Node:
    """One upstream node; `active` counts in-flight requests, `healthy` is the checker's view."""

    __slots__ = ("active", "addr", "healthy", "host", "key", "port", "priority", "weight")

    def __init__(self, host: str, port: int, weight: int, priority: int = 0) -> None:
        self.host = host
        self.port = port
        self.weight = weight
        self.priority = priority
        self.addr = (host, port)
        self.key = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self.active = 0
        self.healthy = True

    def __repr__(self) -> str:
        return f"Node({self.key}, w={self.weight}, p={self.priority})"


def _split_host_port(text: str, default_port: int) -> tuple[str, int]:
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    host, sep, port = text.rpartition(":")
    if sep and port.isdigit() and ":" not in host:
        return host, int(port)
    return text, default_port


def parse_nodes(conf: dict[str, Any]) -> list[Node]:
    """Nodes from an upstream conf: a `{"host:port": weight}` map or a list of node objects."""
    default_port = 443 if conf.get("scheme") in ("https", "grpcs", "tls") else 80
    nodes = conf.get("nodes") or {}
    out: list[Node] = []
    if isinstance(nodes, dict):
        for address, weight in nodes.items():
            host, port = _split_host_port(str(address), default_port)
            out.append(Node(host, port, int(weight)))
    else:
        for item in nodes:
            host, port = _split_host_port(str(item.get("host", "")), default_port)
            if item.get("port"):
                port = int(item["port"])
            out.append(Node(host, port, int(item.get("weight", 1)), int(item.get("priority", 0))))
    return out


@dataclass(frozen=True)
class Timeouts:
    connect: float
    send: float
    read: float


def timeouts(upstream_conf: dict[str, Any], route_conf: dict[str, Any]) -> Timeouts:
    """The route's `timeout` overrides the upstream's, field by field."""
    merged: dict[str, float] = {}
    for source in (upstream_conf.get("timeout") or {}, route_conf.get("timeout") or {}):
        for name in ("connect", "send", "read"):
            if source.get(name) is not None:
                merged[name] = float(source[name])
    return Timeouts(
        merged.get("connect", DEFAULT_TIMEOUT),
        merged.get("send", DEFAULT_TIMEOUT),
        merged.get("read", DEFAULT_TIMEOUT),
    )
