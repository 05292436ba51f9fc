"""The TCP (L4) proxy: a stream route chosen by server address/port and client address, then
bytes copied both ways between the client and an upstream node, with back-pressure."""

from __future__ import annotations

import asyncio
import logging

from .handler import DataPlane
from .nodes import DEFAULT_TIMEOUT

log = logging.getLogger(__name__)


class _StreamRequest:
    __slots__ = ("remote_addr", "remote_port", "server_addr", "server_port")

    def __init__(self, remote: tuple, local: tuple) -> None:
        self.remote_addr, self.remote_port = remote[0], remote[1]
        self.server_addr, self.server_port = local[0], local[1]


class StreamCtx:
    """What a balancer needs of a connection (chash keys on its variables)."""

    __slots__ = ("request",)
    consumer_name = None

    def __init__(self, request: _StreamRequest) -> None:
        self.request = request

    def var(self, name: str) -> str | None:
        value = getattr(self.request, name, None)
        return None if value is None else str(value)


class _Pipe(asyncio.Protocol):
    """One side of the copy; writes what it reads into `peer`'s transport."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.peer: _Pipe | None = None
        self.pending: list[bytes] = []
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        peer = self.peer
        if peer is None or peer.transport is None:
            self.pending.append(data)
            self.transport.pause_reading()  # type: ignore[union-attr]
        else:
            peer.transport.write(data)

    def eof_received(self) -> bool | None:
        peer = self.peer
        if peer is not None and peer.transport is not None and peer.transport.can_write_eof():
            peer.transport.write_eof()
            return True  # half-close: keep receiving the other direction
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        peer = self.peer
        if peer is not None and peer.transport is not None and not peer.closed:
            peer.transport.close()

    def pause_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.resume_reading()


class StreamClient(_Pipe):
    """The client side: on connect, route and dial the upstream."""

    def __init__(self, plane: DataPlane) -> None:
        super().__init__()
        self.plane = plane

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        asyncio.get_running_loop().create_task(self._dial())

    async def _dial(self) -> None:
        transport = self.transport
        assert transport is not None
        snap = self.plane.snapshot
        local = transport.get_extra_info("sockname") or ("", 0)
        remote = transport.get_extra_info("peername") or ("", 0)
        request = _StreamRequest(remote, local)
        route = None
        if snap is not None:
            route = snap.stream_router.match(
                request.server_addr, request.server_port, request.remote_addr
            )
        upstream = route.upstream if route is not None else None
        if upstream is None:
            transport.close()
            return
        ctx = StreamCtx(request)
        connect_timeout = float(
            (upstream.conf.get("timeout") or {}).get("connect", DEFAULT_TIMEOUT)
        )
        loop = asyncio.get_running_loop()
        tried: list = []
        while not self.closed:
            node = upstream.balancer.pick(ctx, tried)
            if node is None or len(tried) > upstream.retries:
                break
            tried.append(node)
            try:
                async with asyncio.timeout(connect_timeout):
                    _, side = await loop.create_connection(_Pipe, node.host, node.port)
            except (OSError, TimeoutError):
                if upstream.checker is not None:
                    upstream.checker.observe_failure(node, "tcp_failures")
                continue
            side.peer, self.peer = self, side
            if self.closed:
                side.transport.close()
                return
            for data in self.pending:
                side.transport.write(data)  # type: ignore[union-attr]
            self.pending.clear()
            transport.resume_reading()
            return
        transport.close()
