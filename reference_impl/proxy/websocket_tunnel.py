"""WebSocket proxying (`enable_websocket` on a route or its service).

As APISIX (`apisix/init.lua` sets `$upstream_upgrade`/`$upstream_connection` from the client's
`Upgrade`/`Connection` only on such routes; nginx's `proxy_set_header` sends nothing
otherwise): an upgrade request on a websocket route goes upstream with the client's
`Upgrade` and `Connection` headers. A `101 Switching Protocols` answer is passed to the
client (with nginx's `Connection: upgrade`), then both connections become a byte tunnel
until either side closes; any other answer is relayed as a plain response. The tunnel keeps
the upstream read timeout as its idle timeout (nginx re-arms `proxy_read_timeout` on every
event of an upgraded connection), its upstream connection never goes back to the pool, and
the log phase runs once, when the tunnel closes (nginx logs an upgraded request when it is
finalized), with status 101.

While an upgrade request is being served, bytes the client sends after its head cannot go
through the request parser (it stops at an upgrade): `UpgradeHold` keeps them, for the
tunnel or, if there is none, for a fresh parser.
"""

from __future__ import annotations

import asyncio

from .downstream import Client, PendingRequest
from .plugin_api import ResponseHead
from .relay import Exchange
from .wire import date_and_server, status_line

HOLD_LIMIT = 64 * 1024  # client bytes kept before the upgrade's outcome; reading pauses above
# upstream headers of a 101 the proxy does not pass on (it writes its own Connection)
_SWITCH_SKIP = frozenset(
    [
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"transfer-encoding",
        b"content-length",
        b"te",
        b"trailer",
        b"server",
        b"date",
    ]
)


def upgrade_headers(request: PendingRequest) -> bytes:
    """The client's `Upgrade` and `Connection` header lines, to send upstream."""
    lines = []
    for name, value in request.headers:
        lowered = name.lower()
        if lowered == b"upgrade" or lowered == b"connection":
            lines.append(name + b": " + value + b"\r\n")
    return b"".join(lines)


class UpgradeHold(asyncio.Protocol):
    """Stands in for the client connection's protocol while an upgrade request is served:
    keeps what the client sends and passes the connection's other events on."""

    def __init__(self, conn: Client, request: PendingRequest, data: bytes) -> None:
        self.conn = conn
        self.request = request
        self.chunks = [data] if data else []
        self.size = len(data)

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.size += len(data)
        if self.size > HOLD_LIMIT:
            self.conn.pause_reading()

    def eof_received(self) -> bool | None:
        return None  # the transport closes itself; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.conn.connection_lost(exc)

    def pause_writing(self) -> None:
        self.conn.pause_writing()

    def resume_writing(self) -> None:
        self.conn.resume_writing()

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks = []
        self.size = 0
        return data


class TunnelEnd(asyncio.Protocol):
    """One end of a tunnel: what its transport receives is written to the other end."""

    def __init__(self, tunnel: Tunnel, transport: asyncio.Transport) -> None:
        self.tunnel = tunnel
        self.transport = transport
        self.peer: TunnelEnd  # set by the tunnel

    def data_received(self, data: bytes) -> None:
        self.tunnel.passed(self, data)
        self.peer.transport.write(data)

    def eof_received(self) -> bool | None:
        return None  # a half-close ends the tunnel, as nginx finalizes on either side's EOF

    def connection_lost(self, exc: Exception | None) -> None:
        self.tunnel.end_lost(self, exc)

    def pause_writing(self) -> None:
        self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if not self.peer.transport.is_closing():
            self.peer.transport.resume_reading()


