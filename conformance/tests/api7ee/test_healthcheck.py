"""Health of a published service's upstream nodes as the gateway group's data plane sees it.

Sources: API7 Enterprise Admin API 3.9.9, "Get healthcheck status for the upstream of a
published service on a gateway group": "Retrieve upstream node health check results for a
published service in a gateway group. If no upstream ID is provided, the status of the
service's default upstream is returned"; the published services list filter
`unhealthy_nodes` ("unhealthy_nodes_exists filters for services where unhealthy nodes exist.
no_unhealthy_nodes filters for services where there are no unhealthy nodes"). Node statuses
are APISIX's (Control API `/v1/healthcheck`): healthy, unhealthy, mostly_healthy,
mostly_unhealthy. APISIX starts checking an upstream once it serves traffic, so the test
sends some.
"""

from __future__ import annotations

import httpx

from conformance.registry import conformance_test
from conformance.support.eventually import converge

from .ee_client import body_of, items, upstream_of

CHECKS = {
    "active": {
        "type": "http",
        "timeout": 1,
        "http_path": "/healthz",
        "healthy": {"interval": 1, "successes": 1},
        "unhealthy": {"interval": 1, "http_failures": 1, "tcp_failures": 1, "timeouts": 1},
    }
}
UNHEALTHY = ("unhealthy", "mostly_unhealthy")


def _port(echo) -> int:
    return int(echo.node.rsplit(":", 1)[1])


@conformance_test(
    name="ee-healthcheck-published-service",
    description="a published service's dead node is reported unhealthy, the live one healthy, "
    "and the unhealthy_nodes filter agrees",
    profile="api7ee",
    features=["ee-healthcheck"],
)
def test_healthcheck_of_published_service(ee, dashboard, echoes, gw_target):
    live, dead = echoes("live", "dead")
    dead.stop()  # nothing listens on its port any more
    group = ee.group()
    upstream = {**upstream_of(live, dead), "checks": CHECKS}
    checked = ee.template(upstream=upstream)
    plain = ee.template(upstream=upstream_of(live))
    for template in (checked, plain):
        ee.route(template["id"], [f"/{template['id']}"])
        body_of(ee.publish(group["id"], template["id"]))
    services = f"/gateway_groups/{group['id']}/services"
    timeouts = gw_target.timeouts

    with httpx.Client(base_url=ee.data_plane_url(group["id"]), timeout=5) as dp:

        def reported() -> None:
            dp.get(f"/{checked['id']}")  # traffic: the checker exists once the upstream is used
            answer = body_of(dashboard.get(f"{services}/{checked['id']}/healthcheck"))["value"]
            statuses = {node["port"]: node["status"] for node in answer["nodes"]}
            assert statuses.get(_port(dead)) in UNHEALTHY, answer
            assert statuses.get(_port(live)) == "healthy", answer

        converge(
            reported,
            timeouts,
            within=timeouts.apply + timeouts.health_check,
            interval=0.5,
            retry_on=(AssertionError, httpx.HTTPError),
        )

    def listed(wanted: str) -> set[str]:
        listing = body_of(dashboard.get(services, params={"unhealthy_nodes": wanted}))
        return {item["id"] for item in items(listing)}

    with_unhealthy = listed("unhealthy_nodes_exists")
    assert checked["id"] in with_unhealthy and plain["id"] not in with_unhealthy
    without_unhealthy = listed("no_unhealthy_nodes")
    assert plain["id"] in without_unhealthy and checked["id"] not in without_unhealthy

    missing = dashboard.get(f"{services}/{checked['id']}-missing/healthcheck")
    assert missing.status_code == 404 and missing.json().get("error_msg")
