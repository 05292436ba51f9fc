"""gzip: compress responses of the configured content types for clients that accept gzip,
with nginx's gzip filter rules (status 200/403/404, no Content-Encoding yet, not HEAD, no
`Via` request header since gzip_proxied is off, `Content-Length` at least `min_length`)."""

from __future__ import annotations

import zlib
from typing import Any

from ..plugin_api import Ctx, Plugin, ResponseHead
from .compression import CompressionRule

_COMPRESSOR = "gzip_compressor"
_STATUSES = frozenset([200, 403, 404])


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding lists `gzip` with a non-zero quality."""
    for item in (accept_encoding or "").split(","):
        coding, _, params = item.partition(";")
        if coding.strip().lower() != "gzip":
            continue
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False


class Gzip(Plugin):
    name = "gzip"
    priority = 995
    output_filter = True

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self._rule = CompressionRule(conf)
        self._level: int = conf.get("comp_level", 1)

    def _applies(self, ctx: Ctx, head: ResponseHead) -> bool:
        request = ctx.request
        return (
            head.status in _STATUSES
            and request.method.upper() != "HEAD"
            and "via" not in request.headers
            and accepts_gzip(request.headers.get("accept-encoding"))
            and self._rule.applies(ctx, head)
        )

    def header_filter(self, ctx: Ctx, head: ResponseHead) -> None:
        if not self._applies(ctx, head):
            return
        ctx.state[_COMPRESSOR] = zlib.compressobj(self._level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        etag = head.get("ETag")
        if etag and not etag.startswith("W/"):
            head.set("ETag", "W/" + etag)
        self._rule.mark(head, "gzip")

    def body_filter(self, ctx: Ctx, chunk: bytes, eof: bool) -> bytes:
        compressor = ctx.state.get(_COMPRESSOR)
        if compressor is None:
            return chunk
        out = compressor.compress(chunk) if chunk else b""
        if eof:
            out += compressor.flush()
            del ctx.state[_COMPRESSOR]
        return out
