"""What plugins that transcode gRPC (grpc-transcode, grpc-web) leave for the gRPC forwarder
(`grpc_forward`) in `ctx.state`, and what it leaves them."""

from __future__ import annotations

from typing import Protocol

REQUEST_CODEC = "grpc_request_codec"  # ctx.state key: a RequestCodec
TRAILERS = "upstream_trailers"  # ctx.state key: the upstream's trailers, (name, value) pairs


class RequestCodec(Protocol):
    """Turns the client's whole request body into the gRPC request body."""

    max_body: int  # larger client bodies are answered with `too_large`
    too_large: int

    def encode(self, body: bytes) -> bytes | int:
        """The gRPC body, or the status to answer the client with instead."""
