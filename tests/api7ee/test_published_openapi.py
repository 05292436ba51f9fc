"""OpenAPI documents of a published service and of a service version; replacing a published
service's routes from a document publishes a new version on that gateway group only."""

from __future__ import annotations

import json

import yaml

from .conftest import group_key, new_group, new_route, new_template, ok, publish

DOCUMENT = {
    "openapi": "3.0.0",
    "info": {"title": "pets", "version": "2"},
    "paths": {
        "/pets": {"get": {"operationId": "listPets", "responses": {}}},
        "/pets/{id}": {"delete": {"operationId": "deletePet", "responses": {}}},
    },
}


def _document(answer) -> dict:
    return json.loads(ok(answer)["value"]["raw_openapi"])


def _setup(client):
    group = new_group(client)
    template = new_template(client, path_prefix="/shop", desc="the shop")
    new_route(client, template["id"], ["/cart"], methods=["GET"])
    ok(publish(client, group["id"], template["id"], "1.0"))
    base = f"/api/gateway_groups/{group['id']}/services/{template['id']}"
    return group, template, base


def test_published_document_uses_the_effective_configuration(client):
    _group, template, base = _setup(client)
    doc = _document(client.get(f"{base}/openapi"))
    assert doc["openapi"].startswith("3.0") and doc["info"]["version"] == "1.0"
    assert doc["info"]["title"] == template["name"] and doc["info"]["description"] == "the shop"
    assert list(doc["paths"]) == ["/shop/cart"] and list(doc["paths"]["/shop/cart"]) == ["get"]
    # the group's runtime configuration moves the path prefix; the version keeps its own
    patch = [{"op": "replace", "path": "/path_prefix", "value": "/store"}]
    ok(client.patch(f"{base}/runtime_configuration", json=patch))
    assert list(_document(client.get(f"{base}/openapi"))["paths"]) == ["/store/cart"]
    version_id = ok(client.get(base))["value"]["service_version_id"]
    version_doc = _document(client.get(f"/api/service_versions/{version_id}/openapi"))
    assert list(version_doc["paths"]) == ["/shop/cart"] and version_doc["info"]["version"] == "1.0"


def test_put_publishes_a_new_version_with_the_documents_routes(client, store):
    group, template, base = _setup(client)
    before = ok(client.get(base))["value"]
    ok(
        client.patch(
            f"{base}/runtime_configuration",
            json=[{"op": "add", "path": "/hosts", "value": ["pets.example.com"]}],
        )
    )
    shown = ok(client.put(f"{base}/openapi", json={"raw_openapi": yaml.safe_dump(DOCUMENT)}))[
        "value"
    ]
    assert shown["service_version_id"] != before["service_version_id"]
    assert shown["version"] == "v2" and shown["hosts"] == ["pets.example.com"]
    routes = ok(client.get(f"{base}/routes"))["list"]
    assert sorted((r["paths"], r["methods"]) for r in routes) == [
        (["/pets"], ["GET"]),
        (["/pets/*"], ["DELETE"]),
    ]
    for route in routes:
        assert group_key(store, group, f"/routes/{route['id']}")["uris"] == [
            "/shop" + route["paths"][0]
        ]
    history = ok(client.get(f"{base}/versions"))["list"]
    assert {h["version"] for h in history} == {"1.0", "v2"}
    doc = _document(client.get(f"{base}/openapi"))
    assert set(doc["paths"]) == {"/shop/pets", "/shop/pets/{path}"}
    # the template and the old version keep their routes
    assert (
        ok(client.get("/api/routes/template", params={"service_id": template["id"]}))["total"] == 1
    )
    old = _document(client.get(f"/api/service_versions/{before['service_version_id']}/openapi"))
    assert list(old["paths"]) == ["/shop/cart"]
    # rolling back brings the old routes back
    ok(
        publish(
            client, group["id"], template["id"], service_version_id=before["service_version_id"]
        )
    )
    assert [r["paths"] for r in ok(client.get(f"{base}/routes"))["list"]] == [["/cart"]]


def test_put_refuses_bad_documents_and_unknown_services(client):
    group, _template, base = _setup(client)
    version = ok(client.get(base))["value"]["service_version_id"]
    for body in (
        {},
        {"raw_openapi": ""},
        {"raw_openapi": "not: [valid"},
        {"raw_openapi": json.dumps({"swagger": "2.0"})},
        {"raw_openapi": json.dumps(DOCUMENT), "extra": 1},
        {"raw_openapi": json.dumps({**DOCUMENT, "paths": {"nope": {}}})},
    ):
        answer = client.put(f"{base}/openapi", json=body)
        assert answer.status_code == 400 and answer.json()["error_msg"], body
    assert ok(client.get(base))["value"]["service_version_id"] == version
    missing = f"/api/gateway_groups/{group['id']}/services/missing/openapi"
    assert client.get(missing).status_code == 404
    assert client.put(missing, json={"raw_openapi": json.dumps(DOCUMENT)}).status_code == 404
    assert client.get("/api/service_versions/missing/openapi").status_code == 404


def test_stream_service_refuses_an_openapi_document(client):
    group = new_group(client)
    template = ok(
        client.post(
            "/api/services/template",
            json={
                "name": "tcp",
                "type": "stream",
                "upstream": {
                    "type": "roundrobin",
                    "nodes": [{"host": "127.0.0.1", "port": 9000, "weight": 1}],
                },
            },
        )
    )["value"]
    ok(publish(client, group["id"], template["id"], "s1"))
    url = f"/api/gateway_groups/{group['id']}/services/{template['id']}/openapi"
    assert _document(client.get(url))["paths"] == {}
    answer = client.put(url, json={"raw_openapi": json.dumps(DOCUMENT)})
    assert answer.status_code == 400 and "stream" in answer.json()["error_msg"]
