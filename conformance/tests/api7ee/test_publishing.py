"""The API7 Enterprise publishing flow on real traffic: a template published to two gateway
groups with different runtime configuration answers differently on each group's data
plane; an edited template re-published is live as a new version; a rollback brings the
old behaviour back; a deleted published service stops carrying traffic."""

from __future__ import annotations

import httpx

from conformance.registry import conformance_test
from conformance.support.traffic import Case, expect_cases

from .ee_client import body_of, items, upstream_of


@conformance_test(
    name="ee-publishing-flow",
    description="publish to two groups with their own upstreams, re-publish, roll back, delete",
    profile="api7ee",
    features=["ee-publishing", "ee-runtime-config", "ee-service-versions"],
)
def test_publishing_flow(ee, dashboard, echoes, gw_target):
    blue, green = echoes("blue", "green")
    g1, g2 = ee.group(), ee.group()
    template = ee.template(upstream=upstream_of(blue))
    route = ee.route(template["id"], ["/hello"])
    body_of(ee.publish(g1["id"], template["id"], "1.0.0"))
    body_of(ee.publish(g2["id"], template["id"], "1.0.1"))
    runtime = [{"op": "replace", "path": "/upstream/nodes", "value": upstream_of(green)["nodes"]}]
    body_of(
        dashboard.patch(
            f"/gateway_groups/{g2['id']}/services/{template['id']}/runtime_configuration",
            json=runtime,
        )
    )
    # the runtime configuration of one group changes neither the template nor the other group
    nodes = body_of(dashboard.get(f"/services/template/{template['id']}"))["value"]["upstream"][
        "nodes"
    ]
    assert nodes == upstream_of(blue)["nodes"]

    with (
        httpx.Client(base_url=ee.data_plane_url(g1["id"]), timeout=5) as dp1,
        httpx.Client(base_url=ee.data_plane_url(g2["id"]), timeout=5) as dp2,
    ):
        expect_cases(dp1, [Case("/hello", backend="blue")], gw_target.timeouts)
        expect_cases(dp2, [Case("/hello", backend="green")], gw_target.timeouts)

        patch = [{"op": "replace", "path": "/paths", "value": ["/hello", "/v2"]}]
        body_of(dashboard.patch(f"/routes/template/{route['id']}", json=patch))
        expect_cases(
            dp1, [Case("/v2", status=404)], gw_target.timeouts
        )  # not live before publishing
        body_of(ee.publish(g1["id"], template["id"], "2.0.0"))
        expect_cases(dp1, [Case("/v2", backend="blue")], gw_target.timeouts)
        expect_cases(
            dp2, [Case("/v2", status=404), Case("/hello", backend="green")], gw_target.timeouts
        )
        current = body_of(ee.published(g1["id"], template["id"]))["value"]
        assert current["version"] == "2.0.0"

        history = items(
            body_of(dashboard.get(f"/gateway_groups/{g1['id']}/services/{template['id']}/versions"))
        )
        old = next(h for h in history if h["version"] == "1.0.0")
        body_of(ee.rollback(g1["id"], template["id"], old["service_version_id"]))
        expect_cases(
            dp1, [Case("/v2", status=404), Case("/hello", backend="blue")], gw_target.timeouts
        )
        assert body_of(ee.published(g1["id"], template["id"]))["value"]["version"] == "1.0.0"

        body_of(dashboard.delete(f"/gateway_groups/{g1['id']}/services/{template['id']}"))
        expect_cases(dp1, [Case("/hello", status=404)], gw_target.timeouts)
        expect_cases(dp2, [Case("/hello", backend="green")], gw_target.timeouts)
        assert ee.published(g1["id"], template["id"]).status_code == 404


@conformance_test(
    name="ee-version-immutable",
    description="a service version keeps what was published; its name cannot be published again",
    profile="api7ee",
    features=["ee-service-versions", "ee-publishing"],
)
def test_version_immutable(ee, dashboard):
    group = ee.group()
    template = ee.template(desc="before")
    route = ee.route(template["id"], ["/frozen"])
    body_of(ee.publish(group["id"], template["id"], "1.0.0"))
    version_id = body_of(ee.published(group["id"], template["id"]))["value"]["service_version_id"]
    before = body_of(dashboard.get(f"/service_versions/{version_id}"))["value"]

    body_of(
        dashboard.patch(
            f"/services/template/{template['id']}",
            json=[{"op": "replace", "path": "/desc", "value": "after"}],
        )
    )
    body_of(
        dashboard.patch(
            f"/routes/template/{route['id']}",
            json=[{"op": "replace", "path": "/paths", "value": ["/moved"]}],
        )
    )
    assert body_of(dashboard.get(f"/service_versions/{version_id}"))["value"] == before
    routes = items(body_of(dashboard.get(f"/service_versions/{version_id}/routes")))
    assert [r["paths"] for r in routes] == [["/frozen"]]
    again = ee.publish(group["id"], template["id"], "1.0.0")
    assert again.status_code in (400, 409) and again.json().get("error_msg")
    changed = dashboard.put(f"/service_versions/{version_id}", json={"version": "9.9.9"})
    assert 400 <= changed.status_code < 500
    assert body_of(dashboard.get(f"/service_versions/{version_id}"))["value"] == before
    by_name = body_of(dashboard.get(f"/services/{template['id']}/versions/1.0.0"))["value"]
    assert by_name["id"] == version_id


@conformance_test(
    name="ee-versions-across-groups",
    description="the versions a template runs on each gateway group are listed together",
    profile="api7ee",
    features=["ee-service-versions", "ee-publishing"],
)
def test_versions_across_groups(ee, dashboard):
    g1, g2 = ee.group(), ee.group()
    template = ee.template()
    ee.route(template["id"], ["/where"])
    body_of(ee.publish(g1["id"], template["id"], "a"))
    body_of(ee.publish(g2["id"], template["id"], "b"))
    listing = items(body_of(dashboard.get(f"/services/{template['id']}/published_services")))
    assert {(p["gateway_group_id"], p["version"]) for p in listing} == {
        (g1["id"], "a"),
        (g2["id"], "b"),
    }


@conformance_test(
    name="ee-conflict-check",
    description="the conflict check reports routes with the same host and path as a published service",
    profile="api7ee",
    features=["ee-publishing"],
)
def test_conflict_check(ee, dashboard):
    group = ee.group()
    first = ee.template(hosts=["conflict.example.com"])
    ee.route(first["id"], ["/same"], methods=["GET"])
    body_of(ee.publish(group["id"], first["id"]))
    second = ee.template(hosts=["conflict.example.com"])
    ee.route(second["id"], ["/same"], methods=["GET"])
    elsewhere = ee.template(hosts=["other.example.com"])
    ee.route(elsewhere["id"], ["/same"], methods=["GET"])

    def check(service_id):
        body = {
            "gateway_group_id": group["id"],
            "create_new_version": True,
            "services": [{"service_id": service_id}],
        }
        return body_of(dashboard.post("/services/conflict_check", json=body))["value"]

    found = check(second["id"])
    assert len(found["duplicate"]) == 1
    assert {entry["service_id"] for entry in found["duplicate"][0]} == {first["id"], second["id"]}
    assert not check(elsewhere["id"])["duplicate"]
