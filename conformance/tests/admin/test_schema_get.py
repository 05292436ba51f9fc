"""GET /apisix/admin/schema/{name} and /apisix/admin/schema/plugins/{name}: the JSON Schemas
APISIX validates resources and plugins with.

Sources: apisix/admin/init.lua (`/apisix/admin/schema/plugins/{name}` is routed to the plugins
handler, every other `/schema/{name}` to apisix/admin/schema.lua; a handler without the
method answers 404 "not found"), apisix/admin/schema.lua (the table of apisix/schema_def.lua
named by the path, else 400 "not found schema: NAME"), apisix/admin/plugins.lua (404 for an
unknown plugin; `schema_type=consumer` answers the plugin's consumer schema) and
t/admin/schema.t and t/admin/plugins.t, whose expectations these tests repeat: the route
schema's `plugins` is {"type": "object"}, the service schema has no top-level anyOf, global
rules, protos and stream routes carry integer create_time and update_time, limit-count's
schema requires ["count", "time_window"], prometheus' injected `_meta` has
"disable": {"type": "boolean"}, and basic-auth's consumer schema requires username and
password.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.registry import conformance_test
from conformance.support.admin_api import expect, expect_error


def _requireds(schema: Any) -> list[list[str]]:
    """Every `required` list anywhere in a schema (a oneOf branch counts)."""
    found: list[list[str]] = []
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("required"), list):
                found.append(node["required"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


@conformance_test(
    name="schema-get-resources",
    description="GET /schema/{route,service,ssl,...} answers the resource's JSON Schema",
    profile="apisix-v3",
    features=["admin-schema-validate"],
)
def test_schema_get_resources(admin):
    route = expect(admin.get("/schema/route"), 200)
    assert route["type"] == "object"
    assert route["properties"]["plugins"] == {"type": "object"}
    assert {"uri", "uris", "upstream", "upstream_id", "service_id"} <= set(route["properties"])

    service = expect(admin.get("/schema/service"), 200)
    assert service["type"] == "object" and "anyOf" not in service

    ssl = expect(admin.get("/schema/ssl"), 200)
    assert {"cert", "key", "snis"} <= set(ssl["properties"])

    for name in ("global_rule", "proto", "stream_route"):
        schema = expect(admin.get(f"/schema/{name}"), 200)
        for field in ("create_time", "update_time"):
            assert schema["properties"][field] == {"type": "integer"}, (name, field)


@conformance_test(
    name="schema-get-unknown-and-methods",
    description="an unknown schema name is 400 'not found schema: NAME'; PUT and POST are 404",
    profile="apisix-v3",
    features=["admin-schema-validate"],
)
def test_schema_get_unknown(admin):
    message = expect_error(admin.get("/schema/noexits"), 400)
    assert message == "not found schema: noexits"
    expect(admin.put("/schema/service", json={"a": 1}), 404)
    expect(admin.post("/schema/service", json={"a": 1}), 404)


@conformance_test(
    name="schema-get-plugins",
    description="GET /schema/plugins/{name} answers the plugin's schema; an unknown plugin 404",
    profile="apisix-v3",
    features=["admin-schema-validate"],
)
@pytest.mark.parametrize("base", ["/schema/plugins", "/plugins"])
def test_schema_get_plugins(admin, base):
    limit_count = expect(admin.get(f"{base}/limit-count"), 200)
    assert limit_count["type"] == "object"
    assert ["count", "time_window"] in _requireds(limit_count), limit_count

    prometheus = expect(admin.get(f"{base}/prometheus"), 200)
    assert prometheus["properties"]["_meta"]["properties"]["disable"] == {"type": "boolean"}

    consumer = expect(admin.get(f"{base}/basic-auth", params={"schema_type": "consumer"}), 200)
    assert sorted(consumer["required"]) == ["password", "username"]
    assert consumer["properties"]["username"] == {"type": "string"}

    expect(admin.get(f"{base}/no-exist"), 404)
