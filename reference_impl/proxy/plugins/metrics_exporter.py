"""Serves the summed metrics of every worker as Prometheus text at /apisix/prometheus/metrics.

Run once per node (in the parent process, or in worker 0), on
`plugin_attr.prometheus.export_addr` (APISIX's default 127.0.0.1:9091).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from ..side_server import SideServer
from .metrics_store import read_metrics_directory, series_key
from .prometheus import metric_families

METRICS_PATH = "/apisix/prometheus/metrics"
DEFAULT_EXPORT_ADDR = ("127.0.0.1", 9091)


def _family_of(series: str) -> str:
    name = series.split("{", 1)[0]
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name[: -len(suffix)] in metric_families():
            return name[: -len(suffix)]
    return name


def render_metrics(series: dict[str, float]) -> str:
    """Prometheus text exposition of summed series, grouped by metric family."""
    families = metric_families()
    with_node = dict(series)
    with_node[series_key("apisix_node_info", [("hostname", socket.gethostname())])] = 1.0
    grouped: dict[str, list[str]] = {}
    for name in sorted(with_node):
        value = with_node[name]
        text = str(int(value)) if float(value).is_integer() else repr(value)
        grouped.setdefault(_family_of(name), []).append(f"{name} {text}")
    lines = []
    for family in sorted(grouped):
        kind, help_text = families.get(family, ("untyped", family))
        lines.append(f"# HELP {family} {help_text}")
        lines.append(f"# TYPE {family} {kind}")
        lines.extend(grouped[family])
    return "\n".join(lines) + "\n"


def parse_export_addr(plugin_attr: dict[str, Any] | None) -> tuple[str, int]:
    """`plugin_attr.prometheus.export_addr` of the config ({ip, port}), else 127.0.0.1:9091."""
    addr = ((plugin_attr or {}).get("prometheus") or {}).get("export_addr") or {}
    return str(addr.get("ip", DEFAULT_EXPORT_ADDR[0])), int(
        addr.get("port", DEFAULT_EXPORT_ADDR[1])
    )


class MetricsExporter(SideServer):
    """The exporter's server; `stop()` shuts it down."""

    def __init__(self, collect: Callable[[], dict[str, float]], host: str, port: int) -> None:
        def answer(path: str) -> tuple[int, bytes, str]:
            if path != METRICS_PATH:
                return 404, b'{"error_msg":"not found"}', "application/json"
            return 200, render_metrics(collect()).encode(), "text/plain; version=0.0.4"

        super().__init__(answer, host, port, "metrics-exporter")


def start_metrics_exporter(
    directory: str, host: str = "127.0.0.1", port: int = 9091
) -> MetricsExporter:
    """Serve the metrics the workers write under `directory` (their `SharedState` folder)."""
    return MetricsExporter(lambda: read_metrics_directory(directory), host, port)
