"""OpenAPI import into a service template and export of templates as OpenAPI 3.0."""

from __future__ import annotations

import json

import yaml

from .conftest import new_route, new_template, ok

PETSTORE = {
    "openapi": "3.0.0",
    "info": {"title": "Petstore", "version": "1.0.0", "description": "pets"},
    "servers": [{"url": "http://127.0.0.1:8080/v1"}],
    "paths": {
        "/pets": {
            "get": {"operationId": "listPets", "summary": "List pets", "responses": {}},
            "post": {"operationId": "createPet", "responses": {}},
        },
        "/pets/{petId}": {"get": {"operationId": "getPet", "responses": {}}},
    },
}


def test_convert_does_not_create_anything(client):
    converted = ok(
        client.put("/api/openapi/convert", json={"raw_openapi": yaml.safe_dump(PETSTORE)})
    )["value"]
    assert converted["name"] == "Petstore" and converted["upstream"]["nodes"][0]["port"] == 8080
    assert {(r["name"], r["paths"][0], r["methods"][0]) for r in converted["routes"]} == {
        ("listPets", "/pets", "GET"),
        ("createPet", "/pets", "POST"),
        ("getPet", "/pets/*", "GET"),
    }
    assert ok(client.get("/api/services/template"))["total"] == 0


def test_import_creates_a_template_with_routes(client):
    imported = ok(
        client.post(
            "/api/import/services",
            json={"raw_openapi": json.dumps(PETSTORE), "labels": {"src": "oas"}},
        )
    )["value"]
    assert imported["name"] == "Petstore" and imported["labels"] == {"src": "oas"}
    routes = ok(client.get("/api/routes/template", params={"service_id": imported["id"]}))
    assert routes["total"] == 3
    # the 3.9.9 body: an already converted template with its routes
    body = {"name": "direct", "routes": [{"name": "r", "paths": ["/a"], "methods": ["GET"]}]}
    direct = ok(client.post("/api/import/services", json=body))["value"]
    assert ok(client.get("/api/routes/template", params={"service_id": direct["id"]}))["total"] == 1


def test_bad_documents_are_refused(client):
    for raw in (
        "",
        "not: [valid",
        json.dumps({"swagger": "2.0"}),
        json.dumps({"openapi": "3.0.0", "paths": {"nope": {}}}),
    ):
        response = client.put("/api/openapi/convert", json={"raw_openapi": raw})
        assert response.status_code == 400 and response.json()["error_msg"], raw
    assert (
        client.post(
            "/api/import/services", json={"name": "x", "routes": [{"paths": ["/a"]}]}
        ).status_code
        == 400
    )


def test_export_and_template_openapi(client):
    template = new_template(client, "shop", path_prefix="/shop")
    new_route(client, template["id"], ["/items/*"], methods=["GET"], name="items")
    doc = ok(
        client.post(
            "/api/export/services",
            json={"service_ids": [template["id"]], "info": {"title": "Shop API"}},
        )
    )["value"]
    assert doc["openapi"].startswith("3.0") and doc["info"]["title"] == "Shop API"
    assert doc["paths"]["/shop/items/{path}"]["get"]["operationId"] == "items"
    assert (
        client.post(
            "/api/export/services", json={"service_ids": ["missing"], "info": {"title": "x"}}
        ).status_code
        == 404
    )
    assert (
        client.post("/api/export/services", json={"service_ids": [template["id"]]}).status_code
        == 400
    )

    raw = ok(client.get(f"/api/services/template/{template['id']}/openapi"))["value"]["raw_openapi"]
    assert "/shop/items/{path}" in json.loads(raw)["paths"]
    ok(
        client.put(
            f"/api/services/template/{template['id']}/openapi",
            json={"raw_openapi": json.dumps(PETSTORE)},
        )
    )
    routes = ok(client.get("/api/routes/template", params={"service_id": template["id"]}))["list"]
    assert sorted(r["name"] for r in routes) == ["createPet", "getPet", "listPets"]


def test_unknown_fields_are_refused(client):
    raw = json.dumps(PETSTORE)
    assert client.put("/api/openapi/convert", json={"raw_openapi": raw, "x": 1}).status_code == 400
    assert client.post("/api/import/services", json={"raw_openapi": raw, "x": 1}).status_code == 400
    assert (
        client.post("/api/import/services", json={"raw_openapi": raw, "type": "stream"}).status_code
        == 400
    )
    for body in (
        {"info": {"title": "t"}, "x": 1},
        {"info": {"title": 5}},
        {"info": {"title": "t"}, "servers": ["not-an-object"]},
        {"info": {"title": "t"}, "service_ids": ["bad id"]},
    ):
        assert client.post("/api/export/services", json=body).status_code == 400, body
