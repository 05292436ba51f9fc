"""Forwarding one request to an upstream: the request head, node choice, retries, timeouts,
and the request body streamed upstream (the response is relayed by `relay.Exchange`)."""

from __future__ import annotations

import asyncio
from typing import NamedTuple

from .attempt import Attempt
from .deadlines import ReadDeadlines
from .downstream import Client, PendingRequest, RequestBody, continue_if_expected
from .nodes import Node, Timeouts
from .plugin_api import Ctx
from .relay import Exchange
from .upstream import UpstreamRuntime
from .upstream_conn import ConnectionPool, UpstreamConnection, UpstreamFailure
from .websocket_tunnel import UpgradeExchange, upgrade_headers
from .wire import HOP_BY_HOP, error_page, response_bytes

REQUEST_SKIP = HOP_BY_HOP | {
    b"host",
    b"content-length",
    b"expect",
    b"x-real-ip",
    b"x-forwarded-for",
    b"x-forwarded-proto",
    b"x-forwarded-host",
    b"x-forwarded-port",
}
# request headers the proxy reads while copying the others: their index in `seen`
_READ = {
    b"host": 0,
    b"x-forwarded-for": 1,
    b"x-forwarded-proto": 2,
    b"x-forwarded-host": 3,
    b"x-forwarded-port": 4,
}
_READ_NAMES = (
    "host",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "x-forwarded-port",
)
# plugin-set headers the proxy writes itself (the X-Forwarded-* ones from the edited values)
_OVERRIDE_SKIP = frozenset(
    ["host", "content-length", "transfer-encoding", "x-real-ip", *_READ_NAMES]
)


BODY_METHODS = frozenset([b"POST", b"PUT", b"PATCH"])  # sent with Content-Length: 0 if bodiless


def _latin1(value: str) -> bytes:
    return value.encode("latin-1", "replace")


def upstream_head(
    client: Client,
    request: PendingRequest,
    ctx: Ctx,
    up: UpstreamRuntime,
    node_id: int,
    body_framing: bytes,
    method: bytes,
) -> bytes:
    """The request line and headers sent upstream; `method` is the one to send."""
    overrides = ctx.upstream_headers
    skip = REQUEST_SKIP
    if overrides:
        skip = REQUEST_SKIP | {name.lower().encode("latin-1") for name in overrides}
    target = request.url if ctx.upstream_uri is None else _latin1(ctx.upstream_uri)
    lines = [method, b" ", target, b" HTTP/1.1\r\nHost: ", b"", b"\r\n"]
    seen: list[bytes | None] = [None, None, None, None, None]
    for name, value in request.headers:
        lowered = name.lower()
        if lowered in skip:
            index = _READ.get(lowered)
            if index is not None:
                earlier = seen[index]
                seen[index] = value if earlier is None else earlier + b", " + value
            continue
        lines += (name, b": ", value, b"\r\n")
    edited = ctx.request.built_headers()  # plugins may have changed them
    if edited is not None:
        seen = [None if (v := edited.get(n)) is None else _latin1(v) for n in _READ_NAMES]
    client_host, forwarded_for, proto, forwarded_host, port = seen
    if ctx.upstream_host is not None:
        lines[4] = _latin1(ctx.upstream_host)
    elif up.pass_host == "node":
        lines[4] = up.node_hosts[node_id]
    elif up.pass_host == "rewrite" and up.upstream_host:
        lines[4] = _latin1(up.upstream_host)
    else:
        lines[4] = client_host or b""
    # nginx's $remote_addr: the client's address, or the one real-ip found for it
    addr = ctx.request.remote_addr
    remote = client.remote_bytes if addr == client.remote_addr else _latin1(addr)
    lines += (b"X-Real-IP: ", remote, b"\r\nX-Forwarded-For: ")
    if forwarded_for:
        lines += (forwarded_for, b", ")
    lines += (
        remote,
        b"\r\nX-Forwarded-Proto: ",
        client.scheme_bytes if proto is None else proto,
        b"\r\nX-Forwarded-Host: ",
        (client_host or b"") if forwarded_host is None else forwarded_host,
        b"\r\nX-Forwarded-Port: ",
        client.port_bytes if port is None else port,
        b"\r\n",
    )
    if overrides:
        for override, text in overrides.items():
            if text is not None and override.lower() not in _OVERRIDE_SKIP:
                lines.append(_latin1(f"{override}: {text}\r\n"))
    lines += (body_framing, b"\r\n")
    return b"".join(lines)


