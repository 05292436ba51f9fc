"""What gzip and brotli check alike before they compress a response."""

from __future__ import annotations

from typing import Any

from ..plugin_api import Ctx, ResponseHead


class CompressionRule:
    """`types` (a list, or "*" for any), `min_length` (when Content-Length is known) and
    the request's minimum `http_version`; a response already encoded is left alone."""

    def __init__(self, conf: dict[str, Any]) -> None:
        types = conf.get("types", ["text/html"])
        self._types = None if types == "*" else frozenset(types)
        self._min_length: int = conf.get("min_length", 20)
        self._http_version = float(conf.get("http_version", 1.1))
        self.vary = bool(conf.get("vary"))

    def applies(self, ctx: Ctx, head: ResponseHead) -> bool:
        if head.get("Content-Encoding"):
            return False
        content_type = head.get("Content-Type")
        if content_type is None:
            return False
        if self._types is not None and content_type.split(";", 1)[0] not in self._types:
            return False
        length = head.get("Content-Length")
        if length is not None and length.isdigit() and int(length) < self._min_length:
            return False
        return float(ctx.request.http_version) >= self._http_version

    def mark(self, head: ResponseHead, encoding: str) -> None:
        """The headers of a response about to be compressed with `encoding`."""
        head.set("Content-Length", None)
        head.set("Content-Encoding", encoding)
        if self.vary:
            head.headers.append(("Vary", "Accept-Encoding"))
