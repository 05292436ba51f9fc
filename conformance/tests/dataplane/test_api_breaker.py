"""api-breaker on real traffic.

Sources: APISIX 3.5 api-breaker docs and apisix/plugins/api-breaker.lua. Upstream answers
with a status in `unhealthy.http_statuses` count as failures; every `unhealthy.failures`-th
one opens the breaker, which then answers `break_response_code` (with `break_response_body`
and its `break_response_headers`, whose values may hold variables) without asking the
upstream, for 2^n seconds (n = failures / unhealthy.failures rounded up) and at most
`max_breaker_sec`. Once it lets requests through again, `healthy.successes` answers in
`healthy.http_statuses` forget the failures.
"""

from __future__ import annotations

import time

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import plugin_route, wait_served
from conformance.support.eventually import eventually


@conformance_test(
    name="api-breaker",
    description="api-breaker opens after unhealthy.failures upstream failures, answers "
    "break_response_code without the upstream, and lets requests through again",
    profile="dataplane",
    features=["dp-plugin-api-breaker"],
)
def test_api_breaker(admin, dataplane, gw_target, echo, tag):
    conf = {
        "break_response_code": 502,
        "break_response_body": "breaker open\n",
        "break_response_headers": [{"key": "X-Breaker", "value": "$request_method $uri"}],
        "max_breaker_sec": 3,
        "unhealthy": {"http_statuses": [500, 503], "failures": 2},
        "healthy": {"http_statuses": [200], "successes": 1},
    }
    path = plugin_route(admin, echo, tag, "ab", {"api-breaker": conf})
    wait_served(dataplane, path, "echo", gw_target.timeouts)
    echo.force_status(500)
    try:
        # one failure is not enough
        assert dataplane.get(path).status_code == 500
        assert dataplane.get(path).status_code == 500  # the second opens the breaker
        before = echo.request_count
        opened = time.monotonic()
        broken = dataplane.get(path)
        assert (broken.status_code, broken.text) == (502, "breaker open\n")
        assert broken.headers.get("x-breaker") == f"GET {path}"
        assert echo.request_count == before, "an open breaker must not ask the upstream"
        echo.force_status(None)

        def closed() -> None:
            assert dataplane.get(path).status_code == 200

        eventually(closed, timeout=6, interval=0.2, successes=1)
        assert time.monotonic() - opened >= 1, "the breaker must stay open about 2 seconds"
        # a success forgot the failures: one new failure does not open it again
        echo.force_status(503)
        assert dataplane.get(path).status_code == 503
        echo.force_status(None)
        assert dataplane.get(path).status_code == 200
    finally:
        echo.force_status(None)
