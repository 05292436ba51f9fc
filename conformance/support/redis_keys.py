"""The keys of a Redis (or Redis Cluster) the gateway counts in, as the suite sees them: to
tell that the redis policies keep their counters there, the suite deletes the keys a test
created and sees the limit start over."""

from __future__ import annotations

from urllib.parse import urlsplit

import redis
from redis.cluster import ClusterNode, RedisCluster

TIMEOUT = 5.0


class RedisKeys:
    """`keys()` now and `delete(keys)` on one Redis (`url`) or one cluster (`nodes`)."""

    def __init__(self, url: str | None = None, nodes: tuple[str, ...] = ()) -> None:
        self._client: redis.Redis | RedisCluster
        if url:
            parts = urlsplit(url)
            self._client = redis.Redis(
                host=parts.hostname or "127.0.0.1",
                port=parts.port or 6379,
                socket_timeout=TIMEOUT,
            )
        else:
            startup = [ClusterNode(*_host_port(node)) for node in nodes]
            self._client = RedisCluster(startup_nodes=startup, socket_timeout=TIMEOUT)

    def keys(self) -> set[bytes]:
        return set(self._client.scan_iter(count=1000))

    def delete(self, keys: set[bytes]) -> None:
        for key in keys:  # one by one: a cluster's keys live in different slots
            self._client.delete(key)

    def close(self) -> None:
        self._client.close()


def _host_port(node: str) -> tuple[str, int]:
    host, _, port = node.rpartition(":")
    return host.strip("[]"), int(port)


def host_port(url: str) -> tuple[str, int]:
    """HOST and PORT of redis://HOST:PORT."""
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 6379
