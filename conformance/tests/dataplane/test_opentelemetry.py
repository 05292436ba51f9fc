"""opentelemetry: W3C trace context to the upstream and spans exported over OTLP/HTTP.

Sources: APISIX 3.5 opentelemetry docs and apisix/plugins/opentelemetry.lua (with
opentelemetry-lua): the collector is the node's plugin_attr.opentelemetry.collector.address
(the target's `otel_collector`: the test listens there); spans are POSTed to `/v1/traces`
as a protobuf ExportTraceServiceRequest. The route's `sampler` decides (always_off by
default; parent_base follows an incoming traceparent's sampled flag); the upstream gets a
`traceparent` continuing the incoming trace with the gateway's span id. The span is named
after the request URI, kind SERVER, scope `opentelemetry-lua`, with the attributes `route`
(the route's name), `additional_attributes` (variables) and
`additional_header_prefix_attributes` (request headers), and the status ERROR
`upstream response status: <code>` on a 5xx. The collector here parses what it receives
with the OpenTelemetry protobuf definitions (opentelemetry-proto).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import echo_upstream, put, wait_served
from conformance.support.echo_upstream import EchoUpstream
from conformance.support.log_receivers import arrived
from conformance.target import parse_stream_addr

FEATURE = "dp-plugin-opentelemetry"


@pytest.fixture
def collector(gw_target) -> Iterator[EchoUpstream]:
    """An OTLP/HTTP receiver on the gateway's configured collector address."""
    addr = parse_stream_addr(gw_target.otel_collector, "OTLP collector address")
    assert addr is not None, "the target names no otel_collector"
    server = EchoUpstream("otlp", port=addr[1]).start()
    yield server
    server.stop()


def _exports(collector: EchoUpstream) -> list[tuple[Any, ExportTraceServiceRequest]]:
    out = []
    for post in collector.requests():
        request = ExportTraceServiceRequest()
        request.ParseFromString(post.body)
        out.append((post, request))
    return out


def _spans(collector: EchoUpstream, trace_id: str) -> list[tuple[Any, Any, Span]]:
    """(resource, scope, span) of every exported span of the trace."""
    return [
        (resource_spans.resource, scope_spans.scope, span)
        for _, request in _exports(collector)
        for resource_spans in request.resource_spans
        for scope_spans in resource_spans.scope_spans
        for span in scope_spans.spans
        if span.trace_id.hex() == trace_id
    ]


def _attributes(span_or_resource: Any) -> dict[str, Any]:
    return {
        kv.key: getattr(kv.value, kv.value.WhichOneof("value"))
        for kv in span_or_resource.attributes
        if kv.value.WhichOneof("value")
    }


def _serve(admin, dataplane, gw_target, tag, echo, conf, name=None) -> None:
    route: dict[str, Any] = {
        "uri": f"/{tag}/*",
        "plugins": {"opentelemetry": conf},
        "upstream": echo_upstream(echo),
    }
    if name:
        route["name"] = name
    put(admin, f"/routes/{tag}", route)
    wait_served(dataplane, f"/{tag}/probe", echo.name, gw_target.timeouts)


def _traceparent(sampled: bool) -> tuple[str, str, str]:
    trace_id, parent = secrets.token_hex(16), secrets.token_hex(8)
    return trace_id, parent, f"00-{trace_id}-{parent}-{'01' if sampled else '00'}"


