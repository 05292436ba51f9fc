"""Limits and timeouts for clients of both ports, from `config.yaml` as APISIX documents them:
`nginx_config.http` (`client_header_timeout`, `client_body_timeout`, `keepalive_timeout`,
`send_timeout`, `large_client_header_buffers`) and `nginx_config.worker_rlimit_nofile`.

Defaults are APISIX's (`apisix/cli/config.lua`: 60s, 60s, 60s, 10s, 20480) and, for
`large_client_header_buffers`, nginx's (`4 8k`). Times are nginx times ("60s", "1m",
"500ms", or a number of seconds); sizes are nginx sizes ("8k", "1m", or bytes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_TIME_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024 * 1024}


class LimitError(ValueError):
    """A limit the configuration gives that the gateway cannot honour."""


@dataclass(frozen=True)
class ClientLimits:
    client_header_timeout: float = 60.0  # the whole request line and headers
    client_body_timeout: float = 60.0  # between two reads of the request body
    keepalive_timeout: float = 60.0  # an idle keep-alive connection (0: no keep-alive)
    send_timeout: float = 10.0  # between two writes to a client that does not read
    header_buffers: int = 4  # large_client_header_buffers: how many ...
    header_buffer_size: int = 8 * 1024  # ... of what size (one header line fits in one)
    worker_rlimit_nofile: int = 20480

    @property
    def max_header_bytes(self) -> int:
        """The request line and headers of one request, at most."""
        return self.header_buffers * self.header_buffer_size


def nginx_time(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise LimitError(f"invalid {what}: {value!r} (expected a time such as 60s)")
    if isinstance(value, int | float) and value >= 0:
        return float(value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*", str(value))
    if match is None:
        raise LimitError(f"invalid {what}: {value!r} (expected a time such as 60s)")
    return float(match.group(1)) * _TIME_UNITS[match.group(2) or "s"]


def nginx_size(value: Any, what: str) -> int:
    match = re.fullmatch(r"\s*(\d+)\s*([kKmM]?)\s*", str(value))
    if isinstance(value, bool) or match is None:
        raise LimitError(f"invalid {what}: {value!r} (expected a size such as 8k)")
    return int(match.group(1)) * _SIZE_UNITS[match.group(2).lower()]


def client_limits(nginx_config: dict[str, Any]) -> ClientLimits:
    """The limits of an `nginx_config` section; LimitError names the key that is wrong."""
    http = nginx_config.get("http") or {}
    if not isinstance(http, dict):
        raise LimitError(f"invalid nginx_config.http: {http!r} (expected a mapping)")
    defaults = ClientLimits()
    times = {}
    for key in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        times[key] = nginx_time(http.get(key, getattr(defaults, key)), f"nginx_config.http.{key}")
    keepalive = http.get("keepalive_timeout", defaults.keepalive_timeout)
    if isinstance(keepalive, str) and keepalive.split():
        # nginx's second parameter (the Keep-Alive response header) has no effect here
        keepalive = keepalive.split()[0]
    times["keepalive_timeout"] = nginx_time(keepalive, "nginx_config.http.keepalive_timeout")
    count, size = defaults.header_buffers, defaults.header_buffer_size
    buffers = http.get("large_client_header_buffers")
    if buffers is not None:
        parts = str(buffers).split()
        if len(parts) != 2 or not parts[0].isdigit() or int(parts[0]) < 1:
            raise LimitError(
                f"invalid nginx_config.http.large_client_header_buffers: {buffers!r}"
                " (expected a number and a size, such as '4 8k')"
            )
        count = int(parts[0])
        size = nginx_size(parts[1], "nginx_config.http.large_client_header_buffers")
        if size < 1024:
            raise LimitError(
                f"invalid nginx_config.http.large_client_header_buffers: {buffers!r}"
                " (a buffer of at least 1k)"
            )
    nofile = nginx_config.get("worker_rlimit_nofile", defaults.worker_rlimit_nofile)
    if isinstance(nofile, bool) or not isinstance(nofile, int) or nofile < 64:
        raise LimitError(
            f"invalid nginx_config.worker_rlimit_nofile: {nofile!r} (expected an integer >= 64)"
        )
    return ClientLimits(
        header_buffers=count, header_buffer_size=size, worker_rlimit_nofile=nofile, **times
    )
