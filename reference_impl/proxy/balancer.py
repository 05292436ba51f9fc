"""Load balancers over an upstream's nodes: smooth weighted round robin, chash, least_conn,
ewma.

Every balancer honours node `priority`: nodes of a lower priority are used only when every
node of all higher priorities is down (unhealthy) or already tried by this request.
"""

from __future__ import annotations

import bisect
import math
import random
import time
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from typing import Any

from .nodes import Node

CHASH_POINTS_PER_WEIGHT = 160  # like resty.chash: more points, smoother spread


def _by_priority(nodes: list[Node]) -> list[list[Node]]:
    groups: dict[int, list[Node]] = {}
    for node in nodes:
        groups.setdefault(node.priority, []).append(node)
    return [groups[p] for p in sorted(groups, reverse=True)]


class Balancer(ABC):
    """Picks a node; `exclude` holds nodes already tried by the current request."""

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes
        self.groups = _by_priority([n for n in nodes if n.weight > 0])
        self.single = self.nodes[0] if len(self.nodes) == 1 and nodes[0].weight > 0 else None

    def pick(self, ctx: Any, exclude: Collection[Node] = ()) -> Node | None:
        single = self.single
        if single is not None:
            return single if single.healthy and single not in exclude else None
        for index, group in enumerate(self.groups):
            node = self._pick_in(index, group, ctx, exclude)
            if node is not None:
                return node
        return None

    @abstractmethod
    def _pick_in(
        self, index: int, group: list[Node], ctx: Any, exclude: Collection[Node]
    ) -> Node | None: ...


class RoundRobin(Balancer):
    """nginx's smooth weighted round robin (ngx_http_upstream_get_peer)."""

    def __init__(self, nodes: list[Node]) -> None:
        super().__init__(nodes)
        self.current = {id(n): 0 for n in nodes}

    def _pick_in(
        self, index: int, group: list[Node], ctx: Any, exclude: Collection[Node]
    ) -> Node | None:
        current = self.current
        best = None
        best_value = 0
        total = 0
        for node in group:
            if not node.healthy or node in exclude:
                continue
            value = current[id(node)] + node.weight
            current[id(node)] = value
            total += node.weight
            if best is None or value > best_value:
                best, best_value = node, value
        if best is not None:
            current[id(best)] = best_value - total
        return best


class LeastConn(Balancer):
    """The node with the lowest (active + 1) / weight; ties go to the earlier node."""

    def _pick_in(
        self, index: int, group: list[Node], ctx: Any, exclude: Collection[Node]
    ) -> Node | None:
        best = None
        best_score = 0.0
        for node in group:
            if not node.healthy or node in exclude:
                continue
            score = (node.active + 1) / node.weight
            if best is None or score < best_score:
                best, best_score = node, score
        return best


class ConsistentHash(Balancer):
    """A hash ring built from the node addresses, so unchanged nodes keep their points
    across config reloads; a retry walks on to the next distinct node of the ring."""

    def __init__(self, nodes: list[Node], key_of: Callable[[Any], str]) -> None:
        super().__init__(nodes)
        self.key_of = key_of
        self.rings = []
        for group in self.groups:
            points: list[tuple[int, int]] = []
            for index, node in enumerate(group):
                for i in range(node.weight * CHASH_POINTS_PER_WEIGHT):
                    points.append((zlib.crc32(f"{node.key}#{i}".encode()), index))
            points.sort()
            self.rings.append(([p[0] for p in points], [p[1] for p in points], group))

    def _pick_in(
        self, index: int, group: list[Node], ctx: Any, exclude: Collection[Node]
    ) -> Node | None:
        hashes, owners, _ = self.rings[index]
        count = len(hashes)
        start = bisect.bisect_left(hashes, zlib.crc32(self.key_of(ctx).encode()))
        seen: set[int] = set()
        for step in range(count):
            owner = owners[(start + step) % count]
            if owner in seen:
                continue
            seen.add(owner)
            node = group[owner]
            if node.healthy and node not in exclude:
                return node
            if len(seen) == len(group):
                break
        return None


