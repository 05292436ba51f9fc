"""The service registry poller of a control plane: it probes each registry connection when
due, asks the registries for the nodes of the published services that use them, and
re-renders the services (or extra upstreams) whose nodes changed."""

from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

from ..api.errors import ApiError
from . import published, render
from .context import Api
from .cpstore import PUBLISHED, SERVICE_REGISTRIES, SERVICE_UPSTREAMS, VERSIONS
from .service_discovery import (
    DISCOVERY_FIELDS,
    cache_key,
    fetch_interval,
    health_of,
    nodes_for,
    probe,
    registry_of,
    resolve,
)

log = logging.getLogger(__name__)

TICK = 0.5
_lock = threading.Lock()
_pollers: dict[int, threading.Event] = {}


def attach(api: Api) -> None:
    """Start `api`'s poller if it has registries."""
    try:
        has_registries = bool(api.cp.all(SERVICE_REGISTRIES))
    except Exception as exc:  # the store may come up later: the first registry call starts it
        log.warning("service registries not read yet: %s", exc)
        return
    if has_registries:
        ensure_poller(api)


# --- who uses a registry ----------------------------------------------------------------------------
# a published service's extra upstreams (service_upstreams.py): /<group id>/<service id>/<id>


@dataclass(frozen=True)
class Use:
    """A published service's upstream naming a registry: its default upstream
    (`upstream_id` None) or one of its extra upstreams."""

    service_id: str
    upstream: dict[str, Any]
    upstream_id: str | None = None


def users(api: Api, group_id: str, registry_id: str) -> list[Use]:
    found = []
    for record in api.cp.all(PUBLISHED, group_id):
        version = api.cp.get(VERSIONS, record["service_version_id"])
        upstream = version and render.service_view(version, record).get("upstream")
        if isinstance(upstream, dict) and registry_of(upstream) == registry_id:
            found.append(Use(record["service_id"], upstream))
    kvs, _ = api.cp.store.range(api.cp.key(SERVICE_UPSTREAMS, group_id) + "/")
    for kv in kvs:
        if isinstance(kv.value, dict) and registry_of(kv.value) == registry_id:
            service_id, upstream_id = kv.key.rsplit("/", 2)[-2:]
            found.append(Use(service_id, kv.value, upstream_id))
    return found


# --- the poller ---------------------------------------------------------------------------------------
def ensure_poller(api: Api) -> None:
    with _lock:
        if id(api) in _pollers:
            return
        stop = _pollers[id(api)] = threading.Event()
    thread = threading.Thread(
        target=_poll, args=(weakref.ref(api), stop), name="service-registry-poller", daemon=True
    )
    thread.start()


def stop_poller(api: Api) -> None:
    with _lock:
        stop = _pollers.pop(id(api), None)
    if stop is not None:
        stop.set()


def _poll(api_ref: weakref.ref, stop: threading.Event) -> None:
    while not stop.wait(TICK):
        api = api_ref()
        if api is None:  # its control plane is gone: free the slot an id() may reuse
            with _lock:
                for key in [k for k, event in _pollers.items() if event is stop]:
                    del _pollers[key]
            return
        try:
            poll_once(api)
        except Exception:  # a store outage or a bad record must not end the poller
            log.exception("service registry poll failed")
        del api


def poll_once(api: Api) -> None:
    """Probe the registries that are due, refresh the nodes of the services using them, and
    re-render the published services whose nodes changed."""
    now = time.monotonic()
    for registry in api.cp.all(SERVICE_REGISTRIES):
        health = health_of(registry["id"])
        interval = float((registry.get("health_check") or {}).get("probe_interval", 15))
        if now - health.last_probe >= interval:
            probe(api, registry)
        if now - health.last_refresh >= min(fetch_interval(registry), interval):
            health.last_refresh = now
            _refresh(api, registry)


def _refresh(api: Api, registry: dict[str, Any]) -> None:
    """Ask the registry once per discovered service; re-render each use whose rendered nodes
    differ from the registry's (which also repairs renderings made before a restart)."""
    group_id = registry["gateway_group_id"]
    by_key: dict[str, list[Use]] = {}
    for use in users(api, group_id, registry["id"]):
        by_key.setdefault(cache_key(use.upstream), []).append(use)
    for uses in by_key.values():
        try:
            wanted = _comparable(nodes_for(registry, uses[0].upstream, fresh=True))
        except ApiError as exc:  # a service_name that does not fit the registry type
            log.warning("published service %s: %s", uses[0].service_id, exc.message)
            continue
        for use in uses:
            if _comparable(_rendered_nodes(api, group_id, use)) == wanted:
                continue
            try:
                _rerender(api, group_id, use)
            except ApiError as exc:
                log.warning("service %s not re-rendered: %s", use.service_id, exc.message)


def _rendered_nodes(api: Api, group_id: str, use: Use) -> Any:
    if use.upstream_id is None:
        service = api.cp.apisix_get(group_id, f"/services/{use.service_id}") or {}
        return (service.get("upstream") or {}).get("nodes")
    return (api.cp.apisix_get(group_id, f"/upstreams/{use.upstream_id}") or {}).get("nodes")


def _comparable(nodes: Any) -> list[tuple[str, int, int]] | None:
    if not isinstance(nodes, list):
        return None
    return sorted((str(n.get("host")), n.get("port") or 0, n.get("weight") or 0) for n in nodes)


def _rerender(api: Api, group_id: str, use: Use) -> None:
    with api.cp.lock:
        record = api.cp.get(PUBLISHED, group_id, use.service_id)
        version = record and api.cp.get(VERSIONS, record["service_version_id"])
        if not record or not version:
            return
        if use.upstream_id is None:
            published.rerender(api, record, version)
            return
        # an extra upstream: swap the nodes into what service_upstreams.py rendered
        rendered = api.cp.apisix_get(group_id, f"/upstreams/{use.upstream_id}")
        if rendered is not None:
            updated = {k: v for k, v in rendered.items() if k not in DISCOVERY_FIELDS}
            updated["nodes"] = resolve(api.cp, group_id, use.upstream)["nodes"]
            updated["update_time"] = api.cp.clock()
            api.cp.apisix_put(group_id, f"/upstreams/{use.upstream_id}", updated)
