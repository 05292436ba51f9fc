"""zipkin: B3 propagation to the upstream and spans reported to a Zipkin v2 collector.

Sources: APISIX 3.5 zipkin docs and apisix/plugins/zipkin.lua with zipkin/{codec,reporter}.lua:
the trace continues the X-B3-* headers (or the single `b3` header; an invalid one is a 400)
or starts at the gateway; X-B3-Sampled 1/0 overrides `sample_ratio`. With span_version 2
(the default) the spans are `apisix.request` (kind SERVER, tags component, http.method,
http.url, http.status_code; remoteEndpoint the client), its children `apisix.proxy` and
`apisix.response_span`; the upstream gets X-B3-TraceId, X-B3-SpanId (the proxy span),
X-B3-ParentSpanId (the request span) and X-B3-Sampled. Sampled spans are POSTed as a JSON
array to `endpoint` by a batch processor (sent after 5 s without new spans). Zipkin itself
is a Java server: the collector here is the suite's echo server, and the test parses the
Zipkin v2 JSON it receives.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from conformance.registry import conformance_test
from conformance.support.echo_upstream import EchoUpstream
from conformance.support.log_receivers import arrived, serve_logged

FEATURE = "dp-plugin-zipkin"
REPORT_WAIT = 15.0  # the reporter's inactive_timeout is 5 s


def _spans(collector: EchoUpstream) -> list[dict[str, Any]]:
    spans: list[dict[str, Any]] = []
    for post in collector.requests():
        value = json.loads(post.body)
        spans += value if isinstance(value, list) else [value]
    return spans


def _trace(collector: EchoUpstream, trace_id: str) -> dict[str, dict[str, Any]]:
    """The spans of a trace by name, once its request span has arrived."""
    found = arrived(
        lambda: [
            s
            for s in _spans(collector)
            if s["traceId"] == trace_id and s["name"] == "apisix.request"
        ],
        1,
        timeout=REPORT_WAIT,
    )
    assert len(found) == 1, found
    return {s["name"]: s for s in _spans(collector) if s["traceId"] == trace_id}


def _serve(admin, dataplane, gw_target, tag, echo, collector) -> None:
    conf = {"endpoint": f"{collector.url}/api/v2/spans", "sample_ratio": 1}
    serve_logged(admin, dataplane, gw_target.timeouts, tag, echo, {"zipkin": conf})


@conformance_test(
    name="zipkin-spans",
    description="zipkin reports the request, proxy and response spans and propagates B3 upstream",
    profile="dataplane",
    features=[FEATURE],
)
def test_zipkin_spans(admin, dataplane, gw_target, echoes, tag):
    echo, collector = echoes("echo", "zipkin")
    _serve(admin, dataplane, gw_target, tag, echo, collector)
    response = dataplane.get(f"/{tag}/look")
    assert response.status_code == 200
    sent = response.json()["headers"]
    assert sent["x-b3-sampled"] == "1"
    trace_id = sent["x-b3-traceid"]
    assert len(trace_id) in (16, 32) and int(trace_id, 16) >= 0
    spans = _trace(collector, trace_id)
    assert set(spans) == {"apisix.request", "apisix.proxy", "apisix.response_span"}, spans
    request, proxy = spans["apisix.request"], spans["apisix.proxy"]
    assert request["kind"] == "SERVER"
    assert request["localEndpoint"]["serviceName"] == "APISIX"
    assert request["remoteEndpoint"]["ipv4"] == "127.0.0.1"
    assert isinstance(request["remoteEndpoint"]["port"], int)
    tags = request["tags"]
    assert tags["component"] == "apisix"
    assert tags["http.method"] == "GET"
    assert tags["http.url"] == f"/{tag}/look"
    assert tags["http.status_code"] == "200"
    assert proxy["parentId"] == request["id"]
    assert spans["apisix.response_span"]["parentId"] == request["id"]
    assert sent["x-b3-spanid"] == proxy["id"]
    assert sent["x-b3-parentspanid"] == request["id"]
    for span in spans.values():
        assert isinstance(span["timestamp"], int) and isinstance(span["duration"], int)
    post = next(p for p in collector.requests() if trace_id in p.body.decode())
    assert post.method == "POST" and post.path == "/api/v2/spans"
    assert post.headers.get("content-type") == "application/json"
    assert isinstance(json.loads(post.body), list)


@conformance_test(
    name="zipkin-propagation",
    description="zipkin continues an incoming B3 trace and honours X-B3-Sampled: 0",
    profile="dataplane",
    features=[FEATURE],
)
def test_zipkin_continues_the_trace(admin, dataplane, gw_target, echoes, tag):
    echo, collector = echoes("echo", "zipkin")
    _serve(admin, dataplane, gw_target, tag, echo, collector)
    unsampled = secrets.token_hex(16)
    skipped = dataplane.get(f"/{tag}/off", headers={"X-B3-TraceId": unsampled, "X-B3-Sampled": "0"})
    assert skipped.status_code == 200
    assert skipped.json()["headers"]["x-b3-sampled"] == "0"
    assert skipped.json()["headers"]["x-b3-traceid"] == unsampled
    trace_id, parent = secrets.token_hex(16), secrets.token_hex(8)
    headers = {"X-B3-TraceId": trace_id, "X-B3-SpanId": parent, "X-B3-Sampled": "1"}
    response = dataplane.get(f"/{tag}/on", headers=headers)
    assert response.status_code == 200
    assert response.json()["headers"]["x-b3-traceid"] == trace_id
    spans = _trace(collector, trace_id)
    assert spans["apisix.request"]["parentId"] == parent
    assert not [s for s in _spans(collector) if s["traceId"] == unsampled], "unsampled reported"


@conformance_test(
    name="zipkin-invalid-b3",
    description="zipkin answers 400 to a b3 header without a span id",
    profile="dataplane",
    features=[FEATURE],
)
def test_zipkin_invalid_b3(admin, dataplane, gw_target, echoes, tag):
    echo, collector = echoes("echo", "zipkin")
    _serve(admin, dataplane, gw_target, tag, echo, collector)
    assert dataplane.get(f"/{tag}/b3", headers={"b3": secrets.token_hex(16)}).status_code == 400
