"""What a data plane plugin sees and may do: the contract between the proxy engine and plugins.

Phases follow APISIX: `rewrite` then `access` (both may answer the request themselves by
returning a `Response`), `header_filter` and `body_filter` on the upstream's response, and
`log` once the response is sent. Within a phase, plugins run by descending `priority`.
Authentication plugins (`kind = "auth"`) run in `rewrite` and attach a consumer.
"""

from __future__ import annotations

import dis
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .upstream import UpstreamTarget


class Request:
    """The client's request. `headers` (lower-cased names; repeated headers joined with ", ")
    is built on first use from the raw header list the engine passes as `raw_headers`."""

    __slots__ = (
        "_headers",
        "http_version",
        "method",
        "query",
        "raw_headers",
        "remote_addr",
        "remote_port",
        "scheme",
        "server_addr",
        "server_port",
        "uri",
    )

    def __init__(
        self,
        method: str,
        uri: str,  # the path, without the query string
        query: str,  # raw query string, without '?'
        headers: dict[str, str] | None,
        remote_addr: str,
        remote_port: int,
        server_addr: str,
        server_port: int,
        scheme: str = "http",
        http_version: str = "1.1",
        raw_headers: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        self.method = method
        self.uri = uri
        self.query = query
        self._headers = headers
        self.raw_headers = raw_headers
        self.remote_addr = remote_addr
        self.remote_port = remote_port
        self.server_addr = server_addr
        self.server_port = server_port
        self.scheme = scheme
        self.http_version = http_version

    @property
    def headers(self) -> dict[str, str]:
        headers = self._headers
        if headers is None:
            headers = self._headers = {}
            for raw_name, raw_value in self.raw_headers or ():
                name = raw_name.decode("latin-1").lower()
                value = raw_value.decode("latin-1")
                headers[name] = headers[name] + ", " + value if name in headers else value
        return headers

    @headers.setter
    def headers(self, value: dict[str, str]) -> None:
        self._headers = value

    def header(self, name: str) -> str | None:
        """One header (lower-case `name`) as `headers` has it, without building them all
        when nothing has yet."""
        headers = self._headers
        if headers is not None or self.raw_headers is None:
            return self.headers.get(name)
        wanted = name.encode("latin-1")
        found: str | None = None
        for raw_name, raw_value in self.raw_headers:
            if raw_name.lower() == wanted:
                value = raw_value.decode("latin-1")
                found = value if found is None else found + ", " + value
        return found

    def header_values(self, name: str) -> list[str]:
        """Every value of a request header (lower-case `name`), one per occurrence, as
        APISIX's core.request.header returns a repeated header."""
        wanted = name.encode("latin-1")
        values = [v.decode("latin-1") for n, v in self.raw_headers or () if n.lower() == wanted]
        if self._headers is None and self.raw_headers is not None:
            return values
        current = self._headers.get(name) if self._headers is not None else None
        if current is not None and current == ", ".join(values):
            return values  # as received: one value per occurrence
        return [] if current is None else [current]  # a plugin set it (or removed it)

    def built_headers(self) -> dict[str, str] | None:
        """`headers` if something has used (and maybe changed) them, else None."""
        return self._headers

    def __repr__(self) -> str:
        return f"Request({self.method} {self.uri!r} from {self.remote_addr})"


@dataclass
class Response:
    """A response a plugin (or the engine) gives instead of proxying."""

    status: int
    body: bytes | str | dict[str, Any] | None = None  # a dict is sent as JSON
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

    __slots__ = (
        "_vars",
        "chosen_upstream",
        "consumer",
        "consumer_name",
        "request",
        "response_headers",
        "route",
        "route_id",
        "service_id",
        "state",
        "upstream_headers",
        "upstream_host",
        "upstream_uri",
    )

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
        # an upstream chosen per request by a plugin (traffic-split) instead of the route's
        self.chosen_upstream: UpstreamTarget | None = None
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
    # Its header_filter and body_filter run after every other plugin's, as nginx's own
    # output filters (gzip) see what APISIX's filters made of the response.
    output_filter: ClassVar[bool] = False
    # Its rewrite or access may wait (on I/O, a timer): whether their code awaits anything,
    # unless the class says otherwise; an instance that knows better sets its own. Phases
    # of plugins that never wait run in place, on the fast path (`proxy.eager`).
    may_wait: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "may_wait" not in cls.__dict__:
            cls.may_wait = _awaits(cls.rewrite) or _awaits(cls.access)

    # It reads the request body (`request_body`): only routes with such a plugin can (an
    # instance may say so from its conf), and the body is buffered when one first asks.
    reads_body: bool = False

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


def _awaits(function: Callable[..., Any]) -> bool:
    return any(op.opname == "GET_AWAITABLE" for op in dis.get_instructions(function))


REQUEST_BODY = "request_body"  # ctx.state key of the body, once read whole
BODY_READER = "request_body_reader"  # ctx.state key of its reader, on routes that read it
NEW_REQUEST_BODY = "new_request_body"  # ctx.state key of the body a plugin sends instead


async def request_body(ctx: Ctx, limit: int = 0) -> bytes:
    """The whole request body (core.request.get_body), read and kept on first use, for a
    plugin with `reads_body` (b"" without one). With a `limit`, reading stops once more than
    `limit` bytes have come: a longer answer says the body is larger, and is not all of it."""
    body: bytes | None = ctx.state.get(REQUEST_BODY)
    if body is None:
        reader = ctx.state.get(BODY_READER)
        body = b"" if reader is None else await reader(limit)
        if not limit or len(body) <= limit:
            ctx.state[REQUEST_BODY] = body
    return body


def replace_request_body(ctx: Ctx, body: bytes) -> None:
    """Send `body` upstream instead of the client's (ngx.req.set_body_data), from a plugin
    with `reads_body`."""
    ctx.state[NEW_REQUEST_BODY] = body


# (upstream_id or None, inline upstream conf or None, owner) -> the target, or None when the
# upstream id does not exist
UpstreamResolver = Callable[[Any, dict[str, Any] | None, str], "UpstreamTarget | None"]


@runtime_checkable
class UpstreamChooser(Protocol):
    """A plugin that chooses the upstream per request (sets `ctx.chosen_upstream`): the
    engine resolves its upstreams when it compiles a config generation."""

    def bind_upstreams(self, resolve: UpstreamResolver, owner: str) -> None: ...
