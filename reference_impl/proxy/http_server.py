"""The downstream side: one asyncio Protocol per client connection, parsing with httptools.

Requests on a connection are answered in order (pipelined ones queue up). The data plane
(`downstream.Plane`) serves the first of them on its fast path, straight from the parser
callbacks, or gives back what serves it on the general path, run in a task that serves the
queued requests after it too. Request bodies stream through `RequestBody`; reading from the
client pauses while too much is buffered. A malformed request gets a 400 and the connection
is closed.
"""

from __future__ import annotations

import asyncio
from collections import deque

import httptools

from .downstream import InFlight, PendingRequest, Plane, RequestBody, Serving
from .h2_server import PREFACE, H2Connection
from .plugin_api import Ctx
from .websocket_tunnel import UpgradeHold
from .wire import error_page, response_bytes

HTML = "text/html; charset=utf-8"

MAX_QUEUED_REQUESTS = 16
LINGER = 5.0  # nginx's lingering_timeout
MAX_BUFFERED_BODY = 1024 * 1024
# lengths of content-length, transfer-encoding, expect and upgrade: most headers are skipped
# by length
_FRAMING_NAME_SIZES = frozenset([14, 17, 6, 7])


class HeaderTooLarge(Exception):
    """nginx's `large_client_header_buffers`: a request line longer than one buffer (414), a
    header line longer than one buffer or more than all of them together (400)."""

    def __init__(self, status: int = 400) -> None:
        super().__init__(status)
        self.status = status


class _Lingering(asyncio.Protocol):
    """A refused connection after its answer, as nginx's lingering close: what the client
    still sends is read and dropped until it closes, for up to LINGER seconds. Closing a
    socket with unread data resets the connection, and the client would lose the answer."""

    def __init__(self, conn: ClientConnection, answer: bytes) -> None:
        transport = conn.transport
        assert transport is not None
        self.conn = conn
        transport.write(answer)
        if not transport.can_write_eof():
            transport.close()
            return
        transport.write_eof()
        transport.set_protocol(self)
        conn.loop.call_later(LINGER, self._give_up)

    def _give_up(self) -> None:
        if not self.conn.lost and self.conn.transport is not None:
            self.conn.transport.abort()

    def data_received(self, data: bytes) -> None:
        pass

    def eof_received(self) -> bool | None:
        return None  # the client is done: the transport closes

    def connection_lost(self, exc: Exception | None) -> None:
        self.conn.connection_lost(exc)


