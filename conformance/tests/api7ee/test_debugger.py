"""The debugger (Extended, inferred paths): a debug session on a gateway group's instance
records the requests its data plane serves through a published route, within its sampling
rule and sample limit; a trace shows the request and response and downloads as OTLP JSON;
stopping the session ends the recording."""

from __future__ import annotations

import httpx

from conformance.registry import conformance_test
from conformance.support.eventually import converge
from conformance.support.ids import unique_id
from conformance.support.traffic import Case, expect_cases

from .ee_client import body_of, items, upstream_of


@conformance_test(
    name="ee-debug-session-records-requests",
    description="a debug session records the requests through a published route that match "
    "its sampling rule, up to max_samples, with their status; a trace downloads as OTLP JSON; "
    "a stopped session records nothing more",
    profile="api7ee",
    features=["ee-debugger"],
)
def test_debug_session_records_requests(ee, echoes, gw_target):
    (echo,) = echoes("debugged")
    group_id = ee.group()["id"]
    template = ee.template(upstream=upstream_of(echo))
    ee.route(template["id"], ["/debugged", "/ignored"])
    body_of(ee.publish(group_id, template["id"]))
    sessions = f"/gateway_groups/{group_id}/debug_sessions"
    instances = items(body_of(ee.client.get(f"/gateway_groups/{group_id}/instances")))
    body = {
        "name": unique_id("debug"),
        "target_instances": [instances[0]["id"]],
        "sampling_rule": [["uri", "==", "/debugged"]],
        "max_samples": 2,
        "duration_secs": 60,
    }
    bad = ee.client.post(sessions, json={**body, "target_instances": ["no-such-instance"]})
    assert bad.status_code == 400 and bad.json().get("error_msg")
    session = body_of(ee.client.post(sessions, json=body))["value"]
    assert session["status"] == "running" and session["max_samples"] == 2
    listed = items(body_of(ee.client.get(sessions)))
    assert session["id"] in {s["id"] for s in listed}
    base = f"{sessions}/{session['id']}"
    with httpx.Client(base_url=ee.data_plane_url(group_id), timeout=5) as dp:
        expect_cases(dp, [Case("/debugged", backend="debugged")], gw_target.timeouts)
        for path in ("/ignored", "/debugged", "/debugged", "/debugged"):
            assert dp.get(path).status_code == 200

        def recorded() -> list[dict]:
            traces = items(body_of(ee.client.get(f"{base}/traces")))
            assert len(traces) == 2, f"{len(traces)} traces so far"
            return traces

        traces = converge(recorded, ee.timeouts, interval=0.2)
        assert all(t["uri"] == "/debugged" and t["status"] == 200 for t in traces)
        trace = body_of(ee.client.get(f"{base}/traces/{traces[0]['id']}"))["value"]
        assert trace["request"]["method"] == "GET" and trace["response"]["status"] == 200
        otlp = body_of(ee.client.get(f"{base}/traces/{traces[0]['id']}/download"))
        span = otlp["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
        assert span["name"] == "GET /debugged"
        stopped = body_of(ee.client.put(f"{base}/stop"))["value"]
        assert stopped["status"] == "stopped"
    assert body_of(ee.client.get(base))["value"]["status"] == "stopped"
    assert ee.client.delete(base).status_code == 200
    assert ee.client.get(base).status_code == 404