_HOST_LINE = b" HTTP/1.1\r\nHost: "  # where `upstream_head` writes the Host


def tls_server_name(head: bytes) -> str | None:
    """The name a TLS upstream is sent (SNI) and checked against: APISIX's `proxy_ssl_name
    $upstream_host`, the Host sent upstream without its port (nginx strips it); None when
    the Host is empty."""
    start = head.index(_HOST_LINE) + len(_HOST_LINE)
    host = head[start : head.index(b"\r\n", start)].decode("latin-1")
    if host.startswith("["):
        return host[1 : host.find("]")] or None
    name, sep, port = host.rpartition(":")
    return (name if sep and port.isdigit() else host) or None


def method_bytes(request: PendingRequest, ctx: Ctx) -> bytes:
    """The method sent upstream: the client's, unless a plugin (proxy-rewrite) changed it."""
    method = ctx.request.method.encode("latin-1", "replace")
    return request.method if method == request.method else method


def body_framing(request: PendingRequest, method: bytes | None = None) -> bytes:
    """Framing headers of the request body; `method` is the one sent upstream."""
    body = request.body
    if body is None:
        sent = request.method if method is None else method
        return b"Content-Length: 0\r\n" if sent in BODY_METHODS else b""
    if request.chunked:
        return b"Transfer-Encoding: chunked\r\n"
    return b"Content-Length: %d\r\n" % request.content_length


async def forward(
    attempt: Attempt, pool: ConnectionPool, deadlines: ReadDeadlines
) -> tuple[int, bool]:
    """Proxy the request of a proxying attempt, trying nodes until one answers or the retries
    are spent; returns (status, keep the client connection)."""
    client, request, ctx = attempt.client, attempt.request, attempt.ctx
    keep_client = request.keep_alive and not client.closing
    head_only = request.method == b"HEAD"
    method = method_bytes(request, ctx)
    framing = body_framing(request, method)
    websocket = request.upgrade and bool(ctx.route and ctx.route.get("enable_websocket"))
    if websocket:  # APISIX's $upstream_upgrade / $upstream_connection, after the framing
        framing += upgrade_headers(request)
    continue_if_expected(client, request)
    up = attempt.target.runtime
    discovery = up.discovery
    if discovery is not None and not discovery.ready.is_set():
        await discovery.ready.wait()  # the first answer (each query has its timeout)
    exchange_class = UpgradeExchange if websocket else Exchange
    while (node := attempt.next_node()) is not None:
        try:
            head = upstream_head(client, request, ctx, up, id(node), framing, method)
            sending = _Sending(head, exchange_class, head_only, keep_client, len(attempt.tried) > 1)
            status, keep = await _try_node(attempt, node, sending, pool, deadlines)
        except UpstreamFailure as exc:
            attempt.failed(node, exc)
            continue
        attempt.answered(node, status)
        return status, keep
    failure = attempt.failure
    # no node at all: APISIX's 503 "no valid upstream node" when discovery found none
    no_node = 503 if discovery is not None else 502
    return answer_failure(attempt, failure.status if failure is not None else no_node)


def answer_failure(attempt: Attempt, status: int) -> tuple[int, bool]:
    """Answer with nginx's error page for `status` (no node answered); returns (status, keep
    the client connection)."""
    client, request, ctx = attempt.client, attempt.request, attempt.ctx
    keep_client = request.keep_alive and not client.closing
    data = response_bytes(
        status,
        error_page(status),
        None,
        ctx.response_headers,
        keep_client,
        request.method == b"HEAD",
        "text/html; charset=utf-8",
    )
    client.write(data)
    if attempt.plan.log:
        ctx.state["bytes_sent"] = len(data)
    return status, keep_client


class _Sending(NamedTuple):
    """How the request goes to each node tried."""

    head: bytes
    exchange_class: type[Exchange]
    head_only: bool
    keep_client: bool
    is_retry: bool  # the body was sent before: send it again from what was kept


