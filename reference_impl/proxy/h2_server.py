"""HTTP/2 on the data plane's listeners: h2c with prior knowledge on the HTTP port, h2 chosen
through ALPN on the TLS listener (APISIX's `apisix.enable_http2`).

A connection starts as an HTTP/1.1 `ClientConnection`; when its first bytes are the HTTP/2
preface (or ALPN chose h2) it is handed to an `H2Connection`, which frames with the `h2`
library. Each stream becomes an `H2Stream`: a `downstream.Client` carrying one
`PendingRequest` through the same data plane (routing, plugins, forwarding, logging) as an
HTTP/1.1 request. The data plane answers a client in HTTP/1.1 bytes; the stream parses them
back (httptools) into HEADERS, DATA and trailing HEADERS frames.
"""

from __future__ import annotations

import asyncio
import contextlib

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import httptools

from .downstream import Client, InFlight, PendingRequest, Plane, RequestBody, Serving
from .plugin_api import Ctx

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
# connection-specific headers (RFC 9113 8.2.2): not sent on an HTTP/2 stream
_CONNECTION_HEADERS = frozenset(
    [b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade"]
)
_WRITE_HIGH = 256 * 1024  # response bytes a stream holds for the client's window at most


class H2Connection(asyncio.Protocol):
    """An HTTP/2 client connection of `plane`, taken over from the HTTP/1.1 connection that
    accepted it (`origin`: its addresses, scheme and TLS state); `received` is what was read
    already."""

    def __init__(self, origin: Client, plane: Plane, received: bytes) -> None:
        self.origin = origin
        self.plane = plane
        transport = origin.transport
        assert transport is not None
        self.transport: asyncio.Transport | None = transport
        self.loop = origin.loop
        self.lost = False
        self.closing = False
        self.streams: dict[int, H2Stream] = {}
        self._flush_soon = False  # a flush is scheduled for this loop iteration
        self.idle_since = self.loop.time()
        # what goes out was parsed by httptools already; what comes in is checked here (no
        # CR/LF reaches the HTTP/1.1 bytes sent upstream)
        config = h2.config.H2Configuration(
            client_side=False,
            header_encoding=None,
            validate_outbound_headers=False,
            normalize_outbound_headers=False,
        )
        self.h2 = h2.connection.H2Connection(config)
        self.h2.initiate_connection()
        self.plane.connections.discard(origin)
        self.plane.connections.add(self)
        transport.set_protocol(self)
        transport.resume_reading()
        self.flush()
        if received:
            self.data_received(received)

    # --- asyncio.Protocol ----------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        try:
            events = self.h2.receive_data(data)
        except h2.exceptions.ProtocolError:
            self.flush()
            self._close()
            return
        for event in events:
            self._event(event)
        self.flush()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.plane.connections.discard(self)
        if self.plane.metrics is not None:
            self.plane.metrics.connection_closed()
        for stream in list(self.streams.values()):
            stream.connection_lost(exc)
        self.streams.clear()

    def pause_writing(self) -> None:
        for stream in self.streams.values():
            if stream.exchange is not None:
                stream.exchange.pause_upstream(True)

    def resume_writing(self) -> None:
        for stream in self.streams.values():
            if stream.exchange is not None:
                stream.exchange.pause_upstream(False)

    # --- frames ------------------------------------------------------------------------------
    def _event(self, event: h2.events.Event) -> None:
        if isinstance(event, h2.events.RequestReceived):
            self._request(event.stream_id, event.headers, event.stream_ended is not None)
        elif isinstance(event, h2.events.DataReceived):
            self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            stream = self.streams.get(event.stream_id)
            body = stream.request.body if stream is not None else None
            if stream is not None and body is not None and body.feed(event.data):
                stream.buffered += len(event.data)
        elif isinstance(event, h2.events.StreamEnded):
            stream = self.streams.get(event.stream_id)
            if stream is not None and stream.request.body is not None:
                stream.request.body.finish()
        elif isinstance(event, h2.events.StreamReset):
            stream = self.streams.pop(event.stream_id, None)
            if stream is not None:
                stream.connection_lost(None)
        elif isinstance(event, h2.events.WindowUpdated):
            targets = (
                list(self.streams.values())
                if event.stream_id == 0
                else [s for s in [self.streams.get(event.stream_id)] if s is not None]
            )
            for stream in targets:
                stream.send_pending()
        elif isinstance(event, h2.events.ConnectionTerminated):
            self._close()

    def _request(self, stream_id: int, raw: list[tuple[bytes, bytes]], ended: bool) -> None:
        method = path = authority = b""
        headers: list[tuple[bytes, bytes]] = []
        size = 0
        for name, value in raw:
            if name.startswith(b":"):
                if name == b":method":
                    method = value
                elif name == b":path":
                    path = value
                elif name == b":authority":
                    authority = value
                continue
            if name == b"host" and authority:
                continue
            headers.append((name, value))
            size += len(name) + len(value) + 4
        if authority:
            headers.insert(0, (b"host", authority))
            size += len(authority) + 10
        request = PendingRequest(method, path or b"/", headers, "2.0", True)
        request.header_bytes = size
        stream = H2Stream(self, stream_id, request)
        if not ended:
            for name, value in headers:
                if name == b"content-length" and value.isdigit():
                    request.content_length = int(value)
            request.chunked = request.content_length < 0  # HTTP/1.1 upstreams get it chunked
            request.body = RequestBody(stream)
        self.streams[stream_id] = stream
        self.idle_since = self.loop.time()
        if self.plane.metrics is not None:
            self.plane.metrics.request_read()
        serving = self.plane.begin(stream, request)
        if serving is not None:
            stream.serve(serving)

    def flush(self) -> None:
        data = self.h2.data_to_send()
        transport = self.transport
        if data and transport is not None and not self.lost and not transport.is_closing():
            transport.write(data)

    def flush_soon(self) -> None:
        """Flush once the loop's current callbacks ran: the frames of every stream answered
        meanwhile go out in one write."""
        if not self._flush_soon:
            self._flush_soon = True
            self.loop.call_soon(self._scheduled_flush)

    def _scheduled_flush(self) -> None:
        self._flush_soon = False
        self.flush()

    def stream_done(self, stream: H2Stream) -> None:
        if self.streams.get(stream.stream_id) is stream:
            del self.streams[stream.stream_id]
        self.idle_since = self.loop.time()
        if self.closing and not self.streams:
            self._close()

    def _close(self) -> None:
        if self.transport is not None and not self.lost:
            self.h2.close_connection()
            self.flush()
            self.transport.close()

    # --- what the worker asks of its connections -----------------------------------------------
    def shutdown(self) -> None:
        """Finish the streams open, then close (graceful stop)."""
        self.closing = True
        if not self.streams:
            self._close()

    def timed_out(self, now: float) -> bool:
        """No stream open for `keepalive_timeout` (the upstream's timeouts apply while one is)."""
        if self.lost or self.streams:
            return False
        return now - self.idle_since >= self.plane.limits.keepalive_timeout


class H2Stream:
    """One HTTP/2 stream as the data plane's client (`downstream.Client`)."""

    def __init__(self, conn: H2Connection, stream_id: int, request: PendingRequest) -> None:
        origin = conn.origin
        self.conn = conn
        self.stream_id = stream_id
        self.request = request
        self.loop = conn.loop
        self.transport = conn.transport
        self.lost = False
        self.closing = False
        self.buffered = 0
        self.exchange: InFlight | None = None
        self.remote_addr, self.remote_port = origin.remote_addr, origin.remote_port
        self.server_addr, self.server_port = origin.server_addr, origin.server_port
        self.remote_bytes, self.port_bytes = origin.remote_bytes, origin.port_bytes
        self.scheme, self.scheme_bytes = origin.scheme, origin.scheme_bytes
        self.task: asyncio.Task[None] | None = None
        # the HTTP/1.1 response the data plane writes, parsed back into frames
        self._parser = httptools.HttpResponseParser(self)
        self._headers: list[tuple[bytes, bytes]] = []
        self._head: list[tuple[bytes, bytes]] | None = None  # received, not sent yet
        self._head_sent = False
        self._trailers: list[tuple[bytes, bytes]] = []
        self._in_trailers = False
        self._pending = bytearray()  # DATA waiting for the client's flow-control window
        self._end = False  # the response is complete: end the stream once `_pending` is out
        self._ended = False
        self._paused_upstream = False

    # --- serving -------------------------------------------------------------------------------
    def serve(self, serving: Serving) -> None:
        self.task = self.loop.create_task(self._serve(serving))

    async def _serve(self, serving: Serving) -> None:
        try:
            await serving
        finally:
            self.task = None
            self.finish()

    def fast_done(self, keep_alive: bool) -> None:
        self.finish()

    def continue_slow(self, request: PendingRequest, serving: Serving) -> None:
        self.serve(serving)

    def finish(self) -> None:
        """The data plane is done with the request: the stream ends with what was written."""
        body = self.request.body
        if body is not None and not body.done:
            body.discard = True
            body.take_buffered()
        if not self._end:
            self._end = True
            self.send_pending()
        self.conn.stream_done(self)

    # --- the response, written as HTTP/1.1 -----------------------------------------------------
    def write(self, data: bytes) -> None:
        if self.lost or self._end:
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            self._reset()
            return
        if self._head is not None and not self._end:
            self._send_head(False)  # a streamed response: its head goes out now
        self.send_pending()

    def on_header(self, name: bytes, value: bytes) -> None:
        lowered = name.lower()
        if lowered in _CONNECTION_HEADERS:
            return
        if self._in_trailers:
            self._trailers.append((lowered, value))
        else:
            self._headers.append((lowered, value))

    def on_message_begin(self) -> None:
        self._headers = []

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if status < 200:  # 100 Continue: HTTP/2 clients do without it
            return
        self._head = [(b":status", str(status).encode()), *self._headers]
        self._in_trailers = True
        if self.request.method == b"HEAD":
            self._end = True

    def on_body(self, body: bytes) -> None:
        if self._head is not None:
            self._send_head(False)
        self._pending += body

    def on_message_complete(self) -> None:
        if self._head is not None or self._head_sent:
            self._end = True

    def _send_head(self, end: bool) -> None:
        head, self._head = self._head, None
        if head is None or self.lost:
            return
        self._head_sent = True
        try:
            self.conn.h2.send_headers(self.stream_id, head, end_stream=end)
        except h2.exceptions.H2Error:
            self._reset()
            return
        if end:
            self._ended = True

    def send_pending(self) -> None:
        """Send what the client's window lets through; end the stream when all is out."""
        if self.lost or self._ended:
            return
        h2conn = self.conn.h2
        if self._end and self._head is not None and not self._pending:
            if not self._trailers:
                self._send_head(True)  # no body: one HEADERS frame ends the stream
                self.conn.flush_soon()
                return
            self._send_head(False)
        try:
            while self._pending:
                window = min(
                    h2conn.local_flow_control_window(self.stream_id),
                    h2conn.max_outbound_frame_size,
                )
                if window <= 0:
                    break
                chunk = bytes(self._pending[:window])
                del self._pending[:window]
                # the last DATA frame ends the stream itself when no trailers follow
                last = self._end and not self._pending and not self._trailers
                h2conn.send_data(self.stream_id, chunk, end_stream=last)
                self._ended = last
            if self._end and not self._pending and not self._ended:
                if not self._head_sent:  # nothing was answered: the stream is cut short
                    self._reset()
                    return
                if self._trailers:
                    h2conn.send_headers(self.stream_id, self._trailers, end_stream=True)
                else:
                    h2conn.end_stream(self.stream_id)
                self._ended = True
        except h2.exceptions.H2Error:
            self._reset()
            return
        self.conn.flush_soon()
        self._pace_upstream()

    def _pace_upstream(self) -> None:
        """Hold the upstream while the client's window keeps too much here."""
        paused = len(self._pending) > _WRITE_HIGH
        if paused != self._paused_upstream and self.exchange is not None:
            self._paused_upstream = paused
            self.exchange.pause_upstream(paused)

    def _reset(self) -> None:
        if not self._ended and not self.conn.lost:
            self._ended = True
            with contextlib.suppress(h2.exceptions.H2Error):
                self.conn.h2.reset_stream(self.stream_id)
            self.conn.flush()

    # --- the rest of downstream.Client ---------------------------------------------------------
    @property
    def client_checks(self) -> bool:
        return self.conn.origin.client_checks

    def refuses(self, ctx: Ctx) -> bool:
        return self.conn.origin.refuses(ctx)

    def connection_lost(self, exc: Exception | None) -> None:
        """The stream was reset or the connection is gone."""
        if self.lost:
            return
        self.lost = True
        if self.request.body is not None:
            self.request.body.finish()
        if self.exchange is not None:
            self.exchange.client_lost()

    def pause_reading(self) -> None:
        """Request bodies are flow-controlled per stream: the window is given back at once."""

    def resume_reading(self) -> None:
        """See `pause_reading`."""

    def pause_writing(self) -> None:
        """The connection's transport paces every stream (`H2Connection.pause_writing`)."""

    def resume_writing(self) -> None:
        """See `pause_writing`."""

    def shutdown(self) -> None:
        self.closing = True

    def timed_out(self, now: float) -> bool:
        return False  # the connection's timeouts apply (`H2Connection.timed_out`)

    def tunnel_handover(self) -> tuple[asyncio.Transport, bytes] | None:
        return None  # no Upgrade on HTTP/2 (RFC 9113 8.6)
