"""Organizations: create, get, delete, initialize; the documented name constraints."""

from __future__ import annotations

import pytest

from conformance.registry import conformance_test

from .envelope import ID, payload, refused, unique_name


@conformance_test(
    name="cloud-org-crud",
    description="an organization is created with an id, read back, deleted, then not found",
    profile="api7cloud",
    features=["cloud-organizations"],
)
def test_org_crud(cloud) -> None:
    name = unique_name("org")
    org = payload(cloud.post("/orgs", json={"name": name}))
    try:
        assert ID.match(org["id"]) and org["name"] == name
        assert payload(cloud.get(f"/orgs/{org['id']}"))["name"] == name
        assert org["id"] in payload(cloud.get("/user/me"))["org_ids"]
    finally:
        payload(cloud.delete(f"/orgs/{org['id']}"))
    refused(cloud.get(f"/orgs/{org['id']}"), 404)
    refused(cloud.delete(f"/orgs/{org['id']}"), 404)


@conformance_test(
    name="cloud-org-name-constraints",
    description="organization names have 1 to 32 characters and no whitespace",
    profile="api7cloud",
    features=["cloud-validation"],
)
@pytest.mark.parametrize("name", ["", "x" * 33, "has space", 42, None])
def test_org_name_constraints(cloud, name) -> None:
    refused(cloud.post("/orgs", json={"name": name}), 400)
    refused(cloud.post("/orgs", json={}), 400)


@conformance_test(
    name="cloud-org-initialize",
    description="initializing an organization creates it together with a first cluster",
    profile="api7cloud",
    features=["cloud-organizations"],
)
def test_org_initialize(cloud) -> None:
    name = unique_name("init")
    before = set(payload(cloud.get("/user/me"))["org_ids"])
    payload(cloud.post("/orgs/initialize", json={"name": name}))
    created = [i for i in payload(cloud.get("/user/me"))["org_ids"] if i not in before]
    try:
        orgs = [payload(cloud.get(f"/orgs/{i}")) for i in created]
        assert [o["name"] for o in orgs] == [name]
        assert payload(cloud.get(f"/orgs/{created[0]}/clusters"))["count"] >= 1
    finally:
        for org_id in created:
            cloud.delete(f"/orgs/{org_id}")
