"""Applications: CRUD, list queries, documented constraints, cascade deletes."""

from __future__ import annotations

import pytest

from conformance.registry import conformance_test

from .envelope import ID, api, application, payload, refused, unique_name


@conformance_test(
    name="cloud-app-crud",
    description="an application is created, read, replaced (PUT), patched and deleted",
    profile="api7cloud",
    features=["cloud-applications"],
)
def test_app_crud(cloud, cluster) -> None:
    apps = f"/clusters/{cluster['id']}/apps"
    app = payload(cloud.post(apps, json=application(unique_name("app"), labels=["blue"])))
    assert ID.match(app["id"]) and app["labels"] == ["blue"] and app["path_prefix"] == "/gwc"
    path = f"{apps}/{app['id']}"
    assert payload(cloud.get(path))["name"] == app["name"]
    replaced = payload(cloud.put(path, json=application(app["name"], prefix="/other")))
    assert replaced["id"] == app["id"] and replaced["path_prefix"] == "/other"
    patched = payload(cloud.patch(path, json={"description": "patched"}))
    assert patched["description"] == "patched" and patched["path_prefix"] == "/other"
    assert payload(cloud.get(path))["description"] == "patched"
    payload(cloud.delete(path))
    refused(cloud.get(path), 404)


@conformance_test(
    name="cloud-app-list",
    description="applications list with page, page_size, order_by name, search and labels",
    profile="api7cloud",
    features=["cloud-applications"],
)
def test_app_list(cloud, cluster) -> None:
    apps = f"/clusters/{cluster['id']}/apps"
    for name, labels in (("alpha", ["red"]), ("bravo", ["red", "big"]), ("charlie", [])):
        payload(cloud.post(apps, json=application(name, host=f"{name}.example.com", labels=labels)))
    ordered = payload(cloud.get(apps, params={"order_by": "name", "direction": "asc"}))
    assert [a["name"] for a in ordered["list"]] == ["alpha", "bravo", "charlie"]
    first = payload(
        cloud.get(apps, params={"page_size": 1, "order_by": "name", "direction": "ASC"})
    )
    assert first["count"] == 3 and [a["name"] for a in first["list"]] == ["alpha"]
    assert [a["name"] for a in payload(cloud.get(apps, params={"search": "harl"}))["list"]] == [
        "charlie"
    ]
    labelled = payload(cloud.get(apps, params=[("labels", "red"), ("labels", "big")]))
    assert [a["name"] for a in labelled["list"]] == ["bravo"]


@conformance_test(
    name="cloud-app-constraints",
    description="application bodies breaking the documented constraints are refused with 400",
    profile="api7cloud",
    features=["cloud-validation"],
)
@pytest.mark.parametrize(
    "fields",
    [
        {"name": ""},
        {"name": "n" * 65},
        {"hosts": []},
        {"hosts": ["dup.example.com", "dup.example.com"]},
        {"path_prefix": "relative"},
        {"upstreams": []},
        {"description": "d" * 257},
        {"labels": ["spaces are bad"]},
        {"labels": ["x" * 33]},
        {"active": 5},
        {"protocols": ["GOPHER"]},
    ],
)
def test_app_constraints(cloud, cluster, fields) -> None:
    apps = f"/clusters/{cluster['id']}/apps"
    refused(cloud.post(apps, json=application("constrained", **fields)), 400)
    assert payload(cloud.get(apps))["count"] == 0


@conformance_test(
    name="cloud-app-cascade-delete",
    description="an application with APIs is deleted only with cascade=true, its APIs with it",
    profile="api7cloud",
    features=["cloud-applications"],
)
def test_app_cascade_delete(cloud, cluster) -> None:
    apps = f"/clusters/{cluster['id']}/apps"
    app = payload(cloud.post(apps, json=application("parent")))
    child = payload(cloud.post(f"/apps/{app['id']}/apis", json=api("child")))
    refused(cloud.delete(f"{apps}/{app['id']}"), 400, 409)
    assert payload(cloud.get(f"/apps/{app['id']}/apis/{child['id']}"))["id"] == child["id"]
    payload(cloud.delete(f"{apps}/{app['id']}", params={"cascade": "true"}))
    refused(cloud.get(f"{apps}/{app['id']}"), 404)
    refused(cloud.get(f"/apps/{app['id']}/apis/{child['id']}"), 404)


@conformance_test(
    name="cloud-app-delete-all",
    description="DELETE of the application collection removes every application of the cluster",
    profile="api7cloud",
    features=["cloud-applications"],
)
def test_app_delete_all(cloud, cluster) -> None:
    apps = f"/clusters/{cluster['id']}/apps"
    for name in ("one", "two"):
        payload(cloud.post(apps, json=application(name, host=f"{name}.example.com")))
    payload(cloud.delete(apps, params={"cascade": "true"}))
    assert payload(cloud.get(apps))["count"] == 0


PETSTORE = """
openapi: 3.0.0
info: {title: Petstore}
servers: [{url: "http://127.0.0.1:9/v1"}]
paths:
  /pets:
    get: {operationId: listPets}
    post: {operationId: createPet}
  /pets/{petId}:
    get: {operationId: showPet}
"""


@conformance_test(
    name="cloud-app-import-openapi",
    description="an OpenAPI document becomes an application with one API per operation",
    profile="api7cloud",
    features=["cloud-openapi-import"],
)
def test_app_import_openapi(cloud, cluster) -> None:
    app = payload(cloud.post(f"/clusters/{cluster['id']}/apps/openapi", json={"openapi": PETSTORE}))
    assert app["name"] == "Petstore" and app["path_prefix"] == "/v1"
    apis = payload(cloud.get(f"/apps/{app['id']}/apis", params={"page_size": 10}))
    assert sorted(a["name"] for a in apis["list"]) == ["createPet", "listPets", "showPet"]
    refused(
        cloud.post(f"/clusters/{cluster['id']}/apps/openapi", json={"openapi": "no: [spec"}), 400
    )
