"""limit-count and limit-req with `policy: redis` and `redis-cluster` against real Redis
servers (Debian's redis-server on free loopback ports): counters shared by workers (each
with its own SharedState) and by another gateway process, and a Redis that does not answer
failing the request unless `allow_degradation`."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import redis

from conformance.support.redis_server import RedisClusterServers, RedisError, RedisServer
from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv, SharedState


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    try:
        server = RedisServer().start()
    except RedisError as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def redis_cluster() -> Iterator[RedisClusterServers]:
    try:
        cluster = RedisClusterServers(3).start()
    except RedisError as exc:
        pytest.fail(str(exc))
    yield cluster
    cluster.stop()


def _redis_conf(server: RedisServer) -> dict:
    return {"policy": "redis", "redis_host": "127.0.0.1", "redis_port": server.port}


def _cluster_conf(cluster: RedisClusterServers) -> dict:
    return {
        "policy": "redis-cluster",
        "redis_cluster_nodes": list(cluster.nodes),
        "redis_cluster_name": "test",
    }


def _count_conf(**conf) -> dict:
    return {"count": 2, "time_window": 60, "key": "remote_addr", "rejected_code": 503, **conf}


def _closed_port() -> int:
    from conformance.support.redis_server import free_port

    return free_port()


def _workers(n: int) -> list[SharedState]:
    return [SharedState(worker_id=i) for i in range(n)]


async def _statuses(plugin_name, conf, workers, make_ctx, route_id, calls):
    """Each call `i` on worker `calls[i]`: None when admitted, else the Response."""
    plugins = [PLUGIN_CLASSES[plugin_name](conf, PluginEnv([], {}, {}, w)) for w in workers]
    results = []
    for worker in calls:
        ctx = make_ctx("GET", "/")
        ctx.route_id = route_id
        results.append((await plugins[worker].access(ctx), ctx))
    for shared in workers:
        await shared.redis.aclose()
    return results


def test_limit_count_redis_is_shared_by_workers(redis_server, make_ctx):
    conf = _count_conf(**_redis_conf(redis_server))
    results = asyncio.run(
        _statuses("limit-count", conf, _workers(2), make_ctx, "shared", [0, 1, 0, 1])
    )
    (first, first_ctx), (second, second_ctx), (third, _), (fourth, _) = results
    assert first is None and second is None
    assert first_ctx.response_headers == {
        "X-RateLimit-Limit": "2",
        "X-RateLimit-Remaining": "1",
        "X-RateLimit-Reset": "60",
    }
    assert second_ctx.response_headers["X-RateLimit-Remaining"] == "0"
    for rejected in (third, fourth):
        assert rejected.status == 503 and rejected.body is None
        assert rejected.headers["X-RateLimit-Remaining"] == "0"


def test_limit_count_redis_is_shared_with_another_gateway_process(redis_server, make_ctx):
    conf = _count_conf(**_redis_conf(redis_server))
    assert (
        asyncio.run(_statuses("limit-count", conf, _workers(1), make_ctx, "proc", [0]))[0][0]
        is None
    )
    other = f"""
import asyncio
from reference_impl.proxy.plugin_api import Ctx, Request
from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv, SharedState
from reference_impl.proxy.variables import Variables

async def main():
    shared = SharedState()
    plugin = PLUGIN_CLASSES["limit-count"]({conf!r}, PluginEnv([], {{}}, {{}}, shared))
    for _ in range(2):
        ctx = Ctx(Request("GET", "/", "", {{"host": "h"}}, "127.0.0.1", 1, "127.0.0.1", 80), Variables())
        ctx.route_id = "proc"
        response = await plugin.access(ctx)
        print(200 if response is None else response.status)
    await shared.redis.aclose()

