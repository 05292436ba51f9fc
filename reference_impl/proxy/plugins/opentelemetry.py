"""opentelemetry: W3C trace context propagation and one SERVER span per request, exported
to an OpenTelemetry collector over OTLP/HTTP (protobuf).

As apisix/plugins/opentelemetry.lua (3.5) with opentelemetry-lua: the trace continues an
incoming `traceparent` or starts here (with `trace_id_source: x-request-id` in
plugin_attr, the X-Request-Id header is the new trace's id); the route's `sampler`
decides recording (always_on, always_off, trace_id_ratio with `fraction`, parent_base
following the parent's sampled flag, else its `root` sampler); the upstream gets the
span's `traceparent`. The span is named after the request URI, has the attributes
`service` and `route` (their names) plus `additional_attributes` (variables) and
`additional_header_prefix_attributes` (request headers, `prefix*` matching a prefix), and
an ERROR status when the upstream answered 5xx. Node-wide settings are
`plugin_attr.opentelemetry`: collector (address, default 127.0.0.1:4318,
request_timeout, request_headers), resource and batch_span_processor; sampled spans go in
batches (max_export_batch_size 256, every inactive_timeout 2 s, batch_timeout 5 s).
"""

from __future__ import annotations

import secrets
import socket
import time
from dataclasses import dataclass
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from ..plugin_api import Ctx, Plugin, Response
from .batch_processor import BatchProcessor, DeliveryError, batch_key
from .http_post import post
from .request_edit import set_request_header

_HEX = frozenset("0123456789abcdef")
_STATE = "otel_span"
_HOSTNAME = socket.gethostname()
SCOPE_NAME = "opentelemetry-lua"


def parse_traceparent(value: str | None) -> tuple[str, str, bool] | None:
    """(trace id, parent span id, sampled) of a valid version-00 `traceparent`, else None."""
    if not value:
        return None
    parts = value.strip().lower().split("-")
    if len(parts) < 4 or parts[0] != "00":
        return None
    trace_id, span_id, flags = parts[1], parts[2], parts[3]
    if len(trace_id) != 32 or len(span_id) != 16 or len(flags) != 2:
        return None
    if not set(trace_id + span_id + flags) <= _HEX:
        return None
    if trace_id == "0" * 32 or span_id == "0" * 16:
        return None
    return trace_id, span_id, bool(int(flags, 16) & 1)


def _sample(sampler: dict[str, Any], trace_id: str, parent: tuple[str, str, bool] | None) -> bool:
    name = sampler.get("name", "always_off")
    options = sampler.get("options") or {}
    if name == "parent_base":
        if parent is not None:
            return parent[2]
        return _sample(options.get("root") or {"name": "always_off"}, trace_id, None)
    if name == "always_on":
        return True
    if name == "trace_id_ratio":
        fraction = float(options.get("fraction", 0))
        return int(trace_id[16:], 16) < fraction * 2**64
    return False


def _attr(key: str, value: Any) -> KeyValue:
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int | float):
        return KeyValue(key=key, value=AnyValue(double_value=float(value)))
    return KeyValue(key=key, value=AnyValue(string_value=str(value)))


@dataclass
class _Span:
    trace_id: str
    span_id: str
    parent_id: str | None
    sampled: bool
    name: str
    start_ns: int
    attributes: list[KeyValue]


