"""One asyncio event loop in a daemon thread, shared by the test servers of a process.

Tests are synchronous; the servers they start (echo upstreams, TCP echo) run on this loop so
that many of them cost one thread, and each answers concurrently.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def _run(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
    asyncio.set_event_loop(loop)
    loop.call_soon(ready.set)
    loop.run_forever()


def background_loop() -> asyncio.AbstractEventLoop:
    """The shared loop, started on first use."""
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            ready = threading.Event()
            thread = threading.Thread(
                target=_run, args=(loop, ready), name="gwconform-test-servers", daemon=True
            )
            thread.start()
            ready.wait(timeout=5)
            _loop = loop
        return _loop


def run_sync(coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
    """Run `coro` on the shared loop and wait for its result from this (other) thread."""
    future = asyncio.run_coroutine_threadsafe(coro, background_loop())
    return future.result(timeout=timeout)
