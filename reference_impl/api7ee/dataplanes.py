"""One data plane per non-default gateway group: the proxy engine's supervisor and worker,
on free loopback ports, reading the group's own key prefix.

The default group is served by the gateway's own data plane (the `node_listen` ports).
`sync()` starts what the stored groups need and stops what they no longer need; the app
calls it after a group is created or deleted, and once before its first request.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from typing import Any

from ..config import GatewayConfig
from ..proxy.supervisor import Supervisor
from ..proxy.worker import WorkerSettings
from ..store import Store
from .cpstore import DEFAULT_GROUP, ControlStore

HOST = "127.0.0.1"
WORKERS_PER_GROUP = 1
GRACE_PERIOD = 1.0  # a deleted group has nothing published: little in flight to wait for


@dataclass(frozen=True)
class Ports:
    http: int
    stream: int


def free_ports(count: int) -> list[int]:
    """`count` distinct free loopback ports (all held open until all are chosen)."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in socks:
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


class GroupDataPlanes:
    def __init__(
        self, config: GatewayConfig, store: Store, cp: ControlStore, *, launch: bool = True
    ) -> None:
        """`launch=False` keeps the bookkeeping (ports, instances) without starting
        processes: for an in-process control plane whose groups are served elsewhere."""
        self.config = config
        self.launch = launch
        self.store = store
        self.cp = cp
        self.ports: dict[str, Ports] = {}
        self.running: dict[str, Supervisor | None] = {}
        self.synced = False
        self._store_api: Any = None
        self._lock: asyncio.Lock | None = None

    # --- addresses (read by the API objects) ----------------------------------------------------
    def reserve(self, group_id: str) -> Ports:
        """The ports of a group's data plane, chosen now (started by the next `sync()`)."""
        if group_id not in self.ports:
            self.ports[group_id] = Ports(*free_ports(2))
        return self.ports[group_id]

    def instances(self, group_id: str) -> list[dict[str, Any]]:
        if group_id == DEFAULT_GROUP:
            http = [x.port for x in self.config.node_listen]
            stream = [x.port for x in self.config.stream_listen]
            host = self.config.node_listen[0].ip if self.config.node_listen else HOST
            running = True
        else:
            ports = self.ports.get(group_id)
            if ports is None:
                return []
            http, stream, host = [ports.http], [ports.stream], HOST
            running = group_id in self.running
        if not http:
            return []
        shown = HOST if host in ("0.0.0.0", "::") else host
        return [
            {
                "id": f"{group_id}-instance-0",
                "gateway_group_id": group_id,
                "hostname": "gwconform-reference",
                "ip": shown,
                "ports": http,
                "stream_ports": stream,
                "status": "Healthy" if running else "Offline",
                "data_plane_url": f"http://{shown}:{http[0]}",
                "stream_addr": f"{shown}:{stream[0]}" if stream else None,
            }
        ]

    # --- processes ------------------------------------------------------------------------------
    async def sync(self) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            wanted = {g["id"] for g in self.cp.groups() if g.get("id") != DEFAULT_GROUP}
            for group_id in sorted(set(self.running) - wanted):
                supervisor = self.running.pop(group_id)
                self.ports.pop(group_id, None)
                if supervisor is not None:
                    await supervisor.stop()
            for group_id in sorted(wanted - set(self.running)):
                self.reserve(group_id)
                supervisor = None
                if self.launch:
                    supervisor = Supervisor(await self._settings(group_id), WORKERS_PER_GROUP)
                    await supervisor.start()
                self.running[group_id] = supervisor
            for group_id in set(self.ports) - wanted:
                del self.ports[group_id]
            self.synced = True

    async def stop_all(self) -> None:
        for supervisor in self.running.values():
            if supervisor is not None:
                await supervisor.stop()
        self.running.clear()
        if self._store_api is not None:
            await self._store_api.stop()
            self._store_api = None

    async def _settings(self, group_id: str) -> WorkerSettings:
        ports = self.reserve(group_id)
        settings = WorkerSettings(
            node_listen=[(HOST, ports.http)],
            stream_listen=[(HOST, ports.stream)],
            prefix=self.cp.group_prefix(group_id),
            grace_period=GRACE_PERIOD,
        )
        if self.config.store == "etcd":
            settings.store = "etcd"
            settings.etcd_hosts = list(self.config.etcd_hosts)
            settings.etcd_timeout = self.config.etcd_timeout
        else:
            if self._store_api is None:
                from ..store.http_api import start_store_api

                self._store_api = await start_store_api(self.store)
            settings.store_url, settings.store_token = self._store_api.url, self._store_api.token
        return settings
