"""A TCP echo server for stream-route tests: every chunk comes back prefixed with its name."""

from __future__ import annotations

import asyncio
import socket
import ssl
import tempfile
from pathlib import Path

from .certs import GeneratedCertificate
from .named_echo import NamedEcho


class TcpEcho(NamedEcho):
    """Answers each chunk of a TCP connection with `NAME:` + chunk. With `certificate`, it
    speaks TLS with that certificate and records the SNI of each handshake in
    `server_names` (None for a handshake without one)."""

    def __init__(
        self,
        name: str = "tcp-echo",
        port: int = 0,
        certificate: GeneratedCertificate | None = None,
    ) -> None:
        super().__init__(name, port)
        self.connections = 0
        self.server_names: list[str | None] = []
        self._tls = _server_context(certificate, self.server_names) if certificate else None
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def running(self) -> bool:
        return self._server is not None

    async def _start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._server = await asyncio.start_server(self._serve, sock=sock, ssl=self._tls)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            while chunk := await reader.read(65536):
                writer.write(self.prefix + chunk)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            await server.wait_closed()


def _server_context(
    certificate: GeneratedCertificate, server_names: list[str | None]
) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / "server.pem"
        path.write_text(certificate.cert_pem + certificate.key_pem, encoding="ascii")
        ctx.load_cert_chain(str(path))

    def seen(_: ssl.SSLObject, name: str | None, __: ssl.SSLContext) -> None:
        server_names.append(name)

    ctx.sni_callback = seen
    return ctx


def tcp_exchange(host: str, port: int, payload: bytes, expect: int, timeout: float = 2.0) -> bytes:
    """Send `payload` over a fresh TCP connection and read until `expect` bytes or EOF."""
    with socket.create_connection((host, port), timeout=timeout) as conn:
        conn.sendall(payload)
        received = b""
        while len(received) < expect:
            chunk = conn.recv(expect - len(received))
            if not chunk:
                break
            received += chunk
        return received