class OpenTelemetry(Plugin):
    name = "opentelemetry"
    priority = 12009

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        # plugin_attr is the node's: one exporter for every route
        self._settings: dict[str, Any] = env.shared.plugin_attr.get("opentelemetry") or {}
        self.batch_key = batch_key(self.name, self._settings)

    async def rewrite(self, ctx: Ctx) -> Response | None:
        headers = ctx.request.headers
        parent = parse_traceparent(headers.get("traceparent"))
        if parent is not None:
            trace_id = parent[0]
        elif self._settings.get("trace_id_source") == "x-request-id":
            trace_id = headers.get("x-request-id") or secrets.token_hex(16)
        else:
            trace_id = secrets.token_hex(16)
        sampled = _sample(self.conf.get("sampler") or {}, trace_id, parent)
        attributes = [
            _attr(key, value)
            for key, value in (
                ("service", ctx.var("service_name")),
                ("route", ctx.var("route_name")),
            )
            if value is not None
        ]
        for key in self.conf.get("additional_attributes") or ():
            value = ctx.var(key)
            if value:
                attributes.append(_attr(key, value))
        for key in self.conf.get("additional_header_prefix_attributes") or ():
            if len(key) >= 2 and key.endswith("*"):
                prefix = key[:-1].lower()
                attributes += [_attr(k, v) for k, v in headers.items() if k.startswith(prefix)]
            elif headers.get(key.lower()):
                attributes.append(_attr(key, headers[key.lower()]))
        started = time.time() - (time.monotonic() - ctx.state["request_start"])
        span = _Span(
            trace_id,
            secrets.token_hex(8),
            parent[1] if parent is not None else None,
            sampled,
            ctx.var("request_uri") or ctx.request.uri,
            int(started * 1e9),
            attributes,
        )
        ctx.state[_STATE] = span
        flags = "01" if sampled else "00"
        set_request_header(ctx, "traceparent", f"00-{span.trace_id}-{span.span_id}-{flags}")
        return None

    def log(self, ctx: Ctx, status: int) -> None:
        span: _Span | None = ctx.state.get(_STATE)
        if span is None or not span.sampled:
            return
        encoded = Span(
            trace_id=bytes.fromhex(span.trace_id),
            span_id=bytes.fromhex(span.span_id),
            parent_span_id=bytes.fromhex(span.parent_id) if span.parent_id else b"",
            name=span.name,
            kind=Span.SpanKind.SPAN_KIND_SERVER,
            start_time_unix_nano=span.start_ns,
            end_time_unix_nano=time.time_ns(),
            attributes=span.attributes,
        )
        if status >= 500:
            encoded.status.CopyFrom(
                Status(
                    code=Status.StatusCode.STATUS_CODE_ERROR,
                    message=f"upstream response status: {status}",
                )
            )
        processor = self.env.shared.log_batches.get(self.batch_key, self._new_processor)
        processor.push(encoded)

    def _new_processor(self) -> BatchProcessor:
        settings = self._settings.get("batch_span_processor") or {}
        conf = {
            "batch_max_size": settings.get("max_export_batch_size", 256),
            "inactive_timeout": settings.get("inactive_timeout", 2),
            "buffer_duration": settings.get("batch_timeout", 5),
        }
        return BatchProcessor("opentelemetry", conf, self.send)

    def _resource(self) -> list[KeyValue]:
        attributes = [_attr("hostname", _HOSTNAME)]
        resource = self._settings.get("resource")
        if resource:
            if "service.name" not in resource:
                attributes.append(_attr("service.name", "APISIX"))
            attributes += [_attr(k, v) for k, v in resource.items()]
        return attributes

    async def send(self, spans: list[Any], batch_max_size: int) -> None:
        collector = self._settings.get("collector") or {}
        address = collector.get("address", "127.0.0.1:4318")
        request = ExportTraceServiceRequest(
            resource_spans=[
                ResourceSpans(
                    resource=Resource(attributes=self._resource()),
                    scope_spans=[
                        ScopeSpans(scope=InstrumentationScope(name=SCOPE_NAME), spans=spans)
                    ],
                )
            ]
        )
        headers = {"Content-Type": "application/x-protobuf"}
        headers.update({k: str(v) for k, v in (collector.get("request_headers") or {}).items()})
        uri = f"http://{address}/v1/traces"
        timeout = float(collector.get("request_timeout", 3))
        status, _ = await post(uri, request.SerializeToString(), headers, timeout)
        if not 200 <= status < 300:
            raise DeliveryError(f"http export failed, status {status}: {uri}")
