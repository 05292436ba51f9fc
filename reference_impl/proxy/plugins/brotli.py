"""brotli (APISIX 3.10+): compress responses of the configured types for clients that
accept `br`. Unlike gzip it is a plugin body filter, run at its priority as APISIX runs it."""

from __future__ import annotations

import re
from typing import Any

import brotli

from ..plugin_api import Ctx, Plugin, ResponseHead
from .compression import CompressionRule

_COMPRESSOR = "brotli_compressor"
_CODING = re.compile(r"([a-z\*]+)(;q=)?([0-9.]*)?")
_ETAG = re.compile(r'^(W/)?"([^"]*)"$')
_MIN_WINDOW = 10  # the brotli library raises a window of 0 ("let it decide") to this


def accepts_br(accept_encoding: str | None) -> bool:
    """APISIX's check: `br` or `*`, without `;q=` or with a q other than the text "0"."""
    if accept_encoding is None:
        return False
    if accept_encoding in ("*", "br"):
        return True
    return any(
        m.group(1) in ("br", "*") and (m.group(2) is None or m.group(3) != "0")
        for m in _CODING.finditer(accept_encoding)
    )


def weaken_etag(head: ResponseHead) -> None:
    """A strong ETag becomes weak; one that is not quoted cannot be, and is dropped."""
    etag = head.get("ETag")
    if etag is None:
        return
    match = _ETAG.match(etag)
    if match is None:
        head.set("ETag", None)
    elif match.group(1) is None:
        head.set("ETag", f'W/"{match.group(2)}"')


class Brotli(Plugin):
    name = "brotli"
    priority = 996

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self._rule = CompressionRule(conf)
        self._options = {
            "mode": conf.get("mode", 0),
            "quality": conf.get("comp_level", 6),
            "lgwin": max(conf.get("lgwin", 19), _MIN_WINDOW),
            "lgblock": conf.get("lgblock", 0),
        }

    def header_filter(self, ctx: Ctx, head: ResponseHead) -> None:
        if not accepts_br(ctx.request.headers.get("accept-encoding")):
            return
        if not self._rule.applies(ctx, head):
            return
        ctx.state[_COMPRESSOR] = brotli.Compressor(**self._options)
        self._rule.mark(head, "br")
        weaken_etag(head)

    def body_filter(self, ctx: Ctx, chunk: bytes, eof: bool) -> bytes:
        compressor = ctx.state.get(_COMPRESSOR)
        if compressor is None:
            return chunk
        out = compressor.process(chunk) + compressor.flush() if chunk else b""
        if eof:
            out += compressor.finish()
            del ctx.state[_COMPRESSOR]
        return out
