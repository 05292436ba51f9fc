"""Traffic-control plugins: limit-count (with its X-RateLimit-* headers), limit-req and
ip-restriction.

Sources: APISIX plugin docs and apisix/plugins/*.lua: limit-count allows `count` requests per
`time_window` seconds per key and answers `rejected_code` (default 503) beyond, with
X-RateLimit-Limit and X-RateLimit-Remaining headers on answers; limit-req answers
`rejected_code` (default 503) to requests over `rate` + `burst`; ip-restriction answers 403
{"message": "Your IP address is not allowed"} (default message) to addresses outside its
whitelist or inside its blacklist.
"""

from __future__ import annotations

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import echo_upstream, put, wait_served
from conformance.support.traffic import Case, expect_cases


@conformance_test(
    name="limit-count",
    description="limit-count admits `count` requests per window, then answers rejected_code, with headers",
    profile="dataplane",
    features=["dp-limit-count"],
)
def test_limit_count(admin, dataplane, gw_target, echo, tag):
    path = f"/{tag}/lc"
    plugins = {
        "limit-count": {"count": 3, "time_window": 60, "rejected_code": 429, "key": "remote_addr"}
    }
    route = {"uri": path, "plugins": plugins, "upstream": echo_upstream(echo)}
    put(admin, f"/routes/{tag}", route)
    first = wait_served(dataplane, path, "echo", gw_target.timeouts, once=True)
    assert first.headers["x-ratelimit-limit"] == "3"
    remaining = [int(first.headers["x-ratelimit-remaining"])]
    statuses = []
    for _ in range(4):
        response = dataplane.get(path)
        statuses.append(response.status_code)
        if response.status_code == 200:
            remaining.append(int(response.headers["x-ratelimit-remaining"]))
    # requests before the route was served got 404 and were not counted
    assert statuses[-1] == 429, statuses
    assert statuses.count(200) == remaining[0], (statuses, remaining)
    assert remaining == sorted(remaining, reverse=True), remaining
    assert remaining[-1] == 0, remaining
    rejected = dataplane.get(path)
    assert rejected.status_code == 429
    assert rejected.headers.get("x-ratelimit-remaining") == "0"


@conformance_test(
    name="limit-count-per-route",
    description="limit-count counters belong to their route: another route is not limited",
    profile="dataplane",
    features=["dp-limit-count"],
)
def test_limit_count_per_route(admin, dataplane, gw_target, echo, tag):
    plugins = {"limit-count": {"count": 1, "time_window": 60}}
    put(
        admin,
        f"/routes/{tag}-1",
        {"uri": f"/{tag}/one", "plugins": plugins, "upstream": echo_upstream(echo)},
    )
    put(
        admin,
        f"/routes/{tag}-2",
        {"uri": f"/{tag}/two", "plugins": plugins, "upstream": echo_upstream(echo)},
    )
    wait_served(dataplane, f"/{tag}/one", "echo", gw_target.timeouts, once=True)
    assert dataplane.get(f"/{tag}/one").status_code == 503  # default rejected_code
    wait_served(dataplane, f"/{tag}/two", "echo", gw_target.timeouts, once=True)


@conformance_test(
    name="limit-req",
    description="limit-req rejects a burst above rate + burst with rejected_code",
    profile="dataplane",
    features=["dp-limit-req"],
)
def test_limit_req(admin, dataplane, gw_target, echo, tag):
    path = f"/{tag}/lr"
    plugins = {"limit-req": {"rate": 1, "burst": 0, "key": "remote_addr", "rejected_code": 503}}
    put(admin, f"/routes/{tag}", {"uri": path, "plugins": plugins, "upstream": echo_upstream(echo)})
    wait_served(dataplane, path, "echo", gw_target.timeouts, once=True)
    statuses = [dataplane.get(path).status_code for _ in range(6)]
    assert 503 in statuses, statuses
    assert set(statuses) <= {200, 503}, statuses


@conformance_test(
    name="ip-restriction",
    description="ip-restriction admits whitelisted clients and answers 403 to the others",
    profile="dataplane",
    features=["dp-ip-restriction"],
)
def test_ip_restriction(admin, dataplane, gw_target, echo, tag):
    routes = {
        "in-list": {"whitelist": ["127.0.0.1"]},
        "in-cidr": {"whitelist": ["127.0.0.0/8"]},
        "out-list": {"whitelist": ["10.0.0.0/8"]},
        "blacklisted": {"blacklist": ["127.0.0.1/32"]},
        "custom": {"blacklist": ["127.0.0.1"], "message": "go away"},
    }
    for name, conf in routes.items():
        put(
            admin,
            f"/routes/{tag}-{name}",
            {
                "uri": f"/{tag}/{name}",
                "plugins": {"ip-restriction": conf},
                "upstream": echo_upstream(echo),
            },
        )
    expect_cases(
        dataplane,
        [
            Case(f"/{tag}/in-list", backend="echo"),
            Case(f"/{tag}/in-cidr", backend="echo"),
            Case(f"/{tag}/out-list", status=403),
            Case(f"/{tag}/blacklisted", status=403),
            Case(f"/{tag}/custom", status=403),
        ],
        gw_target.timeouts,
    )
    assert dataplane.get(f"/{tag}/out-list").json() == {"message": "Your IP address is not allowed"}
    assert dataplane.get(f"/{tag}/custom").json() == {"message": "go away"}
