"""HTTP/1.1 behaviour of the data plane on real sockets: keep-alive, pipelining, streaming,
malformed input, headers sent upstream, and the engine's own answers."""

from __future__ import annotations

import socket

import httpx

from .support import Upstream, self_signed_tls

ROUND_ROBIN = "roundrobin"


def route(gateway, upstream_nodes: dict, ident: str = "1", uri: str = "/*", **extra) -> None:
    upstream = {"type": ROUND_ROBIN, "nodes": upstream_nodes, **extra.pop("upstream", {})}
    gateway.put("routes", ident, {"uri": uri, "upstream": upstream, **extra})
    gateway.wait_config()


def raw_exchange(port: int, payload: bytes, expect_responses: int = 1) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(payload)
        data = b""
        while data.count(b"HTTP/1.1 ") < expect_responses or not data.endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def test_no_route_is_404_with_apisix_body(gateway):
    response = httpx.get(gateway.url + "/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error_msg": "404 Route Not Found"}
    assert response.headers["server"].startswith("APISIX")


def test_keep_alive_both_sides_reuses_pooled_connection(gateway, upstreams):
    up = upstreams("a")
    route(gateway, {up.address: 1})
    with httpx.Client(base_url=gateway.url) as client:
        for i in range(20):
            response = client.get(f"/item/{i}")
            assert response.status_code == 200
            assert response.json()["url"] == f"/item/{i}"
            assert response.headers["connection"] == "keep-alive"
    assert len(up.requests) == 20
    assert up.connections == 1  # one pooled upstream connection served all of them


def test_keepalive_pool_requests_limit_recycles_connections(gateway, upstreams):
    up = upstreams("a")
    route(
        gateway,
        {up.address: 1},
        upstream={"keepalive_pool": {"size": 4, "idle_timeout": 30, "requests": 2}},
    )
    with httpx.Client(base_url=gateway.url) as client:
        assert all(client.get("/k").status_code == 200 for _ in range(6))
    assert up.connections == 3  # each upstream connection served 2 requests


def test_forwarded_headers_like_apisix(gateway, upstreams):
    up = upstreams("a")
    route(gateway, {up.address: 1})
    response = httpx.get(
        gateway.url + "/h?q=1",
        headers={"Host": "api.example.com", "X-Forwarded-For": "10.0.0.9", "Connection": "close"},
    )
    sent = response.json()["headers"]
    assert sent["host"] == "api.example.com"  # pass_host: pass
    assert sent["x-real-ip"] == "127.0.0.1"
    assert sent["x-forwarded-for"] == "10.0.0.9, 127.0.0.1"
    assert sent["x-forwarded-proto"] == "http"
    assert sent["x-forwarded-host"] == "api.example.com"
    assert sent["x-forwarded-port"] == str(gateway.port)
    assert "connection" not in sent or sent["connection"].lower() != "close"
    assert response.json()["url"] == "/h?q=1"


def test_pass_host_node_and_rewrite(gateway, upstreams):
    up = upstreams("a")
    route(gateway, {up.address: 1}, ident="1", uri="/node", upstream={"pass_host": "node"})
    route(
        gateway,
        {up.address: 1},
        ident="2",
        uri="/rewrite",
        upstream={"pass_host": "rewrite", "upstream_host": "backend.internal"},
    )
    assert httpx.get(gateway.url + "/node").json()["headers"]["host"] == up.address
    assert httpx.get(gateway.url + "/rewrite").json()["headers"]["host"] == "backend.internal"


