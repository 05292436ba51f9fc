"""limit-count and limit-req with `policy: redis` and `redis-cluster` on real traffic.

Sources: APISIX 3.5 limit-count docs and apisix/plugins/limit-count/*.lua; limit-req docs and
apisix/plugins/limit-req/*.lua (the redis policies from 3.9). With a redis policy the
counters live in the Redis named by `redis_host`/`redis_port` (or the cluster's
`redis_cluster_nodes`), shared by every gateway node using it: deleting them there starts
the limit over. A Redis that does not answer fails the request with 500 (limit-count's body
`{"error_msg": "failed to limit count"}`) unless `allow_degradation` lets it through.

The suite is given the Redis with --redis-url / --redis-cluster-nodes (reachable by the
gateway and by the suite at the same address); the embedded target starts them itself.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import plugin_route, wait_served
from conformance.support.redis_keys import RedisKeys, host_port


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _where(gw_target: Any, policy: str) -> dict[str, Any]:
    """The plugin fields naming the target's Redis (or cluster) for `policy`."""
    if policy == "redis":
        if not gw_target.redis_url:
            pytest.fail("the redis policy's feature is claimed but no --redis-url was given")
        host, port = host_port(gw_target.redis_url)
        return {"policy": "redis", "redis_host": host, "redis_port": port}
    if not gw_target.redis_cluster_nodes:
        pytest.fail("the redis-cluster feature is claimed but no --redis-cluster-nodes given")
    return {
        "policy": "redis-cluster",
        "redis_cluster_nodes": list(gw_target.redis_cluster_nodes),
        "redis_cluster_name": "gwconform",
    }


def _down(policy: str) -> dict[str, Any]:
    if policy == "redis":
        return {"policy": "redis", "redis_host": "127.0.0.1", "redis_port": _closed_port()}
    return {
        "policy": "redis-cluster",
        "redis_cluster_nodes": [f"127.0.0.1:{_closed_port()}"],
        "redis_cluster_name": "gwconform-down",
    }


def _keys_of(gw_target: Any, policy: str) -> RedisKeys:
    if policy == "redis":
        return RedisKeys(url=gw_target.redis_url)
    return RedisKeys(nodes=gw_target.redis_cluster_nodes)


def _check_limit_count_in_redis(admin, dataplane, gw_target, echo, tag, policy):
    where = _where(gw_target, policy)
    keys = _keys_of(gw_target, policy)
    try:
        before = keys.keys()
        conf = {"count": 2, "time_window": 60, "key": "http_x_user", "rejected_code": 429}
        path = plugin_route(admin, echo, tag, "lc", {"limit-count": {**conf, **where}})
        wait_served(dataplane, path, "echo", gw_target.timeouts, once=True)
        alice = {"X-User": "alice"}
        answers = [dataplane.get(path, headers=alice) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert [a.headers.get("x-ratelimit-remaining") for a in answers] == ["1", "0", "0"]
        assert answers[0].headers["x-ratelimit-limit"] == "2"
        assert 0 < int(answers[0].headers["x-ratelimit-reset"]) <= 60
        created = keys.keys() - before
        assert created, f"no counter appeared in the Redis the route names ({policy})"
        keys.delete(created)
        again = dataplane.get(path, headers=alice)
        assert again.status_code == 200, "the counter must live in Redis: deleted, it restarts"
        assert again.headers.get("x-ratelimit-remaining") == "1"
    finally:
        keys.close()


def _check_limit_count_redis_down(admin, dataplane, gw_target, echo, tag, policy):
    base = {"count": 5, "time_window": 60, "redis_timeout": 300, **_down(policy)}
    failing = plugin_route(admin, echo, tag, "down", {"limit-count": base})
    degraded = plugin_route(
        admin, echo, tag, "degraded", {"limit-count": {**base, "allow_degradation": True}}
    )
    answer = wait_served(dataplane, failing, None, gw_target.timeouts, status=500, once=True)
    if policy == "redis":  # a cluster that gives no slots fails before counting: no body
        assert answer.json() == {"error_msg": "failed to limit count"}
    wait_served(dataplane, degraded, "echo", gw_target.timeouts)


def _check_limit_req_in_redis(admin, dataplane, gw_target, echo, tag, policy):
    where = _where(gw_target, policy)
    keys = _keys_of(gw_target, policy)
    try:
        before = keys.keys()
        # one request per 10 s, one more in the burst, admitted without delay
        conf = {"rate": 0.1, "burst": 1, "key": "http_x_user", "nodelay": True}
        path = plugin_route(admin, echo, tag, "lr", {"limit-req": {**conf, **where}})
        wait_served(dataplane, path, "echo", gw_target.timeouts, once=True)
        alice = {"X-User": "alice"}
        statuses = [dataplane.get(path, headers=alice).status_code for _ in range(3)]
        assert statuses == [200, 200, 503]
        created = keys.keys() - before
        assert created, f"no bucket appeared in the Redis the route names ({policy})"
        keys.delete(created)
        assert dataplane.get(path, headers=alice).status_code == 200, (
            "the bucket must live in Redis: deleted, it starts empty"
        )
    finally:
        keys.close()


def _check_limit_req_redis_down(admin, dataplane, gw_target, echo, tag, policy):
    base = {"rate": 10, "burst": 10, "key": "remote_addr", "redis_timeout": 300, **_down(policy)}
    failing = plugin_route(admin, echo, tag, "down", {"limit-req": base})
    degraded = plugin_route(
        admin, echo, tag, "degraded", {"limit-req": {**base, "allow_degradation": True}}
    )
    wait_served(dataplane, failing, None, gw_target.timeouts, status=500, once=True)
    wait_served(dataplane, degraded, "echo", gw_target.timeouts)


CHECKS: dict[str, tuple[Callable[..., None], Callable[..., None]]] = {
    "limit-count": (_check_limit_count_in_redis, _check_limit_count_redis_down),
    "limit-req": (_check_limit_req_in_redis, _check_limit_req_redis_down),
}


def _redis_policy_test(plugin: str, policy: str) -> Callable[..., None]:
    counts, fails = CHECKS[plugin]

    @conformance_test(
        name=f"{plugin}-{policy}",
        description=f"{plugin} with policy {policy} keeps its state there (a deleted key "
        "starts over); an unreachable one answers 500 unless allow_degradation",
        profile="dataplane",
        features=[f"dp-plugin-{plugin}-{policy}"],
    )
    def test(admin, dataplane, gw_target, echo, tag):
        counts(admin, dataplane, gw_target, echo, f"{tag}-up", policy)
        fails(admin, dataplane, gw_target, echo, f"{tag}-down", policy)

    return test


test_limit_count_redis = _redis_policy_test("limit-count", "redis")
test_limit_count_redis_cluster = _redis_policy_test("limit-count", "redis-cluster")
test_limit_req_redis = _redis_policy_test("limit-req", "redis")
test_limit_req_redis_cluster = _redis_policy_test("limit-req", "redis-cluster")
