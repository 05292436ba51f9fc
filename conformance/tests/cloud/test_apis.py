"""APIs of an application: CRUD, constraints, delete all, and the cluster-wide search."""

from __future__ import annotations

import pytest

from conformance.registry import conformance_test

from .envelope import ID, api, application, payload, refused


@pytest.fixture
def app(cloud, cluster) -> dict:
    return payload(cloud.post(f"/clusters/{cluster['id']}/apps", json=application("owner")))


@conformance_test(
    name="cloud-api-crud",
    description="an API is created in an application, read, replaced, patched and deleted",
    profile="api7cloud",
    features=["cloud-apis"],
)
def test_api_crud(cloud, app) -> None:
    apis = f"/apps/{app['id']}/apis"
    created = payload(cloud.post(apis, json=api("orders", methods=["GET"])))
    assert ID.match(created["id"]) and created["app_id"] == app["id"]
    path = f"{apis}/{created['id']}"
    assert payload(cloud.get(path))["methods"] == ["GET"]
    replaced = payload(cloud.put(path, json=api("orders", path="/v2")))
    assert replaced["paths"][0]["path"] == "/v2"
    patched = payload(cloud.patch(path, json={"description": "patched"}))
    assert patched["description"] == "patched" and patched["paths"][0]["path"] == "/v2"
    assert [a["id"] for a in payload(cloud.get(apis))["list"]] == [created["id"]]
    payload(cloud.delete(path))
    refused(cloud.get(path), 404)


@conformance_test(
    name="cloud-api-constraints",
    description="API bodies breaking the documented constraints are refused with 400",
    profile="api7cloud",
    features=["cloud-validation"],
)
@pytest.mark.parametrize(
    "fields",
    [
        {"name": ""},
        {"name": "n" * 65},
        {"paths": []},
        {"paths": [{"path": "/p"}] * 65},
        {"type": "SOAP"},
        {"active": 2},
        {"methods": ["BREW"]},
        {"labels": ["l"] * 2},
    ],
)
def test_api_constraints(cloud, app, fields) -> None:
    refused(cloud.post(f"/apps/{app['id']}/apis", json=api("bad", **fields)), 400)


@conformance_test(
    name="cloud-api-search-and-delete-all",
    description="cluster-wide API search returns parent applications; delete all empties an app",
    profile="api7cloud",
    features=["cloud-apis"],
)
def test_api_search_and_delete_all(cloud, cluster, app) -> None:
    apis = f"/apps/{app['id']}/apis"
    for name in ("findme", "other"):
        payload(cloud.post(apis, json=api(name, path=f"/{name}")))
    found = payload(cloud.get(f"/clusters/{cluster['id']}/apis", params={"search": "findme"}))
    assert [a["name"] for a in found["list"]] == ["findme"]
    assert found["list"][0]["app"]["id"] == app["id"]
    payload(cloud.delete(apis))
    assert payload(cloud.get(apis))["count"] == 0
