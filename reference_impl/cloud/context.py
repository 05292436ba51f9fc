"""What every Cloud handler works with, and one parsed request."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..admin.ssl_crypto import Keyring
from ..api.context import MISSING  # a request without a body: one sentinel for both
from ..api.records import Records
from ..config import GatewayConfig
from .records import ROOT
from .translate import DataPlaneWriter


@dataclass
class CloudContext:
    config: GatewayConfig
    records: Records
    dataplane: DataPlaneWriter
    keyring: Keyring
    # Handlers run in a thread pool; one lock makes each read-check-write sequence atomic
    # (name uniqueness, cascades, translation) within this process.
    lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def default_cluster_id(self) -> str | None:
        marker = self.records.get("defaults", "cluster")
        return marker["cluster_id"] if marker else None

    def dataplane_prefix(self, cluster_id: str) -> str:
        """Where a cluster's APISIX objects go: the gateway's own prefix for the default
        cluster, a prefix no data plane of this gateway reads for the others."""
        if cluster_id == self.default_cluster_id:
            return self.config.etcd_prefix
        return f"{ROOT}/dataplane/{cluster_id}"


@dataclass
class CloudRequest:
    params: dict[str, str]
    query: Mapping[str, str]
    body: Any = MISSING

    def param(self, name: str) -> str:
        return self.params[name]
