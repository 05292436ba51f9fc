"""proxy-mirror (APISIX 3.5): a copy of the request (its method, headers and body) is sent to
`host`, as nginx's `mirror` subrequest to APISIX's /proxy_mirror location; its answer is
dropped and the client's request is served as if there were no mirror.

The URI is the upstream URI so far (the request's, with its query), or `path` with the query
(`path_concat_mode: replace`), or `path` followed by it (`prefix`); `sample_ratio` is the
share of requests mirrored. The Host header is the one the upstream gets (`$upstream_host`),
the timeouts are `plugin_attr.proxy-mirror.timeout` (connect, read, send; 60s each).
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

import httpx

from ..plugin_api import Ctx, Plugin, Response, request_body
from .disk_cache import nginx_seconds
from .outbound_http import async_client

log = logging.getLogger(__name__)

# not passed on by nginx's proxy module (hop-by-hop), or set by it
_NOT_SENT = frozenset(("connection", "keep-alive", "te", "upgrade", "host", "content-length"))
_IN_FLIGHT: set[asyncio.Task[None]] = set()  # mirror requests not yet answered


class ProxyMirror(Plugin):
    name = "proxy-mirror"
    priority = 1010
    reads_body = True

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        if not conf["host"].startswith("http"):
            raise ValueError("a grpc or grpcs mirror host is not supported")
        self._host: str = conf["host"]
        self._path: str | None = conf.get("path")
        self._prefix = conf.get("path_concat_mode", "replace") == "prefix"
        self._ratio = float(conf.get("sample_ratio", 1))
        attr = (env.shared.plugin_attr.get("proxy-mirror") or {}).get("timeout") or {}
        self._timeout = httpx.Timeout(
            connect=nginx_seconds(attr.get("connect", "60s"), "proxy-mirror connect timeout"),
            read=nginx_seconds(attr.get("read", "60s"), "proxy-mirror read timeout"),
            write=nginx_seconds(attr.get("send", "60s"), "proxy-mirror send timeout"),
            pool=None,
        )

    async def rewrite(self, ctx: Ctx) -> Response | None:
        if self._ratio < 1 and random.random() >= self._ratio:
            return None
        query = ctx.request.query
        args = "?" + query if query else ""
        uri = ctx.var("upstream_uri") or ctx.request.uri + args
        if self._path is not None:
            uri = self._path + uri if self._prefix else self._path + args
        host = ctx.upstream_host or ctx.request.headers.get("host", "")
        headers = [
            (name, value)
            for name, value in (ctx.request.raw_headers or [])
            if name.decode("latin-1").lower() not in _NOT_SENT
        ]
        headers.append((b"Host", host.encode("latin-1")))
        body = await request_body(ctx)
        task = asyncio.get_running_loop().create_task(
            self._send(ctx.request.method, self._host + uri, headers, body)
        )
        _IN_FLIGHT.add(task)
        task.add_done_callback(_IN_FLIGHT.discard)
        return None

    async def _send(
        self, method: str, url: str, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> None:
        try:
            client = async_client(verify=False)
            await client.request(method, url, headers=headers, content=body, timeout=self._timeout)
        except httpx.HTTPError as exc:
            log.error("proxy-mirror: %s %s failed: %s", method, url, exc)
