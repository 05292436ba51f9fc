"""The UDP stream proxy (`apisix.stream_proxy.udp`), as nginx proxies UDP: the datagrams of one
client address form a session; its first datagram routes it and runs the stream plugins, then
its datagrams go to one upstream node over a connected UDP socket and the node's replies come
back to the client from the listening socket. A session ends after the upstream's read
timeout (nginx's `proxy_timeout`) passes without a datagram either way; a refused session ends
at once, so the client's next datagram is routed afresh."""

from __future__ import annotations

import asyncio
import logging

from .handler import DataPlane
from .nodes import DEFAULT_TIMEOUT, Node
from .stream_session import StreamSession

log = logging.getLogger(__name__)

Address = tuple


class UdpListener(asyncio.DatagramProtocol):
    """A `stream_proxy.udp` socket and its sessions by client address."""

    def __init__(self, plane: DataPlane) -> None:
        self.plane = plane
        self.transport: asyncio.DatagramTransport | None = None
        self.sessions: dict[Address, _UdpSession] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Address) -> None:
        session = self.sessions.get(addr)
        if session is None:
            session = self.sessions[addr] = _UdpSession(self, addr)
        session.from_client(data)

    def reply(self, data: bytes, addr: Address) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(data, addr)

    def close(self) -> None:
        for session in list(self.sessions.values()):
            session.end()
        if self.transport is not None:
            self.transport.close()


class _UdpSession(asyncio.DatagramProtocol):
    """One client address's datagrams and the upstream socket they go through."""

    def __init__(self, listener: UdpListener, addr: Address) -> None:
        self.listener = listener
        self.addr = addr
        self.pending: list[bytes] = []
        self.upstream: asyncio.DatagramTransport | None = None
        self.ended = False
        self.idle_timeout = DEFAULT_TIMEOUT
        self._timer: asyncio.TimerHandle | None = None
        transport = listener.transport
        local = transport.get_extra_info("sockname") if transport is not None else ("", 0)
        self.session = StreamSession(listener.plane, addr, local, "udp")
        asyncio.get_running_loop().create_task(self._proxy())

    async def _proxy(self) -> None:
        session = self.session
        udp = await session.connect(self._dial) if await session.admit() else None
        if udp is None:
            self.end()
            return
        self.upstream = udp  # type: ignore[assignment]
        for data in self.pending:
            self.upstream.sendto(data)  # type: ignore[union-attr]
        self.pending.clear()
        self._touch()

    async def _dial(self, node: Node) -> asyncio.BaseTransport:
        udp, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: self, remote_addr=(node.host, node.port)
        )
        upstream = self.session.route.upstream if self.session.route is not None else None
        if upstream is not None:
            self.idle_timeout = upstream.timeouts.read
        return udp

    def from_client(self, data: bytes) -> None:
        if self.upstream is None:
            self.pending.append(data)
            return
        self.upstream.sendto(data)
        self._touch()

    # the upstream socket's protocol
    def datagram_received(self, data: bytes, addr: Address) -> None:
        self.listener.reply(data, self.addr)
        self._touch()

    def error_received(self, exc: Exception) -> None:
        log.debug("udp upstream of %s: %s", self.addr, exc)

    def _touch(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(self.idle_timeout, self.end)

    def end(self) -> None:
        if self.ended:
            return
        self.ended = True
        if self._timer is not None:
            self._timer.cancel()
        if self.listener.sessions.get(self.addr) is self:
            del self.listener.sessions[self.addr]
        if self.upstream is not None:
            self.upstream.close()
        self.session.close()
