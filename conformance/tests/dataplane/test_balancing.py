"""Load balancing over echo upstreams: weighted round robin, consistent hashing, least_conn.

Sources: Admin API 3.5 "Upstream" (`roundrobin`: round robin balancing with weights;
`chash` with hash_on vars/header/cookie and `key`; `least_conn` picks the node with the lowest
(active_conn + 1) / weight; nodes as a map or as an array of {host, port, weight}).
"""

from __future__ import annotations

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import echo_upstream, nodes, put, wait_served
from conformance.support.traffic import count_backends, served_by

REQUESTS = 200


@conformance_test(
    name="upstream-weighted-round-robin",
    description="nodes weighted 3:1 share 200 requests 3:1 (within 10%)",
    profile="dataplane",
    features=["dp-upstream-roundrobin"],
)
def test_weighted_round_robin(admin, dataplane, gw_target, echoes, tag):
    heavy, light = echoes("heavy", "light")
    upstream = {"type": "roundrobin", "nodes": nodes(heavy, light, weights=(3, 1))}
    put(admin, f"/routes/{tag}", {"uri": f"/{tag}/rr", "upstream": upstream})
    wait_served(dataplane, f"/{tag}/rr", None, gw_target.timeouts)
    counts = count_backends(dataplane, f"/{tag}/rr", REQUESTS)
    assert set(counts) == {"heavy", "light"}, counts
    assert abs(counts["heavy"] / REQUESTS - 0.75) <= 0.10, counts


@conformance_test(
    name="upstream-equal-weights-array-nodes",
    description="nodes given as an array with equal weights share requests evenly",
    profile="dataplane",
    features=["dp-upstream-roundrobin"],
)
def test_array_nodes(admin, dataplane, gw_target, echoes, tag):
    servers = echoes("n1", "n2", "n3")
    array = [{"host": s.host, "port": s.port, "weight": 1} for s in servers]
    put(admin, f"/upstreams/{tag}", {"type": "roundrobin", "nodes": array})
    put(admin, f"/routes/{tag}", {"uri": f"/{tag}/even", "upstream_id": tag})
    wait_served(dataplane, f"/{tag}/even", None, gw_target.timeouts)
    counts = count_backends(dataplane, f"/{tag}/even", 90)
    assert set(counts) == {"n1", "n2", "n3"}, counts
    assert all(20 <= n <= 40 for n in counts.values()), counts


@conformance_test(
    name="upstream-zero-weight",
    description="a node with weight 0 gets no traffic",
    profile="dataplane",
    features=["dp-upstream-roundrobin"],
)
def test_zero_weight(admin, dataplane, gw_target, echoes, tag):
    used, unused = echoes("used", "unused")
    upstream = {"type": "roundrobin", "nodes": nodes(used, unused, weights=(1, 0))}
    put(admin, f"/routes/{tag}", {"uri": f"/{tag}/z", "upstream": upstream})
    wait_served(dataplane, f"/{tag}/z", None, gw_target.timeouts)
    assert count_backends(dataplane, f"/{tag}/z", 30) == {"used": 30}


@conformance_test(
    name="upstream-chash-header",
    description="chash on a header sends the same key to the same node and spreads keys",
    profile="dataplane",
    features=["dp-chash"],
)
def test_chash_header(admin, dataplane, gw_target, echoes, tag):
    servers = echoes("c1", "c2", "c3")
    upstream = echo_upstream(*servers, type="chash", hash_on="header", key="X-User")
    put(admin, f"/routes/{tag}", {"uri": f"/{tag}/h", "upstream": upstream})
    wait_served(dataplane, f"/{tag}/h", None, gw_target.timeouts, headers={"X-User": "warmup"})
    chosen = {}
    for user in (f"user-{i}" for i in range(30)):
        seen = {served_by(dataplane.get(f"/{tag}/h", headers={"X-User": user})) for _ in range(4)}
        assert len(seen) == 1, f"{user} was served by {seen}"
        chosen[user] = seen.pop()
    assert len(set(chosen.values())) >= 2, chosen


@conformance_test(
    name="upstream-chash-vars",
    description="chash on a variable (arg_id) is sticky per value",
    profile="dataplane",
    features=["dp-chash"],
)
def test_chash_vars(admin, dataplane, gw_target, echoes, tag):
    servers = echoes("v1", "v2")
    upstream = echo_upstream(*servers, type="chash", hash_on="vars", key="arg_id")
    put(admin, f"/routes/{tag}", {"uri": f"/{tag}/v", "upstream": upstream})
    wait_served(dataplane, f"/{tag}/v?id=0", None, gw_target.timeouts)
    chosen = set()
    for value in range(20):
        seen = {served_by(dataplane.get(f"/{tag}/v", params={"id": value})) for _ in range(3)}
        assert len(seen) == 1, f"id={value} was served by {seen}"
        chosen |= seen
    assert chosen == {"v1", "v2"}


@conformance_test(
    name="upstream-least-conn",
    description="least_conn picks the lowest (active+1)/weight: idle, the heavier node always",
    profile="dataplane",
    features=["dp-least-conn"],
)
def test_least_conn(admin, dataplane, gw_target, echoes, tag):
    big, small = echoes("big", "small")
    upstream = {"type": "least_conn", "nodes": nodes(big, small, weights=(3, 1))}
    put(admin, f"/routes/{tag}", {"uri": f"/{tag}/lc", "upstream": upstream})
    wait_served(dataplane, f"/{tag}/lc", None, gw_target.timeouts)
    # Sequential requests leave both nodes idle: (0+1)/3 < (0+1)/1, and even with the previous
    # request still counted (1+1)/3 < 1, so "big" wins every time. Weighted round robin would
    # send a quarter of them to "small".
    assert count_backends(dataplane, f"/{tag}/lc", 40) == {"big": 40}


@conformance_test(
    name="upstream-ewma",
    description="ewma (pick the node with the lowest latency) sends almost every request to the "
    "fast node once both have answered",
    profile="dataplane",
    features=["dp-ewma"],
)
def test_ewma(admin, dataplane, gw_target, echoes, tag):
    slow, fast = echoes("slow", "fast")
    slow.force_delay(0.2)
    upstream = {"type": "ewma", "nodes": nodes(slow, fast)}
    put(admin, f"/routes/{tag}", {"uri": f"/{tag}/ewma", "upstream": upstream})
    wait_served(dataplane, f"/{tag}/ewma", None, gw_target.timeouts)
    counts = count_backends(dataplane, f"/{tag}/ewma", 40)
    # a worker learns each node's latency from its answers: the slow node is tried about
    # once per worker, then scores ~0.2 s against the fast node's few milliseconds
    assert counts.get("slow", 0) <= 4 and counts.get("fast", 0) >= 36, counts
