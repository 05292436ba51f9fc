"""A threaded HTTP server on 127.0.0.1 for the suite's small peers (registries, auth services)."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from types import TracebackType
from typing import Self


class LoopbackHttpServer(ABC):
    """Serves what `make_server` builds on 127.0.0.1 (port 0: a free one, kept across
    stop/start)."""

    def __init__(self) -> None:
        self.port = 0
        self._server: HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @abstractmethod
    def make_server(self, port: int) -> HTTPServer:
        """A server bound to 127.0.0.1 and `port`, not yet serving."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        server = self.make_server(self.port)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class HandlerServer(LoopbackHttpServer):
    """A threaded `http.server` answering with `handler_class()`."""

    @abstractmethod
    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        """The request handler; it may close over the server object."""

    def make_server(self, port: int) -> HTTPServer:
        server = ThreadingHTTPServer(("127.0.0.1", port), self.handler_class())
        server.daemon_threads = True
        return server
