"""A loopback stand-in of the three Kubernetes API server reads a kubernetes service
registry connection makes (`/version`, `/api/v1/services`, `/api/v1/namespaces/<ns>/
endpoints/<name>`), with bearer-token checks: no API server can run here."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class KubernetesStandIn:
    """The three API server reads the kubernetes registry type makes, with a bearer token."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.endpoints: dict[tuple[str, str], list[tuple[str, int]]] = {}
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = stand_in.answer(self.path, self.headers.get("Authorization"))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path: str, auth: str | None) -> tuple[int, Any]:
        if auth != f"Bearer {self.token}":
            return 401, {"kind": "Status", "reason": "Unauthorized", "code": 401}
        if path == "/version":
            return 200, {"major": "1", "minor": "30", "gitVersion": "v1.30.0"}
        if path.startswith("/api/v1/services"):
            items = [{"metadata": {"namespace": ns, "name": n}} for ns, n in self.endpoints]
            return 200, {"kind": "ServiceList", "items": items}
        parts = path.split("/")  # /api/v1/namespaces/<ns>/endpoints/<name>
        key = (parts[4], parts[6]) if len(parts) == 7 else None
        if key not in self.endpoints:
            return 404, {"kind": "Status", "reason": "NotFound", "code": 404}
        addresses = [{"ip": ip} for ip, _ in self.endpoints[key]]
        ports = sorted({port for _, port in self.endpoints[key]})
        subset = {"addresses": addresses, "ports": [{"name": "http", "port": p} for p in ports]}
        return 200, {"kind": "Endpoints", "subsets": [subset]}

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
