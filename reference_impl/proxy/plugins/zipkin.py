"""zipkin: B3 trace propagation and spans reported to a Zipkin v2 collector (JSON over HTTP).

As apisix/plugins/zipkin.lua (3.5): the trace comes from the `b3` header (an invalid one is
a 400) or the X-B3-* headers, or starts here; `X-B3-Sampled`/`X-B3-Flags` decide sampling,
else `sample_ratio`. The request's span `apisix.request` (kind SERVER) has, with
`span_version` 2, the children `apisix.proxy` (until the response head) and
`apisix.response_span` (until the log phase); with 1, `apisix.rewrite`, `apisix.access`,
`apisix.proxy` and `apisix.body_filter`. The upstream gets X-B3-TraceId, X-B3-SpanId (the
proxy span's when sampled, else the request span's), X-B3-ParentSpanId and X-B3-Sampled.
Sampled spans go to `endpoint` through a batch processor `zipkin_report` (1000 spans, 5 s).
"""

from __future__ import annotations

import json
import random
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from ..plugin_api import Ctx, Plugin, Response, ResponseHead
from .batch_processor import BatchProcessor, DeliveryError, batch_key
from .http_post import post
from .request_edit import set_request_header

_HEX = frozenset("0123456789abcdefABCDEF")
_STATE = "zipkin"
_REPORT_CONF = {
    "batch_max_size": 1000,
    "inactive_timeout": 5,
    "buffer_duration": 60,
    "max_retry_count": 0,
    "retry_delay": 1,
}


def _hex_id(value: str | None, lengths: tuple[int, ...]) -> bool:
    return value is not None and len(value) in lengths and set(value) <= _HEX


@dataclass
class Span:
    name: str
    trace_id: str
    parent_id: str | None
    start: float
    span_id: str = field(default_factory=lambda: secrets.token_hex(8))
    end: float | None = None
    kind: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    remote: dict[str, Any] | None = None

    def child(self, name: str, start: float) -> Span:
        return Span(name, self.trace_id, self.span_id, start)

    def encode(self, local: dict[str, Any]) -> dict[str, Any]:
        end = self.end if self.end is not None else time.time()
        span: dict[str, Any] = {
            "traceId": self.trace_id,
            "name": self.name,
            "id": self.span_id,
            "timestamp": int(self.start * 1_000_000),
            "duration": int((end - self.start) * 1_000_000),
            "localEndpoint": local,
            "remoteEndpoint": self.remote,
            "tags": self.tags,
        }
        if self.parent_id is not None:
            span["parentId"] = self.parent_id
        if self.kind is not None:
            span["kind"] = self.kind
        return span


@dataclass
class _Trace:
    request: Span
    sampled: bool
    spans: list[Span] = field(default_factory=list)  # the children, in start order


