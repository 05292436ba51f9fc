"""A uvicorn server that leaves signals to the process that owns it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import uvicorn


class QuietServer(uvicorn.Server):
    """uvicorn's `serve` takes SIGINT/SIGTERM over while it runs (and raises them again at
    the end); the gateway process has its own handlers, which must stay in place."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
