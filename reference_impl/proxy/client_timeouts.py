"""The client timeouts of a worker's connections (`ClientConnection.timed_out`), checked by
one ticker per worker, as the upstream read timeouts are (`deadlines.py`): a connection whose
client let one run out is dropped, which frees its descriptor."""

from __future__ import annotations

import asyncio

from ..client_limits import ClientLimits
from .downstream import Connection


def tick_of(limits: ClientLimits) -> float:
    """How often to check: a quarter of the shortest timeout, within 50 ms .. 1 s."""
    shortest = min(
        limits.client_header_timeout,
        limits.client_body_timeout,
        limits.keepalive_timeout,
        limits.send_timeout,
    )
    return min(max(shortest / 4, 0.05), 1.0)


class ClientTimeouts:
    def __init__(self, connections: set[Connection], limits: ClientLimits) -> None:
        self.connections = connections
        self.tick = tick_of(limits)
        self._handle: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._handle = asyncio.get_running_loop().call_later(self.tick, self._check)

    def _check(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        for conn in [c for c in self.connections if c.timed_out(now)]:
            if conn.transport is not None:
                conn.transport.abort()
        self._handle = loop.call_later(self.tick, self._check)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
