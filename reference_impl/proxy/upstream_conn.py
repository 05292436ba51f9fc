"""Connections to upstream nodes: an httptools response parser per connection, and keep-alive
pools per upstream and node bounded by the upstream's `keepalive_pool` (size, idle_timeout,
requests)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections import deque
from typing import Any, Protocol

import httptools


class UpstreamFailure(Exception):
    """The attempt failed before a response head arrived; another node may be tried."""

    def __init__(self, kind: str, status: int) -> None:
        super().__init__(kind)
        self.kind = kind  # "tcp_failures" or "timeouts" (health checker counters)
        self.status = status  # what the client gets if no retry succeeds: 502 or 504


class ResponseSink(Protocol):
    """Who receives the response of the request in flight on a connection."""

    def on_head(
        self, status: int, headers: list[tuple[bytes, bytes]], keep_alive: bool
    ) -> None: ...
    def on_body(self, chunk: bytes) -> None: ...
    def on_complete(self) -> None: ...
    def on_lost(self, exc: Exception | None) -> None: ...
    def on_upstream_paused(self, paused: bool) -> None: ...
    def flush(self) -> None: ...


class UpstreamConnection(asyncio.Protocol):
    __slots__ = (
        "closed",
        "headers",
        "idle_since",
        "key",
        "parser",
        "pool",
        "received",
        "requests",
        "reusable",
        "sending",
        "sink",
        "transport",
        "write_paused",
    )

    def __init__(self, pool: ConnectionPool, key: tuple) -> None:
        self.pool = pool
        self.key = key
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.sink: ResponseSink | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.requests = 0
        self.received = False  # any byte of the current response
        self.reusable = True
        self.sending = False  # request body still being streamed
        self.closed = False
        self.idle_since = 0.0
        self.write_paused = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.sink is None:  # bytes while idle: the connection is unusable
            self.close()
            return
        self.received = True
        sink = self.sink
        try:
            self.parser.feed_data(data)
            if self.sink is not None:  # still streaming (a finished exchange has flushed)
                sink.flush()
        except httptools.HttpParserUpgrade as exc:
            self._switched(data[exc.args[0] :])
        except httptools.HttpParserError as exc:
            self.reusable = False
            sink, self.sink = self.sink, None
            if sink is not None:
                sink.on_lost(exc)
            self.close()

    def _switched(self, rest: bytes) -> None:
        """The parser stopped after a 101: the bytes from here on belong to a tunnel."""
        self.reusable = False
        sink, self.sink = self.sink, None
        if sink is not None and getattr(sink, "tunnels", False) and sink.status == 101:  # type: ignore[attr-defined]
            sink.on_upgraded(rest)  # type: ignore[attr-defined]
            return
        if sink is not None:
            sink.on_lost(None)
        self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.pool.forget(self)
        if self.sink is not None:
            with contextlib.suppress(
                httptools.HttpParserError
            ):  # a close-delimited body ends at EOF
                self.parser.feed_data(b"")
            sink, self.sink = self.sink, None
            if sink is not None:
                sink.on_lost(exc)

    def pause_writing(self) -> None:
        self.write_paused = True
        if self.sink is not None:
            self.sink.on_upstream_paused(True)

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.sink is not None:
            self.sink.on_upstream_paused(False)

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        # the next message's headers start afresh (no on_message_begin: one call less)
        headers = self.headers
        self.headers = []
        status = self.parser.get_status_code()
        if 100 <= status < 200:  # interim responses are not forwarded
            if status == 101 and getattr(self.sink, "tunnels", False):
                self.reusable = False
                self.sink.on_head(status, headers, False)  # type: ignore[union-attr]
            return
        keep_alive = self.parser.should_keep_alive()
        if not keep_alive:
            self.reusable = False
        if self.sink is not None:
            self.sink.on_head(status, headers, keep_alive)

    def on_body(self, body: bytes) -> None:
        if self.sink is not None:
            self.sink.on_body(body)

    def on_message_complete(self) -> None:
        if 100 <= self.parser.get_status_code() < 200:
            return
        sink, self.sink = self.sink, None
        if sink is not None:
            self.pool.release(self)
            sink.on_complete()

    # used by the proxy
    def start(self, sink: ResponseSink, payload: bytes) -> None:
        self.sink = sink
        self.received = False
        self.requests += 1
        self.transport.write(payload)  # type: ignore[union-attr]

    def close(self) -> None:
        self.reusable = False
        if self.transport is not None and not self.closed:
            self.transport.close()

    def abort(self) -> None:
        """Drop the connection without delivering anything more to its sink."""
        self.sink = None
        self.reusable = False
        if self.transport is not None and not self.closed:
            self.transport.abort()


class PoolSettings:
    __slots__ = ("idle_timeout", "requests", "size")

    def __init__(self, conf: dict[str, Any] | None) -> None:
        conf = conf or {}
        self.size = int(conf.get("size", 320))
        self.idle_timeout = float(conf.get("idle_timeout", 60))
        self.requests = int(conf.get("requests", 1000))


_INSECURE_TLS: ssl.SSLContext | None = None


def unverified_tls_context() -> ssl.SSLContext:
    """The context of TLS towards upstreams: nginx's default is proxy_ssl_verify off, and
    APISIX keeps it."""
    global _INSECURE_TLS
    if _INSECURE_TLS is None:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        _INSECURE_TLS = ctx
    return _INSECURE_TLS


class ConnectionPool:
    """Idle keep-alive connections by (pool id, host, port, scheme)."""

    def __init__(self) -> None:
        self._idle: dict[tuple, deque[UpstreamConnection]] = {}
        self._settings: dict[tuple, PoolSettings] = {}
        self._sweeper: asyncio.TimerHandle | None = None

    def take(self, key: tuple) -> UpstreamConnection | None:
        idle = self._idle.get(key)
        while idle:
            conn = idle.pop()
            if not conn.closed:
                return conn
        return None

    async def connect(
        self, key: tuple, host: str, port: int, tls: bool, timeout: float, settings: PoolSettings
    ) -> UpstreamConnection:
        loop = asyncio.get_running_loop()
        self._settings[key] = settings
        async with asyncio.timeout(timeout):
            _, conn = await loop.create_connection(
                lambda: UpstreamConnection(self, key),
                host,
                port,
                ssl=unverified_tls_context() if tls else None,
                server_hostname=host if tls else None,
            )
        if self._sweeper is None:
            self._sweeper = loop.call_later(1.0, self._sweep)
        return conn

    def release(self, conn: UpstreamConnection) -> None:
        settings = self._settings.get(conn.key)
        if (
            not conn.reusable
            or conn.closed
            or settings is None
            or conn.requests >= settings.requests
            or conn.write_paused
            or conn.sending
        ):
            conn.close()
            return
        idle = self._idle.get(conn.key)
        if idle is None:
            idle = self._idle[conn.key] = deque()
        if len(idle) >= settings.size:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        idle.append(conn)

    def forget(self, conn: UpstreamConnection) -> None:
        idle = self._idle.get(conn.key)
        if idle and conn in idle:
            idle.remove(conn)

    def _sweep(self) -> None:
        loop = asyncio.get_running_loop()
        now = time.monotonic()
        for key, idle in list(self._idle.items()):
            settings = self._settings.get(key)
            limit = settings.idle_timeout if settings else 60.0
            while idle and now - idle[0].idle_since >= limit:
                idle.popleft().close()
            if not idle:
                del self._idle[key]
        self._sweeper = loop.call_later(1.0, self._sweep) if self._idle else None

    def close(self) -> None:
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