def test_pipelined_requests_answered_in_order(gateway, upstreams):
    up = upstreams("a")
    route(gateway, {up.address: 1})
    payload = b"".join(b"GET /p%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(3))
    data = raw_exchange(gateway.port, payload, expect_responses=3)
    assert data.count(b"HTTP/1.1 200") == 3
    assert data.index(b'"/p0"') < data.index(b'"/p1"') < data.index(b'"/p2"')


def test_malformed_request_gets_400_and_close(gateway):
    data = raw_exchange(gateway.port, b"GARBAGE\x01 / HTTP/1.1\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 400 ")
    assert b"Connection: close" in data


def test_oversized_headers_get_400(gateway, upstreams):
    up = upstreams("a")
    route(gateway, {up.address: 1})
    big = b"X-Big: " + b"a" * 40_000 + b"\r\n"
    data = raw_exchange(gateway.port, b"GET / HTTP/1.1\r\nHost: x\r\n" + big + b"\r\n")
    assert data.startswith(b"HTTP/1.1 400 ")
    assert up.requests == []


def test_large_chunked_request_body_streamed(gateway, upstreams):
    up = upstreams("a")
    route(gateway, {up.address: 1})
    piece = bytes(range(256)) * 256  # 64 KiB

    def body():
        for _ in range(64):  # 4 MiB, sent chunked
            yield piece

    response = httpx.post(gateway.url + "/upload", content=body(), timeout=30)
    assert response.status_code == 200
    assert response.json()["body_length"] == 64 * len(piece)
    assert up.requests[-1]["headers"].get("transfer-encoding") == "chunked"


def test_chunked_response_streamed_to_client(gateway, upstreams):
    up = upstreams("a")
    chunks = [b"%06d" % i * 1000 for i in range(200)]  # 1.2 MB in 200 chunks
    up.behave = lambda request: (200, 0.0, chunks)
    route(gateway, {up.address: 1})
    received = 0
    with httpx.stream("GET", gateway.url + "/big", timeout=30) as response:
        assert response.headers["transfer-encoding"] == "chunked"
        for part in response.iter_bytes():
            received += len(part)
    assert received == sum(len(c) for c in chunks)


def test_head_request_has_no_body(gateway, upstreams):
    up = upstreams("a")
    route(gateway, {up.address: 1})
    with httpx.Client(base_url=gateway.url) as client:
        head = client.head("/x")
        assert head.status_code == 200
        assert head.content == b""
        assert client.get("/y").json()["url"] == "/y"


def test_empty_nodes_and_missing_upstream_are_502(gateway):
    gateway.put("routes", "1", {"uri": "/empty", "upstream": {"type": ROUND_ROBIN, "nodes": {}}})
    gateway.put("routes", "2", {"uri": "/gone", "upstream_id": "404"})
    gateway.wait_config()
    empty = httpx.get(gateway.url + "/empty")
    assert empty.status_code == 502
    assert b"502 Bad Gateway" in empty.content
    assert httpx.get(gateway.url + "/gone").status_code == 502


def test_service_and_upstream_objects_are_merged(gateway, upstreams):
    a, b = upstreams("a"), upstreams("b")
    gateway.put("upstreams", "u1", {"type": ROUND_ROBIN, "nodes": {a.address: 1}})
    gateway.put("upstreams", "u2", {"type": ROUND_ROBIN, "nodes": {b.address: 1}})
    gateway.put("services", "s1", {"upstream_id": "u1", "hosts": ["svc.example"]})
    gateway.put("routes", "1", {"uri": "/svc", "service_id": "s1"})
    gateway.put("routes", "2", {"uri": "/own", "service_id": "s1", "upstream_id": "u2"})
    gateway.wait_config()
    assert (
        httpx.get(gateway.url + "/svc", headers={"Host": "svc.example"}).json()["upstream"] == "a"
    )
    assert httpx.get(gateway.url + "/svc", headers={"Host": "other"}).status_code == 404
    assert (
        httpx.get(gateway.url + "/own", headers={"Host": "svc.example"}).json()["upstream"] == "b"
    )


def test_https_upstream(gateway, loop_thread, tmp_path):
    up = Upstream(loop_thread, "tls", tls=self_signed_tls(tmp_path))
    try:
        route(gateway, {up.address: 1}, upstream={"scheme": "https"})
        response = httpx.get(gateway.url + "/secure")
        assert response.status_code == 200
        assert response.json()["upstream"] == "tls"
    finally:
        up.stop()
