"""One data plane per non-default gateway group: the proxy engine's supervisor and worker,
on free loopback ports, reading the group's own key prefix.

The default group is served by the gateway's own data plane (the `node_listen` ports).
`sync()` starts what the stored groups need and stops what they no longer need; the app
calls it after a group is created or deleted, and once before its first request.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, fields
from typing import Any

from ..config import ConfigError, GatewayConfig
from ..proxy.launcher import DataPlaneLauncher, Listeners
from ..proxy.plugins.metrics_store import read_metrics_directory
from ..proxy.supervisor import Supervisor
from ..store import Store
from .cpstore import DEFAULT_GROUP, ControlStore

HOST = "127.0.0.1"
WORKERS_PER_GROUP = 1
GRACE_PERIOD = 1.0  # a deleted group has nothing published: little in flight to wait for
READY_TIMEOUT = 15.0  # a new group's data plane takes its port within this (a loaded machine)
# `gwconform.max_gateway_groups`: each group but the default is a process of its own (some
# 70 MB), so their number is bounded; the default group counts
MAX_GATEWAY_GROUPS = 32


@dataclass(frozen=True)
class Ports:
    http: int
    stream: int
    control: int  # the Control API (health checks), asked by the control plane
    tls: int  # HTTPS with the group's SSL objects (when `apisix.ssl` is enabled)


def max_gateway_groups(config: GatewayConfig) -> int:
    """`gwconform.max_gateway_groups`: how many gateway groups there may be, the default one
    included (`MAX_GATEWAY_GROUPS` when the key is absent)."""
    section = config.raw.get("gwconform") or {}
    limit = section.get("max_gateway_groups") if isinstance(section, dict) else None
    if limit is None:
        return MAX_GATEWAY_GROUPS
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ConfigError(
            f"invalid gwconform.max_gateway_groups: {limit!r} (expected an integer >= 1)"
        )
    return limit


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
        self.max_groups = max_gateway_groups(config)
        self.launch = launch
        self.cp = cp
        self.ports: dict[str, Ports] = {}
        self.running: dict[str, Supervisor | None] = {}
        # the default group's data plane is the gateway's own: the server sets where its
        # Control API listens once it does (never guessed from the config: the configured
        # port may belong to another process when this one could not take it)
        self.default_control: tuple[str, int] | None = None
        # and the directory its workers share (their metrics), set by the server likewise
        self.default_shared_dir: str | None = None
        self.synced = False
        self._launcher = DataPlaneLauncher(config, store)
        self._lock: asyncio.Lock | None = None

    # --- addresses (read by the API objects) ----------------------------------------------------
    def reserve(self, group_id: str) -> Ports:
        """The ports of a group's data plane, chosen now (started by the next `sync()`)."""
        if group_id not in self.ports:
            self.ports[group_id] = Ports(*free_ports(len(fields(Ports))))
        return self.ports[group_id]

    def control_url(self, group_id: str) -> str | None:
        """The base URL of the Control API of a group's data plane (None: it has none)."""
        if group_id == DEFAULT_GROUP:
            if self.default_control is None:
                return None
            host, port = self.default_control
        else:
            ports = self.ports.get(group_id)
            if ports is None or group_id not in self.running:
                return None
            host, port = HOST, ports.control
        host = HOST if host in ("0.0.0.0", "::") else host
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def instances(self, group_id: str) -> list[dict[str, Any]]:
        if group_id == DEFAULT_GROUP:
            http = [x.port for x in self.config.node_listen]
            stream = [x.port for x in self.config.stream_listen]
            tls = [x.port for x in self.config.ssl.listen]
            host = self.config.node_listen[0].ip if self.config.node_listen else HOST
            running = True
        else:
            ports = self.ports.get(group_id)
            if ports is None:
                return []
            http, stream, host = [ports.http], [ports.stream], HOST
            tls = [ports.tls] if self.config.ssl.listen else []
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
                "tls_ports": tls,
                "data_plane_tls_url": f"https://{shown}:{tls[0]}" if tls else None,
            }
        ]

    def metrics(self, group_id: str) -> dict[str, float]:
        """The summed metrics series of a group's data plane workers ({}: it runs none)."""
        if group_id == DEFAULT_GROUP:
            directory = self.default_shared_dir
        else:
            supervisor = self.running.get(group_id)
            directory = supervisor.shared_dir if supervisor is not None else None
        return read_metrics_directory(directory) if directory else {}

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
                    supervisor = await self._launch(group_id)
                    await _until_listening(self.ports[group_id].http, supervisor)
                self.running[group_id] = supervisor
            for group_id in set(self.ports) - wanted:
                del self.ports[group_id]
            self.synced = True

    async def stop_all(self) -> None:
        for supervisor in self.running.values():
            if supervisor is not None:
                await supervisor.stop()
        self.running.clear()
        await self._launcher.stop()

    async def _launch(self, group_id: str) -> Supervisor:
        ports = self.reserve(group_id)
        return await self._launcher.launch(
            Listeners(
                http=[(HOST, ports.http)],
                stream=[(HOST, ports.stream)],
                tls=[(HOST, ports.tls)] if self.config.ssl.listen else [],
            ),
            self.cp.group_prefix(group_id),
            WORKERS_PER_GROUP,
            control_addr=(HOST, ports.control),
            grace_period=GRACE_PERIOD,
        )


async def _until_listening(port: int, supervisor: Supervisor) -> None:
    """Wait until the data plane accepts connections, so that a gateway group answered as
    created already carries traffic (bounded: a worker that cannot start fails the
    supervisor instead)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_TIMEOUT
    while loop.time() < deadline and not supervisor.failed.is_set():
        try:
            _, writer = await asyncio.open_connection(HOST, port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        return
