"""The lowest layer of the HTTP proxy: the client-side types every other part of it uses.

`PendingRequest` and `RequestBody` are a request as the client connection parsed it. The
protocols are the faces the parts show each other, so that the modules depend one way only:
`Client` is what the proxy asks of a client connection (`http_server.ClientConnection`) or of
an HTTP/2 stream (`h2_server.H2Stream`), `Connection` what the worker asks of a connection,
`InFlight` what the connection asks of the upstream exchange serving it (`relay.Exchange`),
`Plane` what the connection asks of the data plane (`handler.DataPlane`), and
`ServerMetrics` the hook through which connection and request counts are recorded.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Coroutine
from typing import Any, Protocol

from ..client_limits import ClientLimits
from .plugin_api import Ctx

REPLAY_LIMIT = 1024 * 1024  # body bytes kept so a retry can resend them


class InFlight(Protocol):
    """The upstream exchange serving the connection's current request."""

    @property
    def responded(self) -> bool:
        """Something of the response has been written to the client."""

    def client_lost(self) -> None: ...
    def pause_upstream(self, paused: bool) -> None: ...


class Connection(Protocol):
    """A client connection as its worker sees it: timed out, stopped, dropped."""

    transport: asyncio.Transport | None

    def shutdown(self) -> None: ...
    def timed_out(self, now: float) -> bool:
        """The client let one of its timeouts (`ClientLimits`) run out."""


class Client(Protocol):
    """A downstream connection (or an HTTP/2 stream) as the proxy sees it."""

    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport | None
    lost: bool
    closing: bool
    buffered: int  # request body bytes received and not yet read by the proxy
    exchange: InFlight | None
    remote_addr: str
    remote_port: int
    server_addr: str
    server_port: int
    remote_bytes: bytes
    port_bytes: bytes

    @property
    def scheme(self) -> str: ...
    @property
    def scheme_bytes(self) -> bytes: ...
    @property
    def client_checks(self) -> bool:
        """Requests must be checked with `refuses` before anything else (mTLS)."""

    def refuses(self, ctx: Ctx) -> bool: ...
    def write(self, data: bytes) -> None: ...
    def pause_reading(self) -> None: ...
    def resume_reading(self) -> None: ...
    def pause_writing(self) -> None: ...
    def resume_writing(self) -> None: ...
    def shutdown(self) -> None: ...
    def connection_lost(self, exc: Exception | None) -> None: ...
    def timed_out(self, now: float) -> bool:
        """The client let one of its timeouts (`ClientLimits`) run out."""

    def fast_done(self, keep_alive: bool) -> None:
        """The fast path answered the current request."""

    def continue_slow(self, request: PendingRequest, serving: Serving) -> None:
        """The fast path gave up before any response: `serving` takes the request over."""

    def tunnel_handover(self) -> tuple[asyncio.Transport, bytes] | None:
        """The transport, for a tunnel, with what the client sent after its upgrade
        request; None when the connection is gone."""


# the general path serving one request; its result: keep the client connection open
Serving = Coroutine[Any, Any, bool]


class ServerMetrics(Protocol):
    """Where the engine counts connections and requests (the prometheus plugin's series)."""

    def connection_opened(self) -> None: ...
    def connection_closed(self) -> None: ...
    def request_read(self) -> None: ...


class Plane(Protocol):
    """What a client connection asks of the data plane serving it."""

    connections: set[Connection]
    metrics: ServerMetrics | None
    limits: ClientLimits
    http2: bool  # HTTP/2 is served (h2c with prior knowledge, h2 through ALPN)

    def begin(self, conn: Client, request: PendingRequest) -> Serving | None:
        """Start serving a request: None when the fast path has it (it reports through
        `conn.fast_done` or `conn.continue_slow`), else what serves it."""

    def handle(self, conn: Client, request: PendingRequest) -> Serving:
        """Serve a request on the general path."""


class RequestBody:
    """A request body arriving from the client, read chunk by chunk by the proxy."""

    __slots__ = ("chunks", "conn", "discard", "done", "history", "replayable", "size", "waiter")

    def __init__(self, conn: Client) -> None:
        self.conn = conn
        self.chunks: deque[bytes] = deque()
        self.done = False
        self.waiter: asyncio.Future[None] | None = None
        self.history: list[bytes] | None = []
        self.replayable = True
        self.discard = False  # nobody will read the rest: drop it as it arrives
        self.size = 0

    def feed(self, chunk: bytes) -> bool:
        """Keep a chunk for the reader; False when it is dropped instead."""
        if self.discard:
            return False
        self.chunks.append(chunk)
        self.size += len(chunk)
        if self.history is not None:
            if self.size <= REPLAY_LIMIT:
                self.history.append(chunk)
            else:
                self.history = None
        self._wake()
        return True

    def finish(self) -> None:
        self.done = True
        self._wake()

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)

    async def read(self) -> bytes | None:
        """The next chunk, or None at the end of the body (or when the client is gone)."""
        while not self.chunks:
            if self.done or self.conn.lost:
                return None
            self.waiter = self.conn.loop.create_future()
            self.conn.resume_reading()
            await self.waiter
        chunk = self.chunks.popleft()
        self.conn.buffered -= len(chunk)
        self.conn.resume_reading()
        return chunk

    async def read_all(self, limit: int = 0) -> bytes:
        """The whole body, which stays to be sent upstream (for plugins that read it); with
        a `limit`, no more once more than `limit` bytes have come."""
        parts, size = [], 0
        while (chunk := await self.read()) is not None:
            parts.append(chunk)
            size += len(chunk)
            if limit and size > limit:
                break
        data = b"".join(parts)
        if data:
            self.chunks.append(data)
            self.conn.buffered += len(data)
        return data

    def take_buffered(self) -> bytes:
        """Everything received so far, consumed."""
        data = b"".join(self.chunks)
        self.conn.buffered -= len(data)
        self.chunks.clear()
        return data

    def replay(self) -> bytes | None:
        """The whole body again for a retry; None when it was too large to keep."""
        if self.history is None or not self.done:
            self.replayable = False
            return None
        return b"".join(self.history)


def continue_if_expected(client: Client, request: PendingRequest) -> None:
    """Tell a client waiting with `Expect: 100-continue` to send its body (before the proxy
    first reads it)."""
    body = request.body
    if request.expect_continue and body is not None and not body.done and not body.chunks:
        client.write(b"HTTP/1.1 100 Continue\r\n\r\n")


class PendingRequest:
    __slots__ = (
        "body",
        "chunked",
        "content_length",
        "expect_continue",
        "header_bytes",
        "headers",
        "keep_alive",
        "method",
        "upgrade",
        "url",
        "version",
    )

    def __init__(
        self,
        method: bytes,
        url: bytes,
        headers: list[tuple[bytes, bytes]],
        version: str,
        keep_alive: bool,
    ) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.version = version
        self.keep_alive = keep_alive
        self.body: RequestBody | None = None
        self.chunked = False
        self.content_length = -1
        self.expect_continue = False
        self.header_bytes = 0
        self.upgrade = False  # it has an Upgrade header

    def length(self) -> int:
        """nginx's $request_length: request line, headers and body, in bytes."""
        line = len(self.method) + len(self.url) + 12  # "M URL HTTP/1.1\r\n"
        body = self.body.size if self.body is not None else 0
        return line + self.header_bytes + 2 + body
