"""The log entry of APISIX's logger plugins (apisix/utils/log-util.lua), and their base class.

Without a `log_format` (on the plugin, else in its plugin metadata) the entry is the full
log: request (url, uri, method, headers, querystring, size), response (status, headers,
size, and the body with `include_resp_body`), server, upstream, service_id, route_id,
consumer, client_ip, start_time and the latencies in milliseconds. With one, it is that
object with every `$name` value replaced by the variable (absent when unset), plus the
matched route's route_id and service_id.
"""

from __future__ import annotations

import json
import socket
import time
from abc import ABC, abstractmethod
from typing import Any, ClassVar
from urllib.parse import unquote_plus

from ..plugin_api import Ctx, Plugin, ResponseHead
from ..router.expr import Expr
from ..wire import SERVER_TOKEN
from .batch_processor import BatchProcessor, batch_key

APISIX_VERSION = SERVER_TOKEN.decode().partition("/")[2]
_HOSTNAME = socket.gethostname()
_BODY_KEY = "log_resp_body"  # ctx.state: the response body collected for the log


def multi_dict(pairs: list[tuple[str, str | bool]]) -> dict[str, Any]:
    """ngx's header and argument tables: a repeated name holds a list of its values."""
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name not in out:
            out[name] = value
        elif isinstance(out[name], list):
            out[name].append(value)
        else:
            out[name] = [out[name], value]
    return out


def uri_args(query: str) -> dict[str, Any]:
    """ngx.req.get_uri_args(): `a` alone is true, `a=` the empty string."""
    pairs: list[tuple[str, str | bool]] = []
    for part in query.split("&"):
        if not part:
            continue
        name, sep, value = part.partition("=")
        if not name:
            continue
        pairs.append((unquote_plus(name), unquote_plus(value) if sep else True))
    return multi_dict(pairs)


def response_headers(ctx: Ctx) -> dict[str, Any]:
    head: ResponseHead | None = ctx.state.get("response_head")
    listed = head.headers if head is not None else []
    return multi_dict([(name.lower(), value) for name, value in listed])


def latencies(ctx: Ctx) -> tuple[float, float | None, float]:
    """(total, upstream or None, apisix) in milliseconds, apisix's never below 0."""
    total = (time.monotonic() - ctx.state["request_start"]) * 1000.0
    upstream = ctx.state.get("upstream_latency_ms")
    if upstream is None:
        return total, None, total
    return total, float(upstream), max(total - float(upstream), 0.0)


def full_log(ctx: Ctx, status: int) -> dict[str, Any]:
    request = ctx.request
    host = ctx.var("host") or ""
    request_uri = ctx.var("request_uri") or request.uri
    total, upstream_ms, apisix_ms = latencies(ctx)
    started_ms = (time.time() - total / 1000.0) * 1000.0
    entry: dict[str, Any] = {
        "request": {
            "url": f"{request.scheme}://{host}:{request.server_port}{request_uri}",
            "uri": request_uri,
            "method": request.method,
            "headers": multi_dict(
                [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in request.raw_headers]
            )
            if request.raw_headers is not None
            else dict(request.headers),
            "querystring": uri_args(request.query),
            "size": ctx.state.get("request_length"),
        },
        "response": {
            "status": status,
            "headers": response_headers(ctx),
            "size": ctx.state.get("bytes_sent"),
        },
        "server": {"hostname": _HOSTNAME, "version": APISIX_VERSION},
        "upstream": ctx.state.get("upstream_addr"),
        "service_id": (ctx.service_id or "") if ctx.route_id is not None else host,
        "route_id": ctx.route_id,
        "consumer": {"username": ctx.consumer_name} if ctx.consumer is not None else None,
        "client_ip": request.remote_addr,
        "start_time": round(started_ms),
        "latency": total,
        "upstream_latency": upstream_ms,
        "apisix_latency": apisix_ms,
    }
    body = ctx.state.get(_BODY_KEY)
    if body is not None:
        entry["response"]["body"] = body.decode("utf-8", "replace")
    return _without_nulls(entry)


