"""The `redis` and `redis-cluster` policies of limit-count and limit-req: counters kept in a
Redis (or Redis Cluster) that every worker and every gateway process reaches, updated by
one Lua script per request so concurrent requests cannot read the same stale value.

Clients are asynchronous (`redis.asyncio`), kept for the worker's lifetime by connection
settings (a config change keeps the connections), and every call is bounded by the conf's
`redis_timeout` (milliseconds).
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisClusterException, RedisError

# What a call to an unreachable or failing Redis raises.
REDIS_FAILURES = (RedisError, RedisClusterException, OSError, TimeoutError)

# apisix/plugins/limit-count/limit-count-redis.lua (3.5): the key holds the remaining quota
# of the current window; its TTL is the window's remaining seconds.
_COUNT_SCRIPT = """
local ttl = redis.call('ttl', KEYS[1])
if ttl < 0 then
    redis.call('set', KEYS[1], ARGV[1] - ARGV[3], 'EX', ARGV[2])
    return {ARGV[1] - ARGV[3], ARGV[2]}
end
return {redis.call('incrby', KEYS[1], 0 - ARGV[3]), ttl}
"""

# apisix/plugins/limit-req/util.lua: the leaky bucket's excess (thousandths of a request)
# and last arrival (ms) in one hash; {1, excess} admits (state stored), {0, excess} rejects.
_LEAK_SCRIPT = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('hmget', KEYS[1], 'excess', 'last')
local excess
if state[1] and state[2] then
    excess = math.max(tonumber(state[1]) - rate * math.abs(now - tonumber(state[2])) / 1000
                      + 1000, 0)
    if excess > burst then
        return {0, tostring(excess)}
    end
else
    excess = 0
end
redis.call('hset', KEYS[1], 'excess', excess, 'last', now)
redis.call('expire', KEYS[1], tonumber(ARGV[4]))
return {1, tostring(excess)}
"""


class ClusterUnavailable(Exception):
    """No node of the Redis Cluster gave its slots: APISIX fails to create the limiter."""


@dataclass(frozen=True)
class RedisTarget:
    """Where a plugin conf's counters live: its connection settings, read once per conf."""

    cluster: bool
    host: str
    port: int
    database: int
    username: str | None
    password: str | None
    ssl: bool
    ssl_verify: bool
    timeout: float  # seconds
    nodes: tuple[tuple[str, int], ...] = ()


def redis_target(conf: dict[str, Any]) -> RedisTarget | None:
    """The Redis of a conf whose `policy` is redis or redis-cluster, else None."""
    policy = conf.get("policy", "local")
    if policy not in ("redis", "redis-cluster"):
        return None
    password = conf.get("redis_password") or None
    timeout = int(conf.get("redis_timeout", 1000)) / 1000.0
    if policy == "redis-cluster":
        nodes = tuple(_host_port(node) for node in conf["redis_cluster_nodes"])
        ssl = bool(conf.get("redis_cluster_ssl", False))
        verify = bool(conf.get("redis_cluster_ssl_verify", False))
        return RedisTarget(True, "", 0, 0, None, password, ssl, verify, timeout, nodes)
    return RedisTarget(
        cluster=False,
        host=str(conf["redis_host"]),
        port=int(conf.get("redis_port", 6379)),
        database=int(conf.get("redis_database", 0)),
        username=conf.get("redis_username"),
        password=password,
        ssl=bool(conf.get("redis_ssl", False)),
        ssl_verify=bool(conf.get("redis_ssl_verify", False)),
        timeout=timeout,
    )


def _host_port(node: str) -> tuple[str, int]:
    host, _, port = node.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"failed to parse address: {node}")
    return host.strip("[]"), int(port)


class RedisConnections:
    """The worker's Redis clients, one per `RedisTarget`."""

    def __init__(self) -> None:
        self._clients: dict[RedisTarget, Redis | RedisCluster] = {}

    def client(self, target: RedisTarget) -> Redis | RedisCluster:
        client = self._clients.get(target)
        if client is None:
            client = self._clients[target] = _new_client(target)
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


def _new_client(target: RedisTarget) -> Redis | RedisCluster:
    # one attempt per call: the conf's timeout bounds the request, APISIX does not retry
    common: dict[str, Any] = {
        "password": target.password,
        "socket_timeout": target.timeout,
        "socket_connect_timeout": target.timeout,
        "ssl": target.ssl,
        "ssl_cert_reqs": "required" if target.ssl_verify else "none",
        "ssl_check_hostname": target.ssl_verify,
        "retry": Retry(NoBackoff(), 0),
    }
    if target.cluster:
        nodes = [ClusterNode(host, port) for host, port in target.nodes]
        return RedisCluster(startup_nodes=nodes, **common)
    return Redis(
        host=target.host,
        port=target.port,
        db=target.database,
        username=target.username,
        **common,
    )


async def _eval(connections: RedisConnections, target: RedisTarget, script: str, *args: Any) -> Any:
    client = connections.client(target)
    async with asyncio.timeout(target.timeout):
        if isinstance(client, RedisCluster):
            try:
                await client.initialize()
            except REDIS_FAILURES as exc:
                raise ClusterUnavailable(f"failed to new redis cluster: {exc}") from exc
        return await client.eval(script, 1, *args)


async def count_in_redis(
    connections: RedisConnections, target: RedisTarget, key: str, limit: int, window: int
) -> tuple[int, int]:
    """One request counted against `limit` per `window` seconds under `key`: the quota
    remaining (negative once over) and the seconds until the window ends."""
    remaining, ttl = await _eval(connections, target, _COUNT_SCRIPT, key, limit, window, 1)
    return int(remaining), int(ttl)


async def leak_in_redis(
    connections: RedisConnections,
    target: RedisTarget,
    key: str,
    rate: float,
    burst: float,
    now: float,
) -> float | None:
    """One request arriving at `now` (epoch seconds) into the leaky bucket under `key`
    (`rate` per second, `burst` extra): the seconds it must wait, or None when it is over
    the burst."""
    rate_milli, burst_milli = rate * 1000.0, burst * 1000.0
    ttl = math.ceil(burst / rate) + 1
    allowed, excess = await _eval(
        connections, target, _LEAK_SCRIPT, key, rate_milli, burst_milli, now * 1000.0, ttl
    )
    if int(allowed) == 0:
        return None
    return float(excess) / rate_milli