class Tunnel:
    """The client and upstream transports relaying bytes both ways for one exchange."""

    def __init__(
        self, exchange: UpgradeExchange, client: asyncio.Transport, upstream: asyncio.Transport
    ) -> None:
        self.exchange = exchange
        self.client_end = TunnelEnd(self, client)
        self.upstream_end = TunnelEnd(self, upstream)
        self.client_end.peer = self.upstream_end
        self.upstream_end.peer = self.client_end
        self.open = True

    def start(self, from_client: bytes, from_upstream: bytes) -> None:
        client, upstream = self.client_end.transport, self.upstream_end.transport
        client.set_protocol(self.client_end)
        upstream.set_protocol(self.upstream_end)
        if from_client:
            upstream.write(from_client)
        if from_upstream:
            self.passed(self.upstream_end, from_upstream)
            client.write(from_upstream)
        for transport in (client, upstream):
            if not transport.is_closing():
                transport.resume_reading()

    def passed(self, end: TunnelEnd, data: bytes) -> None:
        exchange = self.exchange
        exchange.last_read = exchange.loop.time()
        if exchange.timed and end is self.upstream_end:
            exchange.sent += len(data)

    def end_lost(self, end: TunnelEnd, exc: Exception | None) -> None:
        client = self.exchange.client
        if end is self.client_end:
            client.connection_lost(exc)  # the client connection's own bookkeeping
        self.close()

    def close(self) -> None:
        """Close both ends (each writes what it still has buffered first)."""
        if not self.open:
            return
        self.open = False
        for end in (self.client_end, self.upstream_end):
            end.transport.close()
        self.exchange.tunnel_closed()


class UpgradeExchange(Exchange):
    """The exchange of an upgrade request on a websocket route: a 101 opens a tunnel and
    the exchange ends when the tunnel closes; any other answer is relayed as usual."""

    tunnels = True  # asked by `UpstreamConnection` when a 101 arrives
    tunnel: Tunnel | None = None  # (no __slots__: this default stands until a 101 arrives)

    def on_head(self, status: int, headers: list[tuple[bytes, bytes]], keep_alive: bool) -> None:
        if status != 101:
            super().on_head(status, headers, keep_alive)
            return
        self.last_read = self.loop.time()
        if self.timed:
            started = self.ctx.state["upstream_started"]
            self.ctx.state["upstream_latency_ms"] = (self.last_read - started) * 1000
        self.status = 101
        self.keep_client = False
        self.head_sent = True
        self.out.append(self._switching_head(headers))

    def _switching_head(self, headers: list[tuple[bytes, bytes]]) -> bytes:
        listed = [(n, v) for n, v in headers if n.lower() not in _SWITCH_SKIP]
        ctx = self.ctx
        if self.header_filters or ctx.response_headers:
            head = ResponseHead(
                101, [(n.decode("latin-1"), v.decode("latin-1")) for n, v in listed]
            )
            ctx.state["response_head"] = head
            for plugin in self.header_filters:
                plugin.header_filter(ctx, head)
            for name, value in ctx.response_headers.items():
                head.set(name, value)
            listed = [
                (n.encode("latin-1", "replace"), v.encode("latin-1", "replace"))
                for n, v in head.headers
                if n.lower().encode("latin-1", "replace") not in _SWITCH_SKIP
            ]
        lines = [status_line(101), date_and_server()]
        for raw_name, raw_value in listed:
            lines += (raw_name, b": ", raw_value, b"\r\n")
        lines.append(b"Connection: upgrade\r\n\r\n")
        return b"".join(lines)

    def on_upgraded(self, from_upstream: bytes) -> None:
        """The upstream switched protocols: tunnel the two connections."""
        conn = self.conn
        if self.client.lost or conn is None or conn.transport is None:
            self.client_lost()
            return
        self.flush()
        handover = self.client.tunnel_handover()
        if handover is None:
            self.client_lost()
            return
        client_transport, from_client = handover
        self.tunnel = Tunnel(self, client_transport, conn.transport)
        self.tunnel.start(from_client, from_upstream)

    def tunnel_closed(self) -> None:
        self._finish(None)

    def client_lost(self) -> None:
        if self.tunnel is not None:
            self.tunnel.close()
            return
        super().client_lost()

    def timed_out(self) -> None:
        if self.tunnel is not None:
            self.tunnel.close()  # the tunnel was idle for the read timeout
            return
        super().timed_out()
