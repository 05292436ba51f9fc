"""A UDP echo server for stream-route tests: every datagram comes back prefixed with its name."""

from __future__ import annotations

import asyncio
import socket

from .named_echo import NamedEcho


class _Answer(asyncio.DatagramProtocol):
    def __init__(self, prefix: bytes) -> None:
        self.prefix = prefix
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        if self.transport is not None:
            self.transport.sendto(self.prefix + data, addr)


class UdpEcho(NamedEcho):
    """Answers each datagram with `NAME:` + the datagram, to the address it came from."""

    def __init__(self, name: str = "udp-echo", port: int = 0) -> None:
        super().__init__(name, port)
        self._transport: asyncio.DatagramTransport | None = None

    @property
    def running(self) -> bool:
        return self._transport is not None

    async def _start(self) -> None:
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: _Answer(self.prefix), local_addr=(self.host, self.port)
        )
        self._transport = transport
        self.port = transport.get_extra_info("sockname")[1]

    async def _stop(self) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()


def udp_exchange(host: str, port: int, payload: bytes, timeout: float = 2.0) -> bytes:
    """Send `payload` as one datagram from a fresh socket and return the first datagram
    answered (OSError, TimeoutError included, when none comes within `timeout`)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(payload, (host, port))
        return sock.recvfrom(65536)[0]
