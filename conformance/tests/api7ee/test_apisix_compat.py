"""The APISIX-compatible Admin API of a gateway group (`/apisix/admin/...?gateway_group_id=`)
shows the published services, routes and upstreams the `/api` view shows."""

from __future__ import annotations

from conformance.registry import conformance_test

from .ee_client import body_of, items


@conformance_test(
    name="ee-apisix-compat-agrees",
    description="a published service and its routes read the same through /api and /apisix/admin",
    profile="api7ee",
    features=["ee-apisix-compat", "ee-publishing"],
)
def test_agrees_with_api_view(ee):
    group = ee.group()
    template = ee.template(hosts=["compat.example.com"], labels={"compat": "yes"})
    route = ee.route(template["id"], ["/compat"], methods=["GET"])
    body_of(ee.publish(group["id"], template["id"]))
    api_view = body_of(ee.published(group["id"], template["id"]))["value"]
    service = body_of(ee.apisix("GET", f"/services/{template['id']}", group["id"]))["value"]
    assert service["name"] == api_view["name"]
    assert service["hosts"] == api_view["hosts"] == ["compat.example.com"]
    assert service.get("labels") == api_view.get("labels")
    routes = items(body_of(ee.apisix("GET", "/routes", group["id"])))
    mine = [r for r in routes if r.get("service_id") == template["id"]]
    assert [r["id"] for r in mine] == [route["id"]]
    assert mine[0].get("methods") == ["GET"]
    assert any(uri.endswith("/compat") for uri in mine[0].get("uris") or [mine[0].get("uri", "")])
    listing = items(body_of(ee.client.get(f"/gateway_groups/{group['id']}/services")))
    assert template["id"] in [s["id"] for s in listing]


@conformance_test(
    name="ee-apisix-compat-unknown-group",
    description="the APISIX-compatible Admin API refuses an unknown gateway group with an error_msg",
    profile="api7ee",
    features=["ee-apisix-compat"],
)
def test_unknown_group(ee):
    response = ee.apisix("GET", "/routes", "gwconform-no-such-group")
    assert 400 <= response.status_code < 500 and response.json().get("error_msg")