class ClientConnection(asyncio.Protocol):
    """One downstream connection (a `downstream.Client`), served by `plane`."""

    scheme = "http"
    scheme_bytes = b"http"

    def __init__(self, plane: Plane) -> None:
        self.plane = plane
        self.transport: asyncio.Transport | None = None
        self.loop: asyncio.AbstractEventLoop  # set in connection_made
        self.parser = httptools.HttpRequestParser(self)
        self.queue: deque[PendingRequest] = deque()
        self.current: PendingRequest | None = None
        self.task: asyncio.Task[None] | None = None
        self.busy = False  # a request is being served (fast path or task)
        self.lost = False
        self.closing = False
        self.reading_paused = False
        self.buffered = 0
        self.exchange: InFlight | None = None  # the upstream exchange in flight, if any
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
        self.limits = plane.limits
        self.max_header_bytes = plane.limits.max_header_bytes
        self.buffer_size = plane.limits.header_buffer_size  # one header line at most
        # what `timed_out` watches: request heads read so far, and where it stands
        self.heads_read = 0
        self._watch: tuple[str, int, int] = ("", 0, 0)
        self._watch_since = 0.0
        self._header_since: float | None = None
        self._head_seen = 0  # bytes of a request head not complete yet

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
            self.plane.metrics.connection_opened()

    def data_received(self, data: bytes) -> None:
        # httptools hands a header over only once it is complete: the size of a request head
        # is counted here, as it arrives (`on_headers_complete` starts the count again)
        if self.current is None:
            self._head_seen += len(data)
        try:
            self.parser.feed_data(data)
            if self._head_seen > self.max_header_bytes and self.current is None:
                raise HeaderTooLarge
        except HeaderTooLarge as exc:
            self._reject(exc.status)
        except httptools.HttpParserUpgrade as exc:
            self._hold_upgrade(data[exc.args[0] :])
        except httptools.HttpParserCallbackError as exc:
            cause = exc.__context__
            if isinstance(cause, HeaderTooLarge):
                self._reject(cause.status)
            else:
                self._reject(400 if cause is None else 500)
        except httptools.HttpParserError:
            if self.heads_read == 0 and self._url == b"*" and self.plane.http2:
                self._to_http2(data)
            else:
                self._reject(400)

    def _to_http2(self, data: bytes) -> None:
        """The client sent the HTTP/2 preface (h2c with prior knowledge): an `H2Connection`
        takes the connection over with everything read so far."""
        before = self._head_seen - len(data)  # bytes the parser took before it stopped
        if not 0 <= before <= len(PREFACE):
            self._reject(400)
            return
        H2Connection(self, self.plane, PREFACE[:before] + data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.plane.connections.discard(self)
        if self.plane.metrics is not None:
            self.plane.metrics.connection_closed()
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
        if len(self._url) > self.buffer_size:
            raise HeaderTooLarge(414)

    def on_header(self, name: bytes, value: bytes) -> None:
        line = len(name) + len(value) + 4
        total = self._header_bytes = self._header_bytes + line
        if total > self.buffer_size and (line > self.buffer_size or total > self.max_header_bytes):
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
        self.heads_read += 1
        self._head_seen = 0
        # what the next message's callbacks collect (no on_message_begin callback: it is
        # one Python call per request less)
        self._url = b""
        self._headers = []
        self._header_bytes = 0
        metrics = self.plane.metrics
        if metrics is not None:
            metrics.request_read()
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
        serving = self.plane.begin(self, queue[0])
        if serving is None:
            queue.popleft()
            if self.reading_paused:
                self.resume_reading()
            return
        self.task = self.loop.create_task(self._serve(serving))

    def fast_done(self, keep_alive: bool) -> None:
        """The fast path answered a request."""
        self.busy = False
        if not keep_alive or (self.closing and not self.queue):
            self._close()
        elif self.queue:
            self.loop.call_soon(self._dispatch)

    def continue_slow(self, request: PendingRequest, serving: Serving) -> None:
        """The fast path failed before any response: the general path takes over."""
        self.queue.appendleft(request)
        self.task = self.loop.create_task(self._serve(serving))

    @property
    def client_checks(self) -> bool:
        """Requests need `refuses(ctx)` asked first (HTTPS with mTLS)."""
        return False

    def refuses(self, ctx: Ctx) -> bool:
        """A request to refuse with 400 before anything else (see `client_checks`)."""
        return False

    async def _serve(self, serving: Serving) -> None:
        """Serve the first queued request with `serving`, then the others in order until the
        queue is empty (a request stays queued until it is served: see `_hold_upgrade`)."""
        plane = self.plane
        queue = self.queue
        keep_alive = True
        try:
            while True:
                if self.lost:
                    serving.close()  # never started: nothing to undo
                    break
                request = queue.popleft()
                self.resume_reading()
                keep_alive = await serving
                if self.hold is not None and self.hold.request is request:
                    self._release_hold()
                body = request.body
                if body is not None and not body.done:
                    # the body was not (fully) read: discard the rest as it arrives
                    body.history = None
                    body.discard = True
                    body.take_buffered()
                    self.resume_reading()
                if not keep_alive or not queue:
                    break
                serving = plane.handle(self, queue[0])
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

    def tunnel_handover(self) -> tuple[asyncio.Transport, bytes] | None:
        """The transport for a tunnel, with what the client sent after its upgrade request;
        this protocol no longer reads it."""
        if self.lost or self.transport is None:
            return None
        hold, self.hold = self.hold, None
        self.reading_paused = False  # the tunnel resumes reading on both transports
        return self.transport, hold.take() if hold is not None else b""

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

    def timed_out(self, now: float) -> bool:
        """Whether the client let one of its timeouts run out (asked by `ClientTimeouts`
        every tick): the request line and headers not all read within
        `client_header_timeout`, nothing of the body for `client_body_timeout`, nothing of
        the response taken for `send_timeout`, idle for `keepalive_timeout` (or, before its
        first request, `client_header_timeout`). While a request is served without waiting
        on the client, the upstream's timeouts apply instead."""
        if self.lost or self.transport is None:
            return False
        limits = self.limits
        current = self.current
        unsent = self.transport.get_write_buffer_size()
        if unsent:
            watch, limit = ("send", self.heads_read, unsent), limits.send_timeout
        elif current is not None and current.body is not None and not current.body.done:
            watch = ("body", self.heads_read, current.body.size)
            limit = limits.client_body_timeout
        elif self.busy:
            self._watch = ("", 0, 0)
            return False
        else:
            watch = ("wait", self.heads_read, 0)
            limit = limits.keepalive_timeout if self.heads_read else limits.client_header_timeout
        if watch != self._watch:
            self._header_since = None
            self._watch, self._watch_since = watch, now
        if watch[0] == "wait" and self._head_seen:
            if self._header_since is None:  # a request has begun: its head has this long
                self._header_since = now
            return now - self._header_since >= limits.client_header_timeout
        return now - self._watch_since >= limit

    def _reject(self, status: int) -> None:
        if self.lost:
            return
        current = self.current
        if self.busy and current is not None and current.body is not None and not current.body.done:
            # the body's framing is broken (an invalid chunk size): the request can't be
            # proxied; answered at once unless a response has begun (then only closed)
            exchange = self.exchange
            if exchange is None or not exchange.responded:
                page = response_bytes(
                    status, error_page(status), None, None, False, content_type=HTML
                )
                self.transport.write(page)  # type: ignore[union-attr]
            self.transport.close()  # type: ignore[union-attr]
            return
        if not self.busy:
            page = response_bytes(status, error_page(status), None, None, False, content_type=HTML)
            _Lingering(self, page)
        else:
            # a response is in flight: let it finish, then close without reading more
            self.closing = True
            self.pause_reading()
