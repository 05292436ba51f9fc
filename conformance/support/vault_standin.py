"""A loopback STAND-IN for HashiCorp Vault's KV secrets engine, as a gateway's secret
manager reads it.

It exists because a real Vault cannot run where this suite runs: no PyPI package ships the
Vault server (`vault-dev` downloads the binary from HashiCorp at run time, and nothing may
be fetched from outside), and Debian has no package of it. It is *not* an oracle of Vault
behaviour; it is a secret store the scenario tests fill (`put`) so they can assert what a
gateway resolves from `$secret://vault/...` references.

It serves the KV engine version 1 protocol, the one APISIX documents and reads
(docs/en/latest/terminology/secret.md: "APISIX currently supports Vault KV engine version
V1"; apisix/secret/vault.lua: `GET <uri>/v1/<prefix>/<path>` with `X-Vault-Token`, the
field from the answer's `data`):

    with VaultStandIn() as vault:
        vault.put("kv/apisix/jack", {"auth-key": "value"})
        vault.secret_resource("kv/apisix")  # {uri, prefix, token}: `$secret://vault/<id>/jack/auth-key`

`GET /v1/<path>` answers `{"data": {...}, "lease_duration": ..., ...}`, 404
`{"errors": []}` when nothing is stored there; a read without the token answers 403
`{"errors": ["permission denied"]}`. Tests write entries with `put` (and `delete`).
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any

from .loopback_http import HandlerServer

API_PREFIX = "/v1/"
LEASE_DURATION = 2764800  # Vault's default for KV version 1 entries (768h)


class VaultStandIn(HandlerServer):
    """KV version 1 entries by path (`<mount>/<path>`), behind one token."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token = token or "hvs." + secrets.token_urlsafe(18)
        self._entries: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def secret_resource(self, prefix: str) -> dict[str, Any]:
        """The body of a gateway's secret resource (`/apisix/admin/secrets/vault/<id>`)
        reading the entries under `prefix`."""
        return {"uri": self.url, "prefix": prefix, "token": self.token}

    def put(self, path: str, data: dict[str, Any]) -> None:
        with self._lock:
            self._entries[path.strip("/")] = dict(data)

    def delete(self, path: str) -> None:
        with self._lock:
            self._entries.pop(path.strip("/"), None)

    def _get(self, path: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._entries.get(path)
            return None if entry is None else dict(entry)

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        vault = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _answer(self, status: int, body: dict[str, Any] | None = None) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _path(self) -> str | None:
                """The entry's path, or None after answering (bad token, not under /v1/)."""
                if self.headers.get("X-Vault-Token") != vault.token:
                    self._answer(403, {"errors": ["permission denied"]})
                    return None
                path = self.path.split("?", 1)[0]
                if not path.startswith(API_PREFIX) or path == API_PREFIX:
                    self._answer(404, {"errors": []})
                    return None
                return path[len(API_PREFIX) :].strip("/")

            def do_GET(self) -> None:
                path = self._path()
                if path is None:
                    return
                entry = vault._get(path)
                if entry is None:
                    self._answer(404, {"errors": []})
                    return
                self._answer(
                    200,
                    {
                        "request_id": str(uuid.uuid4()),
                        "lease_id": "",
                        "renewable": False,
                        "lease_duration": LEASE_DURATION,
                        "data": entry,
                        "wrap_info": None,
                        "warnings": None,
                        "auth": None,
                    },
                )

        return Handler
