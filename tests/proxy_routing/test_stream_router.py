"""Stream routes: server_port, server_addr and remote_addr (CIDR), first match wins."""

from __future__ import annotations

from reference_impl.proxy.router import StreamRouter

ROUTES = [
    {"id": "port-9100-lan", "server_port": 9100, "remote_addr": "192.168.0.0/16"},
    {"id": "port-9100", "server_port": 9100},
    {"id": "server-addr", "server_addr": "10.1.1.1"},
    {"id": "v6-client", "remote_addr": "fd00::/8"},
    {"id": "tls-only", "sni": "db.example.com"},
    {"id": "tls-wild", "sni": "*.example.com"},
]


def test_stream_matching_table():
    router = StreamRouter(ROUTES)
    assert router.match("127.0.0.1", 9100, "192.168.3.4")["id"] == "port-9100-lan"
    assert router.match("127.0.0.1", 9100, "10.0.0.1")["id"] == "port-9100"
    assert router.match("10.1.1.1", 9200, "10.0.0.1")["id"] == "server-addr"
    assert router.match("127.0.0.1", 9200, "fd00::5")["id"] == "v6-client"
    assert router.match("127.0.0.1", 9200, "10.0.0.1") is None


def test_sni_routes_need_a_server_name():
    router = StreamRouter(ROUTES)
    assert router.match("127.0.0.1", 9300, "10.0.0.1", sni="db.example.com")["id"] == "tls-only"
    assert router.match("127.0.0.1", 9300, "10.0.0.1", sni="x.example.com")["id"] == "tls-wild"
    assert router.match("127.0.0.1", 9300, "10.0.0.1", sni="other.test") is None


def test_route_without_conditions_matches_everything():
    router = StreamRouter([{"id": "any"}])
    assert router.match("::1", 1, "::1")["id"] == "any"
