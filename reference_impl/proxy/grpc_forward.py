"""Proxying to `grpc` and `grpcs` upstreams (nginx's `grpc_pass`): each request is a stream on
the node's HTTP/2 connection, its body streamed up and the response streamed back as it comes
in both directions, with the trailers (`grpc-status`, `grpc-message`) passed on.

The response goes through the same filters and log as any other (`relay.Exchange`); to the
client it is written as HTTP/1.1 chunked with the trailers in the trailer section, which an
HTTP/2 client stream (`h2_server.H2Stream`) turns into a trailing HEADERS frame.

A plugin that transcodes the request (grpc-transcode, grpc-web) leaves a `grpc_codec.RequestCodec`
in `ctx.state`: the client's whole body is read and replaced by what it makes.
"""

from __future__ import annotations

from .attempt import Attempt
from .deadlines import ReadDeadlines
from .downstream import Client, PendingRequest, RequestBody
from .forward import REQUEST_SKIP, answer_failure, method_bytes
from .grpc_codec import REQUEST_CODEC, TRAILERS, RequestCodec
from .h2_upstream import H2Pool, H2UpstreamConnection
from .nodes import Node
from .plugin_api import Ctx
from .relay import Exchange
from .upstream import UpstreamRuntime
from .upstream_conn import UpstreamFailure


class GrpcExchange(Exchange):
    """One upstream stream's response relayed to the client, trailers included."""

    __slots__ = ("stream_id", "upstream")

    upstream: H2UpstreamConnection
    stream_id: int

    def _finish_head(self, lines: list[bytes], has_length: bool) -> bytes:
        if not self.no_body and not has_length:
            self.chunked = True  # the trailers need the chunked framing
            lines.append(b"Transfer-Encoding: chunked\r\n")
        lines.append(
            b"Connection: keep-alive\r\n\r\n" if self.keep_client else b"Connection: close\r\n\r\n"
        )
        return b"".join(lines)

    def on_trailers(self, headers: list[tuple[bytes, bytes]]) -> None:
        self.last_read = self.loop.time()
        self.ctx.state[TRAILERS] = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in headers]

    def on_complete(self) -> None:
        if self.body_filters:
            self._eof_filters()  # grpc-web reads (and takes) the trailers here
        if self.chunked:
            trailers = self.ctx.state.get(TRAILERS) or ()
            lines = [b"0\r\n"]
            lines += [f"{n}: {v}\r\n".encode("latin-1", "replace") for n, v in trailers]
            lines.append(b"\r\n")
            self.out.append(b"".join(lines))
        self.flush()
        self._finish(None)

    def client_lost(self) -> None:
        self.upstream.reset(self.stream_id)
        super().client_lost()

    def timed_out(self) -> None:
        self.upstream.reset(self.stream_id)
        super().timed_out()


def _latin1(value: str) -> bytes:
    return value.encode("latin-1", "replace")


def grpc_head(
    client: Client, request: PendingRequest, ctx: Ctx, up: UpstreamRuntime, node: Node
) -> list[tuple[bytes, bytes]]:
    """The request's HTTP/2 head for the node, as nginx's grpc_pass in APISIX makes it."""
    overrides = ctx.upstream_headers
    skip = REQUEST_SKIP | {b"content-type"} | {_latin1(n.lower()) for n in overrides}
    client_host = b""
    content_type = b"application/grpc"
    fields: list[tuple[bytes, bytes]] = []
    for name, value in request.headers:
        lowered = name.lower()
        if lowered == b"host":
            client_host = value
        elif lowered == b"content-type":
            content_type = value
        if lowered not in skip:
            fields.append((lowered, value))
    if ctx.upstream_host is not None:
        authority = _latin1(ctx.upstream_host)
    elif up.pass_host == "node":
        authority = up.node_hosts[id(node)]
    elif up.pass_host == "rewrite" and up.upstream_host:
        authority = _latin1(up.upstream_host)
    else:
        authority = client_host or node.key.encode()
    path = request.url if ctx.upstream_uri is None else _latin1(ctx.upstream_uri)
    head = [
        (b":method", method_bytes(request, ctx)),
        (b":scheme", b"https" if up.tls else b"http"),
        (b":path", path),
        (b":authority", authority),
        (b"content-type", content_type),
        (b"te", b"trailers"),
        *fields,
        (b"x-real-ip", client.remote_bytes),
    ]
    for override, text in overrides.items():
        if text is not None and override.lower() not in ("host", "te", "content-length"):
            head.append((_latin1(override.lower()), _latin1(text)))
    return head


