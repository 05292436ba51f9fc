"""The observability plugins beyond prometheus: the loggers, and the tracers and metrics
senders as they come."""

from __future__ import annotations

from ..plugin_api import Plugin
from .file_logger import FileLogger
from .http_logger import HttpLogger
from .syslog import Syslog
from .tcp_logger import TcpLogger
from .udp_logger import UdpLogger

OBSERVABILITY_PLUGINS: tuple[type[Plugin], ...] = (
    FileLogger,
    HttpLogger,
    Syslog,
    TcpLogger,
    UdpLogger,
)
