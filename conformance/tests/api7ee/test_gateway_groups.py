"""API7 Enterprise gateway groups (Admin API 3.9.9, "Gateway Group"): create, list, get,
update, delete, the `{"value"}` / `{"list", "total"}` / `{"error_msg"}` envelope, paging,
the admin key, and deletion refused while services are published on the group."""

from __future__ import annotations

from conformance.registry import conformance_test

from .ee_client import body_of, items


@conformance_test(
    name="ee-gateway-group-lifecycle",
    description="a gateway group can be created, read, listed, updated and deleted",
    profile="api7ee",
    features=["ee-gateway-groups"],
)
def test_lifecycle(ee, dashboard):
    group = ee.group(description="conformance", labels={"suite": "gwconform"})
    assert group["id"] and group["labels"] == {"suite": "gwconform"}
    got = body_of(dashboard.get(f"/gateway_groups/{group['id']}"))["value"]
    assert got["name"] == group["name"]
    listing = body_of(dashboard.get("/gateway_groups", params={"page_size": 500}))
    assert isinstance(listing["total"], int) and group["id"] in [g["id"] for g in items(listing)]
    update = {
        "name": group["name"] + "-renamed",
        "description": "renamed",
        "labels": {"suite": "x"},
    }
    updated = body_of(dashboard.put(f"/gateway_groups/{group['id']}", json=update))["value"]
    assert updated["name"] == update["name"] and updated["labels"] == {"suite": "x"}
    body_of(dashboard.delete(f"/gateway_groups/{group['id']}"))
    missing = dashboard.get(f"/gateway_groups/{group['id']}")
    assert missing.status_code == 404 and missing.json().get("error_msg")


@conformance_test(
    name="ee-gateway-group-paging",
    description="page and page_size split the gateway group list; total counts all of them",
    profile="api7ee",
    features=["ee-gateway-groups"],
)
def test_paging(ee, dashboard):
    ee.group()
    ee.group()
    everything = body_of(dashboard.get("/gateway_groups", params={"page_size": 500}))
    first = body_of(dashboard.get("/gateway_groups", params={"page": 1, "page_size": 1}))
    second = body_of(dashboard.get("/gateway_groups", params={"page": 2, "page_size": 1}))
    assert first["total"] == second["total"] == everything["total"] >= 3
    assert len(first["list"]) == len(second["list"]) == 1
    assert first["list"][0]["id"] != second["list"][0]["id"]


@conformance_test(
    name="ee-gateway-group-bad-input",
    description="invalid gateway group bodies are refused with 400 and an error_msg",
    profile="api7ee",
    features=["ee-gateway-groups"],
)
def test_bad_input(dashboard):
    for body in ({}, {"name": ""}, {"name": 42}, {"name": "x" * 101}):
        response = dashboard.post("/gateway_groups", json=body)
        assert response.status_code == 400, (body, response.text)
        assert isinstance(response.json().get("error_msg"), str)


@conformance_test(
    name="ee-gateway-group-delete-in-use",
    description="a gateway group with a published service cannot be deleted until it is unpublished",
    profile="api7ee",
    features=["ee-gateway-groups", "ee-publishing"],
)
def test_delete_in_use(ee, dashboard):
    group = ee.group()
    template = ee.template()
    ee.route(template["id"], ["/in-use"])
    body_of(ee.publish(group["id"], template["id"]))
    refused = dashboard.delete(f"/gateway_groups/{group['id']}")
    assert 400 <= refused.status_code < 500 and refused.json().get("error_msg")
    body_of(dashboard.get(f"/gateway_groups/{group['id']}"))
    body_of(dashboard.delete(f"/gateway_groups/{group['id']}/services/{template['id']}"))
    body_of(dashboard.delete(f"/gateway_groups/{group['id']}"))


@conformance_test(
    name="ee-gateway-group-admin-key",
    description="a gateway group's admin key is stable until regenerated",
    profile="api7ee",
    features=["ee-gateway-groups"],
)
def test_admin_key(ee, dashboard):
    group = ee.group()
    first = body_of(dashboard.get(f"/gateway_groups/{group['id']}/admin_key"))["value"]["key"]
    assert (
        first == body_of(dashboard.get(f"/gateway_groups/{group['id']}/admin_key"))["value"]["key"]
    )
    regenerated = body_of(dashboard.put(f"/gateway_groups/{group['id']}/admin_key"))["value"]["key"]
    assert regenerated and regenerated != first
