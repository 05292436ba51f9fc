"""One stream connection (TCP) or UDP session as APISIX's stream subsystem sees it: the stream
route matched by server address/port, client address and SNI, the route's stream plugins run
in the preread phase (one refusing closes the connection) and in the log phase when the
session ends, and nodes picked by the upstream's balancer and health checker (the HTTP
proxy's)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from .handler import DataPlane
from .nodes import Node
from .phases import run_log
from .plugin_api import Ctx, Request
from .snapshot import StreamRouteRuntime
from .variables import Variables

_STATUS_OK = 200  # nginx stream's $status of a session that was proxied


class StreamSession:
    """`admit()`, then `connect()`, then `close()` (at any time, from the transport)."""

    def __init__(
        self,
        plane: DataPlane,
        remote: tuple,
        local: tuple,
        protocol: str,
        sni: str | None = None,
    ) -> None:
        self.snapshot = plane.snapshot
        variables = self.snapshot.variables if self.snapshot is not None else Variables()
        request = Request("", "", "", {}, remote[0], remote[1], local[0], local[1], scheme=protocol)
        self.ctx = Ctx(request, variables)
        self.sni = sni
        self.route: StreamRouteRuntime | None = None
        self.node: Node | None = None
        self.closed = False
        self._status = _STATUS_OK
        self._admitting = False
        self._logged = True  # nothing to log until a route admitted the session

    async def admit(self) -> bool:
        """Whether the session may go on: a route with an upstream matched, can be served,
        and none of its stream plugins refused."""
        snapshot = self.snapshot
        if snapshot is None or self.closed:
            return False
        request = self.ctx.request
        route = snapshot.stream_router.match(
            request.server_addr, request.server_port, request.remote_addr, self.sni
        )
        if route is None or route.upstream is None or route.refuses:
            return False
        self.route = route
        ctx = self.ctx
        ctx.route = route.conf
        ctx.route_id = route.route_id
        ctx.service_id = route.service_id
        ctx.state["request_start"] = time.monotonic()
        self._logged = False
        self._admitting = True
        try:
            for plugin in route.plan.access:
                refusal = await plugin.access(ctx)
                if refusal is not None:  # nginx stream's $status is the code it exits with
                    self._status = refusal.status
                    return False
        finally:
            self._admitting = False
            if self.closed:  # the client left while a plugin ran: the log phase now
                self._log()
        return not self.closed

    async def connect(
        self, dial: Callable[[Node], Awaitable[asyncio.BaseTransport]]
    ) -> asyncio.BaseTransport | None:
        """The first node the balancer picks that `dial` reaches within the connect timeout,
        as its transport; None once the retries are spent or the session is closed. A node
        that fails counts against its health (passive checks)."""
        upstream = self.route.upstream if self.route is not None else None
        if upstream is None:
            return None
        tried: list[Node] = []
        while not self.closed and len(tried) <= upstream.retries:
            node = upstream.balancer.pick(self.ctx, tried)
            if node is None:
                break
            tried.append(node)
            try:
                async with asyncio.timeout(upstream.timeouts.connect):
                    transport = await dial(node)
            except (OSError, TimeoutError) as exc:
                if upstream.checker is not None:
                    kind = "timeouts" if isinstance(exc, TimeoutError) else "tcp_failures"
                    upstream.checker.observe_failure(node, kind)
                continue
            if self.closed:
                transport.close()
                return None
            node.active += 1  # least_conn's count, until `close`
            self.node = node
            return transport
        return None

    def close(self) -> None:
        """The session is over: its node is released and the log phase runs (once; after
        the preread phase when a plugin is still running)."""
        if self.closed:
            return
        self.closed = True
        if self.node is not None:
            self.node.active -= 1
            self.node = None
        if not self._admitting:
            self._log()

    def _log(self) -> None:
        if not self._logged and self.route is not None:
            self._logged = True
            run_log(self.route.plan, self.ctx, self._status)
