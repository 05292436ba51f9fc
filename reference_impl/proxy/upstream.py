"""The runtime of one upstream conf: nodes, balancer, health checker, host and pool rules."""

from __future__ import annotations

import itertools
from typing import Any, NamedTuple

from .balancer import make_balancer
from .healthcheck import HealthChecker
from .nodes import Node, Timeouts, parse_nodes, timeouts
from .upstream_conn import PoolSettings, unverified_tls_context

_pool_ids = itertools.count(1)


class UpstreamRuntime:
    """Built once per distinct upstream conf and kept across config reloads while the conf is
    unchanged, so round-robin position, health state and pooled connections survive."""

    def __init__(self, conf: dict[str, Any]) -> None:
        self.conf = conf
        self.nodes: list[Node] = parse_nodes(conf)
        self.balancer = make_balancer(conf, self.nodes)
        self.scheme = conf.get("scheme") or "http"
        self.tls = self.scheme in ("https", "grpcs", "tls")  # tls: a stream route's
        self.tls_context = unverified_tls_context() if self.tls else None
        self.grpc = self.scheme in ("grpc", "grpcs")  # proxied over HTTP/2 (`grpc_forward`)
        self.pass_host = conf.get("pass_host") or "pass"
        self.upstream_host = conf.get("upstream_host")
        retries = conf.get("retries")
        self.retries = max(len(self.nodes) - 1, 0) if retries is None else int(retries)
        self.retry_timeout = float(conf.get("retry_timeout") or 0)
        self.pool = PoolSettings(conf.get("keepalive_pool"))
        self.timeouts = timeouts(conf, {})  # for routes without a timeout of their own
        checks = conf.get("checks")
        self.checker = HealthChecker(checks, self.nodes, self.scheme) if checks else None
        pool_id = next(_pool_ids)
        default_port = 443 if self.tls else 80
        self.pool_keys = {id(n): (pool_id, n.host, n.port) for n in self.nodes}
        self.node_hosts = {
            id(n): (n.host if n.port == default_port else f"{n.host}:{n.port}").encode()
            for n in self.nodes
        }

    def start(self) -> None:
        if self.checker is not None:
            self.checker.start()

    def stop(self) -> None:
        if self.checker is not None:
            self.checker.stop()


class UpstreamTarget(NamedTuple):
    """Where a request is proxied: an upstream runtime and the timeouts that apply."""

    runtime: UpstreamRuntime
    timeouts: Timeouts
