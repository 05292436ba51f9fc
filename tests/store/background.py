"""Store work in the background: a watch iterated in a thread, coroutines on a loop thread."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

from reference_impl.store import Event, Watch

T = TypeVar("T")


def run_in(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T], timeout: float = 15) -> T:
    """Run `coro` on `loop` (running in another thread) and return its result."""
    return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)


class Collector:
    """Iterates a watch in a thread, keeping its events and the error that ended it."""

    def __init__(self, watch: Watch) -> None:
        self.watch = watch
        self.events: list[Event] = []
        self.error: BaseException | None = None
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="watch-collector", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for event in self.watch:
                with self._changed:
                    self.events.append(event)
                    self._changed.notify_all()
        except BaseException as exc:  # handed to the test through .error
            self.error = exc
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Event]:
        """The first `count` events; fails if they do not arrive within `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.events) < count and self.error is None and self.running:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            assert len(self.events) >= count, (
                f"got {len(self.events)} of {count} events: {self.events} (error: {self.error!r})"
            )
            return self.events[:count]

    def wait_ended(self, timeout: float = 5.0) -> None:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the watch is still iterating"

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        self.watch.cancel()
        self.wait_ended()
