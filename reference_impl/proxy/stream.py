"""The TCP (L4) proxy, plain or TLS over TCP: a stream route chosen by server address/port,
client address and the TLS SNI, its stream plugins run, then bytes copied both ways between
the client and an upstream node, with back-pressure."""

from __future__ import annotations

import asyncio

from .handler import DataPlane
from .nodes import Node
from .stream_session import StreamSession
from .tls import Handshake

UPSTREAM_SNI = "apisix_backend"  # towards a TLS upstream, when the client sent no SNI


class _Pipe(asyncio.Protocol):
    """One side of the copy; writes what it reads into `peer`'s transport."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.peer: _Pipe | None = None
        self.pending: list[bytes] = []
        self.closed = False
        self.got_eof = False

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
        self.got_eof = True
        peer = self.peer
        if peer is not None and peer.transport is not None and peer.transport.can_write_eof():
            peer.transport.write_eof()
            if peer.got_eof:  # both directions are done: neither socket is closed otherwise
                peer.transport.close()
                return None
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
    """The client side: on connect (after the handshake, over TLS), route, run the stream
    plugins and dial the upstream; the session ends (log phase) when the client is gone."""

    def __init__(self, plane: DataPlane) -> None:
        super().__init__()
        self.plane = plane
        self.session: StreamSession | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        handshake = Handshake.of(transport)
        self.session = StreamSession(
            self.plane,
            transport.get_extra_info("peername") or ("", 0),
            transport.get_extra_info("sockname") or ("", 0),
            "tcp",
            handshake.sni or None,
        )
        if handshake.refused:
            transport.close()
            return
        asyncio.get_running_loop().create_task(self._proxy(self.session))

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self.session is not None:
            self.session.close()

    async def _proxy(self, session: StreamSession) -> None:
        transport = self.transport
        assert transport is not None
        upstream = await session.connect(self._dial) if await session.admit() else None
        if upstream is None:
            transport.close()
            return
        side: _Pipe = upstream.get_protocol()  # type: ignore[assignment]
        side.peer, self.peer = self, side
        for data in self.pending:
            side.transport.write(data)  # type: ignore[union-attr]
        self.pending.clear()
        transport.resume_reading()

    async def _dial(self, node: Node) -> asyncio.BaseTransport:
        """A connection to `node`; over TLS to an upstream of scheme `tls`, with the client's
        SNI when it sent one, else `apisix_backend` (as APISIX's stream proxy does)."""
        session = self.session
        route = session.route if session is not None else None
        tls = route.upstream.tls_context if route is not None and route.upstream else None
        sni = (session.sni if session is not None else None) or UPSTREAM_SNI
        transport, _ = await asyncio.get_running_loop().create_connection(
            _Pipe, node.host, node.port, ssl=tls, server_hostname=sni if tls else None
        )
        return transport
