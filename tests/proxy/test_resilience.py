"""Retries, timeouts and health checks against real (and deliberately broken) upstreams."""

from __future__ import annotations

import time

import httpx

from .support import free_port


def _route(gateway, upstream: dict, **extra) -> None:
    gateway.put(
        "routes", "1", {"uri": "/*", "upstream": {"type": "roundrobin", **upstream}, **extra}
    )
    gateway.wait_config()


def test_retry_next_node_on_connect_error(gateway, upstreams):
    good = upstreams("good")
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there
    _route(gateway, {"nodes": {dead: 100, good.address: 1}})
    with httpx.Client(base_url=gateway.url) as client:
        for _ in range(5):
            response = client.get("/r")
            assert response.status_code == 200
            assert response.json()["upstream"] == "good"


def test_retries_zero_gives_502(gateway, upstreams):
    good = upstreams("good")
    dead = f"127.0.0.1:{free_port()}"
    _route(gateway, {"nodes": {dead: 100, good.address: 1}, "retries": 0})
    statuses = [httpx.get(gateway.url + "/r").status_code for _ in range(3)]
    assert 502 in statuses


def test_read_timeout_is_504_and_route_timeout_overrides(gateway, upstreams):
    slow = upstreams("slow")
    slow.behave = lambda request: (200, 0.6, None)
    _route(
        gateway,
        {"nodes": {slow.address: 1}, "timeout": {"connect": 1, "send": 1, "read": 5}},
        timeout={"read": 0.2},
    )
    started = time.monotonic()
    response = httpx.get(gateway.url + "/t")
    assert response.status_code == 504
    assert time.monotonic() - started < 0.55
    _route(
        gateway,
        {"nodes": {slow.address: 1}, "timeout": {"connect": 1, "send": 1, "read": 0.2}},
        timeout={"read": 2},
    )
    assert httpx.get(gateway.url + "/t").status_code == 200


def test_timeout_retries_to_next_node(gateway, upstreams):
    slow, fast = upstreams("slow"), upstreams("fast")
    slow.behave = lambda request: (200, 1.0, None)
    _route(
        gateway,
        {
            "nodes": {slow.address: 1, fast.address: 1},
            "timeout": {"connect": 1, "send": 1, "read": 0.2},
        },
    )
    with httpx.Client(base_url=gateway.url) as client:
        bodies = [client.get("/t").json()["upstream"] for _ in range(4)]
    assert bodies == ["fast"] * 4


def test_active_health_check_failover_and_recovery(gateway, upstreams):
    a, b = upstreams("a"), upstreams("b")
    broken = {"on": False}

    def behave(request):
        if request["url"] == "/status" and broken["on"]:
            return 500, 0.0, b"down"
        return 200, 0.0, None

    a.behave = behave
    checks = {
        "active": {
            "http_path": "/status",
            "healthy": {"interval": 0.1, "successes": 1},
            "unhealthy": {"interval": 0.1, "http_failures": 1},
        }
    }
    _route(gateway, {"nodes": {a.address: 1, b.address: 1}, "checks": checks})
    broken["on"] = True
    deadline = time.monotonic() + 5
    with httpx.Client(base_url=gateway.url) as client:
        while time.monotonic() < deadline:
            seen = {client.get("/x").json()["upstream"] for _ in range(4)}
            if seen == {"b"}:
                break
            time.sleep(0.05)
        assert seen == {"b"}, "the failing node was not taken out"
        broken["on"] = False
        while time.monotonic() < deadline + 5:
            seen = {client.get("/x").json()["upstream"] for _ in range(4)}
            if seen == {"a", "b"}:
                break
            time.sleep(0.05)
        assert seen == {"a", "b"}, "the recovered node was not put back"


def test_passive_health_check_takes_failing_node_out(gateway, upstreams):
    a, b = upstreams("a"), upstreams("b")
    a.behave = lambda request: (
        (500, 0.0, b"boom") if request["url"] != "/status" else (200, 0.0, None)
    )
    checks = {
        "active": {"http_path": "/status", "healthy": {"interval": 30, "successes": 1}},
        "passive": {"unhealthy": {"http_statuses": [500], "http_failures": 2}},
    }
    _route(gateway, {"nodes": {a.address: 1, b.address: 1}, "checks": checks})
    with httpx.Client(base_url=gateway.url) as client:
        first = [client.get("/x").status_code for _ in range(4)]
        assert first.count(500) == 2  # a answered twice, then was taken out
        assert {client.get("/x").json()["upstream"] for _ in range(6)} == {"b"}


def test_pooled_connection_closed_by_upstream_is_retried_on_a_new_one(gateway, upstreams):
    up = upstreams("a")
    up.close_reused = True
    _route(gateway, {"nodes": {up.address: 1}, "retries": 0})
    with httpx.Client(base_url=gateway.url) as client:
        statuses = [client.get(f"/s{i}").status_code for i in range(5)]
    assert statuses == [200] * 5  # not counted as a retry: the request never reached it
    assert len(up.requests) == 5
    assert up.refused == 4  # every reuse of a pooled connection was refused ...
    assert up.connections == 5  # ... and the request redone on a new connection
