"""API7 Enterprise service templates and their routes (Admin API 3.9.9, "Service Template"
and "Route"): CRUD, JSON Patch (RFC 6902), list ordering and label filters."""

from __future__ import annotations

from conformance.registry import conformance_test
from conformance.support.ids import unique_id

from .ee_client import body_of, items


@conformance_test(
    name="ee-template-lifecycle",
    description="a service template is created, read, replaced, JSON-patched and deleted",
    profile="api7ee",
    features=["ee-service-templates"],
)
def test_template_lifecycle(ee, dashboard):
    template = ee.template(desc="d", labels={"tier": "gold"})
    assert template["type"] == "http"
    url = f"/services/template/{template['id']}"
    assert body_of(dashboard.get(url))["value"]["labels"] == {"tier": "gold"}
    replaced = body_of(dashboard.put(url, json={"name": template["name"], "desc": "new"}))["value"]
    assert replaced["desc"] == "new" and not replaced.get("labels")
    patch = [
        {"op": "add", "path": "/labels", "value": {"tier": "silver"}},
        {"op": "replace", "path": "/desc", "value": "p"},
    ]
    patched = body_of(dashboard.patch(url, json=patch))["value"]
    assert patched["labels"] == {"tier": "silver"} and patched["desc"] == "p"
    bad = dashboard.patch(url, json=[{"op": "replace", "path": "/name", "value": ""}])
    assert bad.status_code == 400 and bad.json().get("error_msg")
    body_of(dashboard.delete(url))
    assert dashboard.get(url).status_code == 404


@conformance_test(
    name="ee-template-listing",
    description="templates list by name order and filter by labels[key]=value",
    profile="api7ee",
    features=["ee-service-templates"],
)
def test_template_listing(ee, dashboard):
    mark = unique_id("lbl")
    names = [f"{mark}-b", f"{mark}-a", f"{mark}-c"]
    for name in names:
        ee.template(name=name, labels={"mark": mark})
    listing = body_of(
        dashboard.get(
            "/services/template",
            params={"labels[mark]": mark, "order_by": "name", "direction": "asc"},
        )
    )
    assert listing["total"] == 3 and [t["name"] for t in items(listing)] == sorted(names)


@conformance_test(
    name="ee-template-routes",
    description="routes of a template are created, listed by service_id, patched and deleted",
    profile="api7ee",
    features=["ee-service-templates"],
)
def test_template_routes(ee, dashboard):
    template = ee.template()
    route = ee.route(template["id"], ["/a", "/b/*"], methods=["GET"])
    listing = body_of(dashboard.get("/routes/template", params={"service_id": template["id"]}))
    assert [r["id"] for r in items(listing)] == [route["id"]]
    url = f"/routes/template/{route['id']}"
    patched = body_of(
        dashboard.patch(url, json=[{"op": "replace", "path": "/paths", "value": ["/c"]}])
    )
    assert patched["value"]["paths"] == ["/c"]
    for bad in (
        {"name": "r", "paths": ["/x"]},
        {"name": "r", "paths": ["no-slash"], "service_id": template["id"]},
    ):
        response = dashboard.post("/routes/template", json=bad)
        assert response.status_code == 400 and response.json().get("error_msg"), bad
    body_of(dashboard.delete(url))
    assert dashboard.get(url).status_code == 404