def _without_nulls(value: dict[str, Any]) -> dict[str, Any]:
    """A Lua table has no nil values: absent keys, not JSON nulls."""
    return {
        k: _without_nulls(v) if isinstance(v, dict) else v
        for k, v in value.items()
        if v is not None
    }


def custom_log(ctx: Ctx, log_format: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    for key, spec in log_format.items():
        if isinstance(spec, str) and spec.startswith("$"):
            value = ctx.var(spec[1:])
            if value is not None:
                entry[key] = value
        else:
            entry[key] = spec
    if ctx.route_id is not None:
        entry["route_id"] = ctx.route_id
        if ctx.service_id is not None:
            entry["service_id"] = ctx.service_id
    return entry


class LogPlugin(Plugin):
    """A plugin whose log phase makes the log entry. The response body is collected only
    when the conf asks for it (`include_resp_body`, and `include_resp_body_expr` holds):
    such a conf is built as `cls.with_body`, the subclass with a body filter, so responses
    of routes that do not log bodies keep their Content-Length (the engine frames a
    response as chunked for a route with a body filter)."""

    with_body: ClassVar[type[LogPlugin] | None] = None

    def __new__(cls, conf: dict[str, Any], env: Any) -> LogPlugin:
        wanted = cls.with_body if conf.get("include_resp_body") and cls.with_body else cls
        return super().__new__(wanted)

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        if conf.get("include_req_body"):
            raise ValueError("include_req_body: this gateway's plugins cannot read the body")
        body_expr = conf.get("include_resp_body_expr")
        self.resp_body_expr = Expr(body_expr) if body_expr else None

    def header_filter(self, ctx: Ctx, head: ResponseHead) -> None:
        # Defined so the engine keeps the response head (`response_head`) for the log.
        return None

    def entry(self, ctx: Ctx, status: int) -> dict[str, Any]:
        metadata = self.env.metadata(self.name) or {}
        log_format = self.conf.get("log_format") or metadata.get("log_format")
        if log_format:
            return custom_log(ctx, log_format)
        return full_log(ctx, status)


class BodyCollector(LogPlugin):
    """log-util's collect_body: the whole response body, kept for the log entry."""

    def body_filter(self, ctx: Ctx, chunk: bytes, eof: bool) -> bytes:
        wanted = ctx.state.get("log_body_wanted")
        if wanted is None:
            expr = self.resp_body_expr
            wanted = ctx.state["log_body_wanted"] = expr is None or expr.evaluate(ctx.var)
        if wanted:
            ctx.state[_BODY_KEY] = ctx.state.get(_BODY_KEY, b"") + chunk
        return chunk


class BatchLogPlugin(LogPlugin, ABC):
    """A logger whose entries go through a batch processor (named like APISIX's manager)."""

    buffer_name: ClassVar[str]

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self.batch_key = batch_key(self.name, conf)

    def log(self, ctx: Ctx, status: int) -> None:
        entry = self.entry(ctx, status)
        processors = self.env.shared.log_batches
        processor = processors.get(self.batch_key, self._new_processor)
        processor.push(self.prepare(ctx, entry))

    def _new_processor(self) -> BatchProcessor:
        return BatchProcessor(self.conf.get("name") or self.buffer_name, self.conf, self.send)

    def prepare(self, ctx: Ctx, entry: dict[str, Any]) -> Any:
        """What is buffered for one request (the entry, unless the logger encodes it now)."""
        return entry

    @abstractmethod
    async def send(self, entries: list[Any], batch_max_size: int) -> None:
        """Implemented by each subclass."""


def encode_batch(entries: list[Any], batch_max_size: int) -> bytes:
    """One JSON object when batches hold one entry, else a JSON array of them."""
    value = entries[0] if batch_max_size == 1 else entries
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
