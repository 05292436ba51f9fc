"""An echo HTTP/1.1 upstream: answers every request with JSON describing what it received.

Modelled on the Gateway API conformance `echo-basic` backend: the body names the server that
answered, so a test can tell which upstream node served a request and what the gateway
changed on the way (path, query, headers, body).

    with EchoUpstream("backend-a") as echo:
        route["upstream"] = {"type": "roundrobin", "nodes": {echo.node: 1}}

Controls, per request:
- header `X-Echo-Status: 503` or path `/status/503[/...]` answers with that status;
- header `X-Echo-Delay: 0.3` waits that many seconds (at most MAX_DELAY) before answering;
- header `X-Echo-Set-Header: name: value` adds a response header.
Per server: `force_status(code)` makes every answer use `code` (None restores normal answers),
`force_delay(seconds)` slows every answer down,
`stop()` closes the port and `start()` reopens the same port (health-check failover tests).
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import ssl
import threading
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType

import httptools

from .background_loop import run_sync

MAX_DELAY = 30.0
MAX_BODY = 8 * 1024 * 1024
STATUS_PATH = re.compile(r"^/status/(\d{3})(?:/|$)")


@dataclass
class ReceivedRequest:
    """One request as the echo server saw it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes = b""
    remote_addr: str = ""
    remote_port: int = 0  # tells the gateway's connections apart
    http_version: str = "1.1"
    raw_headers: list[tuple[str, str]] = field(default_factory=list)
    client_cert_cn: str = ""  # over TLS: the common name of the client's certificate
    sni: str = ""  # over TLS: the server name the client sent


def parse_control_status(path: str, headers: dict[str, str]) -> int | None:
    """The status a request asks for via `X-Echo-Status` or `/status/NNN`, if any and valid."""
    raw = headers.get("x-echo-status")
    if raw is None:
        match = STATUS_PATH.match(path)
        raw = match.group(1) if match else None
    if raw is None:
        return None
    try:
        code = int(raw)
    except ValueError:
        return None
    return code if 100 <= code <= 599 else None


def parse_control_delay(headers: dict[str, str]) -> float:
    raw = headers.get("x-echo-delay")
    if raw is None:
        return 0.0
    try:
        delay = float(raw)
    except ValueError:
        return 0.0
    return min(max(delay, 0.0), MAX_DELAY)


SNI_ATTRIBUTE = "gwconform_sni"


def _remember_sni(ssl_object: ssl.SSLObject, name: str | None, _: ssl.SSLContext) -> None:
    setattr(ssl_object, SNI_ATTRIBUTE, name or "")


