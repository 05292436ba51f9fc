"""WebSocket proxying (`enable_websocket`): the upgrade passed upstream, the 101 relayed, then
a byte tunnel both ways until either side closes; without the flag the upstream sees a plain
request. Against a real RFC 6455 echo upstream on loopback."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator

import pytest

from conformance.support.ws_echo_upstream import (
    OP_BINARY,
    OP_CLOSE,
    OP_TEXT,
    WsEchoUpstream,
    ws_connect,
)

from .test_tls_listener import TestCa, TlsGateway, client_context


@pytest.fixture
def echo() -> Iterator[WsEchoUpstream]:
    with WsEchoUpstream() as server:
        yield server


def _route(gateway, echo: WsEchoUpstream, ident: str = "ws", **extra) -> None:
    value = {
        "uri": "/ws/*",
        "upstream": {"type": "roundrobin", "nodes": {echo.node: 1}},
        **extra,
    }
    gateway.put("routes", ident, value)
    gateway.wait_config()


def _wait(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_upgrade_echoes_text_and_binary_frames(gateway, echo):
    _route(gateway, echo, enable_websocket=True)
    shake = ws_connect("127.0.0.1", gateway.port, "/ws/chat", {"Sec-WebSocket-Protocol": "chat"})
    assert shake.status == 101
    assert shake.headers["upgrade"] == "websocket"
    assert shake.headers["connection"] == "upgrade"
    assert shake.headers["sec-websocket-protocol"] == "chat"
    assert "content-type" not in shake.headers
    seen = echo.requests[-1].headers
    assert seen["upgrade"] == "websocket"
    assert seen["connection"] == "Upgrade"
    with shake.client as ws:
        ws.send_text("hello")
        assert ws.recv() == (OP_TEXT, b"hello")
        ws.send_binary(b"\x00\x01\xfe\xff")
        assert ws.recv() == (OP_BINARY, b"\x00\x01\xfe\xff")
        ws.send_text("again")
        assert ws.recv() == (OP_TEXT, b"again")


def test_header_filters_apply_to_the_101(gateway, echo):
    rewrite = {"response-rewrite": {"headers": {"set": {"X-Tunnel": "yes"}}}}
    _route(gateway, echo, enable_websocket=True, plugins=rewrite)
    shake = ws_connect("127.0.0.1", gateway.port, "/ws/a")
    assert shake.status == 101
    assert shake.headers["x-tunnel"] == "yes"
    assert shake.headers["connection"] == "upgrade"
    with shake.client as ws:
        ws.send_text("filtered")
        assert ws.recv() == (OP_TEXT, b"filtered")


def test_large_message_both_ways(gateway, echo):
    _route(gateway, echo, enable_websocket=True)
    payload = os.urandom(8 * 1024 * 1024)
    shake = ws_connect("127.0.0.1", gateway.port, "/ws/big", timeout=20)
    with shake.client as ws:
        ws.send_binary(payload)
        time.sleep(0.3)  # the echo fills the gateway's buffers: it must stop reading upstream
        assert ws.recv() == (OP_BINARY, payload)


def test_client_close_reaches_upstream(gateway, echo):
    _route(gateway, echo, enable_websocket=True)
    shake = ws_connect("127.0.0.1", gateway.port, "/ws/a")
    with shake.client as ws:
        ws.send_text("x")
        assert ws.recv() == (OP_TEXT, b"x")
        ws.send_close()
        assert ws.recv()[0] == OP_CLOSE  # the upstream's close answer came back
        assert ws.at_eof()
    _wait(lambda: echo.client_closes == 1)
    shake = ws_connect("127.0.0.1", gateway.port, "/ws/b")
    shake.client.close()  # an abrupt end, no close frame: the upstream sees EOF
    _wait(lambda: echo.client_closes == 2)
    _wait(lambda: len(gateway.worker.plane.connections) == 0)


def test_upstream_close_ends_the_tunnel(gateway, echo):
    _route(gateway, echo, enable_websocket=True)
    shake = ws_connect("127.0.0.1", gateway.port, "/ws/a")
    with shake.client as ws:
        ws.send_text("close-please")
        assert ws.recv() == (OP_CLOSE, b"\x03\xe8")
        assert ws.at_eof()


def test_without_enable_websocket_upstream_sees_no_upgrade(gateway, echo):
    _route(gateway, echo)
    shake = ws_connect("127.0.0.1", gateway.port, "/ws/a")
    assert (shake.status, shake.body) == (200, b"plain")
    seen = echo.requests[-1].headers
    assert "upgrade" not in seen
    assert "connection" not in seen


def test_http_goes_on_after_an_upgrade_without_tunnel(gateway, echo):
    _route(gateway, echo)
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=5) as sock:
        sock.sendall(
            b"GET /ws/1 HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
            b"GET /ws/2 HTTP/1.1\r\nHost: a\r\n\r\n"
        )
        data = b""
        deadline = time.monotonic() + 5
        while data.count(b"\r\n\r\nplain") < 2 and time.monotonic() < deadline:
            data += sock.recv(65536)
    assert data.count(b"HTTP/1.1 200") == 2
    assert [r.path for r in echo.requests] == ["/ws/1", "/ws/2"]


def test_upgrade_request_with_a_body_is_answered_when_the_upstream_does_not_switch(gateway, echo):
    _route(gateway, echo, enable_websocket=True)
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=5) as sock:
        sock.sendall(
            b"POST /ws/1 HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n"
            b"Content-Length: 5\r\n\r\nhello"
        )
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"plain"), answer
    assert [(r.method, r.path) for r in echo.requests] == [("POST", "/ws/1")]


def test_upstream_refusing_the_upgrade_is_passed_through(gateway, echo):
    _route(gateway, echo, enable_websocket=True)
    shake = ws_connect("127.0.0.1", gateway.port, "/ws/a", {"X-Ws-Refuse": "403"})
    assert (shake.status, shake.body) == (403, b"refused")
    assert echo.requests[-1].headers["upgrade"] == "websocket"


def test_service_enables_websocket(gateway, echo):
    gateway.put(
        "services",
        "s1",
        {
            "enable_websocket": True,
            "upstream": {"type": "roundrobin", "nodes": {echo.node: 1}},
        },
    )
    gateway.put("routes", "ws", {"uri": "/ws/*", "service_id": "s1"})
    gateway.put("routes", "off", {"uri": "/off/*", "service_id": "s1", "enable_websocket": False})
    gateway.wait_config()
    shake = ws_connect("127.0.0.1", gateway.port, "/ws/a")
    assert shake.status == 101
    with shake.client as ws:
        ws.send_text("via service")
        assert ws.recv() == (OP_TEXT, b"via service")
    # the route's own `false` wins over the service's `true`
    assert ws_connect("127.0.0.1", gateway.port, "/off/a").status == 200


def test_key_auth_refuses_unauthenticated_upgrade(gateway, echo):
    gateway.put("consumers", "jack", {"username": "jack", "plugins": {"key-auth": {"key": "k1"}}})
    _route(gateway, echo, enable_websocket=True, plugins={"key-auth": {}})
    denied = ws_connect("127.0.0.1", gateway.port, "/ws/a")
    assert denied.status == 401
    assert echo.requests == []
    shake = ws_connect("127.0.0.1", gateway.port, "/ws/a", {"apikey": "k1"})
    assert shake.status == 101
    with shake.client as ws:
        ws.send_text("authed")
        assert ws.recv() == (OP_TEXT, b"authed")


def test_idle_tunnel_closed_after_read_timeout(gateway, echo):
    _route(gateway, echo, enable_websocket=True, timeout={"connect": 1, "send": 1, "read": 0.5})
    shake = ws_connect("127.0.0.1", gateway.port, "/ws/a")
    with shake.client as ws:
        ws.send_text("x")
        assert ws.recv() == (OP_TEXT, b"x")
        started = time.monotonic()
        assert ws.at_eof()
        assert 0.3 < time.monotonic() - started < 3


def test_log_phase_runs_once_when_the_tunnel_closes(gateway, echo):
    _route(gateway, echo, enable_websocket=True, plugins={"prometheus": {}})
    metrics = gateway.worker.shared.metrics
    shake = ws_connect("127.0.0.1", gateway.port, "/ws/a")
    with shake.client as ws:
        ws.send_text("x")
        assert ws.recv() == (OP_TEXT, b"x")
        time.sleep(0.1)
        assert _tunnels_logged(metrics) == 0
        ws.send_close()
        assert ws.at_eof()
    _wait(lambda: _tunnels_logged(metrics) == 1)
    time.sleep(0.1)
    assert _tunnels_logged(metrics) == 1


def _tunnels_logged(metrics) -> float:
    return sum(
        value
        for series, value in metrics.snapshot().items()
        if series.startswith("apisix_http_status{") and 'code="101"' in series
    )


def test_websocket_over_https(echo):
    ca = TestCa()
    gw = TlsGateway()
    try:
        gw.put_ssl("c", ca.issue("ws.example.test"), ["ws.example.test"])
        _route(gw, echo, enable_websocket=True)
        shake = ws_connect(
            "127.0.0.1",
            gw.tls_port,
            "/ws/a",
            tls=client_context(ca),
            server_name="ws.example.test",
        )
        assert shake.status == 101
        assert echo.requests[-1].headers["x-forwarded-proto"] == "https"
        with shake.client as ws:
            ws.send_text("secure")
            assert ws.recv() == (OP_TEXT, b"secure")
            payload = os.urandom(1024 * 1024)
            ws.send_binary(payload)
            assert ws.recv() == (OP_BINARY, payload)
    finally:
        gw.stop()
