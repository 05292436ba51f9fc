"""Slow, idle and oversized clients on both ports of a gateway started under a 1,024
descriptor limit, with short client timeouts (`nginx_config.http`, as APISIX documents them):
the Admin API and the data plane keep answering, idle and one-byte-per-second connections
are closed after the configured timeout, an oversized header is refused on the admin port
and an invalid chunk size is a 400 on the data plane at once."""

from __future__ import annotations

import contextlib
import json
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from conformance.providers.embedded import ADMIN_KEY, free_port, gateway_config
from tests.harness.http_servers import serve

TIMEOUT = 3.0  # every client timeout of the gateway under test, in seconds
NOFILE = 1024  # the gateway's descriptor limit, soft and hard: it can't raise it
SLOW_CLIENTS = 2000
START_TIMEOUT = 30.0


class Gateway:
    def __init__(self, admin_port: int, node_port: int) -> None:
        self.admin_url = f"http://127.0.0.1:{admin_port}"
        self.data_url = f"http://127.0.0.1:{node_port}"
        self.admin_port = admin_port
        self.node_port = node_port

    def admin_answers(self, timeout: float = 1.0) -> bool:
        with contextlib.suppress(httpx.HTTPError):
            reply = httpx.get(
                f"{self.admin_url}/apisix/admin/routes",
                headers={"X-API-KEY": ADMIN_KEY},
                timeout=timeout,
            )
            return reply.status_code == 200
        return False

    def data_plane_answers(self, timeout: float = 1.0) -> bool:
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(f"{self.data_url}/no-such-route", timeout=timeout).status_code == 404
        return False


def _limit_descriptors() -> None:  # in the child, before it runs the gateway
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    workdir = tmp_path_factory.mktemp("slow-clients")
    admin_port, node_port = free_port(), free_port()
    config: dict[str, Any] = gateway_config(admin_port, node_port, free_port(), free_port())
    seconds = f"{TIMEOUT:g}s"
    config["nginx_config"] = {
        "worker_processes": 1,
        "http": {
            "client_header_timeout": seconds,
            "client_body_timeout": seconds,
            "keepalive_timeout": seconds,
            "send_timeout": seconds,
        },
    }
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    stderr_path = workdir / "stderr.log"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "reference_impl", "serve", "--config", str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            preexec_fn=_limit_descriptors,
        )
    gw = Gateway(admin_port, node_port)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not (gw.admin_answers() and gw.data_plane_answers()):
            assert process.poll() is None, stderr_path.read_text()
            assert time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.1)
        yield gw
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _closed_by_peer(sock: socket.socket) -> bool:
    """The gateway closed (or reset) the connection: reading ends, or fails (`sock` is
    non-blocking; nothing to read yet means open)."""
    try:
        while data := sock.recv(65536):
            del data  # an answer (400): the end follows
    except BlockingIOError:
        return False
    except OSError:
        return True
    return True


def _read_to_end(sock: socket.socket) -> bytes:
    """What the gateway answers on a blocking socket, until it closes (or resets)."""
    answer = b""
    with contextlib.suppress(OSError):
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_slow_and_idle_clients_under_a_low_descriptor_limit(gateway: Gateway) -> None:
    """2,000 connections, half idle and half sending one byte per second, split between the
    data plane and the admin port: both keep answering, and every one of the 2,000 is
    closed by the gateway within the timeout (plus its check interval and some slack)."""
    ports = [gateway.node_port, gateway.admin_port]
    clients: list[socket.socket] = []
    started = time.monotonic()
    try:
        for index in range(SLOW_CLIENTS):
            sock = socket.socket()
            sock.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                sock.connect(("127.0.0.1", ports[index % 2]))
            clients.append(sock)
        opened = time.monotonic() - started
        trickling = clients[::2]  # the others stay idle
        answered: dict[str, float | None] = {"admin": None, "data plane": None}
        gone: set[socket.socket] = set()
        closed = 0
        probe_times: list[float] = []
        last_byte = 0.0
        deadline = started + TIMEOUT * 3 + 5
        while time.monotonic() < deadline:
            now = time.monotonic()
            if now - last_byte >= 1.0:  # a request head, one byte a second
                data = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " if not last_byte else b"a"
                last_byte = now
                for sock in trickling:
                    with contextlib.suppress(OSError):
                        sock.send(data)
            probe = time.monotonic()
            if answered["admin"] is None and gateway.admin_answers(timeout=1.5):
                answered["admin"] = time.monotonic() - started
            if answered["data plane"] is None and gateway.data_plane_answers(timeout=1.5):
                answered["data plane"] = time.monotonic() - started
            probe_times.append(time.monotonic() - probe)
            gone.update(sock for sock in clients if sock not in gone and _closed_by_peer(sock))
            closed = len(gone)
            if closed == len(clients) and None not in answered.values():
                break
            time.sleep(0.2)
        took = time.monotonic() - started
        print(
            f"{SLOW_CLIENTS} slow clients (1,000 per port, half idle, half 1 byte/s) against "
            f"a gateway at {NOFILE} descriptors, timeouts {TIMEOUT:g}s: opened in "
            f"{opened:.2f}s, {closed} closed by the gateway after {took:.2f}s; first answer "
            f"of the Admin API after {answered['admin'] or -1:.2f}s, of the data plane after "
            f"{answered['data plane'] or -1:.2f}s; slowest probe {max(probe_times):.2f}s"
        )
        assert closed == SLOW_CLIENTS, f"{SLOW_CLIENTS - closed} slow clients still open"
        assert took <= TIMEOUT * 3 + 5
        assert answered["admin"] is not None and answered["data plane"] is not None
        # and they go on answering, every time, once the slow clients are gone
        assert all(gateway.admin_answers() for _ in range(5))
        assert all(gateway.data_plane_answers() for _ in range(5))
    finally:
        for sock in clients:
            sock.close()


