"""Balancers: weighted round robin, chash, least_conn and priority, on their own and on the wire."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from reference_impl.proxy.balancer import ConsistentHash, Ewma, LeastConn, RoundRobin, make_balancer
from reference_impl.proxy.nodes import Node, parse_nodes


class FakeCtx:
    def __init__(self, remote_addr: str = "127.0.0.1", **variables: str) -> None:
        self.request = type("R", (), {"remote_addr": remote_addr})()
        self.variables = variables
        self.consumer_name = variables.get("consumer")

    def var(self, name: str) -> str | None:
        return self.variables.get(name)


def test_smooth_weighted_round_robin_is_nginx_order():
    a, b, c = Node("a", 80, 5), Node("b", 80, 1), Node("c", 80, 1)
    balancer = RoundRobin([a, b, c])
    picks = [balancer.pick(FakeCtx()).host for _ in range(7)]
    # nginx's smooth WRR for weights 5,1,1 interleaves instead of bursting
    assert picks == ["a", "a", "b", "a", "c", "a", "a"]


def test_round_robin_skips_unhealthy_and_excluded():
    a, b = Node("a", 80, 1), Node("b", 80, 1)
    balancer = RoundRobin([a, b])
    a.healthy = False
    assert {balancer.pick(FakeCtx()).host for _ in range(4)} == {"b"}
    assert balancer.pick(FakeCtx(), [b]) is None


def test_priority_lower_used_only_when_higher_down():
    nodes = parse_nodes(
        {
            "nodes": [
                {"host": "primary", "port": 80, "weight": 1, "priority": 10},
                {"host": "backup", "port": 80, "weight": 1, "priority": 0},
            ]
        }
    )
    balancer = RoundRobin(nodes)
    assert {balancer.pick(FakeCtx()).host for _ in range(5)} == {"primary"}
    nodes[0].healthy = False
    assert balancer.pick(FakeCtx()).host == "backup"
    nodes[0].healthy = True
    assert balancer.pick(FakeCtx(), [nodes[0]]).host == "backup"  # a retry falls back too


def test_least_conn_picks_lowest_active_per_weight():
    a, b = Node("a", 80, 1), Node("b", 80, 2)
    balancer = LeastConn([a, b])
    a.active, b.active = 1, 2  # scores: a (1+1)/1 = 2, b (2+1)/2 = 1.5
    assert balancer.pick(FakeCtx()) is b
    b.active = 4  # b: 2.5
    assert balancer.pick(FakeCtx()) is a


def test_chash_sticky_and_consistent_across_rebuilds():
    conf = {"type": "chash", "hash_on": "header", "key": "X-User", "nodes": {}}
    nodes = [Node(f"10.0.0.{i}", 80, 1) for i in range(4)]
    first = make_balancer(conf, nodes)
    users = [f"user-{i}" for i in range(400)]
    owner = {u: first.pick(FakeCtx(http_x_user=u)).host for u in users}
    assert all(first.pick(FakeCtx(http_x_user=u)).host == owner[u] for u in users)
    assert len(set(owner.values())) == 4  # spread over all nodes
    # a rebuilt config with one node removed: keys of the remaining nodes stay put
    rebuilt = ConsistentHash([Node(f"10.0.0.{i}", 80, 1) for i in range(3)], first.key_of)
    moved = [
        u
        for u in users
        if owner[u] != "10.0.0.3" and rebuilt.pick(FakeCtx(http_x_user=u)).host != owner[u]
    ]
    assert moved == []


def test_chash_key_sources():
    nodes = [Node(f"n{i}", 80, 1) for i in range(8)]
    by_consumer = make_balancer({"type": "chash", "hash_on": "consumer"}, nodes)
    assert by_consumer.pick(FakeCtx(consumer="jack")) is by_consumer.pick(FakeCtx(consumer="jack"))
    combo = make_balancer(
        {"type": "chash", "hash_on": "vars_combinations", "key": "$uri-$arg_a"}, nodes
    )
    assert combo.pick(FakeCtx(uri="/x", arg_a="1")) is combo.pick(FakeCtx(uri="/x", arg_a="1"))
    fallback = make_balancer({"type": "chash", "hash_on": "cookie", "key": "sid"}, nodes)
    assert fallback.pick(FakeCtx("10.1.1.1")) is fallback.pick(FakeCtx("10.1.1.1"))


def _hits(gateway, path: str, count: int, headers: dict | None = None) -> Counter:
    with httpx.Client(base_url=gateway.url) as client:
        return Counter(client.get(path, headers=headers).json()["upstream"] for _ in range(count))


def test_weighted_round_robin_on_the_wire(gateway, upstreams):
    a, b = upstreams("a"), upstreams("b")
    gateway.put(
        "routes",
        "1",
        {"uri": "/rr", "upstream": {"type": "roundrobin", "nodes": {a.address: 3, b.address: 1}}},
    )
    gateway.wait_config()
    hits = _hits(gateway, "/rr", 80)
    assert hits == {"a": 60, "b": 20}  # smooth WRR is exact over whole cycles


def test_chash_on_the_wire_is_sticky(gateway, upstreams):
    ups = [upstreams(name) for name in "abc"]
    nodes = {u.address: 1 for u in ups}
    gateway.put(
        "routes",
        "1",
        {
            "uri": "/ch",
            "upstream": {"type": "chash", "hash_on": "header", "key": "X-User", "nodes": nodes},
        },
    )
    gateway.wait_config()
    seen = set()
    for user in ("ann", "bob", "cid", "dan", "eve", "fay"):
        hits = _hits(gateway, "/ch", 5, {"X-User": user})
        assert len(hits) == 1  # every request of a user lands on one node
        seen |= set(hits)
    assert len(seen) >= 2


def test_least_conn_on_the_wire_spreads_concurrent_requests(gateway, upstreams, loop_thread):
    a, b = upstreams("a"), upstreams("b")
    a.behave = lambda request: (200, 0.3, None)  # a is slow: b gets the new requests
    gateway.put(
        "routes",
        "1",
        {"uri": "/lc", "upstream": {"type": "least_conn", "nodes": {a.address: 1, b.address: 1}}},
    )
    gateway.wait_config()

    async def burst() -> Counter:
        async with httpx.AsyncClient(base_url=gateway.url) as client:
            first = loop_thread.loop.create_task(
                client.get("/lc")
            )  # occupies a (tie -> first node)
            await asyncio.sleep(0.05)
            rest = [await client.get("/lc") for _ in range(5)]
            return Counter(
                [(await first).json()["upstream"], *(r.json()["upstream"] for r in rest)]
            )

    hits = loop_thread.call(burst())
    assert hits["a"] == 1 and hits["b"] == 5


def test_ewma_prefers_the_lower_decayed_latency(monkeypatch):
    import reference_impl.proxy.balancer as balancer_module

    now = [1000.0]
    monkeypatch.setattr(balancer_module.time, "monotonic", lambda: now[0])
    fast, slow = Node("fast", 80, 1), Node("slow", 80, 100)  # ewma does not use weights
    balancer = make_balancer({"type": "ewma"}, [fast, slow])
    assert isinstance(balancer, Ewma)
    balancer.observe(fast, 0.010)
    balancer.observe(slow, 0.500)
    assert {balancer.pick(FakeCtx()) for _ in range(10)} == {fast}
    assert balancer.pick(FakeCtx(), [fast]) is slow  # a retry takes the other
    # scores decay towards 0 with the time since their last update (DECAY_TIME 10 s): a
    # slow node not heard of for a minute is tried again before the fast one just measured
    now[0] += 60
    balancer.observe(fast, 0.010)
    assert balancer.pick(FakeCtx()) is slow


def test_health_probes_in_flight_are_bounded_by_concurrency():
    from reference_impl.proxy.healthcheck import HealthChecker

    nodes = [Node(f"n{i}", 80, 1) for i in range(5)]
    checker = HealthChecker({"active": {"concurrency": 2}}, nodes)
    in_flight, most = 0, 0

    async def probe(node: Node) -> None:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1

    checker._probe = probe  # type: ignore[method-assign]

    async def one_round() -> None:
        task = asyncio.get_running_loop().create_task(checker._run())
        await asyncio.sleep(0.1)
        task.cancel()

    asyncio.run(one_round())
    assert most == 2
