"""POST /apisix/admin/schema/validate/{resource}: schema checks only, nothing is stored.

Sources: Admin API 3.5 "Schema validation" (200 when valid; 400 with
'property "uri" validation failed: wrong type: expected string, got number') and
t/admin/schema-validate.t for the other messages.
"""

from __future__ import annotations

import pytest

from conformance.registry import conformance_test
from conformance.support.admin_api import expect, expect_error, route, upstream
from conformance.support.ids import unique_id

ROUTE_ERRORS = [
    (
        {"uri": 1980, "upstream": upstream()},
        'property "uri" validation failed: wrong type: expected string, got number',
    ),
    ({"uri": "", "upstream": upstream()}, 'property "uri" validation failed'),
    (
        {"uris": "/a", "upstream": upstream()},
        'property "uris" validation failed: wrong type: expected array',
    ),
    ({"uris": [], "upstream": upstream()}, 'property "uris" validation failed'),
    ({"uri": "/a", "status": 3, "upstream": upstream()}, 'property "status" validation failed'),
]


@conformance_test(
    name="schema-validate-ok",
    description="a valid route or upstream validates with 200 and is not stored",
    profile="apisix-v3",
    features=["admin-schema-validate"],
)
def test_validate_ok(admin):
    name = unique_id("validate")
    expect(admin.post("/schema/validate/routes", json=route("/validate", name=name)), 200)
    expect(admin.post("/schema/validate/upstreams", json=upstream()), 200)
    assert expect(admin.get("/routes", params={"name": name}), 200)["total"] == 0


@conformance_test(
    name="schema-validate-errors",
    description="invalid routes fail validation with 400 and the documented message",
    profile="apisix-v3",
    features=["admin-schema-validate"],
)
@pytest.mark.parametrize(
    ("body", "message"),
    ROUTE_ERRORS,
    ids=["uri-type", "uri-empty", "uris-type", "uris-empty", "status-enum"],
)
def test_validate_errors(admin, body, message):
    expect_error(admin.post("/schema/validate/routes", json=body), 400, message)


@conformance_test(
    name="schema-validate-upstream-nodes",
    description="an upstream with malformed nodes fails validation",
    profile="apisix-v3",
    features=["admin-schema-validate"],
)
def test_validate_upstream_nodes(admin):
    expect(admin.post("/schema/validate/upstreams", json={"type": "roundrobin", "nodes": "x"}), 400)
