"""Data plane plugins: their classes by name, and the environment they run in.

The engine builds one `SharedState` per worker (pass the same directory to every worker of
the node to share rate-limit counters and to let `start_metrics_exporter` sum the metrics),
and a new `PluginEnv` on every config change.
"""

from __future__ import annotations

from ..plugin_api import Plugin
from .basic_auth import BasicAuth
from .consumer_restriction import ConsumerRestriction
from .cors import Cors
from .env import PluginEnv
from .ip_restriction import IpRestriction
from .jwt_auth import JwtAuth
from .key_auth import KeyAuth
from .limit_count import LimitCount
from .limit_req import LimitReq
from .metrics_exporter import MetricsExporter, parse_export_addr, start_metrics_exporter
from .prometheus import Prometheus, ServerCounters, record_connection, record_request
from .proxy_rewrite import ProxyRewrite
from .request_id import RequestId
from .response_rewrite import ResponseRewrite
from .shared_state import SharedState
from .traffic_split import TrafficSplit

PLUGIN_CLASSES: dict[str, type[Plugin]] = {
    cls.name: cls
    for cls in (
        BasicAuth,
        ConsumerRestriction,
        Cors,
        IpRestriction,
        JwtAuth,
        KeyAuth,
        LimitCount,
        LimitReq,
        Prometheus,
        ProxyRewrite,
        RequestId,
        ResponseRewrite,
        TrafficSplit,
    )
}

__all__ = [
    "PLUGIN_CLASSES",
    "MetricsExporter",
    "PluginEnv",
    "ServerCounters",
    "SharedState",
    "parse_export_addr",
    "record_connection",
    "record_request",
    "start_metrics_exporter",
]