@conformance_test(
    name="opentelemetry-span",
    description="opentelemetry exports the request's SERVER span over OTLP/HTTP and continues the trace",
    profile="dataplane",
    features=[FEATURE],
)
def test_opentelemetry_span(admin, dataplane, gw_target, echo, collector, tag):
    conf = {
        "sampler": {"name": "always_on"},
        "additional_attributes": ["remote_addr"],
        "additional_header_prefix_attributes": ["x-look-*"],
    }
    _serve(admin, dataplane, gw_target, tag, echo, conf, name=f"{tag}-route")
    trace_id, parent, traceparent = _traceparent(sampled=True)
    headers = {"traceparent": traceparent, "X-Look-One": "a"}
    response = dataplane.get(f"/{tag}/look?q=1", headers=headers)
    assert response.status_code == 200
    sent = response.json()["headers"]["traceparent"].split("-")
    assert sent[0] == "00" and sent[1] == trace_id and sent[3] == "01", sent
    assert len(sent[2]) == 16 and sent[2] != parent
    [(resource, scope, span)] = arrived(lambda: _spans(collector, trace_id), 1, timeout=10.0)
    assert span.span_id.hex() == sent[2]
    assert span.parent_span_id.hex() == parent
    assert span.name == f"/{tag}/look?q=1"
    assert span.kind == Span.SpanKind.SPAN_KIND_SERVER
    assert 0 < span.start_time_unix_nano <= span.end_time_unix_nano
    attributes = _attributes(span)
    assert attributes["route"] == f"{tag}-route"
    assert attributes["remote_addr"] == "127.0.0.1"
    assert attributes["x-look-one"] == "a"
    assert span.status.code != Status.StatusCode.STATUS_CODE_ERROR
    assert scope.name == "opentelemetry-lua"
    assert "hostname" in _attributes(resource)
    post = next(p for p, r in _exports(collector) if bytes.fromhex(trace_id) in p.body)
    assert post.method == "POST" and post.path == "/v1/traces"
    assert post.headers.get("content-type") == "application/x-protobuf"


@conformance_test(
    name="opentelemetry-sampler",
    description="opentelemetry's default sampler records nothing; parent_base follows the caller",
    profile="dataplane",
    features=[FEATURE],
)
def test_opentelemetry_samplers(admin, dataplane, gw_target, echo, collector, tag):
    _serve(admin, dataplane, gw_target, f"{tag}-off", echo, {})
    parent_base = {"sampler": {"name": "parent_base", "options": {"root": {"name": "always_off"}}}}
    _serve(admin, dataplane, gw_target, tag, echo, parent_base)
    off = dataplane.get(f"/{tag}-off/x").json()["headers"]["traceparent"].split("-")
    assert off[3] == "00", off
    root = dataplane.get(f"/{tag}/root").json()["headers"]["traceparent"].split("-")
    assert root[3] == "00", root
    unsampled_id, _, unsampled = _traceparent(sampled=False)
    not_sampled = dataplane.get(f"/{tag}/no", headers={"traceparent": unsampled})
    assert not_sampled.json()["headers"]["traceparent"].split("-")[3] == "00"
    trace_id, _, traceparent = _traceparent(sampled=True)
    sampled = dataplane.get(f"/{tag}/yes", headers={"traceparent": traceparent})
    assert sampled.json()["headers"]["traceparent"].split("-")[3] == "01"
    arrived(lambda: _spans(collector, trace_id), 1, timeout=10.0)
    for trace in (off[1], root[1], unsampled_id):
        assert _spans(collector, trace) == [], f"unsampled trace {trace} exported"


@conformance_test(
    name="opentelemetry-error-status",
    description="opentelemetry marks the span ERROR when the upstream answers 5xx",
    profile="dataplane",
    features=[FEATURE],
)
def test_opentelemetry_error_status(admin, dataplane, gw_target, echo, collector, tag):
    _serve(admin, dataplane, gw_target, tag, echo, {"sampler": {"name": "always_on"}})
    trace_id, _, traceparent = _traceparent(sampled=True)
    headers = {"traceparent": traceparent, "X-Echo-Status": "502"}
    assert dataplane.get(f"/{tag}/fail", headers=headers).status_code == 502
    [(_, _, span)] = arrived(lambda: _spans(collector, trace_id), 1, timeout=10.0)
    assert span.status.code == Status.StatusCode.STATUS_CODE_ERROR
    assert span.status.message == "upstream response status: 502"
