"""prometheus: per-request metrics with APISIX's metric names, recorded in the log phase.

The engine sets `ctx.state["request_start"]` when a request arrives, and `upstream_addr`,
`upstream_latency_ms`, `request_length` and `bytes_sent` before the log phase of a route
(or global rule) with a log plugin."""

from __future__ import annotations

import time
from functools import partial

from ..plugin_api import Ctx, Plugin
from .metrics_store import MetricsRecorder, series_key

# milliseconds, as APISIX's DEFAULT_BUCKETS
LATENCY_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000)
START_KEY = "request_start"  # the engine's time.monotonic() when the request arrived


def observe_latency(metrics: MetricsRecorder, labels: list[tuple[str, str]], ms: float) -> None:
    for bound in LATENCY_BUCKETS:
        if ms <= bound:
            metrics.inc(series_key("apisix_http_latency_bucket", [*labels, ("le", str(bound))]))
    metrics.inc(series_key("apisix_http_latency_bucket", [*labels, ("le", "+Inf")]))
    metrics.inc(series_key("apisix_http_latency_sum", labels), ms)
    metrics.inc(series_key("apisix_http_latency_count", labels))


_ACTIVE = series_key("apisix_nginx_http_current_connections", [("state", "active")])
_ACCEPTED = series_key("apisix_nginx_http_current_connections", [("state", "accepted")])
_HANDLED = series_key("apisix_nginx_http_current_connections", [("state", "handled")])
REQUESTS_SERIES = series_key("apisix_http_requests_total")


def record_connection(metrics: MetricsRecorder, opened: bool) -> None:
    """For the engine: a client connection was accepted (True) or closed (False)."""
    metrics.inc(_ACTIVE, 1 if opened else -1)
    if opened:
        metrics.inc(_ACCEPTED)
        metrics.inc(_HANDLED)


def record_request(metrics: MetricsRecorder) -> None:
    """For the engine: one client request was read (any route, matched or not)."""
    metrics.inc(REQUESTS_SERIES)


class ServerCounters:
    """The engine's metrics hook (`downstream.ServerMetrics`): connections and requests
    counted into the worker's series, whether or not a route has the plugin."""

    def __init__(self, metrics: MetricsRecorder) -> None:
        self.metrics = metrics
        self.request_read = partial(metrics.inc, REQUESTS_SERIES)  # one call per request

    def connection_opened(self) -> None:
        record_connection(self.metrics, True)

    def connection_closed(self) -> None:
        record_connection(self.metrics, False)


class Prometheus(Plugin):
    name = "prometheus"
    priority = 500

    def log(self, ctx: Ctx, status: int) -> None:
        metrics: MetricsRecorder = self.env.shared.metrics
        prefer_name = bool(self.conf.get("prefer_name"))
        route = ctx.route or {}
        route_label = (route.get("name") if prefer_name else None) or ctx.route_id or ""
        service_label = ctx.service_id or ""
        if prefer_name and ctx.state.get("service_name"):
            service_label = ctx.state["service_name"]
        consumer = ctx.consumer_name or ""
        node = str(ctx.state.get("upstream_addr") or "")
        metrics.inc(
            series_key(
                "apisix_http_status",
                [
                    ("code", str(status)),
                    ("route", route_label),
                    ("matched_uri", str(ctx.state.get("matched_uri") or "")),
                    ("matched_host", str(ctx.state.get("matched_host") or "")),
                    ("service", service_label),
                    ("consumer", consumer),
                    ("node", node),
                ],
            )
        )
        common = [
            ("route", route_label),
            ("service", service_label),
            ("consumer", consumer),
            ("node", node),
        ]
        started = ctx.state.get(START_KEY)
        if started is not None:
            total_ms = (time.monotonic() - started) * 1000.0
            observe_latency(metrics, [("type", "request"), *common], total_ms)
            upstream_ms = ctx.state.get("upstream_latency_ms")
            if upstream_ms is not None:
                observe_latency(metrics, [("type", "upstream"), *common], float(upstream_ms))
                apisix_ms = max(total_ms - float(upstream_ms), 0.0)
                observe_latency(metrics, [("type", "apisix"), *common], apisix_ms)
        ingress = ctx.state.get("request_length")
        if ingress is not None:
            metrics.inc(series_key("apisix_bandwidth", [("type", "ingress"), *common]), ingress)
        egress = ctx.state.get("bytes_sent")
        if egress is not None:
            metrics.inc(series_key("apisix_bandwidth", [("type", "egress"), *common]), egress)


def metric_families() -> dict[str, tuple[str, str]]:
    """name -> (type, help) of what the exporter prints."""
    return {
        "apisix_http_status": ("counter", "HTTP status codes per service in APISIX"),
        "apisix_http_latency": ("histogram", "HTTP request latency in milliseconds per service"),
        "apisix_bandwidth": ("counter", "Total bandwidth in bytes consumed per service"),
        "apisix_nginx_http_current_connections": ("gauge", "Number of HTTP connections"),
        "apisix_http_requests_total": ("gauge", "The total number of client requests"),
        "apisix_node_info": ("gauge", "Info of APISIX node"),
    }
