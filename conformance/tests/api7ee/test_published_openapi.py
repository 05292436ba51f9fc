"""OpenAPI documents of a published service and of a service version (API7 3.9.9): the
published service's document describes its routes as its gateway group serves them; a
version's document is that of the immutable snapshot; a document PUT on the published
service replaces the routes the group serves."""

from __future__ import annotations

import json
from typing import Any

import httpx
import yaml

from conformance.registry import conformance_test

from .ee_client import body_of, items

DOCUMENT = {
    "openapi": "3.0.0",
    "info": {"title": "pets", "version": "2"},
    "paths": {
        "/pets": {"get": {"operationId": "listPets", "responses": {}}},
        "/owners": {"post": {"operationId": "addOwner", "responses": {}}},
    },
}


def _document(response: httpx.Response) -> dict[str, Any]:
    # JSON or YAML: a YAML parser reads both
    document = yaml.safe_load(body_of(response)["value"]["raw_openapi"])
    assert isinstance(document, dict), document
    assert str(document.get("openapi", "")).startswith("3"), document
    return document


def _operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "patch", "head", "options", "trace")
    }


@conformance_test(
    name="ee-published-service-openapi",
    description="a published service's OpenAPI document lists its routes under the group's "
    "path prefix; the version's document stays as published",
    profile="api7ee",
    features=["ee-published-openapi", "ee-runtime-config"],
)
def test_published_and_version_documents(ee, dashboard):
    group = ee.group()
    template = ee.template(path_prefix="/shop")
    ee.route(template["id"], ["/cart"], methods=["GET"])
    body_of(ee.publish(group["id"], template["id"], "1.0.0"))
    base = f"/gateway_groups/{group['id']}/services/{template['id']}"
    assert _operations(_document(dashboard.get(f"{base}/openapi"))) == {("/shop/cart", "get")}

    patch = [{"op": "replace", "path": "/path_prefix", "value": "/store"}]
    body_of(dashboard.patch(f"{base}/runtime_configuration", json=patch))
    assert _operations(_document(dashboard.get(f"{base}/openapi"))) == {("/store/cart", "get")}
    version_id = body_of(dashboard.get(base))["value"]["service_version_id"]
    version_doc = _document(dashboard.get(f"/service_versions/{version_id}/openapi"))
    assert _operations(version_doc) == {("/shop/cart", "get")}

    missing = dashboard.get(f"/gateway_groups/{group['id']}/services/no-such-service/openapi")
    assert missing.status_code == 404 and missing.json().get("error_msg")
    assert dashboard.get("/service_versions/no-such-version/openapi").status_code == 404


@conformance_test(
    name="ee-published-service-openapi-put",
    description="a document PUT on a published service replaces the routes its gateway group "
    "serves; invalid documents are refused; the earlier version's document is unchanged",
    profile="api7ee",
    features=["ee-published-openapi", "ee-apisix-compat"],
)
def test_put_replaces_the_published_routes(ee, dashboard):
    group = ee.group()
    template = ee.template()
    ee.route(template["id"], ["/cart"], methods=["GET"])
    body_of(ee.publish(group["id"], template["id"], "1.0.0"))
    base = f"/gateway_groups/{group['id']}/services/{template['id']}"
    before = body_of(dashboard.get(base))["value"]["service_version_id"]

    for bad in ("", "not: [valid", json.dumps({"swagger": "2.0"})):
        refused = dashboard.put(f"{base}/openapi", json={"raw_openapi": bad})
        assert refused.status_code == 400 and refused.json().get("error_msg")
    body_of(dashboard.put(f"{base}/openapi", json={"raw_openapi": json.dumps(DOCUMENT)}))

    expected = {("/pets", "get"), ("/owners", "post")}
    assert _operations(_document(dashboard.get(f"{base}/openapi"))) == expected
    routes = items(body_of(dashboard.get(f"{base}/routes")))
    assert {(r["paths"][0], r["methods"][0].lower()) for r in routes} == expected
    served = items(body_of(ee.apisix("GET", "/routes", group["id"])))
    assert {(r["uris"][0] if r.get("uris") else r["uri"]) for r in served} == {"/pets", "/owners"}
    old = _document(dashboard.get(f"/service_versions/{before}/openapi"))
    assert _operations(old) == {("/cart", "get")}
