"""fault-injection and limit-conn on real traffic.

Sources: APISIX 3.5 plugin docs and apisix/plugins/fault-injection.lua, limit-conn.lua.
fault-injection: `abort` answers `http_status` with `body` and `headers` (both may hold
Nginx variables) instead of the upstream; `delay` waits `duration` seconds and goes on;
`percentage` samples, `vars` (lua-resty-expr rules, any may match) select the requests.
limit-conn: at most `conn` concurrent requests per key, `burst` more delayed, the rest get
`rejected_code` (503) with `{"error_msg": rejected_msg}` when a message is set; a finished
request gives its slot back.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import plugin_route, wait_served
from conformance.support.traffic import Case, expect_cases


@conformance_test(
    name="fault-injection",
    description="fault-injection aborts with a status, body and headers, delays, and selects by vars",
    profile="dataplane",
    features=["dp-plugin-fault-injection"],
)
def test_fault_injection(admin, dataplane, gw_target, echo, tag):
    abort = {"http_status": 403, "body": "Fault Injection!\n"}
    aborted = plugin_route(admin, echo, tag, "abort", {"fault-injection": {"abort": abort}})
    delayed = plugin_route(
        admin, echo, tag, "delay", {"fault-injection": {"delay": {"duration": 0.5}}}
    )
    selected = plugin_route(
        admin,
        echo,
        tag,
        "vars",
        {
            "fault-injection": {
                "abort": {
                    "http_status": 451,
                    "body": "no $arg_name",
                    "headers": {"X-Who": "$arg_name", "X-N": 1},
                    "vars": [[["arg_name", "==", "jack"]], [["arg_name", "==", "rose"]]],
                }
            }
        },
    )
    never = plugin_route(
        admin,
        echo,
        tag,
        "never",
        {"fault-injection": {"abort": {"http_status": 500, "percentage": 0}}},
    )
    expect_cases(
        dataplane,
        [
            Case(aborted, status=403),
            Case(delayed, backend="echo"),
            Case(f"{selected}?name=rose", status=451),
            Case(f"{selected}?name=tom", backend="echo"),
            Case(never, backend="echo"),
        ],
        gw_target.timeouts,
    )
    before = echo.request_count
    assert dataplane.get(aborted).text == "Fault Injection!\n"
    assert echo.request_count == before, "an aborted request must not reach the upstream"
    response = dataplane.get(f"{selected}?name=jack")
    assert (response.status_code, response.text) == (451, "no jack")
    assert (response.headers["x-who"], response.headers["x-n"]) == ("jack", "1")
    started = time.monotonic()
    assert dataplane.get(delayed).status_code == 200
    assert time.monotonic() - started >= 0.5


def _concurrent(base_url: httpx.URL, path: str, n: int) -> list[httpx.Response]:
    """`n` GETs at once, each held 1 s by the echo upstream, from their own connections."""

    def one(_: int) -> httpx.Response:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            return client.get(path, headers={"X-Echo-Delay": "1"})

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


@conformance_test(
    name="limit-conn",
    description="limit-conn admits conn + burst concurrent requests per key and rejects the rest",
    profile="dataplane",
    features=["dp-plugin-limit-conn"],
)
def test_limit_conn(admin, dataplane, gw_target, echo, tag):
    base = {"default_conn_delay": 0.1, "key": "remote_addr"}
    strict = plugin_route(
        admin, echo, tag, "strict", {"limit-conn": {"conn": 1, "burst": 0, **base}}
    )
    burst = plugin_route(
        admin,
        echo,
        tag,
        "burst",
        {
            "limit-conn": {
                "conn": 1,
                "burst": 1,
                "rejected_code": 429,
                "rejected_msg": "too many",
                **base,
            }
        },
    )
    wait_served(dataplane, strict, "echo", gw_target.timeouts)
    wait_served(dataplane, burst, "echo", gw_target.timeouts)

    statuses = sorted(r.status_code for r in _concurrent(dataplane.base_url, strict, 3))
    assert statuses[0] == 200 and statuses[-1] == 503 and set(statuses) == {200, 503}, statuses

    answers = _concurrent(dataplane.base_url, burst, 4)
    statuses = sorted(r.status_code for r in answers)
    assert statuses.count(200) in (1, 2) and set(statuses) == {200, 429}, statuses
    refused = next(r for r in answers if r.status_code == 429)
    assert refused.json() == {"error_msg": "too many"}

    # the finished requests gave their slots back
    assert [r.status_code for r in _concurrent(dataplane.base_url, burst, 2)] == [200, 200]
    assert dataplane.get(strict).status_code == 200
