"""The TCP stream proxy: routed by server port and client address, bytes copied both ways."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time

import pytest

from conformance.support.certs import make_certificate
from reference_impl.admin.ssl_crypto import DEFAULT_KEYRING, Keyring
from reference_impl.config import ConfigError, Listen, build_config
from reference_impl.proxy.plugins import STREAM_PLUGIN_CLASSES
from reference_impl.schema.plugins import plugin_names

from .support import free_port


class _Echo(asyncio.Protocol):
    """Answers each chunk upper-cased, or after `prefix` when it has one."""

    def __init__(self, prefix: bytes = b"") -> None:
        self.prefix = prefix

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        answer = self.prefix + data if self.prefix else data.upper()
        self.transport.write(answer)  # type: ignore[attr-defined]


def _start_echo(loop_thread, prefix: bytes = b"") -> tuple[asyncio.AbstractServer, int]:
    async def start() -> asyncio.AbstractServer:
        return await asyncio.get_running_loop().create_server(lambda: _Echo(prefix), "127.0.0.1", 0)

    server = loop_thread.call(start())
    return server, server.sockets[0].getsockname()[1]


def _talk(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.sendall(payload)
        data = b""
        try:
            while len(data) < len(payload):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
        return data


def _upstream(port: int) -> dict:
    return {"type": "roundrobin", "nodes": {f"127.0.0.1:{port}": 1}}


def _put_ssl(gateway, *names: str) -> None:
    """A server certificate for `names`, stored as the Admin API stores it."""
    cert = make_certificate(*names)
    key = Keyring(DEFAULT_KEYRING).encrypt(cert.key_pem)
    value = {"type": "server", "status": 1, "cert": cert.cert_pem, "key": key, "snis": names}
    gateway.put("ssls", "1", value)


def _talk_tls(port: int, sni: str, payload: bytes) -> bytes:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", port), timeout=3)
    with raw, ctx.wrap_socket(raw, server_hostname=sni) as sock:
        sock.sendall(payload)
        return sock.recv(65536)


def test_stream_route_proxies_tcp_both_ways(gateway, loop_thread):
    server, port = _start_echo(loop_thread)
    try:
        gateway.put(
            "stream_routes",
            "1",
            {
                "server_port": gateway.stream_port,
                "upstream": _upstream(port),
            },
        )
        gateway.wait_config()
        assert _talk(gateway.stream_port, b"hello") == b"HELLO"
        big = b"z" * 300_000
        assert _talk(gateway.stream_port, big) == big.upper()
    finally:
        loop_thread.loop.call_soon_threadsafe(server.close)


def test_stream_route_not_matching_closes(gateway, loop_thread):
    server, port = _start_echo(loop_thread)
    try:
        gateway.put(
            "stream_routes",
            "1",
            {
                "remote_addr": "10.9.9.9",
                "upstream": _upstream(port),
            },
        )
        gateway.put(
            "stream_routes",
            "2",
            {
                "server_port": free_port(),
                "upstream": _upstream(port),
            },
        )
        gateway.wait_config()
        assert _talk(gateway.stream_port, b"hello") == b""
    finally:
        loop_thread.loop.call_soon_threadsafe(server.close)


class _UdpEcho(asyncio.DatagramProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        self.transport.sendto(data.upper(), addr)  # type: ignore[attr-defined]


def _start_udp_echo(loop_thread) -> tuple[asyncio.BaseTransport, int]:
    async def start() -> asyncio.BaseTransport:
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            _UdpEcho, local_addr=("127.0.0.1", 0)
        )
        return transport

    transport = loop_thread.call(start())
    return transport, transport.get_extra_info("sockname")[1]


def test_udp_stream_route_round_trips(gateway, loop_thread):
    echo, port = _start_udp_echo(loop_thread)
    try:
        gateway.put(
            "stream_routes", "1", {"server_port": gateway.udp_port, "upstream": _upstream(port)}
        )
        gateway.wait_config()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(3)
            for payload in (b"one", b"two"):
                sock.sendto(payload, ("127.0.0.1", gateway.udp_port))
                assert sock.recvfrom(65536)[0] == payload.upper()
    finally:
        loop_thread.loop.call_soon_threadsafe(echo.close)


def test_stream_ip_restriction_closes_refused_clients(gateway, loop_thread):
    server, port = _start_echo(loop_thread)
    try:
        route = {"server_port": gateway.stream_port, "upstream": _upstream(port)}
        blacklist = {"ip-restriction": {"blacklist": ["127.0.0.0/8"]}}
        gateway.put("stream_routes", "1", {**route, "plugins": blacklist})
        gateway.wait_config()
        assert _talk(gateway.stream_port, b"hello") == b""
        whitelist = {"ip-restriction": {"whitelist": ["127.0.0.1"]}}
        gateway.put("stream_routes", "1", {**route, "plugins": whitelist})
        gateway.wait_config()
        assert _talk(gateway.stream_port, b"hello") == b"HELLO"
    finally:
        loop_thread.loop.call_soon_threadsafe(server.close)


def test_stream_limit_conn_closes_connections_over_the_limit(gateway, loop_thread):
    server, port = _start_echo(loop_thread)
    try:
        limit = {"conn": 1, "burst": 0, "default_conn_delay": 0.1, "key": "remote_addr"}
        gateway.put(
            "stream_routes",
            "1",
            {
                "server_port": gateway.stream_port,
                "plugins": {"limit-conn": limit},
                "upstream": _upstream(port),
            },
        )
        gateway.wait_config()
        with socket.create_connection(("127.0.0.1", gateway.stream_port), timeout=3) as held:
            held.sendall(b"first")
            assert held.recv(100) == b"FIRST"
            assert _talk(gateway.stream_port, b"second") == b""
        deadline = time.monotonic() + 3  # the held connection's log phase gives its count back
        while _talk(gateway.stream_port, b"third") != b"THIRD":
            assert time.monotonic() < deadline, "the count was not given back"
            time.sleep(0.05)
    finally:
        loop_thread.loop.call_soon_threadsafe(server.close)


def test_stream_route_by_sni_over_tls(gateway, loop_thread):
    by_sni, sni_port = _start_echo(loop_thread)
    plain, plain_port = _start_echo(loop_thread, b"plain:")
    try:
        _put_ssl(gateway, "a.stream.test", "b.stream.test")
        gateway.put("stream_routes", "plain", {"upstream": _upstream(plain_port)})
        gateway.put(
            "stream_routes", "sni", {"sni": "a.stream.test", "upstream": _upstream(sni_port)}
        )
        gateway.wait_config()
        assert _talk_tls(gateway.stream_tls_port, "a.stream.test", b"hi") == b"HI"
        assert _talk_tls(gateway.stream_tls_port, "b.stream.test", b"hi") == b"plain:hi"
        # the plain port has no SNI: the route without one
        assert _talk(gateway.stream_port, b"hi") == b"plain:hi"
    finally:
        loop_thread.loop.call_soon_threadsafe(by_sni.close)
        loop_thread.loop.call_soon_threadsafe(plain.close)


def test_stream_route_takes_its_services_upstream_and_plugins(gateway, loop_thread):
    server, port = _start_echo(loop_thread)
    try:
        gateway.put(
            "services",
            "s",
            {
                "upstream": _upstream(port),
                "plugins": {"ip-restriction": {"blacklist": ["10.0.0.0/8"]}},
            },
        )
        gateway.put("stream_routes", "1", {"service_id": "s"})
        gateway.wait_config()
        assert _talk(gateway.stream_port, b"hello") == b"HELLO"
        gateway.put(
            "services",
            "s",
            {
                "upstream": _upstream(port),
                "plugins": {"ip-restriction": {"blacklist": ["127.0.0.1"]}},
            },
        )
        gateway.wait_config()
        assert _talk(gateway.stream_port, b"hello") == b""
    finally:
        loop_thread.loop.call_soon_threadsafe(server.close)


def test_the_stream_plugins_run_are_the_ones_the_admin_api_accepts():
    assert set(STREAM_PLUGIN_CLASSES) == set(plugin_names("stream"))


def test_stream_proxy_config_reads_tcp_tls_and_udp_listeners():
    config = build_config(
        {
            "apisix": {
                "stream_proxy": {
                    "tcp": [9100, "127.0.0.1:9101", {"addr": 9102, "tls": True}],
                    "udp": [9200, "127.0.0.1:9211"],
                }
            }
        }
    )
    assert config.stream_listen == [
        Listen("0.0.0.0", 9100),
        Listen("127.0.0.1", 9101),
        Listen("0.0.0.0", 9102, tls=True),
    ]
    assert config.stream_udp_listen == [Listen("0.0.0.0", 9200), Listen("127.0.0.1", 9211)]
    with pytest.raises(ConfigError, match="tls"):
        build_config({"apisix": {"stream_proxy": {"tcp": [{"addr": 9100, "tls": "yes"}]}}})


def test_stream_upstream_retries_a_dead_node_and_the_passive_check_marks_it(gateway, loop_thread):
    server, port = _start_echo(loop_thread)
    dead = free_port()
    try:
        upstream = {
            "type": "roundrobin",
            "nodes": {f"127.0.0.1:{dead}": 1, f"127.0.0.1:{port}": 1},
            "checks": {"passive": {"type": "tcp", "unhealthy": {"tcp_failures": 1}}},
        }
        gateway.put(
            "stream_routes", "1", {"server_port": gateway.stream_port, "upstream": upstream}
        )
        gateway.wait_config()
        for _ in range(4):
            assert _talk(gateway.stream_port, b"hello") == b"HELLO"
        snapshot = gateway.worker.plane.snapshot
        assert snapshot is not None
        runtime = snapshot.stream_routes[0].upstream
        assert runtime is not None
        assert {n.port: n.healthy for n in runtime.nodes} == {dead: False, port: True}
    finally:
        loop_thread.loop.call_soon_threadsafe(server.close)


def test_stream_least_conn_counts_open_connections(gateway, loop_thread):
    first, first_port = _start_echo(loop_thread, b"a:")
    second, second_port = _start_echo(loop_thread, b"b:")
    try:
        nodes = {f"127.0.0.1:{first_port}": 1, f"127.0.0.1:{second_port}": 1}
        gateway.put(
            "stream_routes",
            "1",
            {
                "server_port": gateway.stream_port,
                "upstream": {"type": "least_conn", "nodes": nodes},
            },
        )
        gateway.wait_config()
        with socket.create_connection(("127.0.0.1", gateway.stream_port), timeout=3) as held:
            held.sendall(b"x")
            busy = held.recv(100)
            assert _talk(gateway.stream_port, b"x") == (b"b:x" if busy == b"a:x" else b"a:x")
    finally:
        loop_thread.loop.call_soon_threadsafe(first.close)
        loop_thread.loop.call_soon_threadsafe(second.close)


class _SniEcho(asyncio.Protocol):
    """A TLS upstream answering each chunk with the SNI it was reached by."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.sni = transport.get_extra_info("ssl_object").gw_seen_sni

    def data_received(self, data: bytes) -> None:
        self.transport.write(f"{self.sni}:".encode() + data)  # type: ignore[attr-defined]


