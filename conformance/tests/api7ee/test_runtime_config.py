"""Runtime configuration of a published service and of its routes (JSON Patch): what a
gateway group changes is live on its data plane, and leaves the template alone."""

from __future__ import annotations

import httpx

from conformance.registry import conformance_test
from conformance.support.traffic import Case, expect_cases

from .ee_client import body_of, upstream_of


@conformance_test(
    name="ee-route-runtime-config",
    description="a plugin added in a route's runtime configuration acts on that group's traffic only",
    profile="api7ee",
    features=["ee-runtime-config"],
)
def test_route_runtime_plugin(ee, dashboard, echoes, gw_target):
    (echo,) = echoes("echo")
    group = ee.group()
    template = ee.template(upstream=upstream_of(echo))
    route = ee.route(template["id"], ["/rt"])
    body_of(ee.publish(group["id"], template["id"]))
    url = f"/gateway_groups/{group['id']}/services/{template['id']}/routes/{route['id']}/runtime_configuration"
    patch = [
        {
            "op": "add",
            "path": "/plugins",
            "value": {"response-rewrite": {"status_code": 418, "body": "teapot"}},
        }
    ]
    body_of(dashboard.patch(url, json=patch))
    assert body_of(dashboard.get(url))["value"]["plugins"]["response-rewrite"]["status_code"] == 418
    assert not body_of(dashboard.get(f"/routes/template/{route['id']}"))["value"].get("plugins")
    with httpx.Client(base_url=ee.data_plane_url(group["id"]), timeout=5) as dp:
        expect_cases(dp, [Case("/rt", status=418)], gw_target.timeouts)
    bad = dashboard.patch(url, json=[{"op": "add", "path": "/plugins/no-such-plugin", "value": {}}])
    assert bad.status_code == 400 and bad.json().get("error_msg")


@conformance_test(
    name="ee-service-runtime-status",
    description="status 0 in a published service's runtime configuration stops its traffic",
    profile="api7ee",
    features=["ee-runtime-config"],
)
def test_service_status(ee, dashboard, echoes, gw_target):
    (echo,) = echoes("echo")
    group = ee.group()
    template = ee.template(upstream=upstream_of(echo))
    ee.route(template["id"], ["/on-off"])
    body_of(ee.publish(group["id"], template["id"]))
    url = f"/gateway_groups/{group['id']}/services/{template['id']}/runtime_configuration"
    with httpx.Client(base_url=ee.data_plane_url(group["id"]), timeout=5) as dp:
        expect_cases(dp, [Case("/on-off", backend="echo")], gw_target.timeouts)
        body_of(dashboard.patch(url, json=[{"op": "replace", "path": "/status", "value": 0}]))
        expect_cases(dp, [Case("/on-off", status=404)], gw_target.timeouts)
        body_of(dashboard.patch(url, json=[{"op": "replace", "path": "/status", "value": 1}]))
        expect_cases(dp, [Case("/on-off", backend="echo")], gw_target.timeouts)
