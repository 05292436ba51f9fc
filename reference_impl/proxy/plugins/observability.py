"""The observability plugins beyond prometheus: the loggers, and the tracers and metrics
senders as they come."""

from __future__ import annotations

from ..plugin_api import Plugin
from .datadog import Datadog
from .file_logger import FileLogger
from .http_logger import HttpLogger
from .opentelemetry import OpenTelemetry
from .syslog import Syslog
from .tcp_logger import TcpLogger
from .udp_logger import UdpLogger
from .zipkin import Zipkin

OBSERVABILITY_PLUGINS: tuple[type[Plugin], ...] = (
    Datadog,
    FileLogger,
    HttpLogger,
    OpenTelemetry,
    Syslog,
    TcpLogger,
    UdpLogger,
    Zipkin,
)