asyncio.run(main())
"""
    done = subprocess.run(
        [sys.executable, "-c", other], capture_output=True, text=True, timeout=30, check=True
    )
    assert done.stdout.split() == ["200", "503"], done.stderr


def test_limit_count_redis_counts_in_redis_not_locally(redis_server, make_ctx):
    conf = _count_conf(count=1, **_redis_conf(redis_server))
    workers = _workers(1)
    assert asyncio.run(_statuses("limit-count", conf, workers, make_ctx, "flush", [0, 0]))[1][0]
    redis.Redis(port=redis_server.port).flushdb()  # the counter lives in Redis only
    assert (
        asyncio.run(_statuses("limit-count", conf, workers, make_ctx, "flush", [0]))[0][0] is None
    )


def test_limit_count_redis_down_fails_unless_degradation(make_ctx):
    down = {"policy": "redis", "redis_host": "127.0.0.1", "redis_port": _closed_port()}
    started = time.monotonic()
    ((failed, _),) = asyncio.run(
        _statuses(
            "limit-count", _count_conf(redis_timeout=500, **down), _workers(1), make_ctx, "d", [0]
        )
    )
    assert (failed.status, failed.body) == (500, {"error_msg": "failed to limit count"})
    degraded = _count_conf(allow_degradation=True, **down)
    ((passed, _),) = asyncio.run(
        _statuses("limit-count", degraded, _workers(1), make_ctx, "d", [0])
    )
    assert passed is None
    assert time.monotonic() - started < 5


def test_limit_count_redis_cluster_is_shared_by_workers(redis_cluster, make_ctx):
    conf = _count_conf(**_cluster_conf(redis_cluster))
    calls = [0, 1, 0]
    results = asyncio.run(_statuses("limit-count", conf, _workers(2), make_ctx, "cl", calls))
    assert [r is None for r, _ in results] == [True, True, False]
    # keys of many routes spread over the cluster's slots, each counted on its own
    for route in ("a", "b", "c", "d", "e", "f"):
        results = asyncio.run(_statuses("limit-count", conf, _workers(2), make_ctx, route, [0, 1]))
        assert [r is None for r, _ in results] == [True, True]


def test_limit_count_redis_cluster_down_fails_without_body(make_ctx):
    conf = _count_conf(
        policy="redis-cluster",
        redis_cluster_nodes=[f"127.0.0.1:{_closed_port()}"],
        redis_cluster_name="gone",
        redis_timeout=300,
    )
    ((failed, _),) = asyncio.run(_statuses("limit-count", conf, _workers(1), make_ctx, "x", [0]))
    assert (failed.status, failed.body) == (500, None)


def _req_conf(**conf) -> dict:
    return {"rate": 1, "burst": 0, "key": "remote_addr", "rejected_code": 429, **conf}


@pytest.mark.parametrize("policy", ["redis", "redis-cluster"])
def test_limit_req_redis_bucket_is_shared_by_workers(policy, redis_server, redis_cluster, make_ctx):
    where = _redis_conf(redis_server) if policy == "redis" else _cluster_conf(redis_cluster)
    conf = _req_conf(rejected_msg="slow down", **where)
    results = asyncio.run(_statuses("limit-req", conf, _workers(2), make_ctx, policy, [0, 1]))
    assert results[0][0] is None
    assert (results[1][0].status, results[1][0].body) == (429, {"error_msg": "slow down"})


def test_limit_req_redis_burst_delays(redis_server, make_ctx):
    conf = _req_conf(rate=10, burst=1, **_redis_conf(redis_server))
    started = time.monotonic()
    results = asyncio.run(_statuses("limit-req", conf, _workers(2), make_ctx, "burst", [0, 1]))
    assert [r for r, _ in results] == [None, None]
    assert time.monotonic() - started >= 0.05  # the second waited for its turn (0.1 s)


def test_limit_req_redis_down_fails_unless_degradation(make_ctx):
    down = {"policy": "redis", "redis_host": "127.0.0.1", "redis_port": _closed_port()}
    ((failed, _),) = asyncio.run(
        _statuses("limit-req", _req_conf(**down), _workers(1), make_ctx, "d", [0])
    )
    assert (failed.status, failed.body) == (500, None)
    degraded = _req_conf(allow_degradation=True, **down)
    ((passed, _),) = asyncio.run(_statuses("limit-req", degraded, _workers(1), make_ctx, "d", [0]))
    assert passed is None
