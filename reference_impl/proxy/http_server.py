"""The downstream side: one asyncio Protocol per client connection, parsing with httptools.

Requests on a connection are answered in order (pipelined ones queue up). Each goes first to
the fast path (`fast_path`, straight from the parser callbacks) and otherwise to a task
running `DataPlane.handle`. Request bodies stream through `RequestBody`; reading from the
client pauses while too much is buffered. A malformed request gets a 400 and the connection
is closed.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

import httptools

from .fast_path import start_fast
from .plugins.prometheus import REQUESTS_SERIES, record_connection
from .websocket_tunnel import UpgradeHold
from .wire import error_page, response_bytes

if TYPE_CHECKING:
    from .relay import Exchange

MAX_HEADER_BYTES = 32 * 1024  # nginx: large_client_header_buffers 4 8k, per line; total bound
MAX_QUEUED_REQUESTS = 16
MAX_BUFFERED_BODY = 1024 * 1024
REPLAY_LIMIT = 1024 * 1024  # body bytes kept so a retry can resend them
# lengths of content-length, transfer-encoding, expect and upgrade: most headers are skipped
# by length
_FRAMING_NAME_SIZES = frozenset([14, 17, 6, 7])


class HeaderTooLarge(Exception):
    pass


class RequestBody:
    """A request body arriving from the client, read chunk by chunk by the proxy."""

    __slots__ = ("chunks", "conn", "discard", "done", "history", "replayable", "size", "waiter")

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn
        self.chunks: deque[bytes] = deque()
        self.done = False
        self.waiter: asyncio.Future | None = None
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


class PendingRequest:
    __slots__ = (
        "body",
        "chunked",
        "content_length",
        "expect_continue",
        "handoff",
        "header_bytes",
        "headers",
        "keep_alive",
        "method",
        "upgrade",
        "url",
        "version",
    )

    def __init__(self, method: bytes, url: bytes, headers: list, version: str, keep_alive: bool):
        self.method = method
        self.url = url
        self.headers = headers
        self.version = version
        self.keep_alive = keep_alive
        self.body: RequestBody | None = None
        self.chunked = False
        self.content_length = -1
        self.expect_continue = False
        self.handoff: Any = None  # set when the fast path passes the request on
        self.header_bytes = 0
        self.upgrade = False  # it has an Upgrade header

    def length(self) -> int:
        """nginx's $request_length: request line, headers and body, in bytes."""
        line = len(self.method) + len(self.url) + 12  # "M URL HTTP/1.1\r\n"
        body = self.body.size if self.body is not None else 0
        return line + self.header_bytes + 2 + body


