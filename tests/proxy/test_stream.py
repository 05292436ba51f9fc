"""The TCP stream proxy: routed by server port and client address, bytes copied both ways."""

from __future__ import annotations

import asyncio
import socket

from .support import free_port


class _Echo(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(data.upper())  # type: ignore[attr-defined]


def _start_echo(loop_thread) -> tuple[asyncio.AbstractServer, int]:
    async def start() -> asyncio.AbstractServer:
        return await asyncio.get_running_loop().create_server(_Echo, "127.0.0.1", 0)

    server = loop_thread.call(start())
    return server, server.sockets[0].getsockname()[1]


def _talk(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.sendall(payload)
        data = b""
        try:
            while len(data) < len(payload):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
        return data


def test_stream_route_proxies_tcp_both_ways(gateway, loop_thread):
    server, port = _start_echo(loop_thread)
    try:
        gateway.put(
            "stream_routes",
            "1",
            {
                "server_port": gateway.stream_port,
                "upstream": {"type": "roundrobin", "nodes": {f"127.0.0.1:{port}": 1}},
            },
        )
        gateway.wait_config()
        assert _talk(gateway.stream_port, b"hello") == b"HELLO"
        big = b"z" * 300_000
        assert _talk(gateway.stream_port, big) == big.upper()
    finally:
        loop_thread.loop.call_soon_threadsafe(server.close)


def test_stream_route_not_matching_closes(gateway, loop_thread):
    server, port = _start_echo(loop_thread)
    try:
        gateway.put(
            "stream_routes",
            "1",
            {
                "remote_addr": "10.9.9.9",
                "upstream": {"type": "roundrobin", "nodes": {f"127.0.0.1:{port}": 1}},
            },
        )
        gateway.put(
            "stream_routes",
            "2",
            {
                "server_port": free_port(),
                "upstream": {"type": "roundrobin", "nodes": {f"127.0.0.1:{port}": 1}},
            },
        )
        gateway.wait_config()
        assert _talk(gateway.stream_port, b"hello") == b""
    finally:
        loop_thread.loop.call_soon_threadsafe(server.close)
