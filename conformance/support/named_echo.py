"""The shape of the stream tests' echo servers (TCP, UDP): on 127.0.0.1, each answers what it
receives prefixed with its name, and is a context manager that starts and stops it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

from .background_loop import run_sync


class NamedEcho(ABC):
    """Listens on 127.0.0.1 (port 0: a free port) on the shared background loop."""

    def __init__(self, name: str, port: int = 0) -> None:
        self.name = name
        self.host = "127.0.0.1"
        self.port = port

    @property
    def node(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def prefix(self) -> bytes:
        return f"{self.name}:".encode()

    @property
    @abstractmethod
    def running(self) -> bool: ...

    @abstractmethod
    async def _start(self) -> None:
        """Listen, and set `port` to the port taken."""

    @abstractmethod
    async def _stop(self) -> None: ...

    def start(self) -> Self:
        if not self.running:
            run_sync(self._start())
        return self

    def stop(self) -> None:
        if self.running:
            run_sync(self._stop())

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
