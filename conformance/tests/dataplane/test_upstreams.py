"""How requests reach an upstream: the Host sent (`pass_host`), https upstreams and the client
certificate presented to them, `tls.verify`, `keepalive_pool`, and nodes discovered by DNS.

Sources: Admin API 3.5 "Upstream": `pass_host` `pass` (the client's Host), `node` (the
node's host), `rewrite` (`upstream_host`); `scheme` https; `tls.client_cert`/`client_key`
"sets the client certificate while connecting to a TLS Upstream", `tls.client_cert_id` a
`client` SSL object's; `keepalive_pool.size`/`idle_timeout`/`requests` set the upstream's
own connection pool. APISIX docs `discovery/dns.md`: `discovery_type: dns` with a
`service_name` (`host:port`, or an SRV name giving ports) asks the servers of
`discovery.dns.servers` (the target's `dns_server`, where the test serves the records) and
follows the records as their TTL runs out; no record: 503 (`apisix/upstream.lua`, "no valid
upstream node"). `tls.verify` is documented for kafka upstreams only: that an https upstream
with `verify` refuses a certificate it does not trust is inferred.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from conformance.registry import conformance_test
from conformance.support.certs import GeneratedCertificate, make_certificate, server_context
from conformance.support.dataplane_setup import echo_upstream, put, wait_served
from conformance.support.dns_server import DnsServer
from conformance.support.echo_upstream import EchoUpstream
from conformance.support.eventually import converge
from conformance.support.traffic import served_by
from conformance.target import parse_stream_addr


@pytest.fixture
def tls_echo() -> Iterator[Callable[..., EchoUpstream]]:
    """Start an echo over TLS: `tls_echo(name, cert, client_ca=None)`; stopped after the test."""
    started: list[EchoUpstream] = []

    def start(name: str, cert: GeneratedCertificate, client_ca: str | None = None) -> EchoUpstream:
        server = EchoUpstream(name, tls=server_context(cert, client_ca)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def _sent_host(dataplane, path: str, host: str) -> str:
    response = dataplane.get(path, headers={"Host": host})
    assert response.status_code == 200, (response.status_code, response.text[:200])
    return response.json()["headers"]["host"]


@conformance_test(
    name="upstream-pass-host",
    description="pass_host pass sends the client's Host, node the node's host:port, rewrite "
    "the upstream_host",
    profile="dataplane",
    features=["dp-pass-host"],
)
def test_pass_host(admin, dataplane, gw_target, echo, tag):
    client_host = f"{tag}.client.test"
    for mode, extra in (
        ("pass", {}),
        ("node", {}),
        ("rewrite", {"upstream_host": f"{tag}.rewritten.test"}),
    ):
        upstream = echo_upstream(echo, pass_host=mode, **extra)
        put(admin, f"/routes/{tag}-{mode}", {"uri": f"/{tag}/{mode}", "upstream": upstream})
        wait_served(dataplane, f"/{tag}/{mode}", "echo", gw_target.timeouts)
    assert _sent_host(dataplane, f"/{tag}/pass", client_host) == client_host
    assert _sent_host(dataplane, f"/{tag}/node", client_host) == echo.node
    assert _sent_host(dataplane, f"/{tag}/rewrite", client_host) == f"{tag}.rewritten.test"


@conformance_test(
    name="upstream-https",
    description="an upstream with scheme https is reached over TLS",
    profile="dataplane",
    features=["dp-upstream-tls"],
)
def test_https_upstream(admin, dataplane, gw_target, tls_echo, tag):
    secure = tls_echo("secure", make_certificate("127.0.0.1"))
    upstream = echo_upstream(secure, scheme="https")
    put(admin, f"/routes/{tag}", {"uri": f"/{tag}/s", "upstream": upstream})
    wait_served(dataplane, f"/{tag}/s", "secure", gw_target.timeouts)


@conformance_test(
    name="upstream-client-certificate",
    description="an upstream demanding a client certificate accepts the one of tls.client_cert "
    "and of a client SSL object named by tls.client_cert_id, and refuses the gateway without one",
    profile="dataplane",
    features=["dp-upstream-tls"],
)
def test_client_certificate(admin, dataplane, gw_target, tls_echo, tag):
    client = make_certificate(f"gateway.{tag}.test")
    demanding = tls_echo("mtls", make_certificate("127.0.0.1"), client_ca=client.cert_pem)
    pair = {"client_cert": client.cert_pem, "client_key": client.key_pem}
    put(admin, f"/ssls/{tag}", {"type": "client", "cert": client.cert_pem, "key": client.key_pem})
    for name, tls in (("inline", pair), ("byid", {"client_cert_id": tag})):
        upstream = echo_upstream(demanding, scheme="https", tls=tls)
        put(admin, f"/routes/{tag}-{name}", {"uri": f"/{tag}/{name}", "upstream": upstream})
        answer = wait_served(dataplane, f"/{tag}/{name}", "mtls", gw_target.timeouts)
        assert answer.json()["client_cert_cn"] == f"gateway.{tag}.test"
    upstream = echo_upstream(demanding, scheme="https")
    put(admin, f"/routes/{tag}-none", {"uri": f"/{tag}/none", "upstream": upstream})
    wait_served(dataplane, f"/{tag}/none", None, gw_target.timeouts, status=502)


@conformance_test(
    name="upstream-tls-verify",
    description="with tls.verify an https upstream whose certificate is not trusted is refused "
    "(502); without it, it is reached",
    profile="dataplane",
    features=["dp-upstream-tls-verify"],
)
def test_tls_verify(admin, dataplane, gw_target, tls_echo, tag):
    stranger = tls_echo("stranger", make_certificate("127.0.0.1"))
    for name, verify, status in (("on", True, 502), ("off", False, 200)):
        upstream = echo_upstream(stranger, scheme="https", tls={"verify": verify})
        put(admin, f"/routes/{tag}-{name}", {"uri": f"/{tag}/{name}", "upstream": upstream})
        wait_served(dataplane, f"/{tag}/{name}", None, gw_target.timeouts, status=status)


def _connections(dataplane, path: str, n: int) -> list[int]:
    """The gateway's source port of the connection each of `n` requests came on."""
    ports = []
    for _ in range(n):
        response = dataplane.get(path)
        assert response.status_code == 200, (response.status_code, response.text[:200])
        ports.append(response.json()["remote_port"])
    return ports


