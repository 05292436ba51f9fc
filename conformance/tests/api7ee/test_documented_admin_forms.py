"""The `/apisix/admin/...?gateway_group_id=` forms the API7 Enterprise Admin API documents
beyond APISIX's (seed 3.9.9: "Create a consumer on a gateway group", "Update a consumer on a
gateway group" with a JSON Patch, "Create a consumer credential on a gateway group", "Create a
global rule on a gateway group", "Get a plugin metadata on a gateway group" with
`return_default`; 3.2.14: `GET /apisix/admin/plugin_metadata/{plugin_name}/default`)."""

from __future__ import annotations

from typing import Any

import httpx

from conformance.registry import conformance_test
from conformance.support.ids import unique_id, unique_username

from .ee_client import body_of, items


def _created(response: httpx.Response) -> Any:
    """A create answer: 200 in the 3.2.14 spec, 201 in APISIX; either carries the object."""
    request = response.request
    assert response.status_code in (200, 201), (
        f"{request.method} {request.url} -> {response.status_code}: {response.text[:300]}"
    )
    return response.json()


@conformance_test(
    name="ee-consumers-post-patch",
    description="a consumer is created with POST, changed with a JSON Patch, and gets a credential by POST",
    profile="api7ee",
    features=["ee-consumers"],
)
def test_consumer_post_patch_and_credential_post(ee):
    group = ee.group()
    user = unique_username("post")
    created = _created(ee.apisix("POST", "/consumers", group["id"], json={"username": user}))
    assert created["value"]["username"] == user
    patch = [{"op": "add", "path": "/desc", "value": "patched"}]
    body_of(ee.apisix("PATCH", f"/consumers/{user}", group["id"], json=patch))
    shown = body_of(ee.apisix("GET", f"/consumers/{user}", group["id"]))["value"]
    assert shown["desc"] == "patched"
    cred = {"name": "primary", "plugins": {"key-auth": {"key": unique_id("post-key")}}}
    credential = _created(
        ee.apisix("POST", f"/consumers/{user}/credentials", group["id"], json=cred)
    )
    listed = body_of(ee.apisix("GET", f"/consumers/{user}/credentials", group["id"]))
    ids = [item["id"] for item in items(listed)]
    assert credential["value"]["id"] in ids
    ee.apisix("DELETE", f"/consumers/{user}", group["id"])


@conformance_test(
    name="ee-global-rules-post",
    description="a global rule is created with POST and gets an id",
    profile="api7ee",
    features=["ee-global-rules"],
)
def test_global_rule_post(ee):
    group = ee.group()
    rule = {"plugins": {"response-rewrite": {"headers": {"set": {"X-Gwconform": "post"}}}}}
    created = _created(ee.apisix("POST", "/global_rules", group["id"], json=rule))["value"]
    assert created["id"]
    shown = body_of(ee.apisix("GET", f"/global_rules/{created['id']}", group["id"]))["value"]
    assert shown["plugins"]["response-rewrite"]["headers"]["set"] == {"X-Gwconform": "post"}
    ee.apisix("DELETE", f"/global_rules/{created['id']}", group["id"])


@conformance_test(
    name="ee-plugin-metadata-defaults",
    description="GET plugin_metadata/{name}/default answers the plugin's defaults, not the stored value",
    profile="api7ee",
    features=["ee-plugin-metadata"],
)
def test_plugin_metadata_defaults(ee):
    group = ee.group()
    stored = {"allow_origins": {"gwconform": "https://defaults.example.com"}}
    _created(ee.apisix("PUT", "/plugin_metadata/cors", group["id"], json=stored))
    defaults = body_of(ee.apisix("GET", "/plugin_metadata/cors/default", group["id"]))["value"]
    assert defaults.get("allow_origins") != stored["allow_origins"]
    body_of(ee.apisix("DELETE", "/plugin_metadata/cors", group["id"]))
    unset = ee.apisix(
        "GET", "/plugin_metadata/cors", group["id"], params={"return_default": "true"}
    )
    assert body_of(unset)["value"] == defaults


@conformance_test(
    name="ee-import-services-into-group",
    description="POST /api/import/services?gateway_group_id= publishes the imported service there",
    profile="api7ee",
    features=["ee-publishing"],
)
def test_import_services_into_a_gateway_group(ee, dashboard):
    group = ee.group()
    name = unique_id("imported")
    body = {"name": name, "routes": [{"name": "r1", "paths": ["/gwconform-imported"]}]}
    params = {"gateway_group_id": group["id"]}
    imported = body_of(dashboard.post("/import/services", params=params, json=body))["value"]
    published = body_of(dashboard.get(f"/gateway_groups/{group['id']}/services/{imported['id']}"))
    assert published["value"]["name"] == name
    dashboard.delete(f"/gateway_groups/{group['id']}/services/{imported['id']}")
    dashboard.delete(f"/services/template/{imported['id']}")
