"""Active and passive health checks of an upstream's nodes (lua-resty-healthcheck semantics).

Each worker checks the upstreams it proxies to on its own: passive checks can only observe
that worker's own traffic anyway, an active probe costs a few bytes per interval, and no
shared state or IPC sits on the request path. A node counts successes and failures of each
kind; a success clears the failure counts and a failure the success count, and crossing a
threshold flips `Node.healthy`. As in lua-resty-healthcheck, a flip keeps the counts, so a
report shows why a node is unhealthy, and "mostly_healthy" (healthy, failures counted) or
"mostly_unhealthy" (unhealthy, successes counted) says a node is on its way to flipping.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Callable
from typing import Any

from .background import BackgroundTask
from .nodes import Node

ACTIVE_DEFAULTS: dict[str, Any] = {
    "type": "http",
    "timeout": 1.0,
    "concurrency": 10,
    "http_path": "/",
    "host": None,
    "port": None,
    "req_headers": [],
    "healthy": {"interval": 1, "successes": 2, "http_statuses": [200, 302]},
    "unhealthy": {
        "interval": 1,
        "http_statuses": [429, 404, 500, 501, 502, 503, 504, 505],
        "tcp_failures": 2,
        "timeouts": 3,
        "http_failures": 5,
    },
}
PASSIVE_DEFAULTS: dict[str, Any] = {
    "healthy": {
        "http_statuses": [200, 201, 202, 203, 204, 205, 206, 207, 208, 226, *range(300, 309)],
        "successes": 5,
    },
    "unhealthy": {
        "http_statuses": [429, 500, 503],
        "tcp_failures": 2,
        "timeouts": 7,
        "http_failures": 5,
    },
}


def _with_defaults(conf: dict[str, Any] | None, defaults: dict[str, Any]) -> dict[str, Any]:
    out = dict(defaults)
    for key, value in (conf or {}).items():
        if isinstance(value, dict) and isinstance(defaults.get(key), dict):
            out[key] = {**defaults[key], **value}
        elif value is not None:
            out[key] = value
    return out


class _Counters:
    __slots__ = ("http_failures", "successes", "tcp_failures", "timeouts")

    def __init__(self) -> None:
        self.successes = self.http_failures = self.tcp_failures = self.timeouts = 0


class HealthChecker:
    """Health of one upstream's nodes; `start()` runs the active probes if configured."""

    def __init__(self, checks: dict[str, Any], nodes: list[Node], scheme: str = "http") -> None:
        self.nodes = nodes
        self.scheme = scheme
        self.active = (
            _with_defaults(checks.get("active"), ACTIVE_DEFAULTS) if checks.get("active") else None
        )
        self.passive = (
            _with_defaults(checks.get("passive"), PASSIVE_DEFAULTS)
            if checks.get("passive")
            else None
        )
        if self.passive is not None:
            self._passive_ok = frozenset(self.passive["healthy"]["http_statuses"])
            self._passive_bad = frozenset(self.passive["unhealthy"]["http_statuses"])
        self._counters = {id(n): _Counters() for n in nodes}
        self._prober = BackgroundTask(self._run)
        self.on_flip: Callable[[], None] | None = None  # called when a node changes health

    def check_type(self) -> str:
        """The checker's type as APISIX's control API names it: the active check's, else
        the passive check's, "http" by default."""
        conf = self.active or self.passive or {}
        return str(conf.get("type") or "http")

    def report(self) -> list[dict[str, Any]]:
        """Each node's status and counters, in the shape of lua-resty-healthcheck's
        target list (as APISIX's control API shows it)."""
        out = []
        for node in self.nodes:
            counters = self._counters[id(node)]
            failures = counters.http_failures + counters.tcp_failures + counters.timeouts
            if node.healthy:
                status = "mostly_healthy" if failures else "healthy"
            else:
                status = "mostly_unhealthy" if counters.successes else "unhealthy"
            out.append(
                {
                    "ip": node.host,
                    "port": node.port,
                    "hostname": node.host,
                    "status": status,
                    "counter": {
                        "success": counters.successes,
                        "http_failure": counters.http_failures,
                        "tcp_failure": counters.tcp_failures,
                        "timeout_failure": counters.timeouts,
                    },
                }
            )
        return out

    def _flipped(self, node: Node, healthy: bool) -> None:
        node.healthy = healthy
        if self.on_flip is not None:
            self.on_flip()

    # --- passive: called by the proxy for every response / failure -------------------------
    def observe_status(self, node: Node, status: int) -> None:
        if self.passive is None:
            return
        if status in self._passive_bad:
            self._failure(node, "http_failures", self.passive["unhealthy"])
        elif status in self._passive_ok:
            self._success(node, self.passive["healthy"])

    def observe_failure(self, node: Node, kind: str) -> None:
        """kind: "tcp_failures" (connect/IO error) or "timeouts"."""
        if self.passive is not None:
            self._failure(node, kind, self.passive["unhealthy"])

    # --- state machine ----------------------------------------------------------------------
    def _success(self, node: Node, healthy_conf: dict[str, Any]) -> None:
        counters = self._counters.get(id(node))
        if counters is None:
            return
        counters.http_failures = counters.tcp_failures = counters.timeouts = 0
        if node.healthy:
            return
        counters.successes += 1
        if counters.successes >= int(healthy_conf.get("successes", 1)):
            self._flipped(node, True)

    def _failure(self, node: Node, kind: str, unhealthy_conf: dict[str, Any]) -> None:
        counters = self._counters.get(id(node))
        if counters is None:
            return
        counters.successes = 0
        if not node.healthy:
            return
        value = getattr(counters, kind) + 1
        setattr(counters, kind, value)
        threshold = int(unhealthy_conf.get(kind, 1))
        if threshold > 0 and value >= threshold:
            self._flipped(node, False)

    # --- active probes ------------------------------------------------------------------------
    def start(self) -> None:
        if self.active is not None:
            self._prober.start()

    def stop(self) -> None:
        self._prober.stop()

    async def _run(self) -> None:
        active = self.active
        assert active is not None
        healthy_every = float(active["healthy"].get("interval", 1)) or 1.0
        unhealthy_every = float(active["unhealthy"].get("interval", 1)) or 1.0
        loop = asyncio.get_running_loop()
        due = {id(n): 0.0 for n in self.nodes}
        tick = min(healthy_every, unhealthy_every) / 2
        at_once = asyncio.Semaphore(int(active.get("concurrency", 10)))  # probes in flight

        async def probe(node: Node) -> None:
            async with at_once:
                await self._probe(node)

        while True:
            now = loop.time()
            probes = []
            for node in self.nodes:
                if due[id(node)] <= now:
                    due[id(node)] = now + (healthy_every if node.healthy else unhealthy_every)
                    probes.append(probe(node))
            if probes:
                await asyncio.gather(*probes)
            await asyncio.sleep(tick)

    async def _probe(self, node: Node) -> None:
        active = self.active
        assert active is not None
        kind = active.get("type", "http")
        port = int(active.get("port") or node.port)
        use_tls = kind == "https"
        context = None
        if use_tls:
            context = ssl.create_default_context()
            if not active.get("https_verify_certificate", True):
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
        writer = None
        try:
            async with asyncio.timeout(float(active.get("timeout", 1))):
                reader, writer = await asyncio.open_connection(node.host, port, ssl=context)
                if kind == "tcp":
                    self._success(node, active["healthy"])
                    return
                host = active.get("host") or node.host
                lines = [f"GET {active.get('http_path', '/')} HTTP/1.0", f"Host: {host}"]
                lines += [str(h) for h in active.get("req_headers") or []]
                writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
                status_line = await reader.readline()
        except TimeoutError:
            self._failure(node, "timeouts", active["unhealthy"])
            return
        except OSError:
            self._failure(node, "tcp_failures", active["unhealthy"])
            return
        finally:
            if writer is not None:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()
        parts = status_line.split()
        status = int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else 0
        if status in active["healthy"]["http_statuses"]:
            self._success(node, active["healthy"])
        elif status == 0 or status in active["unhealthy"]["http_statuses"]:
            self._failure(node, "http_failures", active["unhealthy"])
