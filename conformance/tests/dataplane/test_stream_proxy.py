"""Stream proxying beyond one TCP route: routes matched by `server_addr`, `server_port` and
`remote_addr`, UDP, TLS over TCP with routes matched by SNI, and the stream plugins.

Sources: APISIX docs `stream-proxy.md` (`apisix.stream_proxy.tcp` and `.udp` listeners; the
three filtering attributes; "Accept TLS over TCP connection": a `tcp` entry with
`tls: true`, certificates from SSL objects, and "a connection handshaked with SNI
`a.test.com` will be proxied" by the stream route whose `sni` it is; "Proxy to TLS over TCP
upstream": an upstream `scheme` of `tls`, the client's SNI passed on, else a dummy SNI
`apisix_backend`), Admin API 3.5
"Stream Route", and the stream plugins `ip-restriction` and `limit-conn` (APISIX's default
`stream_plugins`; `apisix/stream/plugins/`). A refused stream connection is closed.

The addresses a route matches on are those the gateway sees: the test's own source address
(`remote_addr`) and the address it connects to (`server_addr`), so the target's stream
addresses must reach the gateway without address translation.
"""

from __future__ import annotations

import socket
import ssl
from contextlib import closing
from typing import Any

import httpx

from conformance.registry import conformance_test
from conformance.support.certs import make_certificate
from conformance.support.dataplane_setup import echo_upstream, put
from conformance.support.eventually import converge
from conformance.support.tcp_echo import TcpEcho, tcp_exchange
from conformance.support.udp_echo import UdpEcho, udp_exchange
from conformance.target import Target

# TEST-NET-1 (RFC 5737): never the address of a client or of the gateway
ELSEWHERE = "192.0.2.1"


def _proxied(host: str, port: int, echo: TcpEcho, tag: str) -> None:
    payload = f"hello {tag}".encode()
    try:
        got = tcp_exchange(host, port, payload, expect=len(echo.prefix + payload))
    except OSError as exc:
        raise AssertionError(f"stream proxy {host}:{port}: {exc!r}") from None
    assert got == echo.prefix + payload, f"{host}:{port} answered {got!r}, not {echo.name}'s echo"


def _closed(host: str, port: int, timeout: float) -> None:
    """A connection is accepted, then closed (or reset) without being proxied."""
    try:
        conn = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise AssertionError(f"stream proxy {host}:{port}: {exc!r}") from None
    with conn:
        try:
            conn.sendall(b"ping")
            got = conn.recv(65536)
        except ConnectionError:
            return
        except TimeoutError:
            raise AssertionError(f"{host}:{port} neither proxied nor closed") from None
    assert got == b"", f"{host}:{port} still proxies: {got!r}"


def _seen_addresses(host: str, port: int) -> tuple[str, str]:
    """(remote_addr, server_addr) of a connection to the stream port, as the gateway sees them."""
    with closing(socket.create_connection((host, port), timeout=5)) as conn:
        return conn.getsockname()[0], conn.getpeername()[0]


def _proxies_then_closes(
    admin: httpx.Client,
    gw_target: Target,
    addr: tuple[str, int],
    echo: TcpEcho,
    tag: str,
    serving: dict[str, Any],
    closing_route: dict[str, Any],
) -> None:
    """The stream route `tag` as `serving` proxies to `echo`; as `closing_route`, the
    connections are closed."""
    host, port = addr
    put(admin, f"/stream_routes/{tag}", serving)
    converge(lambda: _proxied(host, port, echo, tag), gw_target.timeouts, interval=0.1)
    put(admin, f"/stream_routes/{tag}", closing_route)
    converge(lambda: _closed(host, port, gw_target.timeout), gw_target.timeouts, interval=0.1)


@conformance_test(
    name="stream-route-match",
    description="stream routes match on server_port, remote_addr and server_addr: a route "
    "proxies while its condition holds and stops when it no longer does",
    profile="dataplane",
    features=["dp-stream"],
)
def test_stream_route_match(admin, gw_target, stream_addr, tag):
    host, port = stream_addr
    remote, server = _seen_addresses(host, port)
    other_port = port + 1 if port < 65535 else port - 1
    with TcpEcho(f"{tag}-match") as echo:
        for field, holds, fails in (
            ("server_port", port, other_port),
            ("remote_addr", remote, ELSEWHERE),
            ("server_addr", server, ELSEWHERE),
        ):
            route = {"upstream": echo_upstream(echo)}
            _proxies_then_closes(
                admin,
                gw_target,
                stream_addr,
                echo,
                tag,
                {**route, field: holds},
                {**route, field: fails},
            )


@conformance_test(
    name="stream-route-udp",
    description="a stream route on a UDP stream port proxies datagrams to its upstream and "
    "the upstream's answers back to the client",
    profile="dataplane",
    features=["dp-stream-udp"],
)
def test_stream_route_udp(admin, gw_target, stream_udp_addr, tag):
    host, port = stream_udp_addr
    with UdpEcho(f"{tag}-udp") as echo:
        put(admin, f"/stream_routes/{tag}", {"server_port": port, "upstream": echo_upstream(echo)})

        def round_trip() -> None:
            payload = f"datagram {tag}".encode()
            try:
                got = udp_exchange(host, port, payload, timeout=1.0)
            except OSError as exc:
                raise AssertionError(f"udp {host}:{port}: no answer ({exc})") from None
            assert got == echo.prefix + payload, got

        converge(round_trip, gw_target.timeouts, interval=0.1)


def _tls_answer(address: tuple[str, int], sni: str, trusted: str, payload: bytes) -> bytes:
    ctx = ssl.create_default_context(cadata=trusted)
    try:
        raw = socket.create_connection(address, timeout=5)
        with raw, ctx.wrap_socket(raw, server_hostname=sni) as conn:
            conn.sendall(payload)
            received = b""
            while chunk := conn.recv(65536):
                received += chunk
                if received.endswith(payload):
                    break
            return received
    except (OSError, ssl.SSLError) as exc:
        raise AssertionError(f"tls {sni}@{address[0]}:{address[1]}: {exc}") from None


@conformance_test(
    name="stream-route-sni",
    description="over TLS over TCP the certificate is chosen by SNI from the SSL objects, and "
    "a stream route with that `sni` is chosen before the routes without one",
    profile="dataplane",
    features=["dp-stream-sni"],
)
def test_stream_route_sni(admin, gw_target, stream_tls_addr, tag):
    named, other = f"a.{tag}.example.test", f"b.{tag}.example.test"
    cert = make_certificate(named, other)
    put(
        admin,
        f"/ssls/{tag}",
        {"cert": cert.cert_pem, "key": cert.key_pem, "snis": [named, other]},
    )
    with TcpEcho(f"{tag}-sni") as by_sni, TcpEcho(f"{tag}-any") as by_port:
        put(
            admin,
            f"/stream_routes/{tag}-any",
            {"server_port": stream_tls_addr[1], "upstream": echo_upstream(by_port)},
        )
        put(admin, f"/stream_routes/{tag}-sni", {"sni": named, "upstream": echo_upstream(by_sni)})

        def routed(sni: str, echo: TcpEcho) -> None:
            payload = f"over tls {tag}".encode()
            got = _tls_answer(stream_tls_addr, sni, cert.cert_pem, payload)
            assert got == echo.prefix + payload, f"SNI {sni}: {got!r}"

        converge(lambda: routed(named, by_sni), gw_target.timeouts, interval=0.1)
        converge(lambda: routed(other, by_port), gw_target.timeouts, interval=0.1)


@conformance_test(
    name="stream-plugin-ip-restriction",
    description="the stream ip-restriction plugin closes connections from a blacklisted "
    "client address and proxies those of a whitelisted one",
    profile="dataplane",
    features=["dp-stream-plugin-ip-restriction"],
)
def test_stream_ip_restriction(admin, gw_target, stream_addr, tag):
    host, port = stream_addr
    remote, _ = _seen_addresses(host, port)
    with TcpEcho(f"{tag}-ipr") as echo:
        route = {"server_port": port, "upstream": echo_upstream(echo)}
        allowed = {"ip-restriction": {"whitelist": [remote]}}
        refused = {"ip-restriction": {"blacklist": [remote]}}
        _proxies_then_closes(
            admin,
            gw_target,
            stream_addr,
            echo,
            tag,
            {**route, "plugins": allowed},
            {**route, "plugins": refused},
        )


@conformance_test(
    name="stream-plugin-limit-conn",
    description="the stream limit-conn plugin closes a client's connection beyond `conn` "
    "(burst 0) while the first is open, and admits one again once it has closed",
    profile="dataplane",
    features=["dp-stream-plugin-limit-conn"],
)
def test_stream_limit_conn(admin, gw_target, stream_addr, tag):
    host, port = stream_addr
    with TcpEcho(f"{tag}-conn") as echo:
        route = {"server_port": port, "upstream": echo_upstream(echo)}
        put(admin, f"/stream_routes/{tag}", route)
        converge(lambda: _proxied(host, port, echo, tag), gw_target.timeouts, interval=0.1)
        limit = {"conn": 1, "burst": 0, "default_conn_delay": 0.1, "key": "remote_addr"}
        put(admin, f"/stream_routes/{tag}", {**route, "plugins": {"limit-conn": limit}})

        def second_refused() -> None:
            payload = f"first {tag}".encode()
            with closing(socket.create_connection((host, port), timeout=5)) as held:
                held.sendall(payload)
                got = b""
                while len(got) < len(echo.prefix + payload):
                    chunk = held.recv(65536)
                    if not chunk:
                        break
                    got += chunk
                assert got == echo.prefix + payload, f"the first connection: {got!r}"
                _closed(host, port, gw_target.timeout)

        converge(second_refused, gw_target.timeouts, interval=0.2)
        converge(lambda: _proxied(host, port, echo, tag), gw_target.timeouts, interval=0.2)


@conformance_test(
    name="stream-upstream-tls",
    description="a stream route to an upstream of scheme `tls` connects to it over TLS, with "
    "the client's SNI when the client speaks TLS, else `apisix_backend`",
    profile="dataplane",
    features=["dp-stream", "dp-stream-sni"],
)
def test_stream_upstream_tls(admin, gw_target, stream_addr, stream_tls_addr, tag):
    named = f"a.{tag}.example.test"
    cert = make_certificate(named)
    put(admin, f"/ssls/{tag}", {"cert": cert.cert_pem, "key": cert.key_pem, "snis": [named]})
    upstream_cert = make_certificate(f"upstream.{tag}.example.test")
    with TcpEcho(f"{tag}-tls", certificate=upstream_cert) as echo:
        put(
            admin,
            f"/stream_routes/{tag}",
            {"upstream": echo_upstream(echo, scheme="tls")},
        )
        host, port = stream_addr
        converge(lambda: _proxied(host, port, echo, tag), gw_target.timeouts, interval=0.1)
        assert echo.server_names[-1] == "apisix_backend", echo.server_names

        def sni_passed() -> None:
            payload = f"over tls {tag}".encode()
            got = _tls_answer(stream_tls_addr, named, cert.cert_pem, payload)
            assert got == echo.prefix + payload, f"SNI {named}: {got!r}"
            assert echo.server_names[-1] == named, echo.server_names

        converge(sni_passed, gw_target.timeouts, interval=0.1)