async def _whole_body(body: RequestBody | None, limit: int) -> bytes | None:
    """The client's whole request body; None when it is larger than `limit`."""
    if body is None:
        return b""
    chunks: list[bytes] = []
    size = 0
    while (chunk := await body.read()) is not None:
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def forward_grpc(
    attempt: Attempt, pool: H2Pool, deadlines: ReadDeadlines
) -> tuple[int, bool]:
    """Proxy a proxying attempt to its gRPC upstream, trying nodes until one answers or the
    retries are spent; returns (status, keep the client connection)."""
    client, request, ctx = attempt.client, attempt.request, attempt.ctx
    keep_client = request.keep_alive and not client.closing
    made: bytes | None = None  # the request body a codec made, if any
    codec: RequestCodec | None = ctx.state.get(REQUEST_CODEC)
    if codec is not None:
        whole = await _whole_body(request.body, codec.max_body)
        if whole is None:
            return answer_failure(attempt, codec.too_large)
        encoded = codec.encode(whole)
        if isinstance(encoded, int):
            return answer_failure(attempt, encoded)
        made = encoded
    up = attempt.target.runtime
    timeouts = attempt.target.timeouts
    loop = client.loop
    while (node := attempt.next_node()) is not None:
        try:
            conn = await pool.connection(
                up.pool_keys[id(node)], node.host, node.port, up.tls_context, timeouts.connect
            )
        except TimeoutError:
            attempt.failed(node, UpstreamFailure("timeouts", 504))
            continue
        except OSError:
            attempt.failed(node, UpstreamFailure("tcp_failures", 502))
            continue
        if client.lost:
            return 499, False
        exchange = GrpcExchange(loop, client, ctx, attempt.plan, False, keep_client, timeouts.read)
        exchange.upstream = conn
        no_body = made is None and request.body is None
        exchange.stream_id = conn.open(grpc_head(client, request, ctx, up, node), exchange, no_body)
        sending = None
        if not no_body:
            retry = len(attempt.tried) > 1
            sending = loop.create_task(_send_body(conn, exchange.stream_id, request, made, retry))
        client.exchange = exchange
        node.active += 1
        deadlines.add(exchange)
        try:
            status = await exchange.outcome()
        except UpstreamFailure as exc:
            attempt.failed(node, exc)
            continue
        finally:
            node.active -= 1
            deadlines.discard(exchange)
            client.exchange = None
            if sending is not None and not sending.done():
                sending.cancel()
        attempt.answered(node, status)
        return status, exchange.keep_client
    return answer_failure(attempt, attempt.failure.status if attempt.failure else 502)


async def _send_body(
    conn: H2UpstreamConnection,
    stream_id: int,
    request: PendingRequest,
    made: bytes | None,
    retry: bool,
) -> None:
    """The request body up the stream: what a codec made, what was kept (a retry), or the
    client's body as it arrives (streaming)."""
    body = request.body
    if made is not None or body is None:
        await conn.send(stream_id, made or b"", True)
        return
    if retry:
        await conn.send(stream_id, body.replay() or b"", True)
        return
    while (chunk := await body.read()) is not None:
        await conn.send(stream_id, chunk, False)
    await conn.send(stream_id, b"", True)
