"""WebSocket proxying: `enable_websocket` on a route or its service.

Sources: APISIX `apisix/init.lua` (with `enable_websocket` the client's `Upgrade` and
`Connection` go upstream as `$upstream_upgrade`/`$upstream_connection`; the route's own value
wins, a nil one takes the service's), `apisix/cli/ngx_tpl.lua` (`proxy_set_header Upgrade
$upstream_upgrade`: empty, so not sent, otherwise), `t/node/upstream-websocket.t` (the
client gets `101 Switching Protocols` with `Upgrade: websocket`, `Connection: upgrade` and
the upstream's `Sec-WebSocket-*`, no `Content-Type`), and the WebSocket authentication
tutorial (key-auth answers 401 to a handshake without a key).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import put
from conformance.support.eventually import converge
from conformance.support.ids import unique_username
from conformance.support.ws_echo_upstream import (
    OP_BINARY,
    OP_CLOSE,
    OP_TEXT,
    Handshake,
    WsEchoUpstream,
    ws_connect,
)


@pytest.fixture
def ws_echo() -> Iterator[WsEchoUpstream]:
    with WsEchoUpstream() as server:
        yield server


def _address(gw_target) -> tuple[str, int]:
    parts = urlsplit(gw_target.data_plane_url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def _upstream(ws_echo: WsEchoUpstream) -> dict:
    return {"type": "roundrobin", "nodes": {ws_echo.node: 1}}


def _handshake(gw_target, path: str, status: int, headers: dict | None = None) -> Handshake:
    """The handshake answer once the route is served with `status`."""
    host, port = _address(gw_target)

    def probe() -> Handshake:
        shake = ws_connect(host, port, path, headers)
        if shake.status != status and shake.client is not None:
            shake.client.close()
        assert shake.status == status, (shake.status, shake.body[:200])
        return shake

    return converge(probe, gw_target.timeouts)


@conformance_test(
    name="websocket-tunnel",
    description="enable_websocket passes the upgrade upstream, relays the 101 and tunnels "
    "text and binary frames both ways until the client or the upstream closes",
    profile="dataplane",
    features=["dp-websocket"],
)
def test_websocket_tunnel(admin, gw_target, ws_echo, tag):
    path = f"/{tag}/ws"
    put(
        admin,
        f"/routes/{tag}",
        {"uri": path, "enable_websocket": True, "upstream": _upstream(ws_echo)},
    )
    shake = _handshake(gw_target, path, 101, {"Sec-WebSocket-Protocol": "chat"})
    assert shake.headers["upgrade"].lower() == "websocket"
    assert shake.headers["connection"].lower() == "upgrade"
    assert shake.headers["sec-websocket-protocol"] == "chat"
    assert "content-type" not in shake.headers
    assert ws_echo.requests[-1].headers["upgrade"] == "websocket"
    assert "upgrade" in ws_echo.requests[-1].headers["connection"].lower()
    payload = os.urandom(256 * 1024)
    with shake.tunnel() as ws:
        ws.send_text("hello")
        assert ws.recv() == (OP_TEXT, b"hello")
        ws.send_binary(payload)
        assert ws.recv() == (OP_BINARY, payload)
        ws.send_close()
        assert ws.recv()[0] == OP_CLOSE
        assert ws.at_eof()
    converge(lambda: _assert_at_least(ws_echo.client_closes, 1), gw_target.timeouts)
    shake = _handshake(gw_target, path, 101)
    with shake.tunnel() as ws:
        ws.send_text("close-please")  # the upstream closes first
        assert ws.recv() == (OP_CLOSE, b"\x03\xe8")
        assert ws.at_eof()


def _assert_at_least(value: int, minimum: int) -> None:
    assert value >= minimum, value


@conformance_test(
    name="websocket-disabled-strips-upgrade",
    description="without enable_websocket the upstream gets a plain request (no Upgrade, no "
    "Connection) and its answer goes back as is",
    profile="dataplane",
    features=["dp-websocket"],
)
def test_websocket_disabled(admin, gw_target, ws_echo, tag):
    path = f"/{tag}/plain"
    put(admin, f"/routes/{tag}", {"uri": path, "upstream": _upstream(ws_echo)})
    shake = _handshake(gw_target, path, 200)
    assert shake.body == b"plain"
    seen = ws_echo.requests[-1].headers
    assert "upgrade" not in seen
    assert "upgrade" not in seen.get("connection", "").lower()


@conformance_test(
    name="websocket-service-level",
    description="a service's enable_websocket applies to its routes; a route's own false wins",
    profile="dataplane",
    features=["dp-websocket", "dp-service-merge"],
)
def test_websocket_service_level(admin, gw_target, ws_echo, tag):
    put(
        admin,
        f"/services/{tag}",
        {"enable_websocket": True, "upstream": _upstream(ws_echo)},
    )
    put(admin, f"/routes/{tag}-on", {"uri": f"/{tag}/on", "service_id": tag})
    put(
        admin,
        f"/routes/{tag}-off",
        {"uri": f"/{tag}/off", "service_id": tag, "enable_websocket": False},
    )
    shake = _handshake(gw_target, f"/{tag}/on", 101)
    with shake.tunnel() as ws:
        ws.send_text("via service")
        assert ws.recv() == (OP_TEXT, b"via service")
    assert _handshake(gw_target, f"/{tag}/off", 200).body == b"plain"


@conformance_test(
    name="websocket-upstream-refusal",
    description="an upstream answering the upgrade with another status is passed through",
    profile="dataplane",
    features=["dp-websocket"],
)
def test_websocket_upstream_refusal(admin, gw_target, ws_echo, tag):
    path = f"/{tag}/refused"
    put(
        admin,
        f"/routes/{tag}",
        {"uri": path, "enable_websocket": True, "upstream": _upstream(ws_echo)},
    )
    shake = _handshake(gw_target, path, 403, {"X-Ws-Refuse": "403"})
    assert shake.body == b"refused"


@conformance_test(
    name="websocket-key-auth",
    description="key-auth runs before the upgrade: 401 without a key, a tunnel with one",
    profile="dataplane",
    features=["dp-websocket", "dp-key-auth"],
)
def test_websocket_key_auth(admin, gw_target, ws_echo, tag):
    key = f"key-{tag}"
    put(
        admin,
        "/consumers",
        {"username": unique_username("ws"), "plugins": {"key-auth": {"key": key}}},
    )
    path = f"/{tag}/auth"
    put(
        admin,
        f"/routes/{tag}",
        {
            "uri": path,
            "enable_websocket": True,
            "plugins": {"key-auth": {}},
            "upstream": _upstream(ws_echo),
        },
    )
    _handshake(gw_target, path, 401)
    assert ws_echo.requests == []
    shake = _handshake(gw_target, path, 101, {"apikey": key})
    with shake.tunnel() as ws:
        ws.send_text("authed")
        assert ws.recv() == (OP_TEXT, b"authed")
