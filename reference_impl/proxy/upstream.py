"""The runtime of one upstream conf: nodes, balancer, health checker, host, TLS and pool
rules, and the nodes of a DNS-discovered upstream kept up to date."""

from __future__ import annotations

import itertools
import ssl
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .balancer import Ewma, make_balancer
from .dns_discovery import DnsClient, DnsNodes
from .healthcheck import HealthChecker
from .nodes import Node, Timeouts, parse_nodes, timeouts
from .upstream_conn import PoolSettings
from .upstream_tls import UpstreamTlsEnv, upstream_tls_context

_pool_ids = itertools.count(1)


@dataclass
class UpstreamEnv:
    """What upstream runtimes are built with besides their conf."""

    tls: UpstreamTlsEnv = field(default_factory=UpstreamTlsEnv)
    dns: DnsClient | None = None  # config.yaml's discovery.dns; None when not configured


class UpstreamRuntime:
    """Built once per distinct upstream conf and kept across config reloads while the conf is
    unchanged, so round-robin position, health state and pooled connections survive."""

    def __init__(self, conf: dict[str, Any], env: UpstreamEnv | None = None) -> None:
        env = env or UpstreamEnv()
        self.conf = conf
        self.scheme = conf.get("scheme") or "http"
        self.tls = self.scheme in ("https", "grpcs", "tls")  # tls: a stream route's
        self.grpc = self.scheme in ("grpc", "grpcs")  # proxied over HTTP/2 (`grpc_forward`)
        self.tls_context: ssl.SSLContext | None = None
        if self.tls:
            self.tls_context = upstream_tls_context(conf, env.tls, h2=self.grpc)
        self.discovery: DnsNodes | None = None
        if conf.get("discovery_type") == "dns":
            if env.dns is None:
                raise ValueError("discovery dns is uninitialized (no discovery.dns.servers)")
            self.discovery = DnsNodes(env.dns, str(conf.get("service_name")), self._discovered)
        self.pass_host = conf.get("pass_host") or "pass"
        self.upstream_host = conf.get("upstream_host")
        self.retries_conf = conf.get("retries")
        self.retry_timeout = float(conf.get("retry_timeout") or 0)
        self.pool = PoolSettings(conf.get("keepalive_pool"))
        self.timeouts = timeouts(conf, {})  # for routes without a timeout of their own
        self.pool_id = next(_pool_ids)
        self.pool_keys: dict[int, tuple[int, str, int]] = {}
        self.node_hosts: dict[int, bytes] = {}
        self.checker: HealthChecker | None = None
        self.started = False
        self._use_nodes(parse_nodes(conf))

    def _use_nodes(self, nodes: list[Node]) -> None:
        """Serve `nodes` from now on (the conf's, or each new answer of discovery)."""
        conf = self.conf
        self.nodes = nodes
        self.balancer = make_balancer(conf, nodes)
        # the balancer that learns from each answered try's latency, if it is one
        self.latency = self.balancer if isinstance(self.balancer, Ewma) else None
        retries = self.retries_conf
        self.retries = max(len(nodes) - 1, 0) if retries is None else int(retries)
        # entries of nodes discovery dropped stay: a request in flight may still use them
        default_port = 443 if self.tls else 80
        for n in nodes:
            self.pool_keys[id(n)] = (self.pool_id, n.host, n.port)
            host = n.host if n.port == default_port else f"{n.host}:{n.port}"
            self.node_hosts[id(n)] = host.encode()
        if self.checker is not None:
            self.checker.stop()
        checks = conf.get("checks")
        self.checker = HealthChecker(checks, nodes, self.scheme) if checks else None
        if self.started and self.checker is not None:
            self.checker.start()

    def _discovered(self, entries: list[dict[str, Any]]) -> None:
        """New nodes from discovery; a node at an address already served is kept as it is
        (its health and connections)."""
        known = {n.key: n for n in self.nodes}
        nodes = []
        for fresh in parse_nodes({"scheme": self.scheme, "nodes": entries}):
            old = known.get(fresh.key)
            same = old is not None and (old.weight, old.priority) == (fresh.weight, fresh.priority)
            nodes.append(old if old is not None and same else fresh)
        self._use_nodes(nodes)

    def start(self) -> None:
        self.started = True
        if self.checker is not None:
            self.checker.start()
        if self.discovery is not None:
            self.discovery.start()

    def stop(self) -> None:
        self.started = False
        if self.checker is not None:
            self.checker.stop()
        if self.discovery is not None:
            self.discovery.stop()


class UpstreamTarget(NamedTuple):
    """Where a request is proxied: an upstream runtime and the timeouts that apply."""

    runtime: UpstreamRuntime
    timeouts: Timeouts