@conformance_test(
    name="upstream-keepalive-pool-requests",
    description="keepalive_pool.requests 1 gives every request a new upstream connection; the "
    "default pool reuses them",
    profile="dataplane",
    features=["dp-keepalive-pool"],
)
def test_keepalive_pool_requests(admin, dataplane, gw_target, echoes, tag):
    pooled, single = echoes("pooled", "single")
    once = {"size": 4, "idle_timeout": 30, "requests": 1}
    for name, server, extra in (
        ("pooled", pooled, {}),
        ("single", single, {"keepalive_pool": once}),
    ):
        upstream = echo_upstream(server, **extra)
        put(admin, f"/routes/{tag}-{name}", {"uri": f"/{tag}/{name}", "upstream": upstream})
        wait_served(dataplane, f"/{tag}/{name}", name, gw_target.timeouts)
    assert len(set(_connections(dataplane, f"/{tag}/single", 8))) == 8
    assert len(set(_connections(dataplane, f"/{tag}/pooled", 8))) < 8


def _dns_server(gw_target) -> DnsServer:
    address = parse_stream_addr(gw_target.dns_server, "DNS server address")
    if address is None:
        pytest.skip("the target names no dns_server (its discovery.dns.servers)")
    return DnsServer(port=address[1]).start()


@conformance_test(
    name="upstream-dns-discovery",
    description="discovery_type dns serves the nodes of a service's SRV and A records and "
    "follows their changes; a name without records answers 503",
    profile="dataplane",
    features=["dp-discovery-dns"],
)
def test_dns_discovery(admin, dataplane, gw_target, echoes, tag):
    first, second = echoes("first", "second")
    zone = f"{tag}.gwconform.test"
    dns = _dns_server(gw_target)
    try:
        dns.set_a(f"first.{zone}", ["127.0.0.1"])
        dns.set_a(f"second.{zone}", ["127.0.0.1"])
        dns.set_srv(f"_http.{zone}", [(10, 1, first.port, f"first.{zone}")])
        dns.set_a(f"one.{zone}", ["127.0.0.1"])
        for name, service in (("srv", f"_http.{zone}"), ("a", f"one.{zone}:{second.port}")):
            upstream = {"type": "roundrobin", "discovery_type": "dns", "service_name": service}
            put(admin, f"/routes/{tag}-{name}", {"uri": f"/{tag}/{name}", "upstream": upstream})
        wait_served(dataplane, f"/{tag}/srv", "first", gw_target.timeouts)
        wait_served(dataplane, f"/{tag}/a", "second", gw_target.timeouts)

        dns.set_srv(f"_http.{zone}", [(10, 1, second.port, f"second.{zone}")])
        wait_served(dataplane, f"/{tag}/srv", "second", gw_target.timeouts)

        dns.set_a(f"one.{zone}", [])

        def unavailable() -> None:
            response = dataplane.get(f"/{tag}/a")
            assert response.status_code == 503, (response.status_code, served_by(response))

        converge(unavailable, gw_target.timeouts)
    finally:
        dns.stop()
