"""Active health checks and retries.

Sources: Admin API 3.5 "Upstream": `checks` configures health checks (the example: active
checks with http_path, healthy.interval/successes, unhealthy.interval/http_failures); a node
found unhealthy gets no traffic until it is healthy again; `retries` "sets the number of
retries ... Setting this to 0 disables retry"; `retry_timeout` is the "timeout to continue
with retries" (nginx's proxy_next_upstream_timeout: no further node once it has passed since
the first try). A node nothing listens on refuses connections, which without a retry is
answered 502 (nginx's "Bad Gateway"); a node too slow for the read timeout is answered 504.
"""

from __future__ import annotations

from functools import partial

import httpx

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import echo_upstream, put, wait_served
from conformance.support.eventually import converge
from conformance.support.traffic import served_by

CHECKS = {
    "active": {
        "type": "http",
        "http_path": "/healthz",
        "timeout": 1,
        "healthy": {"interval": 1, "successes": 1},
        "unhealthy": {"interval": 1, "http_failures": 1, "tcp_failures": 1, "timeouts": 1},
    }
}


def _backends(dataplane, path: str, n: int) -> list[str | None]:
    """Who answered each of n requests (None for a non-200 answer)."""
    answers = []
    for _ in range(n):
        response = dataplane.get(path)
        answers.append(served_by(response) if response.status_code == 200 else None)
    return answers


def _checked_route(admin, dataplane, gw_target, tag, first, second):
    upstream = echo_upstream(first, second, retries=0, checks=CHECKS)
    put(admin, f"/routes/{tag}", {"uri": f"/{tag}/hc", "upstream": upstream})
    # traffic creates the checker (APISIX starts checking an upstream when it is first used)
    wait_served(dataplane, f"/{tag}/hc", None, gw_target.timeouts)
    converge(
        lambda: _assert_both_serve(dataplane, f"/{tag}/hc"),
        gw_target.timeouts,
        within=_health_checked(gw_target),
    )


def _health_checked(gw_target) -> float:
    """Configuration applied, then active checks noticing the change."""
    return gw_target.timeouts.apply + gw_target.timeouts.health_check


def _assert_both_serve(dataplane, path):
    assert set(_backends(dataplane, path, 10)) == {"first", "second"}


@conformance_test(
    name="healthcheck-stopped-node",
    description="active checks take a stopped node out of rotation and put it back when it returns",
    profile="dataplane",
    features=["dp-healthcheck"],
)
def test_stopped_node(admin, dataplane, gw_target, echoes, tag):
    first, second = echoes("first", "second")
    _checked_route(admin, dataplane, gw_target, tag, first, second)
    path = f"/{tag}/hc"

    first.stop()

    def only_second():
        assert _backends(dataplane, path, 10) == ["second"] * 10

    converge(only_second, gw_target.timeouts, within=_health_checked(gw_target), interval=0.2)
    assert any(r.path == "/healthz" for r in second.requests()), "no active probes seen"

    first.start()

    def first_back():
        assert "first" in _backends(dataplane, path, 10)

    converge(first_back, gw_target.timeouts, within=_health_checked(gw_target), interval=0.2)


@conformance_test(
    name="healthcheck-failing-node",
    description="a node answering its health path with 500 is taken out, and back in at 200",
    profile="dataplane",
    features=["dp-healthcheck"],
)
def test_failing_node(admin, dataplane, gw_target, echoes, tag):
    first, second = echoes("first", "second")
    _checked_route(admin, dataplane, gw_target, tag, first, second)
    path = f"/{tag}/hc"

    first.force_status(500)

    def only_second():
        assert _backends(dataplane, path, 10) == ["second"] * 10

    converge(only_second, gw_target.timeouts, within=_health_checked(gw_target), interval=0.2)

    first.force_status(None)

    def first_back():
        assert "first" in _backends(dataplane, path, 10)

    converge(first_back, gw_target.timeouts, within=_health_checked(gw_target), interval=0.2)


@conformance_test(
    name="retries-to-next-node",
    description="with retries, a refused connection is retried on another node: no error reaches the client",
    profile="dataplane",
    features=["dp-retries"],
)
def test_retries(admin, dataplane, gw_target, echoes, tag):
    down, up = echoes("down", "up")
    down.stop()
    put(
        admin,
        f"/routes/{tag}",
        {"uri": f"/{tag}/r", "upstream": echo_upstream(down, up, retries=1)},
    )
    wait_served(dataplane, f"/{tag}/r", "up", gw_target.timeouts)
    assert _backends(dataplane, f"/{tag}/r", 20) == ["up"] * 20


def _answered_by_route(client: httpx.Client, path: str) -> None:
    """The route is in place: its answer is the up node's 200 or the down node's 502."""
    status = client.get(path).status_code
    assert status in (200, 502), f"GET {path}: {status}"


@conformance_test(
    name="retries-disabled",
    description="retries: 0 disables retry: requests sent to a refusing node fail with 502",
    profile="dataplane",
    features=["dp-retries"],
)
def test_retries_disabled(admin, dataplane, gw_target, echoes, tag):
    down, up = echoes("down", "up")
    down.stop()
    put(
        admin,
        f"/routes/{tag}",
        {"uri": f"/{tag}/r0", "upstream": echo_upstream(down, up, retries=0)},
    )
    converge(lambda: _answered_by_route(dataplane, f"/{tag}/r0"), gw_target.timeouts)
    statuses = [dataplane.get(f"/{tag}/r0").status_code for _ in range(20)]
    assert 502 in statuses, statuses
    assert set(statuses) <= {200, 502}, statuses


@conformance_test(
    name="retries-timeout",
    description="retry_timeout stops retrying once it has passed: of three nodes too slow for "
    "the read timeout, two are tried, where without it all three are",
    profile="dataplane",
    features=["dp-retries"],
)
def test_retry_timeout(admin, dataplane, gw_target, echoes, tag):
    servers = echoes("s1", "s2", "s3")
    for server in servers:
        server.force_delay(3)
    timeout = {"connect": 2, "send": 2, "read": 0.5}
    # tries at 0 s and 0.5 s; at 1 s the 0.8 s retry timeout has passed
    for name, extra in (("all", {}), ("two", {"retry_timeout": 0.8})):
        upstream = echo_upstream(*servers, retries=2, timeout=timeout, **extra)
        put(admin, f"/routes/{tag}-{name}", {"uri": f"/{tag}/{name}", "upstream": upstream})
        converge(partial(_answered_504, dataplane, f"/{tag}/{name}"), gw_target.timeouts)
    for name, tries in (("all", 3), ("two", 2)):
        before = sum(s.request_count for s in servers)
        assert dataplane.get(f"/{tag}/{name}", timeout=10).status_code == 504
        assert sum(s.request_count for s in servers) - before == tries, name


def _answered_504(client: httpx.Client, path: str) -> None:
    assert client.get(path, timeout=10).status_code == 504
