"""The batch processor's flush and retry rules (apisix/utils/batch-processor.lua), on short
timers (the schema's whole seconds are not the processor's concern)."""

from __future__ import annotations

import asyncio
from typing import Any

from reference_impl.proxy.plugins.batch_processor import (
    BatchProcessor,
    BatchProcessors,
    DeliveryError,
    batch_key,
)


class Sink:
    def __init__(self, failures: int = 0) -> None:
        self.batches: list[list[Any]] = []
        self.attempts = 0
        self.failures = failures

    async def send(self, entries: list[Any], batch_max_size: int) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise DeliveryError("server returned status code[500]")
        self.batches.append(list(entries))


def _processor(sink: Sink, **conf: Any) -> BatchProcessor:
    return BatchProcessor("test", {"inactive_timeout": 0.05, **conf}, sink.send)


def test_a_full_batch_goes_at_once() -> None:
    async def scenario() -> list[list[Any]]:
        sink = Sink()
        processor = _processor(sink, batch_max_size=2, inactive_timeout=10)
        for entry in range(5):
            processor.push(entry)
        await asyncio.sleep(0.01)
        return sink.batches

    assert asyncio.run(scenario()) == [[0, 1], [2, 3]]


def test_inactive_timeout_flushes_a_partial_batch() -> None:
    async def scenario() -> tuple[list[list[Any]], list[list[Any]]]:
        sink = Sink()
        processor = _processor(sink, batch_max_size=10)
        processor.push("a")
        processor.push("b")
        await asyncio.sleep(0.02)
        early = list(sink.batches)
        await asyncio.sleep(0.1)
        return early, sink.batches

    early, late = asyncio.run(scenario())
    assert early == []
    assert late == [["a", "b"]]


def test_buffer_duration_flushes_a_busy_buffer() -> None:
    async def scenario() -> list[list[Any]]:
        sink = Sink()
        processor = _processor(sink, batch_max_size=1000, buffer_duration=0.2)
        for entry in range(12):  # never inactive for 0.05 s
            processor.push(entry)
            await asyncio.sleep(0.03)
        return sink.batches

    batches = asyncio.run(scenario())
    assert batches and len(batches[0]) < 12, batches


def test_retries_then_drop() -> None:
    async def scenario(failures: int) -> Sink:
        sink = Sink(failures)
        processor = _processor(sink, batch_max_size=1, max_retry_count=2, retry_delay=0)
        processor.push("x")
        await asyncio.sleep(0.05)
        assert processor.idle()
        return sink

    recovered = asyncio.run(scenario(failures=2))
    assert (recovered.attempts, recovered.batches) == (3, [["x"]])
    dropped = asyncio.run(scenario(failures=5))
    assert (dropped.attempts, dropped.batches) == (3, [])


def test_processors_are_shared_by_equal_confs() -> None:
    processors = BatchProcessors()
    sink = Sink()
    conf = {"uri": "http://127.0.0.1:1", "batch_max_size": 3}
    first = processors.get(batch_key("http-logger", conf), lambda: _processor(sink))
    again = processors.get(batch_key("http-logger", dict(conf)), lambda: _processor(sink))
    changed = {**conf, "batch_max_size": 4}
    other = processors.get(batch_key("http-logger", changed), lambda: _processor(sink))
    assert first is again
    assert other is not first
