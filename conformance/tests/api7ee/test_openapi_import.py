"""OpenAPI import into a service template and export of a template's OpenAPI (Extended)."""

from __future__ import annotations

import json

from conformance.registry import conformance_test
from conformance.support.ids import unique_id

from .ee_client import body_of, items


def _document(title: str) -> dict:
    return {
        "openapi": "3.0.0",
        "info": {"title": title, "version": "1.0.0"},
        "paths": {
            "/pets": {
                "get": {"operationId": "listPets", "responses": {"200": {"description": "ok"}}}
            },
            "/pets/{id}": {
                "delete": {
                    "operationId": "deletePet",
                    "responses": {"204": {"description": "gone"}},
                }
            },
        },
    }


@conformance_test(
    name="ee-openapi-import-export",
    description="an imported OpenAPI document becomes a template with one route per operation",
    profile="api7ee",
    features=["ee-openapi-import"],
)
def test_import_export(ee, dashboard):
    title = unique_id("oas")
    imported = body_of(
        dashboard.post("/import/services", json={"raw_openapi": json.dumps(_document(title))})
    )["value"]
    ee.templates.append(imported["id"])
    assert imported["name"] == title
    routes = items(
        body_of(dashboard.get("/routes/template", params={"service_id": imported["id"]}))
    )
    assert sorted((r["methods"][0], r["name"]) for r in routes) == [
        ("DELETE", "deletePet"),
        ("GET", "listPets"),
    ]
    exported = body_of(
        dashboard.post(
            "/export/services", json={"service_ids": [imported["id"]], "info": {"title": title}}
        )
    )
    doc = exported["value"]
    assert doc["openapi"].startswith("3.") and "get" in doc["paths"]["/pets"]
    bad = dashboard.put("/openapi/convert", json={"raw_openapi": "{not an openapi document"})
    assert bad.status_code == 400 and bad.json().get("error_msg")
