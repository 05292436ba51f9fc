import socket
import time

import httpx
import pytest

from conformance.support.echo_upstream import EchoUpstream, parse_control_status


@pytest.fixture
def echo():
    with EchoUpstream("alpha") as server:
        yield server


def test_echoes_request(echo):
    with httpx.Client(base_url=echo.url) as client:
        response = client.post("/a/b?x=1&y=2", content=b"hello", headers={"X-Custom": "v"})
    assert response.status_code == 200
    assert response.headers["x-echo-server"] == "alpha"
    body = response.json()
    assert body["server"] == "alpha"
    assert body["method"] == "POST"
    assert body["path"] == "/a/b"
    assert body["query"] == "x=1&y=2"
    assert body["headers"]["x-custom"] == "v"
    assert body["body"] == "hello"
    assert echo.request_count == 1
    assert echo.requests()[0].path == "/a/b"


def test_status_controls(echo):
    with httpx.Client(base_url=echo.url) as client:
        assert client.get("/", headers={"X-Echo-Status": "503"}).status_code == 503
        assert client.get("/status/418/more").status_code == 418
        assert client.get("/", headers={"X-Echo-Status": "nope"}).status_code == 200
        echo.force_status(500)
        assert client.get("/").status_code == 500
        echo.force_status(None)
        assert client.get("/").status_code == 200


def test_set_header_control(echo):
    response = httpx.get(echo.url + "/", headers={"X-Echo-Set-Header": "X-From: echo"})
    assert response.headers["x-from"] == "echo"


def test_delay_control(echo):
    start = time.monotonic()
    response = httpx.get(echo.url + "/", headers={"X-Echo-Delay": "0.3"})
    assert response.status_code == 200
    assert time.monotonic() - start >= 0.3


def test_head_has_no_body(echo):
    response = httpx.head(echo.url + "/x")
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) > 0


def test_keep_alive_many_requests(echo):
    with httpx.Client(base_url=echo.url) as client:
        for i in range(200):
            assert client.get(f"/n/{i}").json()["path"] == f"/n/{i}"
    assert echo.request_count == 200


def test_chunked_request_body(echo):
    def chunks():
        yield b"part1-"
        yield b"part2"

    response = httpx.post(echo.url + "/", content=chunks())
    assert response.json()["body"] == "part1-part2"


def test_malformed_request_gets_400(echo):
    with socket.create_connection((echo.host, echo.port), timeout=2) as conn:
        conn.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        data = conn.recv(1024)
    assert data.startswith(b"HTTP/1.1 400")


def test_stop_and_restart_on_same_port():
    server = EchoUpstream("beta").start()
    port = server.port
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
    server.start()
    try:
        assert server.port == port
        assert httpx.get(server.url + "/").json()["server"] == "beta"
    finally:
        server.stop()


def test_two_servers_have_distinct_ports():
    with EchoUpstream("a") as a, EchoUpstream("b") as b:
        assert a.port != b.port
        assert a.node == f"127.0.0.1:{a.port}"
        assert httpx.get(b.url).json()["server"] == "b"


def test_force_status_rejects_nonsense(echo):
    with pytest.raises(ValueError):
        echo.force_status(42)


def test_parse_control_status():
    assert parse_control_status("/status/204", {}) == 204
    assert parse_control_status("/status/2044", {}) is None
    assert parse_control_status("/", {"x-echo-status": "999"}) is None


def test_force_delay(echo):
    echo.force_delay(0.2)
    start = time.monotonic()
    assert httpx.get(echo.url + "/").status_code == 200
    assert time.monotonic() - start >= 0.2
    echo.force_delay(0)
    with pytest.raises(ValueError):
        echo.force_delay(-1)
