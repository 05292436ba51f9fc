"""Upstream features on real sockets: the ewma balancer, mutual TLS towards the upstream
(client certificate inline or by `client_cert_id`), `tls.verify`, `retry_timeout`,
`keepalive_pool` size and idle timeout, and DNS discovery following its records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance.support.certs import make_certificate, server_context
from conformance.support.dns_server import DnsServer
from conformance.support.echo_upstream import EchoUpstream
from conformance.support.eventually import eventually

from .support import Gateway


@pytest.fixture
def echoes() -> Iterator:
    started: list[EchoUpstream] = []

    def start(name: str, **options) -> EchoUpstream:
        server = EchoUpstream(name, **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def _route(gateway: Gateway, ident: str, upstream: dict, **extra) -> None:
    gateway.put("routes", ident, {"uri": f"/{ident}/*", "upstream": upstream, **extra})
    gateway.wait_config()


def _served_by(response: httpx.Response) -> str:
    return response.json()["server"]


def test_ewma_sends_almost_everything_to_the_faster_node(gateway, echoes):
    slow, fast = echoes("slow"), echoes("fast")
    slow.force_delay(0.3)
    _route(gateway, "ewma", {"type": "ewma", "nodes": {slow.node: 1, fast.node: 1}})
    counts = Counter(_served_by(httpx.get(f"{gateway.url}/ewma/x")) for _ in range(30))
    # each node is tried about once before its latency is known; round robin would be 15/15
    assert counts["slow"] <= 3 and counts["fast"] >= 27, counts


def test_client_certificate_inline_and_by_ssl_id(gateway, echoes):
    server_cert, client_cert = make_certificate("127.0.0.1"), make_certificate("gateway.test")
    demanding = echoes("mtls", tls=server_context(server_cert, client_ca=client_cert.cert_pem))
    nodes = {demanding.node: 1}
    pair = {"client_cert": client_cert.cert_pem, "client_key": client_cert.key_pem}
    _route(gateway, "inline", {"scheme": "https", "nodes": nodes, "tls": pair})
    gateway.put(
        "ssls", "c1", {"type": "client", "cert": client_cert.cert_pem, "key": client_cert.key_pem}
    )
    _route(gateway, "byid", {"scheme": "https", "nodes": nodes, "tls": {"client_cert_id": "c1"}})
    _route(gateway, "none", {"scheme": "https", "nodes": nodes})
    for ident in ("inline", "byid"):
        response = httpx.get(f"{gateway.url}/{ident}/x")
        assert response.status_code == 200, (ident, response.text)
        assert response.json()["client_cert_cn"] == "gateway.test"
    assert httpx.get(f"{gateway.url}/none/x").status_code == 502  # refused without one


def test_client_cert_id_naming_no_client_ssl_leaves_the_route_out(gateway, echoes):
    echo = echoes("e")
    upstream = {"scheme": "https", "nodes": {echo.node: 1}, "tls": {"client_cert_id": "gone"}}
    _route(gateway, "gone", upstream)
    assert httpx.get(f"{gateway.url}/gone/x").status_code == 404
    assert "routes/gone" in gateway.worker.plane.snapshot.left_out.reasons


def test_tls_verify_checks_the_upstream_certificate(tmp_path: Path, echoes):
    trusted, stranger = make_certificate("127.0.0.1"), make_certificate("127.0.0.1")
    ca_file = tmp_path / "trusted.pem"
    ca_file.write_text(trusted.cert_pem)
    good = echoes("good", tls=server_context(trusted))
    bad = echoes("bad", tls=server_context(stranger))
    gateway = Gateway(trusted_certificate=str(ca_file))
    try:
        for name, server, verify in (("good", good, True), ("bad", bad, True), ("off", bad, False)):
            upstream = {"scheme": "https", "nodes": {server.node: 1}, "tls": {"verify": verify}}
            _route(gateway, name, upstream)
        assert httpx.get(f"{gateway.url}/good/x").status_code == 200
        assert httpx.get(f"{gateway.url}/bad/x").status_code == 502
        assert httpx.get(f"{gateway.url}/off/x").status_code == 200
    finally:
        gateway.stop()


def test_retry_timeout_stops_retrying(gateway, echoes):
    servers = [echoes(name) for name in ("r1", "r2", "r3")]
    for server in servers:
        server.force_delay(2)
    timeout = {"connect": 1, "send": 1, "read": 0.3}
    nodes = {s.node: 1 for s in servers}
    _route(gateway, "spent", {"nodes": nodes, "retries": 2, "timeout": timeout})
    _route(
        gateway, "short", {"nodes": nodes, "retries": 2, "retry_timeout": 0.5, "timeout": timeout}
    )
    assert httpx.get(f"{gateway.url}/spent/x", timeout=10).status_code == 504
    assert sum(s.request_count for s in servers) == 3
    for server in servers:
        server.reset()
    # tries at 0 s and 0.3 s; at 0.6 s the 0.5 s retry timeout is spent
    assert httpx.get(f"{gateway.url}/short/x", timeout=10).status_code == 504
    assert sum(s.request_count for s in servers) == 2


def test_keepalive_pool_size_and_idle_timeout(gateway, upstreams, loop_thread):
    up = upstreams("pool")
    up.behave = lambda request: (200, 0.2, None)  # slow enough to overlap
    pool = {"size": 1, "idle_timeout": 1, "requests": 100}
    _route(gateway, "pool", {"nodes": {up.address: 1}, "keepalive_pool": pool})

    async def three_at_once() -> None:
        async with httpx.AsyncClient() as client:
            for response in await _gather(client, [f"{gateway.url}/pool/{i}" for i in range(3)]):
                assert response.status_code == 200

    loop_thread.call(three_at_once())
    assert up.connections == 3

    def one_kept() -> None:  # size 1: the other two are closed once answered
        assert len(up.open) == 1

    eventually(one_kept, timeout=0.9)  # well within the idle timeout

    def none_kept() -> None:  # the idle timeout (1 s) and the pool's sweep (every second)
        assert len(up.open) == 0

    eventually(none_kept, timeout=4.0)


async def _gather(client: httpx.AsyncClient, urls: list[str]) -> list[httpx.Response]:
    import asyncio

    return list(await asyncio.gather(*(client.get(url) for url in urls)))


@pytest.fixture
def dns() -> Iterator[DnsServer]:
    server = DnsServer().start()
    yield server
    server.stop()


def test_dns_discovery_follows_the_records(echoes, dns):
    a, b = echoes("a"), echoes("b")
    dns.set_a("a.svc.test", ["127.0.0.1"])
    dns.set_a("b.svc.test", ["127.0.0.1"])
    dns.set_srv("_http.svc.test", [(10, 1, a.port, "a.svc.test"), (10, 1, b.port, "b.svc.test")])
    dns.set_a("one.svc.test", ["127.0.0.1"])
    gateway = Gateway(dns_servers=[dns.address])
    try:
        srv = {"discovery_type": "dns", "service_name": "_http.svc.test"}
        _route(gateway, "srv", srv)
        one = {"discovery_type": "dns", "service_name": f"one.svc.test:{a.port}"}
        _route(gateway, "one", one)
        seen = {_served_by(httpx.get(f"{gateway.url}/srv/x")) for _ in range(6)}
        assert seen == {"a", "b"}
        assert _served_by(httpx.get(f"{gateway.url}/one/x")) == "a"

        dns.set_srv("_http.svc.test", [(10, 1, b.port, "b.svc.test")])  # a leaves

        def only_b() -> None:
            served = {_served_by(httpx.get(f"{gateway.url}/srv/x")) for _ in range(4)}
            assert served == {"b"}, served

        eventually(only_b, timeout=6.0)
        dns.set_a("one.svc.test", [])  # the name is gone: no node

        def unavailable() -> None:
            assert httpx.get(f"{gateway.url}/one/x").status_code == 503

        eventually(unavailable, timeout=6.0)
    finally:
        gateway.stop()


def test_dns_discovery_without_servers_leaves_the_route_out(gateway):
    _route(gateway, "nodns", {"discovery_type": "dns", "service_name": "svc.test"})
    assert "routes/nodns" in gateway.worker.plane.snapshot.left_out.reasons


def test_tls_server_name_is_the_host_sent_upstream(gateway, echoes):
    secure = echoes("sni", tls=server_context(make_certificate("127.0.0.1")))
    named = {"scheme": "https", "nodes": {f"localhost:{secure.port}": 1}}
    _route(gateway, "pass", named)
    _route(gateway, "node", {**named, "pass_host": "node"})
    _route(gateway, "rewrite", {**named, "pass_host": "rewrite", "upstream_host": "up.test:8443"})
    sent = {
        mode: httpx.get(f"{gateway.url}/{mode}/x", headers={"Host": "svc.example:9080"}).json()
        for mode in ("pass", "node", "rewrite")
    }
    # APISIX's proxy_ssl_name $upstream_host: the Host sent upstream, without its port
    assert sent["pass"]["sni"] == "svc.example"
    assert sent["node"]["sni"] == "localhost"
    assert sent["rewrite"]["sni"] == "up.test"
    assert sent["rewrite"]["headers"]["host"] == "up.test:8443"


def test_tls_connections_are_pooled_per_server_name(gateway, echoes):
    secure = echoes("sni", tls=server_context(make_certificate("127.0.0.1")))
    _route(gateway, "pooled", {"scheme": "https", "nodes": {secure.node: 1}})

    def get(host: str) -> dict:
        return httpx.get(f"{gateway.url}/pooled/x", headers={"Host": host}).json()

    first, other, again = get("a.example"), get("b.example"), get("a.example")
    assert (first["sni"], other["sni"], again["sni"]) == ("a.example", "b.example", "a.example")
    assert again["remote_port"] == first["remote_port"] != other["remote_port"]


def test_unknown_balancer_type_leaves_the_route_out(gateway, echoes):
    echo = echoes("e")
    _route(gateway, "random", {"type": "random", "nodes": {echo.node: 1}})
    assert httpx.get(f"{gateway.url}/random/x").status_code == 404
    assert (
        "no balancer of type random"
        in gateway.worker.plane.snapshot.left_out.reasons["routes/random"]
    )
