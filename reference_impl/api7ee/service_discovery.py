"""Service discovery in the control plane: upstreams that name a service registry
(`discovery_type` nacos|kubernetes, `service_name` "<registry id>/<namespace>/<group>/<service>"
for Nacos, "<registry id>/<namespace>/<service>:<port>" for Kubernetes) are rendered with the
nodes the registry lists (`resolve`), and each registry connection is probed (status and a
bounded health-check history); `discovery_poller.py` probes and refreshes them over time.

An unreachable registry keeps the last nodes it gave; one that never answered gives none.
State (health, nodes) is in memory: it is rebuilt by probing after a restart, while the
gateway keeps serving the nodes last written to its group.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..api.errors import ApiError
from .context import Api
from .cpstore import SERVICE_REGISTRIES, ControlStore
from .registry_clients import RegistryUnreachable, client_for, nacos_nodes

log = logging.getLogger(__name__)

DISCOVERY_TYPES = ("nacos", "kubernetes")
DISCOVERY_FIELDS = ("service_name", "discovery_type", "discovery_args")
HISTORY_LIMIT = 100
DEFAULT_FETCH_INTERVAL = 10
INSTANCE_ID = "control-plane"


@dataclass
class Health:
    status: str = "connecting"
    last_connect_time: int | None = None
    last_probe: float = float("-inf")
    last_refresh: float = float("-inf")
    history: deque = field(default_factory=lambda: deque(maxlen=HISTORY_LIMIT))


@dataclass
class Nodes:
    nodes: list[dict[str, Any]]
    fetched: float


_lock = threading.RLock()
_health: dict[str, Health] = {}
_nodes: dict[tuple[str, str], Nodes] = {}
_sequence = iter(range(1, 1 << 62))


# --- service names ------------------------------------------------------------------------------
def registry_of(upstream: dict[str, Any] | None) -> str | None:
    """The registry id an upstream names, if it uses a registry."""
    if not upstream or upstream.get("discovery_type") not in DISCOVERY_TYPES:
        return None
    name = upstream.get("service_name")
    return name.split("/", 1)[0] if isinstance(name, str) and "/" in name else None


def _parts(registry: dict[str, Any], service_name: str) -> tuple[str, ...]:
    tail = service_name.split("/", 1)[1]
    if registry["type"] == "nacos":
        parts = tail.split("/")
        if len(parts) != 3 or not all(parts):
            raise ApiError(
                400,
                f"invalid upstream service_name {service_name!r}: "
                "use <ServiceRegistryID>/<namespace>/<group>/<service> for nacos",
            )
        return tuple(parts)
    namespace, _, rest = tail.partition("/")
    name, _, port = rest.rpartition(":")
    if not namespace or not name or not port or "/" in name:
        raise ApiError(
            400,
            f"invalid upstream service_name {service_name!r}: "
            "use <ServiceRegistryID>/<namespace>/<service>:<port> for kubernetes",
        )
    return (namespace, name, port)


# --- resolution (the render hook) ----------------------------------------------------------------
def resolve(cp: ControlStore, group_id: str, upstream: dict[str, Any]) -> dict[str, Any]:
    """`upstream` with the registry's nodes in place of its discovery fields; unchanged if
    it does not name a registry."""
    if upstream.get("discovery_type") not in DISCOVERY_TYPES:
        return upstream
    registry_id = registry_of(upstream)
    if registry_id is None:
        raise ApiError(
            400,
            f"invalid upstream service_name {upstream.get('service_name')!r}: it must start "
            "with <ServiceRegistryID>/ (a service registry connection of the gateway group)",
        )
    registry = cp.get(SERVICE_REGISTRIES, group_id, registry_id)
    if registry is None or registry["type"] != upstream["discovery_type"]:
        raise ApiError(
            400,
            f"invalid upstream: {upstream['discovery_type']} service registry {registry_id} "
            f"not found on gateway group {group_id}",
        )
    resolved = {k: v for k, v in upstream.items() if k not in DISCOVERY_FIELDS}
    resolved["nodes"] = nodes_for(registry, upstream)
    return resolved


def fetch_interval(registry: dict[str, Any]) -> float:
    config = registry.get("nacos_config") or {}
    return float(config.get("fetch_interval", DEFAULT_FETCH_INTERVAL))


def nodes_for(registry: dict[str, Any], upstream: dict[str, Any], fresh: bool = False):
    """The upstream's nodes: recent cached ones, else asked now; on failure the last known."""
    key = (registry["id"], cache_key(upstream))
    with _lock:
        cached = _nodes.get(key)
        health = _health.get(registry["id"])
    recent = cached and time.monotonic() - cached.fetched < fetch_interval(registry)
    if cached and not fresh and (recent or (health and health.status == "lost_connection")):
        return [dict(n) for n in cached.nodes]
    try:
        nodes = _ask(registry, upstream)
    except RegistryUnreachable as exc:
        log.warning("service registry %s: %s", registry["id"], exc)
        return [dict(n) for n in cached.nodes] if cached else []
    with _lock:
        _nodes[key] = Nodes(nodes, time.monotonic())
    return [dict(n) for n in nodes]


def cache_key(upstream: dict[str, Any]) -> str:
    metadata = (upstream.get("discovery_args") or {}).get("metadata") or {}
    return upstream["service_name"] + "?" + "&".join(f"{k}={metadata[k]}" for k in sorted(metadata))


def _ask(registry: dict[str, Any], upstream: dict[str, Any]) -> list[dict[str, Any]]:
    parts = _parts(registry, upstream["service_name"])
    client = client_for(registry)
    if registry["type"] == "nacos":
        metadata = (upstream.get("discovery_args") or {}).get("metadata") or {}
        weight = int(registry["nacos_config"].get("default_weight", 100))
        return nacos_nodes(client.instances(*parts), weight, metadata)
    return client.endpoint_nodes(*parts)


# --- health ---------------------------------------------------------------------------------------
def state_lock() -> threading.RLock:
    """Held while reading a registry's history (the poller appends to it)."""
    return _lock


def health_of(registry_id: str) -> Health:
    with _lock:
        return _health.setdefault(registry_id, Health())


def probe(api: Api, registry: dict[str, Any]) -> str:
    """Probe a registry connection now; record and return its status."""
    timeout = float((registry.get("health_check") or {}).get("probe_timeout", 5))
    try:
        host = client_for(registry, timeout).probe()
        status = "healthy"
    except RegistryUnreachable as exc:
        host, status = _first_host(registry), "lost_connection"
        log.info("service registry %s unreachable: %s", registry["id"], exc)
    now = api.cp.clock()
    with _lock:
        health = _health.setdefault(registry["id"], Health())
        health.status = status
        health.last_probe = time.monotonic()
        if status == "healthy":
            health.last_connect_time = now
        health.history.append(
            {
                "id": f"{registry['id']}-{next(_sequence)}",
                "instance_id": INSTANCE_ID,
                "service_registry_id": registry["id"],
                "hostname": host,
                "status": status,
                "connect_time": now,
            }
        )
    return status


def _first_host(registry: dict[str, Any]) -> str:
    if registry["type"] == "nacos":
        return registry["nacos_config"]["hosts"][0]
    service = registry["kubernetes_config"]["service"]
    return f"{service['schema']}://{service['host']}:{service['port']}"


def forget(registry_id: str) -> None:
    """Drop the health and nodes of a deleted (or reconfigured) registry connection."""
    with _lock:
        _health.pop(registry_id, None)
        for key in [k for k in _nodes if k[0] == registry_id]:
            del _nodes[key]