def _start_tls_upstream(loop_thread, tmp_path) -> tuple[asyncio.AbstractServer, int]:
    cert = make_certificate("upstream.stream.test")
    pem = tmp_path / "upstream.pem"
    pem.write_text(cert.cert_pem + cert.key_pem)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(pem))

    def remember(sslobj: ssl.SSLObject, name: str | None, _: ssl.SSLContext) -> None:
        sslobj.gw_seen_sni = name  # type: ignore[attr-defined]

    ctx.sni_callback = remember

    async def start() -> asyncio.AbstractServer:
        return await asyncio.get_running_loop().create_server(_SniEcho, "127.0.0.1", 0, ssl=ctx)

    server = loop_thread.call(start())
    return server, server.sockets[0].getsockname()[1]


def test_stream_upstream_scheme_tls_passes_the_clients_sni(gateway, loop_thread, tmp_path):
    server, port = _start_tls_upstream(loop_thread, tmp_path)
    try:
        _put_ssl(gateway, "a.stream.test")
        gateway.put("stream_routes", "1", {"upstream": {**_upstream(port), "scheme": "tls"}})
        gateway.wait_config()
        assert _talk(gateway.stream_port, b"hi") == b"apisix_backend:hi"
        assert _talk_tls(gateway.stream_tls_port, "a.stream.test", b"hi") == b"a.stream.test:hi"
    finally:
        loop_thread.loop.call_soon_threadsafe(server.close)


def test_stream_route_by_upstream_id(gateway, loop_thread):
    server, port = _start_echo(loop_thread, b"by-id:")
    try:
        gateway.put("upstreams", "u", _upstream(port))
        gateway.put("stream_routes", "1", {"upstream_id": "u"})
        gateway.wait_config()
        assert _talk(gateway.stream_port, b"hello") == b"by-id:hello"
    finally:
        loop_thread.loop.call_soon_threadsafe(server.close)
