"""Small HTTP servers on 127.0.0.1 for the harness tests: a fake gateway and a faulty proxy."""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

import httpx


class Served:
    """`handler` on a free loopback port, until `stop` (which may come early: a dying target)."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self._stopped = threading.Lock()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._stopped.acquire(blocking=False):
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[Served]:
    served = Served(handler)
    try:
        yield served
    finally:
        served.stop()


@contextlib.contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Run `handler` on a free loopback port; yields the base URL, stops on exit."""
    with serving(handler) as served:
        yield served.url


class _Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_header = "TestServer/0"

    def version_string(self) -> str:
        return self.server_header

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def fake_gateway(
    server_header_value: str, requests: list[tuple[str, str]]
) -> type[BaseHTTPRequestHandler]:
    """An Admin API that stores nothing: lists are empty, PUT answers 201, all is recorded."""

    class FakeGateway(_Quiet):
        server_header = server_header_value

        def _answer(self) -> None:
            self._body()
            requests.append((self.command, self.path))
            headers = {"Content-Type": "application/json"}
            path = self.path.split("?")[0]
            if self.command == "GET" and path.count("/") == 3:
                self._reply(200, b'{"total": 0, "list": []}', headers)
            elif self.command in ("PUT", "DELETE") and path.startswith("/apisix/admin/"):
                key = "/apisix/" + path.removeprefix("/apisix/admin/")
                status = 201 if self.command == "PUT" else 200
                self._reply(status, json.dumps({"key": key, "value": {}}).encode(), headers)
            else:
                self._reply(404, b'{"error_msg": "not found"}', headers)

        do_GET = do_PUT = do_DELETE = do_POST = do_PATCH = _answer

    return FakeGateway


VALID_ID = re.compile(r"^[a-zA-Z0-9_.-]{1,64}$")


def _drop_create_time(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: _drop_create_time(v) for k, v in body.items() if k != "create_time"}
    if isinstance(body, list):
        return [_drop_create_time(v) for v in body]
    return body


# A deviation looks at a request and may answer it itself, change its path before it is
# forwarded, or rewrite the upstream's status or JSON body on the way back.
Deviation = Callable[["FaultyRequest"], None]


class FaultyRequest:
    def __init__(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> None:
        self.method, self.path, self.body = method, path, body
        self.headers = headers  # lower-case names; what is forwarded
        self.answer: tuple[int, bytes] | None = None  # set: answer without forwarding
        self.rewrite_status: Callable[[int], int] = lambda status: status
        self.rewrite_body: Callable[[Any], Any] = lambda body: body


def drop_create_time(request: FaultyRequest) -> None:
    request.rewrite_body = _drop_create_time


def ok_instead_of_created(request: FaultyRequest) -> None:
    request.rewrite_status = lambda status: 200 if status == 201 else status


def accept_invalid_id(request: FaultyRequest) -> None:
    match = re.match(r"^(/apisix/admin/routes/)([^/?]+)(.*)$", request.path)
    if match and request.method == "PUT":
        raw_id = unquote(match.group(2))
        if not VALID_ID.match(raw_id):
            safe = re.sub(r"[^a-zA-Z0-9_.-]", "-", raw_id)[:64]
            request.path = match.group(1) + safe + match.group(3)


def error_on_malformed_json(request: FaultyRequest) -> None:
    if request.body:
        try:
            json.loads(request.body)
        except ValueError:
            request.answer = (500, b'{"error_msg": "internal server error"}')


def viewer_can_write(viewer_key: str, admin_key: str) -> Deviation:
    """A gateway whose viewer key may write: its writes are sent on with the admin key."""

    def deviate(request: FaultyRequest) -> None:
        if request.method != "GET" and request.headers.get("x-api-key") == viewer_key:
            request.headers["x-api-key"] = admin_key

    return deviate


def missing_operation(
    method: str, path: str, not_found: bytes = b'{"error_msg": "not found"}'
) -> Deviation:
    """A gateway that lacks one operation: `method` on paths matching `path` (a regex over
    the path without the query) is answered 404 with the API's own not-found body."""
    pattern = re.compile(path)

    def deviate(request: FaultyRequest) -> None:
        if request.method == method and pattern.fullmatch(request.path.split("?")[0]):
            request.answer = (404, not_found)

    return deviate


def faulty_proxy(upstream: str, deviation: Deviation | None) -> type[BaseHTTPRequestHandler]:
    """Forwards to `upstream`, deviating from it in one way (None: a faithful proxy)."""
    client = httpx.Client(base_url=upstream, timeout=10)

    class FaultyProxy(_Quiet):
        def _forward(self) -> None:
            headers = {
                name.lower(): value
                for name, value in self.headers.items()
                if name.lower() in ("x-api-key", "authorization", "content-type")
            }
            request = FaultyRequest(self.command, self.path, self._body(), headers)
            if deviation is not None:
                deviation(request)
            if request.answer is not None:
                status, body = request.answer
                self._reply(status, body, {"Content-Type": "application/json"})
                return
            reply = client.request(
                request.method, request.path, content=request.body, headers=request.headers
            )
            body = reply.content
            if reply.headers.get("content-type", "").startswith("application/json") and body:
                body = json.dumps(request.rewrite_body(reply.json())).encode()
            headers = {"Content-Type": reply.headers.get("content-type", "text/plain")}
            self._reply(request.rewrite_status(reply.status_code), body, headers)

        do_GET = do_PUT = do_DELETE = do_POST = do_PATCH = _forward

    return FaultyProxy
