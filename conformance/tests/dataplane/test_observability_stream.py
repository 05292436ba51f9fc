"""Prometheus metrics and stream (TCP) routes.

Sources: APISIX prometheus plugin docs: with the plugin on a route, the metrics export
(default `http://127.0.0.1:9091/apisix/prometheus/metrics`) carries
`apisix_http_status{code="200",route="<id>",...}` counters. A target exposing metrics
elsewhere says so with a `prometheus_url`; otherwise the default port and path on the data
plane's host are used. Admin API 3.5 "Stream Route": stream routes proxy TCP to their
upstream, matching on server_port / remote_addr.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx

from conformance.registry import conformance_test
from conformance.support.admin_api import expect
from conformance.support.dataplane_setup import echo_upstream, put, wait_served
from conformance.support.eventually import converge
from conformance.support.tcp_echo import TcpEcho, tcp_exchange

DEFAULT_METRICS_PORT = 9091
DEFAULT_METRICS_PATH = "/apisix/prometheus/metrics"


def metrics_url(gw_target) -> str:
    explicit = getattr(gw_target, "prometheus_url", None)
    if explicit:
        return explicit
    host = urlsplit(gw_target.data_plane_url).hostname or "127.0.0.1"
    return f"http://{host}:{DEFAULT_METRICS_PORT}{DEFAULT_METRICS_PATH}"


def status_count(text: str, route_id: str, code: int) -> float:
    """Sum of apisix_http_status samples for this route and status code."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith("apisix_http_status{"):
            continue
        labels, _, value = line.rpartition(" ")
        if f'route="{route_id}"' in labels and f'code="{code}"' in labels:
            total += float(value)
    return total


@conformance_test(
    name="prometheus-metrics",
    description="the prometheus plugin counts a route's requests by status in the metrics export",
    profile="dataplane",
    features=["dp-prometheus"],
)
def test_prometheus(admin, dataplane, gw_target, echo, tag):
    path = f"/{tag}/metrics"
    put(
        admin,
        f"/routes/{tag}",
        {"uri": path, "plugins": {"prometheus": {}}, "upstream": echo_upstream(echo)},
    )
    wait_served(dataplane, path, "echo", gw_target.timeouts)
    for _ in range(5):
        assert dataplane.get(path).status_code == 200
    url = metrics_url(gw_target)

    def counted() -> str:
        try:
            response = httpx.get(url, timeout=gw_target.timeout)
        except httpx.TransportError as exc:
            raise AssertionError(f"metrics export {url} unreachable: {exc}") from None
        assert response.status_code == 200, f"{url}: {response.status_code}"
        assert status_count(response.text, tag, 200) >= 6, f"route {tag} not counted in {url}"
        return response.text

    text = converge(counted, gw_target.timeouts)
    assert re.search(r"^# TYPE apisix_http_status counter$", text, re.MULTILINE)


@conformance_test(
    name="stream-route-tcp",
    description="a stream route proxies TCP to its upstream, follows updates and stops when deleted",
    profile="dataplane",
    features=["dp-stream"],
)
def test_stream_route(admin, gw_target, stream_addr, tag):
    host, port = stream_addr
    with TcpEcho("tcp-a") as first, TcpEcho("tcp-b") as second:
        route = {"server_port": port, "upstream": echo_upstream(first)}
        put(admin, f"/stream_routes/{tag}", route)

        def answers(prefix: bytes) -> None:
            payload = f"hello {tag}".encode()
            try:
                got = tcp_exchange(host, port, payload, expect=len(prefix + payload))
            except OSError as exc:
                raise AssertionError(f"stream proxy {host}:{port}: {exc}") from None
            assert got == prefix + payload, got

        converge(lambda: answers(first.prefix), gw_target.timeouts, interval=0.1)
        put(admin, f"/stream_routes/{tag}", {**route, "upstream": echo_upstream(second)})
        converge(lambda: answers(second.prefix), gw_target.timeouts, interval=0.1)
        expect(admin.delete(f"/stream_routes/{tag}"), 200)

        def closed() -> None:
            try:
                got = tcp_exchange(host, port, b"ping", expect=len(second.prefix) + 4, timeout=1)
            except OSError:
                return
            assert got == b"", f"deleted stream route still proxies: {got!r}"

        converge(closed, gw_target.timeouts, interval=0.1)
