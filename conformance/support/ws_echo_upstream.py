"""A WebSocket echo upstream and a small blocking WebSocket client (RFC 6455), loopback only.

    with WsEchoUpstream() as echo:
        route["upstream"] = {"type": "roundrobin", "nodes": {echo.node: 1}}
        with ws_connect(gateway_host, gateway_port, "/ws") as ws:
            ws.send_text("hi"); assert ws.recv() == (OP_TEXT, b"hi")

The server answers an upgrade request (`Upgrade: websocket` with a `Sec-WebSocket-Key`)
with 101 and echoes every text and binary message; the text message `close-please` makes it
close the connection itself (close frame, then EOF). A request with `X-Ws-Refuse: NNN`
is answered with that status and the body `refused` instead; any other request gets 200
and the body `plain`. Every request head is recorded (`requests`), and so are the
connections a client ended (`client_closes`: close frames or EOF the server received).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import socket
import ssl
import struct
import threading
from dataclasses import dataclass
from types import TracebackType

from .background_loop import run_sync

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC11E65"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10
CLOSE_PLEASE = b"close-please"
MAX_MESSAGE = 32 * 1024 * 1024
MAX_HEAD = 64 * 1024


def accept_key(key: str) -> str:
    """The `Sec-WebSocket-Accept` answering a `Sec-WebSocket-Key`."""
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def encode_frame(opcode: int, payload: bytes, mask: bool) -> bytes:
    """One final frame; clients mask (`mask=True`), servers do not."""
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", 0x80 | opcode, (0x80 if mask else 0) | size)
    elif size < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, (0x80 if mask else 0) | 126, size)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, (0x80 if mask else 0) | 127, size)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + _unmask(key, payload)


def _unmask(key: bytes, payload: bytes) -> bytes:
    if not payload:
        return b""
    repeated = (key * (len(payload) // 4 + 1))[: len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(
        len(payload), "big"
    )


def parse_frame(buffer: bytearray) -> tuple[bool, int, bytes] | None:
    """(fin, opcode, unmasked payload) of the frame at the start of `buffer`, consumed;
    None while it is incomplete."""
    if len(buffer) < 2:
        return None
    first, second = buffer[0], buffer[1]
    size = second & 0x7F
    offset = 2
    if size == 126:
        if len(buffer) < 4:
            return None
        size = struct.unpack_from("!H", buffer, 2)[0]
        offset = 4
    elif size == 127:
        if len(buffer) < 10:
            return None
        size = struct.unpack_from("!Q", buffer, 2)[0]
        offset = 10
    if size > MAX_MESSAGE:
        raise ValueError(f"frame of {size} bytes")
    key = b""
    if second & 0x80:
        key = bytes(buffer[offset : offset + 4])
        offset += 4
    if len(buffer) < offset + size:
        return None
    payload = bytes(buffer[offset : offset + size])
    del buffer[: offset + size]
    return bool(first & 0x80), first & 0x0F, _unmask(key, payload) if key else payload


@dataclass
class WsRequest:
    """A request head the server received."""

    method: str
    path: str
    headers: dict[str, str]  # lower-cased names


class WsEchoUpstream:
    """The echo server on 127.0.0.1 (a free port), usable as a context manager."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._lock = threading.Lock()
        self._requests: list[WsRequest] = []
        self._client_closes = 0

    def __enter__(self) -> WsEchoUpstream:
        run_sync(self._start())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def node(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def requests(self) -> list[WsRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def client_closes(self) -> int:
        with self._lock:
            return self._client_closes

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        if self._server is not None:
            run_sync(self._stop())

    async def _stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except Exception:
                    return
                if len(head) > MAX_HEAD:
                    return
                request = _parse_head(head)
                with self._lock:
                    self._requests.append(request)
                refuse = request.headers.get("x-ws-refuse")
                key = request.headers.get("sec-websocket-key")
                upgrade = request.headers.get("upgrade", "").lower() == "websocket"
                if refuse is not None or not upgrade or not key:
                    status = int(refuse) if refuse is not None else 200
                    body = b"refused" if refuse is not None else b"plain"
                    writer.write(
                        b"HTTP/1.1 %d Answer\r\nContent-Type: text/plain\r\n"
                        b"Content-Length: %d\r\n\r\n%b" % (status, len(body), body)
                    )
                    await writer.drain()
                    continue
                answer = [
                    "HTTP/1.1 101 Switching Protocols",
                    "Upgrade: websocket",
                    "Connection: Upgrade",
                    f"Sec-WebSocket-Accept: {accept_key(key)}",
                ]
                protocol = request.headers.get("sec-websocket-protocol")
                if protocol:
                    answer.append(f"Sec-WebSocket-Protocol: {protocol.split(',')[0].strip()}")
                writer.write(("\r\n".join(answer) + "\r\n\r\n").encode())
                await self._echo(reader, writer)
                return
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _echo(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        buffer = bytearray()
        parts: list[bytes] = []
        message_op = OP_TEXT
        while True:
            frame = parse_frame(buffer)
            if frame is None:
                data = await reader.read(256 * 1024)
                if not data:
                    self._count_client_close()
                    return
                buffer += data
                continue
            fin, opcode, payload = frame
            if opcode == OP_CLOSE:
                self._count_client_close()
                writer.write(encode_frame(OP_CLOSE, payload[:2], mask=False))
                await writer.drain()
                return
            if opcode == OP_PING:
                writer.write(encode_frame(OP_PONG, payload, mask=False))
                continue
            if opcode in (OP_TEXT, OP_BINARY):
                message_op, parts = opcode, []
            parts.append(payload)
            if not fin:
                continue
            message = b"".join(parts)
            if message_op == OP_TEXT and message == CLOSE_PLEASE:
                writer.write(encode_frame(OP_CLOSE, struct.pack("!H", 1000), mask=False))
                await writer.drain()
                return
            writer.write(encode_frame(message_op, message, mask=False))
            await writer.drain()

    def _count_client_close(self) -> None:
        with self._lock:
            self._client_closes += 1


def _parse_head(head: bytes) -> WsRequest:
    lines = head.decode("latin-1").split("\r\n")
    method, path = [*lines[0].split(" "), "", ""][:2]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return WsRequest(method, path, headers)


class WsClient:
    """A blocking WebSocket client over an already upgraded socket."""

    def __init__(self, sock: socket.socket, leftover: bytes) -> None:
        self.sock = sock
        self.buffer = bytearray(leftover)

    def send_text(self, text: str) -> None:
        self.sock.sendall(encode_frame(OP_TEXT, text.encode(), mask=True))

    def send_binary(self, data: bytes) -> None:
        self.sock.sendall(encode_frame(OP_BINARY, data, mask=True))

    def send_close(self, code: int = 1000) -> None:
        self.sock.sendall(encode_frame(OP_CLOSE, struct.pack("!H", code), mask=True))

    def recv(self) -> tuple[int, bytes]:
        """The next frame's (opcode, payload); raises ConnectionError at EOF."""
        while True:
            frame = parse_frame(self.buffer)
            if frame is not None:
                return frame[1], frame[2]
            data = self.sock.recv(256 * 1024)
            if not data:
                raise ConnectionError("connection closed")
            self.buffer += data

    def at_eof(self) -> bool:
        """True once the peer has closed (after any frames still unread)."""
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
                self.buffer += data
        except (ConnectionResetError, BrokenPipeError):
            return True

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> WsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Handshake:
    """The gateway's answer to an upgrade request."""

    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes
    client: WsClient | None  # set when the answer is 101

    def tunnel(self) -> WsClient:
        """The WebSocket connection the 101 answer opened."""
        assert self.client is not None, f"no tunnel: the answer was {self.status}"
        return self.client


def ws_connect(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str] | None = None,
    tls: ssl.SSLContext | None = None,
    server_name: str | None = None,
    timeout: float = 5.0,
) -> Handshake:
    """Send an upgrade request and read the answer (the body too when it is not a 101)."""
    sock = socket.create_connection((host, port), timeout=timeout)
    if tls is not None:
        sock = tls.wrap_socket(sock, server_hostname=server_name or host)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {server_name or host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk or len(data) > MAX_HEAD:
            sock.close()
            raise ConnectionError(f"no complete answer head: {data[:200]!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ")[1])
    answer: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        answer[name.strip().lower()] = value.strip()
    if status == 101:
        if answer.get("sec-websocket-accept") != accept_key(key):
            sock.close()
            raise ConnectionError("wrong Sec-WebSocket-Accept")
        return Handshake(status, answer, b"", WsClient(sock, rest))
    length = int(answer.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    sock.close()
    return Handshake(status, answer, rest[:length], None)
