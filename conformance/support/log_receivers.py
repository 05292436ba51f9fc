"""Receivers for what a gateway's logger and metrics plugins send: TCP (each connection's
bytes are one message) and UDP (each datagram is one). Both listen on 127.0.0.1 on a free
port until `stop()`; HTTP receivers are `EchoUpstream`s, which keep what they were sent.
Helpers to route traffic through a logging plugin and wait for what it sends.

    with TcpReceiver() as logs:
        conf = {"host": logs.host, "port": logs.port}
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

import httpx

from ..timeouts import TimeoutConfig
from .background_loop import run_sync
from .dataplane_setup import echo_upstream, put, wait_served
from .echo_upstream import EchoUpstream
from .eventually import eventually

T = TypeVar("T")


class _Receiver(ABC):
    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self._messages: list[bytes] = []
        self._lock = threading.Lock()

    def _keep(self, message: bytes) -> None:
        with self._lock:
            self._messages.append(message)

    def messages(self) -> list[bytes]:
        with self._lock:
            return list(self._messages)

    def reset(self) -> None:
        with self._lock:
            self._messages.clear()

    def start(self) -> _Receiver:
        run_sync(self._start())
        return self

    @abstractmethod
    async def _start(self) -> None:
        """Implemented by each subclass."""

    def stop(self) -> None:
        run_sync(self._stop())

    @abstractmethod
    async def _stop(self) -> None:
        """Implemented by each subclass."""

    def __enter__(self) -> _Receiver:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class TcpReceiver(_Receiver):
    def __init__(self) -> None:
        super().__init__()
        self._server: asyncio.base_events.Server | None = None

    async def _start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        sock.listen(64)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._server = await asyncio.start_server(self._serve, sock=sock)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            self._keep(await reader.read())
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, receiver: UdpReceiver) -> None:
        self.receiver = receiver

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.receiver._keep(data)


class UdpReceiver(_Receiver):
    def __init__(self) -> None:
        super().__init__()
        self._transport: asyncio.DatagramTransport | None = None

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: _Datagrams(self), local_addr=(self.host, 0)
        )
        self.port = self._transport.get_extra_info("sockname")[1]

    async def _stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None


def serve_logged(
    admin: httpx.Client,
    dataplane: httpx.Client,
    timeouts: TimeoutConfig,
    tag: str,
    upstream: EchoUpstream,
    plugins: dict[str, Any],
) -> None:
    """Route `/{tag}/*` to `upstream` with `plugins` and wait until it serves."""
    route = {"uri": f"/{tag}/*", "plugins": plugins, "upstream": echo_upstream(upstream)}
    put(admin, f"/routes/{tag}", route)
    wait_served(dataplane, f"/{tag}/probe", upstream.name, timeouts)


def arrived(received: Callable[[], list[T]], count: int, timeout: float = 8.0) -> list[T]:
    """What `received()` returns once it holds at least `count` items."""

    def enough() -> list[T]:
        items = received()
        assert len(items) >= count, f"{len(items)} received, waiting for {count}"
        return items

    return eventually(enough, timeout=timeout, successes=1)


def settle(count: Callable[[], int], reset: Callable[[], None], seconds: float) -> None:
    """Wait until nothing has arrived for `seconds` (batches of earlier requests went),
    then `reset()` the receiver."""
    while True:
        seen = count()
        time.sleep(seconds)
        if count() == seen:
            reset()
            return
