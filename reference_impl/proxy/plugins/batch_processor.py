"""APISIX's batch processor (apisix/utils/batch-processor.lua and its manager) on asyncio.

Log plugins push one entry per request; entries are sent in batches off the request path:
a batch goes out when it holds `batch_max_size` entries, when no entry arrived for
`inactive_timeout` seconds, or when its first entry is `buffer_duration` seconds old (both
checked every `inactive_timeout` seconds). A failed send is retried `max_retry_count` times,
`retry_delay` seconds apart, then the batch is dropped. `batch_max_size: 1` sends every
entry at once on its own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

# Sends one batch (entries, batch_max_size); raises DeliveryError when it did not arrive.
Send = Callable[[list[Any], int], Awaitable[None]]

BatchKey = tuple[str, str]

STALE_AFTER = 1800.0  # seconds an idle processor is kept, as the manager's stale check


class DeliveryError(Exception):
    """A batch that did not reach its server; the message is what APISIX logs.
    `first_fail`: the 1-based index of the first entry not delivered, when the entries
    before it were (only the rest is retried)."""

    def __init__(self, message: str, first_fail: int | None = None) -> None:
        super().__init__(message)
        self.first_fail = first_fail


class _Batch:
    __slots__ = ("entries", "retry_count")

    def __init__(self, entries: list[Any]) -> None:
        self.entries = entries
        self.retry_count = 0


class BatchProcessor:
    """One buffer of entries and the timers that flush it, on the running event loop."""

    def __init__(self, name: str, conf: dict[str, Any], send: Send) -> None:
        self.name = name
        self.send = send
        self.batch_max_size = int(conf.get("batch_max_size", 1000))
        self.inactive_timeout = float(conf.get("inactive_timeout", 5))
        self.buffer_duration = float(conf.get("buffer_duration", 60))
        self.max_retry_count = int(conf.get("max_retry_count", 0))
        self.retry_delay = float(conf.get("retry_delay", 1))
        self.entries: list[Any] = []
        self.first_entry_t = 0.0
        self.last_entry_t = 0.0
        self.timer_running = False
        self.in_flight = 0
        self.last_push = time.monotonic()
        self._tasks: set[asyncio.Task[None]] = set()

    def push(self, entry: Any) -> None:
        now = self.last_push = time.monotonic()
        if self.batch_max_size == 1:
            self._schedule(0, _Batch([entry]))
            return
        self.entries.append(entry)
        if len(self.entries) == 1:
            self.first_entry_t = now
        self.last_entry_t = now
        if len(self.entries) >= self.batch_max_size:
            self.process_buffer()
        if not self.timer_running:
            self._start_timer()

    def idle(self) -> bool:
        return not self.entries and not self.in_flight

    def process_buffer(self) -> None:
        if self.entries:
            batch, self.entries = _Batch(self.entries), []
            self._schedule(0, batch)

    def _start_timer(self) -> None:
        asyncio.get_running_loop().call_later(self.inactive_timeout, self._flush_if_due)
        self.timer_running = True

    def _flush_if_due(self) -> None:
        now = time.monotonic()
        if (
            now - self.last_entry_t >= self.inactive_timeout
            or now - self.first_entry_t >= self.buffer_duration
        ):
            self.process_buffer()
            self.timer_running = False
            return
        self._start_timer()

    def _schedule(self, delay: float, batch: _Batch) -> None:
        self.in_flight += 1
        loop = asyncio.get_running_loop()
        if delay:
            loop.call_later(delay, self._spawn, batch)
        else:
            self._spawn(batch)

    def _spawn(self, batch: _Batch) -> None:
        task = asyncio.get_running_loop().create_task(self._execute(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _execute(self, batch: _Batch) -> None:
        try:
            await self.send(batch.entries, self.batch_max_size)
        except Exception as exc:  # whatever the sender hit, the request never sees it
            err = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
            log.error("Batch Processor[%s] failed to process entries: %s", self.name, err)
            first_fail = exc.first_fail if isinstance(exc, DeliveryError) else None
            if first_fail is not None:
                batch.entries = batch.entries[first_fail - 1 :]
            batch.retry_count += 1
            if batch.retry_count <= self.max_retry_count and batch.entries:
                self.in_flight -= 1
                self._schedule(self.retry_delay, batch)
                return
            log.error(
                "Batch Processor[%s] exceeded the max_retry_count[%d] dropping the entries",
                self.name,
                batch.retry_count,
            )
        self.in_flight -= 1


class BatchProcessors:
    """The processors of a worker, by plugin and configuration: they outlive config
    generations, so a batch keeps filling while unrelated objects change. Idle processors
    are forgotten after STALE_AFTER seconds."""

    def __init__(self) -> None:
        self._processors: dict[BatchKey, BatchProcessor] = {}

    def get(self, key: BatchKey, make: Callable[[], BatchProcessor]) -> BatchProcessor:
        processor = self._processors.get(key)
        if processor is None:
            self._forget_stale()
            processor = self._processors[key] = make()
        return processor

    def _forget_stale(self) -> None:
        now = time.monotonic()
        self._processors = {
            key: processor
            for key, processor in self._processors.items()
            if now - processor.last_push < STALE_AFTER or not processor.idle()
        }


def batch_key(plugin: str, conf: dict[str, Any]) -> BatchKey:
    """The processor of a plugin conf (made once per plugin instance, not per request)."""
    return plugin, json.dumps(conf, sort_keys=True, default=str)
