"""The data plane's memory is steady under traffic: after a warm-up, many more requests
through a route with plugins leave its worker's resident memory where it was (within a
bound that allocator noise stays under, far below what keeping anything per request costs)."""

from __future__ import annotations

import sys
import time

import httpx
import pytest

from conformance.support.echo_upstream import EchoUpstream

from .served import ADMIN_HEADERS, ServedGateway

WARM_UP, MEASURED = 5_000, 30_000
GROWTH_LIMIT = 8 * 1024 * 1024  # bytes; 30,000 requests keeping 300 bytes each would pass it
CLIENTS = 4

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Linux process semantics")


def _send(url: str, count: int) -> int:
    """`count` keep-alive GETs over CLIENTS connections, one after the other; the 200s."""
    ok = 0
    clients = [httpx.Client(timeout=10) for _ in range(CLIENTS)]
    try:
        for n in range(count):
            ok += clients[n % CLIENTS].get(url, headers={"apikey": "steady-key"}).status_code == 200
    finally:
        for client in clients:
            client.close()
    return ok


def test_worker_memory_is_steady_under_traffic(tmp_path) -> None:
    gateway = ServedGateway(tmp_path, workers=1)
    with EchoUpstream("steady") as echo:
        try:
            admin = {"headers": ADMIN_HEADERS, "timeout": 10}
            consumer = {"username": "steady", "plugins": {"key-auth": {"key": "steady-key"}}}
            assert httpx.put(
                f"{gateway.admin_url}/apisix/admin/consumers", json=consumer, **admin
            ).is_success
            route = {
                "uri": "/steady/*",
                "plugins": {
                    "key-auth": {},
                    "limit-count": {"count": 10**9, "time_window": 60},
                    "proxy-rewrite": {"headers": {"set": {"X-Steady": "1"}}},
                },
                "upstream": {"nodes": {echo.node: 1}},
            }
            assert httpx.put(
                f"{gateway.admin_url}/apisix/admin/routes/s", json=route, **admin
            ).is_success
            url = f"{gateway.node_url}/steady/a?b=c"
            deadline = time.monotonic() + 10
            while _send(url, 1) != 1:
                assert time.monotonic() < deadline, "the route is not served"
                time.sleep(0.05)
            (worker,) = gateway.started()
            assert _send(url, WARM_UP) == WARM_UP
            before = worker.memory_info().rss
            assert _send(url, MEASURED) == MEASURED
            after = worker.memory_info().rss
        finally:
            gateway.stop()
    growth = after - before
    assert growth < GROWTH_LIMIT, f"the worker grew {growth / 2**20:.1f} MiB over {MEASURED}"
    print(
        f"data plane memory over {MEASURED} requests after {WARM_UP} of warm-up: "
        f"{before / 2**20:.1f} MiB -> {after / 2**20:.1f} MiB ({growth / 1024:+.0f} KiB)"
    )
