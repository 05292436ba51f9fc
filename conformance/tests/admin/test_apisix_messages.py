"""Whole error messages, as Apache APISIX's own Admin API tests expect them word for word.

Every case is a request and answer of a t/admin/*.t file that reads the same from APISIX 3.5
to today (the file and test are named at each case), so a gateway of the APISIX family can
match them exactly:

- t/admin/routes4.t TEST 21 (a label value that is not a string), t/admin/upstream4.t TEST 6
  (retries below 0);
- t/admin/schema-validate.t (an empty uri, an empty or repeated uris, a status outside the
  enum, a route with neither uri nor uris: "allOf 1 failed: ...");
- t/admin/plugin-metadata.t TEST 6 ("missing plugin name") and t/admin/plugins-reload.t
  TEST 9 (405 for a reload that is not a PUT).
"""

from __future__ import annotations

import pytest

from conformance.registry import conformance_test
from conformance.support.admin_api import expect, expect_error
from conformance.support.ids import unique_id

# the schema-validate.t upstream
_UPSTREAM = {"scheme": "https", "type": "roundrobin", "nodes": {"nghttp2.org": 1}}

SCHEMA_VALIDATE_ROUTES = [
    (
        "uri-empty",
        {"uri": "", "upstream": _UPSTREAM},
        'property "uri" validation failed: string too short, expected at least 1, got 0',
    ),
    (
        "uris-empty",
        {"uris": [], "upstream": _UPSTREAM},
        'property "uris" validation failed: expect array to have at least 1 items',
    ),
    (
        "uris-repeated",
        {"uris": ["/foo", "/foo"], "upstream": _UPSTREAM},
        'property "uris" validation failed: expected unique items but items 1 and 2 are equal',
    ),
    (
        "status-not-in-enum",
        {"status": 3, "uri": "/foo", "upstream": _UPSTREAM},
        'property "status" validation failed: matches none of the enum values',
    ),
    (
        "neither-uri-nor-uris",
        {"upstream": _UPSTREAM},
        "allOf 1 failed: value should match only one schema, but matches none",
    ),
]


@conformance_test(
    name="apisix-messages-resources",
    description="a label value that is no string and retries below 0: APISIX's whole messages",
    profile="apisix-v3",
    features=["admin-validation"],
)
def test_resource_messages(admin):
    rid = unique_id("route")
    route = {"methods": ["GET"], "uri": "/index.html", "labels": {"env": ["production", "release"]}}
    message = expect_error(admin.put(f"/routes/{rid}", json=route), 400)
    assert message == (
        'invalid configuration: property "labels" validation failed: failed to validate env '
        '(matching ".*"): wrong type: expected string, got table'
    )
    expect(admin.get(f"/routes/{rid}"), 404)

    uid = unique_id("up")
    upstream = {
        "nodes": {"127.0.0.1:8080": 1, "127.0.0.1:8090": 1},
        "retries": -1,
        "type": "roundrobin",
    }
    message = expect_error(admin.put(f"/upstreams/{uid}", json=upstream), 400)
    assert message == (
        'invalid configuration: property "retries" validation failed: expected -1 to be at least 0'
    )
    expect(admin.get(f"/upstreams/{uid}"), 404)


@conformance_test(
    name="apisix-messages-schema-validate",
    description="/schema/validate/routes answers t/admin/schema-validate.t's whole messages",
    profile="apisix-v3",
    features=["admin-schema-validate"],
)
@pytest.mark.parametrize(
    ("body", "message"),
    [c[1:] for c in SCHEMA_VALIDATE_ROUTES],
    ids=[c[0] for c in SCHEMA_VALIDATE_ROUTES],
)
def test_schema_validate_messages(admin, body, message):
    assert expect_error(admin.post("/schema/validate/routes", json=body), 400) == message


@conformance_test(
    name="apisix-messages-plugin-endpoints",
    description="plugin metadata without a name and a reload that is not a PUT",
    profile="apisix-v3",
    features=["admin-bad-input"],
)
def test_plugin_endpoint_messages(admin):
    message = expect_error(admin.put("/plugin_metadata", json={"k": "v"}), 400)
    assert message == "missing plugin name"
    message = expect_error(admin.get("/plugins/reload"), 405)
    assert message == "please use PUT method to reload the plugins, GET method is not allowed."
