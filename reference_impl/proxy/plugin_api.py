"""What a data plane plugin sees and may do: the contract between the proxy engine and plugins.

Phases follow APISIX: `rewrite` then `access` (both may answer the request themselves by
returning a `Response`), `header_filter` and `body_filter` on the upstream's response, and
`log` once the response is sent. Within a phase, plugins run by descending `priority`.
Authentication plugins (`kind = "auth"`) run in `rewrite` and attach a consumer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass
class Request:
    method: str
    uri: str  # the path, without the query string
    query: str  # raw query string, without '?'
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ", "
    remote_addr: str
    remote_port: int
    server_addr: str
    server_port: int
    scheme: str = "http"
    http_version: str = "1.1"


@dataclass
class Response:
    """A response a plugin (or the engine) gives instead of proxying."""

    status: int
    body: bytes | dict[str, Any] | None = None  # a dict is sent as JSON
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ResponseHead:
    """The upstream response's status and headers, mutable by header filters."""

    status: int
    headers: list[tuple[str, str]]

    def get(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    def set(self, name: str, value: str | None) -> None:
        """Replace every `name` header with `value` (None removes it)."""
        lowered = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != lowered]
        if value is not None:
            self.headers.append((name, value))


class Ctx:
    """Per-request state shared by the engine and the plugins."""

    def __init__(self, request: Request, variables: Any) -> None:
        self.request = request
        self.route: dict[str, Any] = {}  # merged route conf: route + service + plugin config
        self.route_id: str | None = None
        self.service_id: str | None = None
        self.consumer: dict[str, Any] | None = None
        self.consumer_name: str | None = None
        # What the engine sends upstream; plugins change these.
        self.upstream_uri: str | None = None  # path and query; None: the request's
        self.upstream_host: str | None = None  # Host header; None: per pass_host
        self.upstream_headers: dict[str, str | None] = {}  # None removes the header
        self.response_headers: dict[str, str | None] = {}  # added to whatever is answered
        self.state: dict[str, Any] = {}  # scratch space, per request
        self._vars = variables

    def var(self, name: str) -> str | None:
        """An nginx-style variable: uri, request_uri, host, arg_x, http_x, cookie_x, ..."""
        return self._vars.get(self, name)


class Plugin:
    name: ClassVar[str]
    priority: ClassVar[int]
    kind: ClassVar[str | None] = None  # "auth" for authentication plugins

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        self.conf = conf
        self.env = env  # worker-wide services: consumers, plugin metadata, shared counters

    async def rewrite(self, ctx: Ctx) -> Response | None:
        return None

    async def access(self, ctx: Ctx) -> Response | None:
        return None

    def header_filter(self, ctx: Ctx, head: ResponseHead) -> None:
        return None

    def body_filter(self, ctx: Ctx, chunk: bytes, eof: bool) -> bytes:
        return chunk

    def log(self, ctx: Ctx, status: int) -> None:
        return None
