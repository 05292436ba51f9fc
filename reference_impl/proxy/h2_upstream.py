"""HTTP/2 connections to `grpc` (h2c) and `grpcs` (TLS, ALPN h2) upstream nodes.

One connection per node carries every stream to it (`H2Pool`). A stream's response goes to
a `StreamSink`: head, body chunks, trailers, end, or loss; request bodies are sent within the
node's flow-control windows (`H2UpstreamConnection.send`)."""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Protocol

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions

log = logging.getLogger(__name__)


class StreamSink(Protocol):
    """Who receives the response of one upstream stream."""

    def on_head(
        self, status: int, headers: list[tuple[bytes, bytes]], keep_alive: bool
    ) -> None: ...
    def on_body(self, chunk: bytes) -> None: ...
    def on_trailers(self, headers: list[tuple[bytes, bytes]]) -> None: ...
    def on_complete(self) -> None: ...
    def on_lost(self, exc: Exception | None) -> None: ...
    def flush(self) -> None: ...


class H2UpstreamConnection(asyncio.Protocol):
    def __init__(self) -> None:
        config = h2.config.H2Configuration(client_side=True, header_encoding=None)
        self.h2 = h2.connection.H2Connection(config)
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.sinks: dict[int, StreamSink] = {}
        self.received: set[int] = set()  # streams whose response has begun
        self._window: asyncio.Event = asyncio.Event()

    # --- asyncio.Protocol ----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.h2.initiate_connection()
        self._flush()

    def data_received(self, data: bytes) -> None:
        try:
            events = self.h2.receive_data(data)
        except h2.exceptions.ProtocolError as exc:
            self._flush()
            self._fail(exc)
            return
        touched: dict[int, StreamSink] = {}
        for event in events:
            stream_id = getattr(event, "stream_id", 0)
            sink = self.sinks.get(stream_id)
            if sink is not None:
                touched[stream_id] = sink
            try:
                self._event(event, sink)
            except Exception as exc:  # one stream's failure (a filter's): the others go on
                log.exception("upstream stream %d failed", stream_id)
                self.reset(stream_id)
                if sink is not None:
                    sink.on_lost(exc)
        self._flush()
        for stream_id, sink in touched.items():
            if stream_id in self.sinks:  # a finished stream has flushed already
                sink.flush()

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(exc)

    # --- frames ------------------------------------------------------------------------------
    def _event(self, event: h2.events.Event, sink: StreamSink | None) -> None:
        if isinstance(event, h2.events.WindowUpdated | h2.events.RemoteSettingsChanged):
            self._window.set()
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.closed = True  # GOAWAY: no new streams; those open may finish
        if sink is None:
            return
        if isinstance(event, h2.events.ResponseReceived):
            self.received.add(event.stream_id)
            status = 502
            headers = []
            for name, value in event.headers:
                if name == b":status":
                    status = int(value)
                elif not name.startswith(b":"):
                    headers.append((name, value))
            sink.on_head(status, headers, True)
        elif isinstance(event, h2.events.DataReceived):
            self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            sink.on_body(event.data)
        elif isinstance(event, h2.events.TrailersReceived):
            sink.on_trailers(list(event.headers))
        elif isinstance(event, h2.events.StreamEnded):
            self._done(event.stream_id)
            sink.on_complete()
        elif isinstance(event, h2.events.StreamReset):
            self._done(event.stream_id)
            sink.on_lost(None)

    def _done(self, stream_id: int) -> None:
        self.sinks.pop(stream_id, None)
        self.received.discard(stream_id)

    def _fail(self, exc: Exception | None) -> None:
        self.closed = True
        sinks, self.sinks = self.sinks, {}
        self._window.set()
        for sink in sinks.values():
            sink.on_lost(exc)
        if self.transport is not None:
            self.transport.close()

    def _flush(self) -> None:
        data = self.h2.data_to_send()
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    # --- streams -----------------------------------------------------------------------------
    def open(self, headers: list[tuple[bytes, bytes]], sink: StreamSink, end: bool) -> int:
        """A new stream with its request head (`end`: no body follows)."""
        stream_id = self.h2.get_next_available_stream_id()
        self.h2.send_headers(stream_id, headers, end_stream=end)
        self.sinks[stream_id] = sink
        self._flush()
        return stream_id

    async def send(self, stream_id: int, data: bytes, end: bool) -> None:
        """Request body bytes, as the stream's and the connection's windows let them through."""
        view = memoryview(data)
        while view and stream_id in self.sinks:
            window = min(
                self.h2.local_flow_control_window(stream_id), self.h2.max_outbound_frame_size
            )
            if window <= 0:
                self._window.clear()
                await self._window.wait()
                continue
            self.h2.send_data(stream_id, bytes(view[:window]))
            view = view[window:]
            self._flush()
        if end and stream_id in self.sinks:
            self.h2.end_stream(stream_id)
            self._flush()

    def reset(self, stream_id: int) -> None:
        """Drop a stream; its sink hears nothing more."""
        if self.sinks.pop(stream_id, None) is None:
            return
        self.received.discard(stream_id)
        try:
            self.h2.reset_stream(stream_id, h2.errors.ErrorCodes.CANCEL)
        except h2.exceptions.H2Error:
            return
        self._flush()


class H2Pool:
    """One open HTTP/2 connection per node key, made on first use."""

    def __init__(self) -> None:
        self._conns: dict[tuple, H2UpstreamConnection] = {}
        self._connecting: dict[tuple, asyncio.Future[H2UpstreamConnection]] = {}

    async def connection(
        self, key: tuple, host: str, port: int, tls: ssl.SSLContext | None, timeout: float
    ) -> H2UpstreamConnection:
        """The node's connection; `tls`: the upstream's context (ALPN h2), None for h2c."""
        conn = self._conns.get(key)
        if conn is not None and not conn.closed:
            return conn
        pending = self._connecting.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[H2UpstreamConnection] = loop.create_future()
        self._connecting[key] = future
        try:
            async with asyncio.timeout(timeout):
                _, conn = await loop.create_connection(
                    H2UpstreamConnection,
                    host,
                    port,
                    ssl=tls,
                    server_hostname=host if tls is not None else None,
                )
        except (OSError, TimeoutError) as exc:
            future.set_exception(exc)
            future.exception()  # marked retrieved: the waiters re-raise it
            raise
        except BaseException:
            future.cancel()
            raise
        finally:
            del self._connecting[key]
        self._conns[key] = conn
        future.set_result(conn)
        return conn

    def close(self) -> None:
        for conn in self._conns.values():
            if conn.transport is not None:
                conn.transport.close()
        self._conns.clear()