class ClientConnection(asyncio.Protocol):
    """One downstream connection; `plane.handle(conn, request)` serves each request."""

    scheme = "http"
    scheme_bytes = b"http"
    client_checks = False  # requests need `refuses(ctx)` asked first (HTTPS with mTLS)

    def __init__(self, plane: Any) -> None:
        self.plane = plane
        self.transport: asyncio.Transport | None = None
        self.loop: asyncio.AbstractEventLoop  # set in connection_made
        self.parser = httptools.HttpRequestParser(self)
        self.queue: deque[PendingRequest] = deque()
        self.current: PendingRequest | None = None
        self.task: asyncio.Task | None = None
        self.busy = False  # a request is being served (fast path or task)
        self.lost = False
        self.closing = False
        self.reading_paused = False
        self.buffered = 0
        self.exchange: Exchange | None = None  # the upstream exchange in flight, if any
        self.hold: UpgradeHold | None = None  # stands in as the protocol during an upgrade
        self.remote_addr = ""
        self.remote_port = 0
        self.server_addr = ""
        self.server_port = 0
        self.remote_bytes = b""
        self.port_bytes = b""
        self._url = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._header_bytes = 0

    # --- asyncio.Protocol ----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.loop = asyncio.get_running_loop()
        peer = transport.get_extra_info("peername") or ("", 0)
        local = transport.get_extra_info("sockname") or ("", 0)
        self.remote_addr, self.remote_port = peer[0], peer[1]
        self.server_addr, self.server_port = local[0], local[1]
        self.remote_bytes = self.remote_addr.encode()
        self.port_bytes = str(self.server_port).encode()
        self.plane.connections.add(self)
        if self.plane.metrics is not None:
            record_connection(self.plane.metrics, True)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except HeaderTooLarge:
            self._reject(400)
        except httptools.HttpParserUpgrade as exc:
            self._hold_upgrade(data[exc.args[0] :])
        except httptools.HttpParserCallbackError as exc:
            cause = exc.__context__
            self._reject(400 if isinstance(cause, HeaderTooLarge) or cause is None else 500)
        except httptools.HttpParserError:
            self._reject(400)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.plane.connections.discard(self)
        if self.plane.metrics is not None:
            record_connection(self.plane.metrics, False)
        for request in ([self.current] if self.current else []) + list(self.queue):
            if request.body is not None:
                request.body.finish()
        if self.exchange is not None:
            self.exchange.client_lost()

    def pause_writing(self) -> None:
        if self.exchange is not None:
            self.exchange.pause_upstream(True)

    def resume_writing(self) -> None:
        if self.exchange is not None:
            self.exchange.pause_upstream(False)

    # --- httptools callbacks ------------------------------------------------------------------
    def on_url(self, url: bytes) -> None:
        self._url += url
        if len(self._url) > MAX_HEADER_BYTES:
            raise HeaderTooLarge

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value) + 4
        if self._header_bytes > MAX_HEADER_BYTES:
            raise HeaderTooLarge
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        parser = self.parser
        headers = self._headers
        request = PendingRequest(
            parser.get_method(),
            self._url,
            headers,
            parser.get_http_version(),
            parser.should_keep_alive(),
        )
        request.header_bytes = self._header_bytes
        # what the next message's callbacks collect (no on_message_begin callback: it is
        # one Python call per request less)
        self._url = b""
        self._headers = []
        self._header_bytes = 0
        metrics = self.plane.metrics
        if metrics is not None:
            metrics.inc(REQUESTS_SERIES)
        for name, value in headers:
            size = len(name)
            if size not in _FRAMING_NAME_SIZES:
                continue
            lowered = name.lower()
            if lowered == b"content-length":
                request.content_length = int(value)
            elif lowered == b"transfer-encoding":
                request.chunked = b"chunked" in value.lower()
            elif lowered == b"expect":
                request.expect_continue = value.lower() == b"100-continue"
            elif lowered == b"upgrade":
                request.upgrade = True
        if request.chunked or request.content_length > 0:
            request.body = RequestBody(self)
        self.current = request
        self.queue.append(request)
        if len(self.queue) > MAX_QUEUED_REQUESTS:
            self.pause_reading()
        if not self.busy:
            self._dispatch()

    def on_body(self, body: bytes) -> None:
        request = self.current
        if request is not None and request.body is not None and request.body.feed(body):
            self.buffered += len(body)
            if self.buffered > MAX_BUFFERED_BODY:
                self.pause_reading()

    def on_message_complete(self) -> None:
        request = self.current
        if request is not None and request.body is not None:
            request.body.finish()
        self.current = None

    # --- serving ---------------------------------------------------------------------------------
    def _dispatch(self) -> None:
        """Serve the next queued request: on the fast path if it can, else in a task."""
        queue = self.queue
        if self.busy or not queue or self.lost:
            return
        self.busy = True
        request = queue[0]
        snap = self.plane.snapshot
        if (
            request.body is None
            and request.handoff is None
            and not request.upgrade
            and not self.client_checks
            and snap is not None
            and start_fast(self.plane, self, request, snap)
        ):
            queue.popleft()
            if self.reading_paused:
                self.resume_reading()
            return
        self.task = self.loop.create_task(self._serve())

    def fast_done(self, keep_alive: bool) -> None:
        """The fast path answered a request."""
        self.busy = False
        if not keep_alive or (self.closing and not self.queue):
            self._close()
        elif self.queue:
            self.loop.call_soon(self._dispatch)

    def retry_slow(self, request: PendingRequest) -> None:
        """The fast path failed before any response: the general path takes over."""
        self.queue.appendleft(request)
        self.task = self.loop.create_task(self._serve())

    async def _serve(self) -> None:
        """Serve queued requests in order until the queue is empty."""
        plane = self.plane
        queue = self.queue
        keep_alive = True
        try:
            while queue and not self.lost:
                request = queue.popleft()
                self.resume_reading()
                keep_alive = await plane.handle(self, request)
                if self.hold is not None and self.hold.request is request:
                    self._release_hold()
                body = request.body
                if body is not None and not body.done:
                    # the body was not (fully) read: discard the rest as it arrives
                    body.history = None
                    body.discard = True
                    body.take_buffered()
                    self.resume_reading()
                if not keep_alive:
                    break
        finally:
            self.task = None
            self.busy = False
            if not keep_alive or self.closing:
                self._close()

    def _hold_upgrade(self, rest: bytes) -> None:
        """The parser stopped after an upgrade request: until it is answered, what the
        client sends is kept aside (tunnel bytes if the upstream switches protocols)."""
        request = self.queue[-1] if self.queue else None
        if request is None or not request.upgrade or self.transport is None:
            self._reject(400)  # CONNECT
            return
        self.hold = UpgradeHold(self, request, rest)
        self.transport.set_protocol(self.hold)

    def _release_hold(self) -> None:
        """No tunnel: HTTP goes on with a fresh parser, fed what was kept."""
        hold, self.hold = self.hold, None
        if self.lost or hold is None:
            return
        self.transport.set_protocol(self)  # type: ignore[union-attr]
        self.parser = httptools.HttpRequestParser(self)
        data = hold.take()
        if data:
            self.data_received(data)
        self.resume_reading()

    def _close(self) -> None:
        if self.transport is not None and not self.lost:
            self.transport.close()

    def write(self, data: bytes) -> None:
        if not self.lost:
            self.transport.write(data)  # type: ignore[union-attr]

    def pause_reading(self) -> None:
        if not self.reading_paused and self.transport is not None and not self.lost:
            self.reading_paused = True
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if (
            self.reading_paused
            and not self.lost
            and self.buffered <= MAX_BUFFERED_BODY
            and len(self.queue) <= MAX_QUEUED_REQUESTS
        ):
            self.reading_paused = False
            self.transport.resume_reading()  # type: ignore[union-attr]

    def shutdown(self) -> None:
        """Finish what has been received, then close (graceful stop)."""
        self.closing = True
        if not self.busy:
            self._close()

    def _reject(self, status: int) -> None:
        if self.lost:
            return
        if not self.busy:
            page = error_page(status)
            html = "text/html; charset=utf-8"
            self.transport.write(response_bytes(status, page, None, None, False, content_type=html))  # type: ignore[union-attr]
            self.transport.close()  # type: ignore[union-attr]
        else:
            # a response is in flight: let it finish, then close without reading more
            self.closing = True
            self.pause_reading()
