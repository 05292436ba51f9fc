"""A tiny fake Admin API on 127.0.0.1 whose answers a test chooses, to see the checks catch them."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

# (method, path, parsed JSON body or None) -> (status, content type, body bytes)
Answer = tuple[int, str, bytes]
Handler = Callable[[str, str, Any], Answer]


def json_answer(status: int, body: Any) -> Answer:
    return status, "application/json", json.dumps(body).encode()


@contextmanager
def fake_admin(handler: Handler) -> Iterator[str]:
    """Serve `handler` on a free loopback port; yields the base URL."""

    class Handle(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw
            status, content_type, payload = handler(self.command, self.path, body)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handle)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class InMemoryUpstreams:
    """A small Admin API for upstreams only, right enough for link sequences.

    `keep_deleted=True` makes DELETE answer 200 but keep the upstream (a use-after-free bug)."""

    PREFIX = "/apisix/admin/upstreams"

    def __init__(self, keep_deleted: bool = False) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.keep_deleted = keep_deleted
        self.revision = 0
        self.lock = threading.Lock()

    def _item(self, id_: str) -> dict[str, Any]:
        return {"key": f"/apisix/upstreams/{id_}", **self.items[id_]}

    def _store(self, id_: str, value: dict[str, Any]) -> dict[str, Any]:
        self.revision += 1
        created = self.items.get(id_, {}).get("createdIndex", self.revision)
        defaults = {"type": "roundrobin", "scheme": "http", "pass_host": "pass", "hash_on": "vars"}
        stored = {**defaults, **value, "id": id_, "create_time": 1, "update_time": 2}
        self.items[id_] = {"value": stored, "createdIndex": created, "modifiedIndex": self.revision}
        return {"key": f"/apisix/upstreams/{id_}", "value": stored}

    def __call__(self, method: str, raw_path: str, body: Any) -> Answer:
        path = unquote(raw_path.split("?", 1)[0])
        if not path.startswith(self.PREFIX):
            return json_answer(404, {"error_msg": "not found"})
        parts = [p for p in path[len(self.PREFIX) :].split("/") if p]
        with self.lock:
            return self._handle(method, parts, body)

    def _handle(self, method: str, parts: list[str], body: Any) -> Answer:
        missing = json_answer(404, {"message": "Key not found"})
        if not parts:
            if method == "GET":
                items = [self._item(i) for i in self.items]
                return json_answer(200, {"total": len(items), "list": items})
            self.revision += 1
            parts = [f"{self.revision:020d}"]
            method = "PUT-NEW"
        id_ = parts[0]
        if method in ("PUT", "PUT-NEW"):
            if not isinstance(body, dict) or not isinstance(body.get("nodes"), list):
                return json_answer(400, {"error_msg": "invalid configuration"})
            status = 200 if id_ in self.items else 201
            return json_answer(status, self._store(id_, body))
        if id_ not in self.items:
            return missing
        if method == "GET":
            return json_answer(200, self._item(id_))
        if method == "DELETE":
            if not self.keep_deleted:
                del self.items[id_]
            return json_answer(200, {"deleted": "1", "key": f"/apisix/upstreams/{id_}"})
        if method == "PATCH":
            value = dict(self.items[id_]["value"])
            if len(parts) > 1:
                value[parts[1]] = body
            elif isinstance(body, dict):
                value.update(body)
            else:
                return json_answer(400, {"error_msg": "invalid configuration"})
            return json_answer(200, self._store(id_, value))
        return json_answer(405, {"error_msg": "method not allowed"})
