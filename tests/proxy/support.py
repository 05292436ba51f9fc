"""Real-socket helpers for the proxy tests: upstream servers and an in-process gateway."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any

import httptools
import uvloop

from reference_impl.proxy.worker import Worker, WorkerSettings
from reference_impl.store.memory import MemoryStore

PREFIX = "/apisix"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LoopThread:
    """An event loop running in a daemon thread; `call(coro)` runs a coroutine on it."""

    def __init__(self) -> None:
        self.loop = uvloop.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def call(self, coro: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class _UpstreamProtocol(asyncio.Protocol):
    def __init__(self, server: Upstream) -> None:
        self.server = server
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.served = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.server.connections += 1
        self.server.open.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.open.discard(self)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.transport.close()  # type: ignore[union-attr]

    def on_message_begin(self) -> None:
        self.url = b""
        self.headers: dict[str, str] = {}
        self.body = bytearray()

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode().lower()] = value.decode()

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        self.served += 1
        if self.server.close_reused and self.served > 1:
            self.server.refused += 1
            self.transport.close()  # type: ignore[union-attr]  # as if it had timed out idle
            return
        request = {
            "method": self.parser.get_method().decode(),
            "url": self.url.decode(),
            "headers": self.headers,
            "body_length": len(self.body),
            "body_sample": bytes(self.body[:64]).decode("latin-1"),
        }
        self.server.requests.append(request)
        task = asyncio.get_running_loop().create_task(self.server.respond(self, request))
        self.server.tasks.add(task)
        task.add_done_callback(self.server.tasks.discard)


class Upstream:
    """An HTTP/1.1 keep-alive server on 127.0.0.1 answering JSON describing the request
    and its own name; `behave(request) -> (status, delay, body or None)` can change that."""

    def __init__(
        self, loop_thread: LoopThread, name: str, tls: ssl.SSLContext | None = None
    ) -> None:
        self.lt = loop_thread
        self.name = name
        self.tls = tls
        self.connections = 0
        self.open: set[_UpstreamProtocol] = set()
        self.tasks: set[asyncio.Task] = set()
        self.close_reused = False  # close a connection instead of answering its 2nd request
        self.refused = 0
        self.requests: list[dict[str, Any]] = []
        self.behave: Callable[[dict[str, Any]], tuple[int, float, Any]] | None = None
        self.server = loop_thread.call(self._start())
        self.port = self.server.sockets[0].getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"

    async def _start(self) -> asyncio.AbstractServer:
        return await asyncio.get_running_loop().create_server(
            lambda: _UpstreamProtocol(self), "127.0.0.1", 0, ssl=self.tls
        )

    async def respond(self, proto: _UpstreamProtocol, request: dict[str, Any]) -> None:
        status, delay, body = 200, 0.0, None
        if self.behave is not None:
            status, delay, body = self.behave(request)
        if delay:
            await asyncio.sleep(delay)
        if body is None:
            body = json.dumps({"upstream": self.name, **request}).encode()
        transport = proto.transport
        if transport is None or transport.is_closing():
            return
        if isinstance(body, list):  # a chunked response, one write per chunk
            transport.write(f"HTTP/1.1 {status} X\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
            for chunk in body:
                transport.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
                await asyncio.sleep(0)
            transport.write(b"0\r\n\r\n")
            return
        head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        transport.write(head.encode() + body)

    def stop(self) -> None:
        async def close() -> None:
            self.server.close()
            for task in list(self.tasks):
                task.cancel()
            for proto in list(self.open):
                proto.transport.close()  # type: ignore[union-attr]

        self.lt.call(close())


class Gateway:
    """A data plane worker in its own thread's event loop, fed by an in-process MemoryStore."""

    def __init__(self, stream: bool = False, store: Any = None, secret_ttl: float = 300.0) -> None:
        self.store = store if store is not None else MemoryStore()
        self.lt = LoopThread()
        self.port = free_port()
        # with `stream`, a TCP, a TLS-over-TCP and a UDP stream port
        self.stream_port, self.stream_tls_port, self.udp_port = (
            (free_port(), free_port(), free_port()) if stream else (0, 0, 0)
        )
        settings = WorkerSettings(
            node_listen=[("127.0.0.1", self.port)],
            stream_listen=[("127.0.0.1", self.stream_port)] if stream else [],
            stream_tls_listen=[("127.0.0.1", self.stream_tls_port)] if stream else [],
            udp_listen=[("127.0.0.1", self.udp_port)] if stream else [],
            grace_period=3.0,
            secret_ttl=secret_ttl,
        )
        self.worker = Worker(settings, self.store)
        self._task = asyncio.run_coroutine_threadsafe(self.worker.run(), self.lt.loop)
        deadline = time.monotonic() + 10
        while not self.worker.ready.is_set():
            assert time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{self.port}"

    def put(self, kind: str, ident: str, value: dict[str, Any]) -> None:
        self.store.put(f"{PREFIX}/{kind}/{ident}", {"id": ident, **value})

    def delete(self, kind: str, ident: str) -> None:
        self.store.delete(f"{PREFIX}/{kind}/{ident}")

    def wait_config(self, timeout: float = 5.0) -> float:
        """Wait until the worker's snapshot reflects the store; returns the seconds waited."""
        start = time.monotonic()
        target = self.store.revision
        while self.worker.feed is None or self.worker.feed.revision < target:
            assert time.monotonic() - start < timeout, "the config change was not applied"
            time.sleep(0.001)
        return time.monotonic() - start

    def stop(self) -> None:
        self.lt.loop.call_soon_threadsafe(self.worker.stop)
        self._task.result(10)
        self.store.close()
        self.lt.stop()


def self_signed_tls(tmp_dir: Any) -> ssl.SSLContext:
    """A server TLS context with a fresh self-signed certificate for 127.0.0.1."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_dir / "cert.pem", tmp_dir / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context
