"""Monitoring through the control plane's Prometheus API (3.2.14 path; Extended: the metrics
reach a real API7 control plane through its Prometheus, on its own schedule): requests through
a published route with the prometheus plugin show as status code and latency series of their
gateway group, and a status-code alert policy on that group fires to a webhook."""

from __future__ import annotations

import json

import httpx

from conformance.registry import conformance_test
from conformance.support.eventually import converge
from conformance.support.ids import unique_id
from conformance.support.notification_receivers import WebhookReceiver
from conformance.support.traffic import Case, expect_cases

from .ee_client import body_of, upstream_of

PROMETHEUS = "/control_plane/prometheus"


def _value(ee, query: str) -> float:
    answer = body_of(ee.client.get(f"{PROMETHEUS}/query", params={"query": query}))["value"]
    assert answer["status"] == "success" and answer["data"]["resultType"] == "vector"
    return sum(float(item["value"][1]) for item in answer["data"]["result"])


@conformance_test(
    name="ee-monitoring-status-codes-and-alert",
    description="requests through a published route with the prometheus plugin count as status "
    "code and latency series of their gateway group in the Prometheus API, and a policy on "
    "the number of 5xx answers of that group fires to a webhook contact point",
    profile="api7ee",
    features=["ee-monitoring", "ee-alert-notifications"],
)
def test_monitoring_status_codes_and_alert(ee, echoes, gw_target):
    (echo,) = echoes("monitored")
    group_id = ee.group()["id"]
    template = ee.template(upstream=upstream_of(echo))
    ee.route(template["id"], ["/ok"], plugins={"prometheus": {}})
    abort = {"abort": {"http_status": 503, "body": "down"}}
    ee.route(template["id"], ["/down"], plugins={"prometheus": {}, "fault-injection": abort})
    body_of(ee.publish(group_id, template["id"]))
    group = f'gateway_group_id="{group_id}"'
    with (
        WebhookReceiver() as receiver,
        httpx.Client(base_url=ee.data_plane_url(group_id), timeout=5) as dp,
    ):
        expect_cases(
            dp, [Case("/ok", backend="monitored"), Case("/down", status=503)], gw_target.timeouts
        )
        hook = body_of(
            ee.client.post(
                "/contact_points",
                json={
                    "name": unique_id("hook"),
                    "type": "webhook",
                    "webhook_config": {"url": f"{receiver.url}/5xx"},
                },
            )
        )["value"]
        condition = {
            "event": "number_of_status_code",
            "event_config": {"http_status_code": "5xx", "duration": 5, "unit": "minute"},
            "operator": "larger_equal",
            "value": 3,
        }
        policy = body_of(
            ee.client.post(
                "/alert/policies",
                json={
                    "name": unique_id("5xx"),
                    "check_interval": 1,
                    "scope": [group_id],
                    "trigger_conditions": [condition],
                    "notifications": [{"contact_point_id": hook["id"]}],
                },
            )
        )["value"]
        try:
            for _ in range(3):
                assert dp.get("/down").status_code == 503

            def counted() -> None:
                down = _value(ee, f'apisix_http_status{{{group},code="503"}}')
                ok = _value(ee, f'apisix_http_status{{{group},code="200"}}')
                assert down >= 3 and ok >= 1, (down, ok)
                assert _value(ee, f"apisix_http_latency_count{{{group}}}") >= down + ok

            converge(counted, ee.timeouts, interval=0.2)

            def fired() -> None:
                assert [d.path for d in receiver.deliveries] == ["/5xx"], receiver.deliveries

            converge(fired, ee.timeouts, within=ee.timeouts.alert_delivery, interval=0.2)
            alert = json.loads(receiver.deliveries[0].body)
            assert (
                alert["alert_policy_id"] == policy["id"] and alert["gateway_group_id"] == group_id
            )
        finally:
            ee.client.delete(f"/alert/policies/{policy['id']}")
            ee.client.delete(f"/contact_points/{hook['id']}")
    unsupported = ee.client.get(
        f"{PROMETHEUS}/query", params={"query": "rate(apisix_http_status[5m])"}
    )
    assert unsupported.status_code == 400 and unsupported.json().get("error_msg")
