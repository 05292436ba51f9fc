"""Where the API7 control plane keeps its objects in the config store.

Control-plane objects live under `/api7ee/cp/...`; the APISIX resources of a gateway group
live under the group's own prefix (the default group uses the gateway's APISIX prefix,
`/apisix`, so the plain APISIX profile sees it; another group `/api7ee/groups/<id>`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from ..api.records import Records
from ..store import Store

CP = "/api7ee/cp"
GROUPS_ROOT = "/api7ee/groups"
DEFAULT_GROUP = "default"

GATEWAY_GROUPS = "gateway_groups"
TEMPLATES = "service_templates"
ROUTE_TEMPLATES = "route_templates"
STREAM_ROUTE_TEMPLATES = "stream_route_templates"
VERSIONS = "service_versions"
PUBLISHED = "published"  # /published/<group id>/<service id>
# kinds kept per gateway group: /<kind>/<group id>/...
CERTIFICATES = "certificates"
CA_CERTIFICATES = "ca_certificates"
SNIS = "snis"
SERVICE_UPSTREAMS = "service_upstreams"  # /service_upstreams/<group id>/<service id>/<id>
SERVICE_REGISTRIES = "service_registries"
DELETED_INSTANCES = "deleted_instances"
GROUP_SCOPED = (
    CERTIFICATES,
    CA_CERTIFICATES,
    SNIS,
    SERVICE_UPSTREAMS,
    SERVICE_REGISTRIES,
    DELETED_INSTANCES,
)


class ControlStore(Records):
    """The control-plane records (UUID ids), the APISIX namespaces of the gateway groups,
    and the write lock that keeps multi-key changes (publish, delete a group) from
    interleaving within this process."""

    def __init__(self, store: Store, apisix_prefix: str, clock: Callable[[], int] | None = None):
        super().__init__(store, CP)
        self.apisix_prefix = apisix_prefix.rstrip("/")
        self.clock = clock or (lambda: int(time.time()))
        self.lock = threading.RLock()

    # --- gateway groups -----------------------------------------------------------------------
    def group_prefix(self, group_id: str) -> str:
        if group_id == DEFAULT_GROUP:
            return self.apisix_prefix
        return f"{GROUPS_ROOT}/{group_id}"

    def ensure_default_group(self) -> dict[str, Any]:
        with self.lock:
            group = self.get(GATEWAY_GROUPS, DEFAULT_GROUP)
            if group is None:
                now = self.clock()
                group = {
                    "id": DEFAULT_GROUP,
                    "name": "default",
                    "description": "The gateway's own APISIX namespace",
                    "labels": {},
                    "type": "api7_gateway",
                    "enforce_service_publishing": False,
                    "prefix": self.apisix_prefix,
                    "created_at": now,
                    "updated_at": now,
                }
                self.put(GATEWAY_GROUPS, group, DEFAULT_GROUP)
            return group

    def group(self, group_id: str) -> dict[str, Any] | None:
        return self.get(GATEWAY_GROUPS, group_id)

    def groups(self) -> list[dict[str, Any]]:
        return self.all(GATEWAY_GROUPS)

    # --- APISIX resources of a group ------------------------------------------------------------
    def apisix_get(self, group_id: str, relative: str) -> dict[str, Any] | None:
        kv = self.store.get(self.group_prefix(group_id) + relative)
        return kv.value if kv is not None and isinstance(kv.value, dict) else None

    def apisix_put(self, group_id: str, relative: str, obj: dict[str, Any]) -> None:
        self.store.put(self.group_prefix(group_id) + relative, obj)

    def apisix_delete(self, group_id: str, relative: str) -> None:
        self.store.delete(self.group_prefix(group_id) + relative)

    def apisix_list(self, group_id: str, directory: str) -> list[dict[str, Any]]:
        base = f"{self.group_prefix(group_id)}/{directory}/"
        kvs, _ = self.store.range(base)
        return [
            kv.value for kv in kvs if isinstance(kv.value, dict) and "/" not in kv.key[len(base) :]
        ]

    def drop_group_records(self, group_id: str) -> None:
        """Delete the control-plane records kept per gateway group (not its published
        services: a group with published services is not deleted)."""
        for kind in GROUP_SCOPED:
            kvs, _ = self.store.range(self.key(kind, group_id) + "/")
            for kv in kvs:
                self.store.delete(kv.key)

    def drop_group_namespace(self, group_id: str) -> None:
        """Delete every APISIX resource of a (non-default) group."""
        kvs, _ = self.store.range(self.group_prefix(group_id) + "/")
        for kv in kvs:
            self.store.delete(kv.key)
