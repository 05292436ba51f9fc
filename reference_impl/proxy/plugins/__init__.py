"""Data plane plugins: their classes by name, and the environment they run in.

The engine builds one `SharedState` per worker (pass the same directory to every worker of
the node to share rate-limit counters and to let `start_metrics_exporter` sum the metrics),
and a new `PluginEnv` on every config change.
"""

from __future__ import annotations

from ..plugin_api import Plugin
from .api_breaker import ApiBreaker
from .auth_family import AUTH_FAMILY
from .basic_auth import BasicAuth
from .body_transformer import BodyTransformer
from .brotli import Brotli
from .client_control import ClientControl
from .consumer_restriction import ConsumerRestriction
from .cors import Cors
from .csrf import Csrf
from .echo import Echo
from .env import PluginEnv
from .fault_injection import FaultInjection
from .grpc_transcode import GrpcTranscode
from .grpc_web import GrpcWeb
from .gzip import Gzip
from .ip_restriction import IpRestriction
from .jwt_auth import JwtAuth
from .key_auth import KeyAuth
from .limit_conn import LimitConn
from .limit_count import LimitCount
from .limit_req import LimitReq
from .metrics_exporter import MetricsExporter, parse_export_addr, start_metrics_exporter
from .mocking import Mocking
from .observability import OBSERVABILITY_PLUGINS
from .prometheus import Prometheus, ServerCounters, record_connection, record_request
from .proxy_cache import ProxyCache
from .proxy_mirror import ProxyMirror
from .proxy_rewrite import ProxyRewrite
from .real_ip import RealIp
from .redirect import Redirect
from .referer_restriction import RefererRestriction
from .request_id import RequestId
from .request_validation import RequestValidation
from .response_rewrite import ResponseRewrite
from .serverless import ServerlessPostFunction, ServerlessPreFunction
from .shared_state import SharedState
from .traffic_split import TrafficSplit
from .ua_restriction import UaRestriction
from .uri_blocker import UriBlocker
from .workflow import Workflow

_CLASSES: tuple[type[Plugin], ...] = (
    *AUTH_FAMILY,
    BasicAuth,
    BodyTransformer,
    Brotli,
    ClientControl,
    ConsumerRestriction,
    Cors,
    Csrf,
    Echo,
    FaultInjection,
    GrpcTranscode,
    GrpcWeb,
    Gzip,
    IpRestriction,
    JwtAuth,
    KeyAuth,
    LimitConn,
    LimitCount,
    LimitReq,
    Mocking,
    Prometheus,
    ProxyRewrite,
    RealIp,
    Redirect,
    RefererRestriction,
    RequestId,
    RequestValidation,
    ResponseRewrite,
    ServerlessPreFunction,
    ServerlessPostFunction,
    TrafficSplit,
    UaRestriction,
    UriBlocker,
    ApiBreaker,
    Workflow,
    ProxyCache,
    ProxyMirror,
    *OBSERVABILITY_PLUGINS,
)
PLUGIN_CLASSES: dict[str, type[Plugin]] = {cls.name: cls for cls in _CLASSES}
# the stream plugins the data plane runs (preread: `access`, then `log`): APISIX's stream
# ip-restriction and limit-conn are its HTTP plugins' logic
STREAM_PLUGIN_CLASSES: dict[str, type[Plugin]] = {
    cls.name: cls for cls in (IpRestriction, LimitConn)
}

__all__ = [
    "PLUGIN_CLASSES",
    "STREAM_PLUGIN_CLASSES",
    "MetricsExporter",
    "PluginEnv",
    "ServerCounters",
    "SharedState",
    "parse_export_addr",
    "record_connection",
    "record_request",
    "start_metrics_exporter",
]
