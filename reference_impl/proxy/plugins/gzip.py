"""gzip: compress responses of the configured content types for clients that accept gzip,
with nginx's gzip filter rules (status 200/403/404, no Content-Encoding yet, not HEAD, no
`Via` request header since gzip_proxied is off, `Content-Length` at least `min_length`)."""

from __future__ import annotations

import zlib
from typing import Any

from ..plugin_api import Ctx, Plugin, ResponseHead

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
        types = conf.get("types", ["text/html"])
        self._types = None if types == "*" else frozenset(types)
        self._min_length: int = conf.get("min_length", 20)
        self._level: int = conf.get("comp_level", 1)
        self._http_version = float(conf.get("http_version", 1.1))
        self._vary = bool(conf.get("vary"))

    def _applies(self, ctx: Ctx, head: ResponseHead) -> bool:
        content_type = head.get("Content-Type")
        if content_type is None:
            return False
        if self._types is not None and content_type.split(";", 1)[0] not in self._types:
            return False
        length = head.get("Content-Length")
        if length is not None and length.isdigit() and int(length) < self._min_length:
            return False
        request = ctx.request
        return (
            float(request.http_version) >= self._http_version
            and head.status in _STATUSES
            and not head.get("Content-Encoding")
            and request.method.upper() != "HEAD"
            and "via" not in request.headers
            and accepts_gzip(request.headers.get("accept-encoding"))
        )

    def header_filter(self, ctx: Ctx, head: ResponseHead) -> None:
        if not self._applies(ctx, head):
            return
        ctx.state[_COMPRESSOR] = zlib.compressobj(self._level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        head.set("Content-Length", None)
        head.set("Content-Encoding", "gzip")
        etag = head.get("ETag")
        if etag and not etag.startswith("W/"):
            head.set("ETag", "W/" + etag)
        if self._vary:
            head.headers.append(("Vary", "Accept-Encoding"))

    def body_filter(self, ctx: Ctx, chunk: bytes, eof: bool) -> bytes:
        compressor = ctx.state.get(_COMPRESSOR)
        if compressor is None:
            return chunk
        out = compressor.compress(chunk) if chunk else b""
        if eof:
            out += compressor.flush()
            del ctx.state[_COMPRESSOR]
        return out
