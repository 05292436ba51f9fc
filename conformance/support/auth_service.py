"""A small authorization service for forward-auth tests: allows `Authorization: Bearer
<token>` for its one token, answering 200 with `X-User-ID`; anything else gets 403 with
`X-Reason` and a body. It records the headers of every request it is asked about."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

from .loopback_http import HandlerServer


class AuthService(HandlerServer):
    def __init__(self, token: str, user: str) -> None:
        super().__init__()
        self.token = token
        self.user = user
        self.seen: list[dict[str, str]] = []

    @property
    def auth_url(self) -> str:
        return self.url + "/auth"

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                service.seen.append({k.lower(): v for k, v in self.headers.items()})
                if self.headers.get("Authorization") == f"Bearer {service.token}":
                    self._answer(200, {"X-User-ID": service.user}, b"")
                else:
                    self._answer(403, {"X-Reason": "bad token"}, b"denied by auth service")

            def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler
