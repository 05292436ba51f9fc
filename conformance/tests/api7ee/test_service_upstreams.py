"""Upstreams of a published service (`/apisix/admin/services/{service_id}/upstreams`, API7
3.9.9): created, listed, read, replaced, patched and deleted per gateway group; they are
APISIX upstreams of the group (seen by its `/apisix/admin/upstreams`), outlive a re-publish,
and carry the requests a `traffic-split` rule of the service's route sends them."""

from __future__ import annotations

from typing import Any

import httpx

from conformance.registry import conformance_test
from conformance.support.traffic import Case, expect_cases

from .ee_client import Api7, body_of, items, upstream_of


def _published(ee: Api7, upstream: dict[str, Any]) -> tuple[str, str, str]:
    """(group id, service id, route id) of a fresh service published on a fresh group."""
    group = ee.group()
    template = ee.template(upstream=upstream)
    route = ee.route(template["id"], ["/hello"])
    body_of(ee.publish(group["id"], template["id"], "1.0.0"))
    return group["id"], template["id"], route["id"]


def _group_upstream_ids(ee: Api7, group_id: str) -> set[str]:
    listing = body_of(ee.apisix("GET", "/upstreams", group_id))
    return {u["id"] for u in items(listing)}


@conformance_test(
    name="ee-service-upstreams-crud",
    description="a published service's upstream is created, listed, read, replaced, patched "
    "and deleted, is an APISIX upstream of its group and outlives a re-publish",
    profile="api7ee",
    features=["ee-service-upstreams"],
)
def test_service_upstream_lifecycle(ee):
    group_id, service_id, _ = _published(ee, upstream_of_nodes(("127.0.0.1", 1980)))
    base = f"/services/{service_id}/upstreams"
    body = {"name": "canary", "desc": "extra pool", **upstream_of_nodes(("127.0.0.1", 1981))}
    created = body_of(ee.apisix("POST", base, group_id, json=body))["value"]
    upstream_id = created["id"]
    assert created["name"] == "canary"
    assert [(n["host"], n["port"], n["weight"]) for n in created["nodes"]] == [
        ("127.0.0.1", 1981, 1)
    ]
    listing = body_of(ee.apisix("GET", base, group_id))
    assert listing["total"] == 1 and [u["id"] for u in listing["list"]] == [upstream_id]
    assert body_of(ee.apisix("GET", f"{base}/{upstream_id}", group_id))["value"]["id"] == (
        upstream_id
    )
    assert upstream_id in _group_upstream_ids(ee, group_id)

    replaced = {"name": "canary2", **upstream_of_nodes(("127.0.0.1", 1982))}
    body_of(ee.apisix("PUT", f"{base}/{upstream_id}", group_id, json=replaced))
    patch = [{"op": "replace", "path": "/nodes/0/weight", "value": 7}]
    body_of(ee.apisix("PATCH", f"{base}/{upstream_id}", group_id, json=patch))
    got = body_of(ee.apisix("GET", f"{base}/{upstream_id}", group_id))["value"]
    assert got["name"] == "canary2" and "desc" not in got
    assert [(n["port"], n["weight"]) for n in got["nodes"]] == [(1982, 7)]

    refused = ee.apisix("POST", base, group_id, json={"name": "no-nodes", "type": "random"})
    assert refused.status_code == 400 and refused.json().get("error_msg")
    missing = ee.apisix("GET", "/services/no-such-service/upstreams", group_id)
    assert missing.status_code == 404

    body_of(ee.publish(group_id, service_id, "2.0.0"))
    assert body_of(ee.apisix("GET", f"{base}/{upstream_id}", group_id))["value"]["name"] == (
        "canary2"
    )
    assert upstream_id in _group_upstream_ids(ee, group_id)

    body_of(ee.apisix("DELETE", f"{base}/{upstream_id}", group_id))
    assert ee.apisix("GET", f"{base}/{upstream_id}", group_id).status_code == 404
    assert body_of(ee.apisix("GET", base, group_id))["total"] == 0
    assert upstream_id not in _group_upstream_ids(ee, group_id)


@conformance_test(
    name="ee-service-upstreams-traffic",
    description="a traffic-split rule of a published route sends matching requests to the "
    "service's extra upstream, also after a re-publish; deleting it ends that",
    profile="api7ee",
    features=["ee-service-upstreams", "ee-runtime-config", "dp-traffic-split"],
)
def test_extra_upstream_carries_matching_traffic(ee, dashboard, echoes, gw_target):
    stable, canary = echoes("stable", "canary")
    group_id, service_id, route_id = _published(ee, upstream_of(stable))
    base = f"/services/{service_id}/upstreams"
    extra = body_of(ee.apisix("POST", base, group_id, json=upstream_of(canary)))["value"]
    split = {
        "rules": [
            {
                "match": [{"vars": [["http_x_canary", "==", "1"]]}],
                "weighted_upstreams": [{"upstream_id": extra["id"], "weight": 1}],
            }
        ]
    }
    runtime = f"/gateway_groups/{group_id}/services/{service_id}/routes/{route_id}"
    runtime += "/runtime_configuration"
    add = [{"op": "add", "path": "/plugins/traffic-split", "value": split}]
    body_of(dashboard.patch(runtime, json=add))
    cases = [
        Case("/hello", headers={"X-Canary": "1"}, backend="canary"),
        Case("/hello", headers={"X-Canary": "0"}, backend="stable"),
        Case("/hello", backend="stable"),
    ]
    with httpx.Client(base_url=ee.data_plane_url(group_id), timeout=5) as dp:
        expect_cases(dp, cases, gw_target.timeouts)
        body_of(ee.publish(group_id, service_id, "2.0.0"))
        expect_cases(dp, cases, gw_target.timeouts)

        body_of(dashboard.patch(runtime, json=[{"op": "replace", "path": "/plugins", "value": {}}]))
        body_of(ee.apisix("DELETE", f"{base}/{extra['id']}", group_id))
        assert extra["id"] not in _group_upstream_ids(ee, group_id)
        expect_cases(
            dp, [Case("/hello", headers={"X-Canary": "1"}, backend="stable")], gw_target.timeouts
        )


def upstream_of_nodes(*nodes: tuple[str, int]) -> dict[str, Any]:
    return {
        "type": "roundrobin",
        "nodes": [{"host": host, "port": port, "weight": 1} for host, port in nodes],
    }