async def _try_node(
    attempt: Attempt,
    node: Node,
    sending: _Sending,
    pool: ConnectionPool,
    deadlines: ReadDeadlines,
) -> tuple[int, bool]:
    client, ctx, up = attempt.client, attempt.ctx, attempt.target.runtime
    timeouts = attempt.target.timeouts
    loop = client.loop
    key: tuple = up.pool_keys[id(node)]
    tls = up.tls_context
    server_name = None
    if tls is not None:  # as APISIX, a pool per server name: no connection made for another
        server_name = tls_server_name(sending.head)
        key = (*key, server_name)
    body = attempt.request.body
    chunked = attempt.request.chunked
    is_retry = sending.is_retry
    node.active += 1
    try:
        for fresh in (False, True):
            conn = None if fresh else pool.take(key)
            reused = conn is not None
            if conn is None:
                try:
                    conn = await pool.connect(
                        key, node.host, node.port, tls, timeouts.connect, up.pool, server_name
                    )
                except TimeoutError:
                    raise UpstreamFailure("timeouts", 504) from None
                except OSError:
                    raise UpstreamFailure("tcp_failures", 502) from None
            if client.lost:
                conn.close()
                return 499, False
            exchange = sending.exchange_class(
                loop,
                client,
                ctx,
                attempt.plan,
                sending.head_only,
                sending.keep_client,
                timeouts.read,
            )
            exchange.conn = conn
            if sending.exchange_class is UpgradeExchange:
                conn.reusable = False  # a connection that carried an upgrade is not pooled again
            client.exchange = exchange
            pump = _send(loop, exchange, conn, sending.head, body, chunked, timeouts, is_retry)
            deadlines.add(exchange)
            try:
                return await exchange.outcome(), exchange.keep_client
            except UpstreamFailure as exc:
                # a pooled connection the upstream had closed meanwhile: once more on a new one
                if (
                    reused
                    and exc.kind == "tcp_failures"
                    and not conn.received
                    and (body is None or body.replay() is not None)
                ):
                    is_retry = True
                    continue
                raise
            finally:
                deadlines.discard(exchange)
                client.exchange = None
                if pump is not None and not pump.done():
                    pump.cancel()
                    conn.reusable = False
        raise UpstreamFailure("tcp_failures", 502)
    finally:
        node.active -= 1


def _send(
    loop: asyncio.AbstractEventLoop,
    exchange: Exchange,
    conn: UpstreamConnection,
    head: bytes,
    body: RequestBody | None,
    chunked: bool,
    timeouts: Timeouts,
    is_retry: bool,
) -> asyncio.Task[None] | None:
    """Send the request; a task streaming the rest of the body if it has not all arrived."""
    if body is None:
        conn.start(exchange, head)
        return None
    if is_retry:
        data = body.replay() or b""
        conn.start(exchange, head + (_chunk(data) + b"0\r\n\r\n" if chunked else data))
        return None
    data = body.take_buffered()
    if body.done:
        conn.start(exchange, head + (_chunk(data) + b"0\r\n\r\n" if chunked else data))
        return None
    conn.start(exchange, head + (_chunk(data) if chunked else data))
    conn.sending = True
    return loop.create_task(_pump_body(conn, body, chunked, timeouts.send))


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%b\r\n" % (len(data), data) if data else b""


async def _pump_body(
    conn: UpstreamConnection, body: RequestBody, chunked: bool, send_timeout: float
) -> None:
    """Stream the rest of the request body upstream as it arrives."""
    try:
        await _copy_body(conn, body, chunked, send_timeout)
    finally:
        conn.sending = False


async def _copy_body(
    conn: UpstreamConnection, body: RequestBody, chunked: bool, send_timeout: float
) -> None:
    while True:
        chunk = await body.read()
        if conn.closed:
            return
        if chunk is None:
            if chunked:
                conn.transport.write(b"0\r\n\r\n")  # type: ignore[union-attr]
            return
        conn.transport.write(_chunk(chunk) if chunked else chunk)  # type: ignore[union-attr]
        if conn.write_paused:
            waited = 0.0
            while conn.write_paused and not conn.closed:
                await asyncio.sleep(0.005)
                waited += 0.005
                if waited >= send_timeout:
                    exchange = conn.sink
                    if isinstance(exchange, Exchange):
                        exchange.timed_out()
                    return