class Zipkin(Plugin):
    name = "zipkin"
    priority = 12011

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self.batch_key = batch_key(self.name, conf)

    async def rewrite(self, ctx: Ctx) -> Response | None:
        headers = ctx.request.headers
        ratio: float | None = 1.0 if headers.get("x-b3-flags") == "1" else None
        b3 = headers.get("b3")
        if b3 is not None:
            set_request_header(ctx, "b3", None)
            parsed = _parse_b3(b3)
            if parsed is None:
                return Response(400)
            trace_id, span_id, sampled, parent_id = parsed
            if sampled == "d":
                set_request_header(ctx, "x-b3-flags", "1")
                sampled = "1"
        else:
            sampled = headers.get("x-b3-sampled")
            trace_id = headers.get("x-b3-traceid")
            parent_id = headers.get("x-b3-parentspanid")
            span_id = headers.get("x-b3-spanid")
        start = time.time() - (time.monotonic() - ctx.state["request_start"])
        valid = (
            trace_id is not None
            and _hex_id(trace_id, (16, 32))
            and (parent_id is None or _hex_id(parent_id, (16,)))
            and (span_id is None or _hex_id(span_id, (16,)))
        )
        if valid and trace_id is not None:
            request = Span("apisix.request", trace_id.lower(), span_id and span_id.lower(), start)
        else:
            request = Span("apisix.request", secrets.token_hex(16), None, start)
        request.kind = "SERVER"
        request.tags = {
            "component": "apisix",
            "http.method": ctx.request.method.upper(),
            "http.url": ctx.var("request_uri") or ctx.request.uri,
        }
        request.remote = {"ipv4": ctx.request.remote_addr, "port": ctx.request.remote_port}
        if sampled in ("1", "true"):
            ratio = 1.0
        elif sampled in ("0", "false"):
            ratio = 0.0
        if ratio is None:
            ratio = float(self.conf["sample_ratio"])
        trace = _Trace(request, random.random() < ratio)
        ctx.state[_STATE] = trace
        if trace.sampled:
            if self.conf.get("span_version", 2) == 1:
                rewrite = request.child("apisix.rewrite", start)
                rewrite.end = time.time()
                trace.spans.append(rewrite)
            else:
                trace.spans.append(request.child("apisix.proxy", start))
        return None

    async def access(self, ctx: Ctx) -> Response | None:
        trace: _Trace | None = ctx.state.get(_STATE)
        if trace is None:
            return None
        if trace.sampled and self.conf.get("span_version", 2) == 1:
            began = trace.spans[-1].end or time.time()
            access = trace.request.child("apisix.access", began)
            access.end = time.time()
            trace.spans += [access, trace.request.child("apisix.proxy", access.end)]
        span = trace.spans[-1] if trace.sampled else trace.request
        set_request_header(ctx, "x-b3-traceid", span.trace_id)
        set_request_header(ctx, "x-b3-parentspanid", span.parent_id)
        set_request_header(ctx, "x-b3-spanid", span.span_id)
        set_request_header(ctx, "x-b3-sampled", "1" if trace.sampled else "0")
        return None

    def header_filter(self, ctx: Ctx, head: ResponseHead) -> None:
        trace: _Trace | None = ctx.state.get(_STATE)
        if trace is None or not trace.sampled:
            return
        now = time.time()
        proxy = next((s for s in trace.spans if s.name == "apisix.proxy"), None)
        if self.conf.get("span_version", 2) == 1:
            if proxy is not None:
                trace.spans.append(proxy.child("apisix.body_filter", now))
        else:
            if proxy is not None:
                proxy.end = now
            trace.spans.append(trace.request.child("apisix.response_span", now))

    def log(self, ctx: Ctx, status: int) -> None:
        trace: _Trace | None = ctx.state.get(_STATE)
        if trace is None or not trace.sampled:
            return
        now = time.time()
        for span in trace.spans:
            if span.end is None:
                span.end = now
        trace.request.tags["http.status_code"] = str(status)
        trace.request.end = now
        local = {
            "serviceName": self.conf.get("service_name", "APISIX"),
            "ipv4": self.conf.get("server_addr") or ctx.request.server_addr,
            "port": ctx.request.server_port,
        }
        processor = self.env.shared.log_batches.get(self.batch_key, self._new_processor)
        # in the order APISIX's spans finish
        for span in sorted(trace.spans, key=lambda s: s.end or now):
            processor.push(span.encode(local))
        processor.push(trace.request.encode(local))

    def _new_processor(self) -> BatchProcessor:
        return BatchProcessor("zipkin_report", _REPORT_CONF, self.send)

    async def send(self, spans: list[Any], batch_max_size: int) -> None:
        endpoint = self.conf["endpoint"]
        body = json.dumps(spans if batch_max_size != 1 else spans[0]).encode()
        status, _ = await post(endpoint, body, {"content-type": "application/json"}, 3.0)
        if not 200 <= status < 300:
            raise DeliveryError(f"failed: {endpoint} {status}")


def _parse_b3(b3: str) -> tuple[str | None, str | None, str | None, str | None] | None:
    """(trace id, span id, sampled, parent span id) of a single `b3` header; None if invalid."""
    if b3 == "0":
        return None, None, "0", None
    pieces = b3.split("-", 3)
    if len(pieces) < 2:
        return None
    return (
        pieces[0],
        pieces[1],
        pieces[2] if len(pieces) > 2 else None,
        pieces[3] if len(pieces) > 3 else None,
    )
