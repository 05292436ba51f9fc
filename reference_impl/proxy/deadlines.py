"""Read timeouts of the upstream exchanges in flight, checked by one ticker per worker: a set
insertion per request instead of a timer armed and cancelled per request."""

from __future__ import annotations

import asyncio
from typing import Any

TICK = 0.05  # timeouts fire at most this late


class ReadDeadlines:
    def __init__(self) -> None:
        self.watched: set[Any] = set()  # exchanges: .last_read, .read_timeout, .timed_out()
        self._handle: asyncio.TimerHandle | None = None

    def add(self, exchange: Any) -> None:
        self.watched.add(exchange)
        if self._handle is None:
            self._handle = asyncio.get_running_loop().call_later(TICK, self._tick)

    def discard(self, exchange: Any) -> None:
        self.watched.discard(exchange)

    def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        expired = [ex for ex in self.watched if now - ex.last_read >= ex.read_timeout]
        for exchange in expired:
            self.watched.discard(exchange)
            exchange.timed_out()
        self._handle = loop.call_later(TICK, self._tick) if self.watched else None

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
