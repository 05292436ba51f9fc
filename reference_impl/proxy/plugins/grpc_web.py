"""grpc-web: a gRPC-Web request (binary or base64 text) proxied to a gRPC upstream, its reply
given back in the gRPC-Web framing with the trailers as a final frame
(apisix/plugins/grpc-web.lua)."""

from __future__ import annotations

import base64
import binascii
import logging

from ..grpc_codec import REQUEST_CODEC, TRAILERS
from ..plugin_api import Ctx, Plugin, Response, ResponseHead

log = logging.getLogger(__name__)

CONTENT_ENCODING = {
    "application/grpc-web": "binary",
    "application/grpc-web-text": "base64",
    "application/grpc-web+proto": "binary",
    "application/grpc-web-text+proto": "base64",
}
_MIME = "grpc_web_mime"  # ctx.state: the request's Content-Type
_TEXT = "grpc_web_text"  # ctx.state: base64 encoding both ways
_SKIP = "grpc_web_skip_body_filter"  # ctx.state: the plugin answered itself
_METADATA_SENT = "grpc_web_metadata_sent"  # ctx.state: a trailers-only reply


def trailer_frame(status: str, message: str) -> bytes:
    """The gRPC-Web trailer frame: 0x80, the length (4 bytes), the trailer lines."""
    text = f"grpc-status:{status}\r\ngrpc-message:{message}\r\n".encode()
    return b"\x80" + len(text).to_bytes(4, "big") + text


class _Decoder:
    """The request codec (`grpc_forward.RequestCodec`): the gRPC-Web body as gRPC's."""

    too_large = 400

    def __init__(self, max_body: int, text: bool) -> None:
        self.max_body = max_body
        self.text = text

    def encode(self, body: bytes) -> bytes | int:
        if not self.text:
            return body
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            log.error("failed to decode request body")
            return 400


def _ext(ctx: Ctx) -> str | None:
    """What the route's trailing `*` matched (APISIX's `:ext`)."""
    route = ctx.route or {}
    path = ctx.request.uri
    for pattern in [route.get("uri"), *(route.get("uris") or [])]:
        if isinstance(pattern, str) and pattern.endswith("*") and path.startswith(pattern[:-1]):
            return path[len(pattern) - 1 :]
    return None


class GrpcWeb(Plugin):
    name = "grpc-web"
    priority = 505

    async def access(self, ctx: Ctx) -> Response | None:
        mime = ctx.request.headers.get("content-type")
        ctx.state[_MIME] = mime
        method = ctx.request.method
        if method == "OPTIONS":
            ctx.state[_SKIP] = True
            return Response(204)
        if method != "POST":
            log.error("request method: `%s` invalid", method)
            ctx.state[_SKIP] = True
            return Response(405)
        encoding = CONTENT_ENCODING.get(mime or "")
        if encoding is None:
            log.error("request Content-Type: `%s` invalid", mime)
            ctx.state[_SKIP] = True
            return Response(400)
        ctx.state[_TEXT] = encoding == "base64"
        path = _ext(ctx)
        if path:
            ctx.upstream_uri = path if path.startswith("/") else "/" + path
        ctx.state[REQUEST_CODEC] = _Decoder(
            self.conf.get("max_req_body_size", 67108864), encoding == "base64"
        )
        ctx.upstream_headers["Content-Type"] = "application/grpc"
        return None

    def header_filter(self, ctx: Ctx, head: ResponseHead) -> None:
        if ctx.request.method == "OPTIONS":
            head.set("Access-Control-Allow-Methods", "POST")
            head.set("Access-Control-Allow-Headers", self.conf.get("cors_allow_headers"))
        if head.get("Access-Control-Allow-Origin") is None:  # the cors plugin did not set it
            head.set("Access-Control-Allow-Origin", "*")
        head.set("Access-Control-Expose-Headers", "grpc-message,grpc-status")
        if not ctx.state.get(_SKIP):
            head.set("Content-Type", ctx.state.get(_MIME))
            head.set("Content-Length", None)
        ctx.state[_METADATA_SENT] = head.get("grpc-status") is not None

    def body_filter(self, ctx: Ctx, chunk: bytes, eof: bool) -> bytes:
        state = ctx.state
        if state.get(_SKIP) or not state.get(_MIME):
            return chunk
        text = state.get(_TEXT, False)
        if text and chunk:
            chunk = base64.b64encode(chunk)
        if not eof or state.get(_METADATA_SENT):
            return chunk
        trailers = dict(state.get(TRAILERS) or ())
        status = trailers.get("grpc-status")
        frame = (
            trailer_frame(status, trailers.get("grpc-message", ""))
            if status
            else trailer_frame("2", "upstream grpc status not received")
        )
        return chunk + (base64.b64encode(frame) if text else frame)
