"""Configuration APISIX's schemas accept that this gateway's data plane cannot honour,
refused at the Admin API with a 400 naming the field instead of being stored and ignored.

What is refused: a route's or service's `script` (APISIX's script orchestration); an
upstream's `scheme: kafka` (no kafka proxy), a stream scheme (`tcp`, `tls`, `udp`) on a
route's or service's own upstream, a `discovery_type` other than `dns` (and `dns` when
config.yaml has no `discovery.dns.servers`), `discovery_args` (the DNS discovery takes
none), a balancer `type` this gateway does not have, and a `tls` client certificate or
`verify` on an upstream whose scheme is not a TLS one.
"""

from __future__ import annotations

from typing import Any

BALANCERS = ("roundrobin", "chash", "ewma", "least_conn")
STREAM_SCHEMES = frozenset(["tcp", "tls", "udp"])
TLS_SCHEMES = frozenset(["https", "grpcs", "tls"])
DISCOVERY_TYPES = ("dns",)
# the resource kinds whose own `upstream` serves HTTP routes only
_HTTP_ONLY = frozenset(["routes", "services"])


def unhonoured(kind: str, conf: dict[str, Any], dns_servers: list[str]) -> str | None:
    """Why `conf` (a checked resource of `kind`) can't be honoured, naming the field; None
    when it can. `dns_servers`: config.yaml's `discovery.dns.servers`."""
    if kind in _HTTP_ONLY:
        for field in ("script", "script_id"):
            if conf.get(field) is not None:
                return f"{field} is not supported: this gateway does not run script orchestration"
    if kind == "upstreams":
        return _upstream(conf, "", http_only=False, dns_servers=dns_servers)
    upstream = conf.get("upstream")
    if isinstance(upstream, dict):
        return _upstream(upstream, "upstream.", kind in _HTTP_ONLY, dns_servers)
    return None


def _upstream(
    conf: dict[str, Any], where: str, http_only: bool, dns_servers: list[str]
) -> str | None:
    scheme = conf.get("scheme") or "http"
    if scheme == "kafka":
        return f"{where}scheme kafka is not supported: this gateway has no kafka proxy"
    if http_only and scheme in STREAM_SCHEMES:
        return f"{where}scheme {scheme} is not supported on an HTTP route: stream routes use it"
    kind = conf.get("type", "roundrobin")
    if kind not in BALANCERS:
        return f"{where}type {kind} is not supported: the balancers are {', '.join(BALANCERS)}"
    discovery = conf.get("discovery_type")
    if discovery is not None and discovery not in DISCOVERY_TYPES:
        return (
            f"{where}discovery_type {discovery} is not supported: this gateway discovers "
            "nodes by DNS only (discovery_type dns)"
        )
    if discovery == "dns" and not dns_servers:
        return f"{where}discovery_type dns needs discovery.dns.servers in config.yaml"
    if "discovery_args" in conf:
        return f"{where}discovery_args is not supported: the DNS discovery takes no arguments"
    tls = conf.get("tls") or {}
    if scheme not in TLS_SCHEMES:
        for field in ("client_cert", "client_cert_id"):
            if tls.get(field) is not None:
                return (
                    f"{where}tls.{field} is not supported with scheme {scheme}: it is sent on TLS"
                )
        if tls.get("verify"):
            return f"{where}tls.verify is not supported with scheme {scheme}: it checks TLS"
    return None
