"""A small GET-only HTTP server in a daemon thread, for what the supervisor serves beside
the data plane (the Prometheus exporter, the Control API)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# path (without the query string) -> status, body, content type
Answer = Callable[[str], tuple[int, bytes, str]]


class SideServer:
    """Serves `answer` on `host:port` until `stop()`."""

    def __init__(self, answer: Answer, host: str, port: int, name: str) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body, content_type = answer(self.path.split("?", 1)[0])
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        bound_host, self.port = self._server.server_address[:2]
        self.host = str(bound_host)
        self._thread = threading.Thread(target=self._server.serve_forever, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