class _Connection(asyncio.Protocol):
    """One client connection: parse requests with httptools, answer them in order."""

    def __init__(self, server: EchoUpstream) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.queue: asyncio.Queue[tuple[ReceivedRequest, bool] | None] = asyncio.Queue()
        self.writer_task: asyncio.Task[None] | None = None
        self._reset()

    def _reset(self) -> None:
        self._url = b""
        self._headers: list[tuple[str, str]] = []
        self._body = bytearray()
        self._too_large = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.server._connections.add(self)
        self.writer_task = asyncio.get_running_loop().create_task(self._answer_in_order())

    def connection_lost(self, exc: Exception | None) -> None:
        self.server._connections.discard(self)
        self.queue.put_nowait(None)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._write_simple(400, b"upgrade not supported")
        except httptools.HttpParserError:
            self._write_simple(400, b"bad request")

    # httptools callbacks
    def on_message_begin(self) -> None:
        self._reset()

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_body(self, body: bytes) -> None:
        if len(self._body) + len(body) > MAX_BODY:
            self._too_large = True
            return
        self._body += body

    def on_message_complete(self) -> None:
        url = httptools.parse_url(self._url)
        headers: dict[str, str] = {}
        for name, value in self._headers:
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        peer = self.transport.get_extra_info("peername") if self.transport else None
        request = ReceivedRequest(
            method=self.parser.get_method().decode("ascii"),
            path=url.path.decode("latin-1") if url.path else "/",
            query=url.query.decode("latin-1") if url.query else "",
            headers=headers,
            body=bytes(self._body),
            remote_addr=peer[0] if peer else "",
            remote_port=peer[1] if peer else 0,
            http_version=self.parser.get_http_version(),
            raw_headers=list(self._headers),
            client_cert_cn=self._client_cert_cn(),
            sni=getattr(self.transport.get_extra_info("ssl_object"), SNI_ATTRIBUTE, "")
            if self.transport
            else "",
        )
        keep_alive = self.parser.should_keep_alive() and not self._too_large
        self.queue.put_nowait((request, keep_alive))

    def _client_cert_cn(self) -> str:
        cert = self.transport.get_extra_info("peercert") if self.transport else None
        for rdn in (cert or {}).get("subject", ()):
            for name, value in rdn:
                if name == "commonName":
                    return str(value)
        return ""

    async def _answer_in_order(self) -> None:
        while True:
            item = await self.queue.get()
            if item is None or self.transport is None or self.transport.is_closing():
                return
            request, keep_alive = item
            self.server._record(request)
            delay = max(parse_control_delay(request.headers), self.server.forced_delay)
            if delay:
                await asyncio.sleep(delay)
            if self.transport.is_closing():
                return
            self.transport.write(self.server.render(request, keep_alive))
            if not keep_alive:
                self.transport.close()
                return

    def _write_simple(self, status: int, body: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        reason = HTTPStatus(status).phrase
        head = f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        self.transport.write(head.encode("latin-1") + body)
        self.transport.close()


class EchoUpstream:
    """An echo HTTP server on 127.0.0.1 (port 0 picks a free port), usable as a context manager;
    over TLS with `tls` (a server context, which may demand a client certificate)."""

    def __init__(
        self,
        name: str = "echo",
        port: int = 0,
        history: int = 1000,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.name = name
        self.host = "127.0.0.1"
        self.port = port
        self.tls = tls
        if tls is not None:
            tls.sni_callback = _remember_sni
        self.forced_status: int | None = None
        self.forced_delay = 0.0
        self._server: asyncio.base_events.Server | None = None
        self._connections: set[_Connection] = set()
        self._lock = threading.Lock()
        self._requests: deque[ReceivedRequest] = deque(maxlen=history)
        self._count = 0

    # lifecycle
    def start(self) -> EchoUpstream:
        """Listen (again) on 127.0.0.1; after a stop() the same port is reused."""
        if self._server is not None:
            return self
        run_sync(self._start())
        return self

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        sock.listen(512)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._server = await loop.create_server(lambda: _Connection(self), sock=sock, ssl=self.tls)

    def stop(self) -> None:
        """Close the listening port and every open connection (clients see resets/refusals)."""
        if self._server is None:
            return
        run_sync(self._stop())

    async def _stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for conn in list(self._connections):
            if conn.transport is not None:
                conn.transport.abort()
        await server.wait_closed()

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> EchoUpstream:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # addresses
    @property
    def node(self) -> str:
        """The `host:port` key an APISIX upstream `nodes` map uses for this server."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    # controls and observations
    def force_status(self, status: int | None) -> None:
        """Answer every request with `status` (e.g. 500 to fail health checks); None to stop."""
        if status is not None and not 100 <= status <= 599:
            raise ValueError(f"not an HTTP status: {status}")
        self.forced_status = status

    def force_delay(self, seconds: float) -> None:
        """Wait `seconds` (at most MAX_DELAY) before every answer; 0 restores normal answers."""
        if not 0 <= seconds <= MAX_DELAY:
            raise ValueError(f"delay must be between 0 and {MAX_DELAY} seconds")
        self.forced_delay = seconds

    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self._requests.append(request)
            self._count += 1

    @property
    def request_count(self) -> int:
        with self._lock:
            return self._count

    def requests(self) -> list[ReceivedRequest]:
        """The most recent requests received (oldest first, bounded by `history`)."""
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._count = 0

    # answering
    def describe(self, request: ReceivedRequest) -> dict[str, object]:
        return {
            "server": self.name,
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "headers": request.headers,
            "body": request.body.decode("utf-8", errors="replace"),
            "remote_addr": request.remote_addr,
            "remote_port": request.remote_port,
            "client_cert_cn": request.client_cert_cn,
            "sni": request.sni,
        }

    def render(self, request: ReceivedRequest, keep_alive: bool) -> bytes:
        status = self.forced_status or parse_control_status(request.path, request.headers) or 200
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Status"
        extra: list[tuple[str, str]] = [("X-Echo-Server", self.name)]
        set_header = request.headers.get("x-echo-set-header")
        if set_header and ":" in set_header:
            name, _, value = set_header.partition(":")
            extra.append((name.strip(), value.strip()))
        payload = json.dumps(self.describe(request)).encode("utf-8")
        no_body = request.method == "HEAD" or status in (204, 304) or status < 200
        body = b"" if no_body else payload
        lines = [f"HTTP/1.1 {status} {reason}", "Content-Type: application/json"]
        lines += [f"{name}: {value}" for name, value in extra]
        if status not in (204, 304) and status >= 200:
            # a HEAD answer announces the length the GET body would have
            lines.append(f"Content-Length: {len(payload)}")
        lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