EWMA_DECAY_TIME = 10.0  # seconds (apisix/balancer/ewma.lua DECAY_TIME)


class Ewma(Balancer):
    """apisix/balancer/ewma.lua: each node's exponentially weighted moving average of its
    latency (connect + response time), decaying towards 0 with the time since it was last
    updated; of two nodes drawn at random the one with the lower score serves (weights are
    not used, as in APISIX). It is told how long each answered try took (`observe`)."""

    def __init__(self, nodes: list[Node]) -> None:
        super().__init__(nodes)
        self.score: dict[int, float] = {}
        self.touched: dict[int, float] = {}
        self.random = random.Random(0)

    def _decayed(self, node: Node, rtt: float, now: float) -> float:
        key = id(node)
        weight = math.exp(-max(now - self.touched.get(key, 0.0), 0.0) / EWMA_DECAY_TIME)
        return self.score.get(key, 0.0) * weight + rtt * (1.0 - weight)

    def _pick_in(
        self, index: int, group: list[Node], ctx: Any, exclude: Collection[Node]
    ) -> Node | None:
        peers = [n for n in group if n.healthy and n not in exclude]
        if len(peers) < 2:
            return peers[0] if peers else None
        first, second = self.random.sample(peers, 2)
        now = time.monotonic()
        return second if self._decayed(first, 0.0, now) > self._decayed(second, 0.0, now) else first

    def observe(self, node: Node, seconds: float) -> None:
        now = time.monotonic()
        self.score[id(node)] = self._decayed(node, seconds, now)
        self.touched[id(node)] = now


def chash_key_getter(conf: dict[str, Any]) -> Callable[[Any], str]:
    """How an upstream's `hash_on` + `key` turn a request ctx into a hash key; when the
    value is missing the key falls back to remote_addr, as APISIX does."""
    hash_on = conf.get("hash_on") or "vars"
    key = conf.get("key") or "remote_addr"

    def fallback(ctx: Any) -> str:
        return ctx.request.remote_addr

    if hash_on == "consumer":
        return lambda ctx: ctx.consumer_name or fallback(ctx)
    if hash_on == "header":
        name = "http_" + key.lower().replace("-", "_")
        return lambda ctx: ctx.var(name) or fallback(ctx)
    if hash_on == "cookie":
        name = "cookie_" + key
        return lambda ctx: ctx.var(name) or fallback(ctx)
    if hash_on == "vars_combinations":
        parts = _split_combination(key)

        def combined(ctx: Any) -> str:
            out = "".join(text if not is_var else (ctx.var(text) or "") for is_var, text in parts)
            return out or fallback(ctx)

        return combined
    if key == "remote_addr":
        return fallback
    return lambda ctx: ctx.var(key) or fallback(ctx)


def _split_combination(template: str) -> list[tuple[bool, str]]:
    """`$request_uri-$remote_addr` -> [(True, request_uri), (False, "-"), (True, remote_addr)]."""
    parts: list[tuple[bool, str]] = []
    i = 0
    while i < len(template):
        if template[i] == "$":
            j = i + 1
            while j < len(template) and (template[j].isalnum() or template[j] == "_"):
                j += 1
            parts.append((True, template[i + 1 : j]))
            i = j
        else:
            j = template.find("$", i)
            j = len(template) if j < 0 else j
            parts.append((False, template[i:j]))
            i = j
    return parts


def make_balancer(conf: dict[str, Any], nodes: list[Node]) -> Balancer:
    """The balancer of an upstream's `type`; ValueError for a type there is none of (the
    object using the upstream is left out rather than balanced some other way)."""
    kind = conf.get("type") or "roundrobin"
    if kind == "chash":
        return ConsistentHash(nodes, chash_key_getter(conf))
    if kind == "least_conn":
        return LeastConn(nodes)
    if kind == "ewma":
        return Ewma(nodes)
    if kind == "roundrobin":
        return RoundRobin(nodes)
    raise ValueError(f"no balancer of type {kind}")
