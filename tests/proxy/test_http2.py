"""HTTP/2 on the plain port: h2c with prior knowledge through the same routing, plugins,
forwarding and request bodies as HTTP/1.1; `apisix.enable_http2: false` turns it off."""

from __future__ import annotations

import asyncio
import socket
import time

import h2.config
import h2.connection
import h2.events
import httpx
import pytest

from reference_impl.proxy.worker import Worker, WorkerSettings
from reference_impl.store.memory import MemoryStore

from .support import LoopThread, free_port


def h2c() -> httpx.Client:
    return httpx.Client(http1=False, http2=True, timeout=5)


def _route(up, uri: str = "/hello", **extra) -> dict:
    return {"uri": uri, "upstream": {"type": "roundrobin", "nodes": {up.address: 1}}, **extra}


def test_prior_knowledge_get_through_a_route(gateway, upstreams):
    up = upstreams("echo")
    gateway.put("routes", "1", _route(up))
    gateway.wait_config()
    with h2c() as client:
        answers = [client.get(f"{gateway.url}/hello?x=1") for _ in range(3)]  # one connection
        missing = client.get(f"{gateway.url}/nowhere")
    for answer in answers:
        assert answer.http_version == "HTTP/2"
        assert answer.status_code == 200
        assert answer.json()["url"] == "/hello?x=1"
    seen = up.requests[0]["headers"]
    assert seen["host"] == f"127.0.0.1:{gateway.port}"
    assert seen["x-forwarded-proto"] == "http"
    assert missing.status_code == 404
    assert missing.json() == {"error_msg": "404 Route Not Found"}


def test_request_bodies_reach_the_upstream(gateway, upstreams):
    up = upstreams("echo")
    gateway.put("routes", "1", _route(up))
    gateway.wait_config()
    payload = b"x" * 200_000  # beyond the initial flow-control window
    with h2c() as client:
        sized = client.post(f"{gateway.url}/hello", content=payload)
        streamed = client.post(f"{gateway.url}/hello", content=iter([b"ab", b"cd"]))
    assert sized.status_code == 200 and sized.json()["body_length"] == len(payload)
    assert streamed.status_code == 200 and streamed.json()["body_sample"] == "abcd"
    assert up.requests[1]["headers"]["transfer-encoding"] == "chunked"  # no length given


def test_large_response_respects_the_client_window(gateway, upstreams):
    up = upstreams("big")
    up.behave = lambda request: (200, 0.0, b"y" * 500_000)
    gateway.put("routes", "1", _route(up))
    gateway.wait_config()
    with h2c() as client:
        answer = client.get(f"{gateway.url}/hello")
    assert answer.status_code == 200 and answer.content == b"y" * 500_000


def test_plugins_run_on_http2_streams(gateway, upstreams):
    up = upstreams("echo")
    plugins = {
        "key-auth": {},
        "response-rewrite": {"headers": {"set": {"X-Rewritten": "yes"}}},
    }
    gateway.put("consumers", "jack", {"username": "jack", "plugins": {"key-auth": {"key": "k1"}}})
    gateway.put("routes", "1", _route(up, plugins=plugins))
    gateway.wait_config()
    with h2c() as client:
        refused = client.get(f"{gateway.url}/hello")
        allowed = client.get(f"{gateway.url}/hello", headers={"apikey": "k1"})
        head = client.head(f"{gateway.url}/hello", headers={"apikey": "k1"})
    assert refused.status_code == 401
    assert allowed.status_code == 200 and allowed.headers["x-rewritten"] == "yes"
    assert head.status_code == 200 and head.content == b""


def test_http1_still_served_next_to_h2c(gateway, upstreams):
    up = upstreams("echo")
    gateway.put("routes", "1", _route(up))
    gateway.wait_config()
    answer = httpx.get(f"{gateway.url}/hello", timeout=5)
    assert answer.http_version == "HTTP/1.1" and answer.status_code == 200


@pytest.fixture
def no_http2_gateway():
    store = MemoryStore()
    lt = LoopThread()
    port = free_port()
    settings = WorkerSettings(node_listen=[("127.0.0.1", port)], enable_http2=False)
    worker = Worker(settings, store)
    task = asyncio.run_coroutine_threadsafe(worker.run(), lt.loop)
    deadline = time.monotonic() + 10
    while not worker.ready.is_set():
        assert time.monotonic() < deadline, "the gateway did not start"
        time.sleep(0.01)
    yield port
    lt.loop.call_soon_threadsafe(worker.stop)
    task.result(10)
    store.close()
    lt.stop()


def test_enable_http2_false_refuses_the_preface(no_http2_gateway):
    with h2c() as client, pytest.raises(httpx.HTTPError):
        client.get(f"http://127.0.0.1:{no_http2_gateway}/hello")


def test_header_injection_is_refused(gateway, upstreams):
    up = upstreams("echo")
    gateway.put("routes", "1", _route(up))
    gateway.wait_config()
    conn = h2.connection.H2Connection(h2.config.H2Configuration(validate_outbound_headers=False))
    conn.initiate_connection()
    head = [
        (b":method", b"GET"),
        (b":path", b"/hello"),
        (b":scheme", b"http"),
        (b":authority", b"x"),
        (b"x-evil", b"a\r\nInjected: yes"),
    ]
    conn.send_headers(1, head, end_stream=True)
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=5) as sock:
        sock.sendall(conn.data_to_send())
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    events = conn.receive_data(received)
    assert any(isinstance(e, h2.events.ConnectionTerminated) for e in events)
    assert up.requests == []