def test_past_the_limit_new_connections_are_refused_at_once_established_ones_served(
    gateway: Gateway,
) -> None:
    """1,100 new connections to the admin port, more than its process may open: those past
    the limit are closed at once (not left waiting), and a client connected before is
    served on its connection meanwhile."""
    with httpx.Client(base_url=gateway.admin_url, headers={"X-API-KEY": ADMIN_KEY}) as admin:
        assert admin.get("/apisix/admin/routes").status_code == 200
        flood = []
        try:
            for _ in range(1100):
                sock = socket.create_connection(("127.0.0.1", gateway.admin_port))
                sock.setblocking(False)
                flood.append(sock)
            start = time.monotonic()
            status = admin.get("/apisix/admin/routes", timeout=2.0).status_code
            took = time.monotonic() - start
            time.sleep(1.0)
            refused = sum(_closed_by_peer(sock) for sock in flood)
        finally:
            for sock in flood:
                sock.close()
    print(
        f"flood of 1,100 on the admin port at {NOFILE} descriptors: {refused} refused within "
        f"1s; the connection established before answered {status} in {took:.3f}s"
    )
    assert status == 200
    assert refused > 0


@pytest.mark.parametrize("port", ["admin", "data plane"])
def test_a_32_mb_header_is_refused(gateway: Gateway, port: str) -> None:
    chunk = b"a" * (1024 * 1024)
    start = time.monotonic()
    sent = 0
    number = gateway.admin_port if port == "admin" else gateway.node_port
    with socket.create_connection(("127.0.0.1", number), timeout=10) as sock:
        with contextlib.suppress(OSError):  # the gateway stops reading and closes
            sock.sendall(b"GET /apisix/admin/routes HTTP/1.1\r\nHost: x\r\nX-Big: ")
            for _ in range(32):
                sock.sendall(chunk)
                sent += len(chunk)
            sock.sendall(b"\r\n\r\n")
        answer = _read_to_end(sock)
    took = time.monotonic() - start
    status = answer.split(b" ", 2)[1] if answer.startswith(b"HTTP/1.1 ") else answer[:40]
    print(f"32 MB header on the {port} port: {status!r} after {sent // 1024} KiB sent, {took:.2f}s")
    assert status in (b"400", b"431")
    assert took < 5.0


def test_a_large_body_read_with_its_head_is_no_header(gateway: Gateway) -> None:
    """A 64 KiB body that arrives in the same read as a small request head counts toward
    no header limit (seen as a 400 'Request header too large.' that depended on how the
    bytes happened to be segmented)."""
    plugins = {"response-rewrite": {"body": "d" * 65_000}}
    route = {"uri": "/big", "plugins": plugins, "upstream": {"nodes": {"127.0.0.1:1": 1}}}
    body = json.dumps(route).encode()
    head = (
        f"PUT /apisix/admin/routes/big HTTP/1.1\r\nHost: x\r\nX-API-KEY: {ADMIN_KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", gateway.admin_port), timeout=10) as sock:
        sock.sendall(head + body)  # one write: the gateway reads head and body together
        answer = _read_to_end(sock)
    assert answer.split(b" ", 2)[1] in (b"200", b"201"), answer[-300:]


class _WaitingUpstream(BaseHTTPRequestHandler):
    """Answers only after 10 s (a request body never read to its end)."""

    def do_POST(self) -> None:
        time.sleep(10)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


def test_an_invalid_chunk_size_is_a_400_at_once(gateway: Gateway) -> None:
    with serve(_WaitingUpstream) as url:
        node = url.removeprefix("http://")
        route = {"uri": "/chunked", "upstream": {"type": "roundrobin", "nodes": {node: 1}}}
        put = httpx.put(
            f"{gateway.admin_url}/apisix/admin/routes/chunked",
            json=route,
            headers={"X-API-KEY": ADMIN_KEY},
        )
        assert put.status_code in (200, 201)
        deadline = time.monotonic() + 10
        while httpx.get(f"{gateway.data_url}/chunked").status_code == 404:
            assert time.monotonic() < deadline, "the route did not reach the data plane"
            time.sleep(0.1)
        with socket.create_connection(("127.0.0.1", gateway.node_port), timeout=8) as sock:
            sock.sendall(
                b"POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5\r\nhello\r\n"
            )
            time.sleep(0.3)  # the request is on its way upstream, its body streaming
            start = time.monotonic()
            sock.sendall(b"zz\r\nnot a chunk\r\n")
            answer = _read_to_end(sock)
            took = time.monotonic() - start
    print(f"invalid chunk size on the data plane: {answer[:12]!r} after {took:.3f}s")
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert took < 2.0


def test_the_timeouts_are_read_from_nginx_config_http() -> None:
    from reference_impl.config import ConfigError, build_config

    limits = build_config(
        {"nginx_config": {"http": {"keepalive_timeout": "75s 60s", "send_timeout": 5}}}
    ).limits
    assert (limits.keepalive_timeout, limits.send_timeout) == (75.0, 5.0)
    assert (limits.client_header_timeout, limits.client_body_timeout) == (60.0, 60.0)
    assert limits.worker_rlimit_nofile == 20480
    assert limits.max_header_bytes == 4 * 8 * 1024
    with pytest.raises(ConfigError, match="client_body_timeout"):
        build_config({"nginx_config": {"http": {"client_body_timeout": "soon"}}})
    with pytest.raises(ConfigError, match="large_client_header_buffers"):
        build_config({"nginx_config": {"http": {"large_client_header_buffers": "4"}}})


def test_the_soft_descriptor_limit_is_raised_at_start() -> None:
    """As nginx's worker_rlimit_nofile: up to the configured number, or the hard limit."""
    code = (
        "import resource\n"
        "from reference_impl.server import raise_descriptor_limit\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (256, 4096))\n"
        "raise_descriptor_limit(20480)\n"
        "print(resource.getrlimit(resource.RLIMIT_NOFILE))\n"
        "raise_descriptor_limit(1000)\n"
        "print(resource.getrlimit(resource.RLIMIT_NOFILE))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    print(f"soft descriptor limit: {done.stdout.split()}")
    assert done.stdout.splitlines() == ["(4096, 4096)", "(4096, 4096)"]


@pytest.mark.parametrize("port", ["admin", "data plane"])
def test_an_idle_keep_alive_connection_is_closed_after_keepalive_timeout(
    gateway: Gateway, port: str
) -> None:
    number, path = (
        (gateway.admin_port, "/apisix/admin/routes")
        if port == "admin"
        else (gateway.node_port, "/no-such-route")
    )
    with socket.create_connection(("127.0.0.1", number), timeout=TIMEOUT * 3) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nX-API-KEY: {ADMIN_KEY}\r\n\r\n".encode())
        first = sock.recv(65536)
        answered = time.monotonic()
        rest = _read_to_end(sock)
        idle = time.monotonic() - answered
    answer = first + rest  # one answer (its body maybe read with the end), then the end
    print(f"{port} port: idle keep-alive connection closed after {idle:.2f}s")
    assert answer.startswith(b"HTTP/1.1 200 " if port == "admin" else b"HTTP/1.1 404 ")
    assert answer.count(b"HTTP/1.1 ") == 1
    assert TIMEOUT - 0.5 <= idle < TIMEOUT + 2.0
