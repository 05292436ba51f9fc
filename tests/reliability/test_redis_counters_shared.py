"""limit-count and limit-req with `policy: redis` count across gateway processes and their
workers: two `gwconform serve` processes (one with two workers, each process with its own
memory store and local counters) serving the same route admit `count` requests in all,
where the local policy would admit `count` per process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance.support.echo_upstream import EchoUpstream
from conformance.support.eventually import eventually
from conformance.support.redis_server import RedisError, RedisServer

from .served import ServedGateway


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    try:
        server = RedisServer().start()
    except RedisError as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture
def gateways(tmp_path: Path) -> Iterator[list[ServedGateway]]:
    started: list[ServedGateway] = []
    for name, workers in (("a", 2), ("b", 1)):
        workdir = tmp_path / name
        workdir.mkdir()
        tmpdir = workdir / "tmp"  # each process its own shared folder: no local sharing
        tmpdir.mkdir()
        started.append(ServedGateway(workdir, workers=workers, tmpdir=tmpdir))
    yield started
    for gateway in started:
        gateway.stop()


def _put_everywhere(gateways: list[ServedGateway], route_id: str, route: dict) -> None:
    """PUT the route on every gateway, then a probe route after it; once every worker
    serves the probe (configurations apply in order), it serves the route too, and no
    request has been counted yet."""
    probe = {"uri": f"/probe-{route_id}", "upstream": route["upstream"]}
    for gateway in gateways:
        with gateway.admin() as admin:
            for rid, body in ((route_id, route), (f"probe-{route_id}", probe)):
                reply = admin.put(f"/apisix/admin/routes/{rid}", json=body)
                assert reply.status_code in (200, 201), reply.text

    def served() -> None:
        for gateway in gateways:
            assert httpx.get(f"{gateway.node_url}/probe-{route_id}").status_code == 200

    eventually(served, timeout=10, successes=10)


def _statuses(gateways: list[ServedGateway], path: str, rounds: int) -> list[int]:
    """`rounds` requests to each gateway in turn, each on a new connection (so that the
    kernel spreads them over a gateway's workers)."""
    statuses = []
    for _ in range(rounds):
        for gateway in gateways:
            statuses.append(httpx.get(gateway.node_url + path).status_code)
    return statuses


def test_limit_count_redis_counts_across_processes_and_workers(redis_server, gateways):
    with EchoUpstream("echo") as echo:
        limit = {
            "count": 5,
            "time_window": 60,
            "policy": "redis",
            "redis_host": "127.0.0.1",
            "redis_port": redis_server.port,
        }
        route = {
            "uri": "/counted",
            "plugins": {"limit-count": limit},
            "upstream": {"type": "roundrobin", "nodes": {echo.node: 1}},
        }
        _put_everywhere(gateways, "counted", route)
        statuses = _statuses(gateways, "/counted", 6)
    assert statuses.count(200) == 5, statuses
    assert statuses.count(503) == 7, statuses


def test_limit_req_redis_bucket_is_one_across_processes(redis_server, gateways):
    with EchoUpstream("echo") as echo:
        limit = {
            "rate": 0.1,
            "burst": 2,
            "key": "remote_addr",
            "nodelay": True,
            "policy": "redis",
            "redis_host": "127.0.0.1",
            "redis_port": redis_server.port,
        }
        route = {
            "uri": "/bucket",
            "plugins": {"limit-req": limit},
            "upstream": {"type": "roundrobin", "nodes": {echo.node: 1}},
        }
        _put_everywhere(gateways, "bucket", route)
        statuses = _statuses(gateways, "/bucket", 4)
    assert statuses.count(200) == 3, statuses  # one, and a burst of two
    assert statuses.count(503) == 5, statuses
