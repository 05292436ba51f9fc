"""Plugin list and schemas, and plugin metadata.

Sources: Admin API 3.5 "Plugin" (GET /plugins/list is a JSON array of names; GET
/plugins/key-auth?subsystem=http is its JSON schema, with `header` and `query` defaulting to
"apikey") and "Plugin Metadata" (PUT /plugin_metadata/{plugin_name} answers 201); from
apisix/admin/plugins.lua and plugin_metadata.lua: an unknown subsystem is 400 "unsupported
subsystem: X", an unknown plugin 404, metadata of an unknown plugin 400 "invalid plugin name".
Plugin metadata is one object per plugin name, so this test uses cors, whose metadata (named
origin lists for `allow_origins_by_metadata`) a conformance target is unlikely to depend on.
"""

from __future__ import annotations

from conformance.registry import conformance_test
from conformance.support.admin_api import expect, expect_error

EXPECTED_PLUGINS = {"key-auth", "basic-auth", "jwt-auth", "limit-count", "proxy-rewrite", "cors"}


@conformance_test(
    name="plugins-list",
    description="GET /plugins/list is an array of plugin names including the common ones",
    profile="apisix-v3",
    features=["admin-crud"],
)
def test_plugins_list(admin):
    names = expect(admin.get("/plugins/list"), 200)
    assert isinstance(names, list) and all(isinstance(n, str) for n in names)
    assert set(names) >= EXPECTED_PLUGINS, EXPECTED_PLUGINS - set(names)
    assert len(names) == len(set(names))


@conformance_test(
    name="plugin-schema",
    description="GET /plugins/key-auth returns its JSON schema with the documented defaults",
    profile="apisix-v3",
    features=["admin-crud"],
)
def test_plugin_schema(admin):
    schema = expect(admin.get("/plugins/key-auth", params={"subsystem": "http"}), 200)
    assert schema["type"] == "object"
    assert schema["properties"]["header"]["default"] == "apikey"
    assert schema["properties"]["query"]["default"] == "apikey"
    assert schema["properties"]["hide_credentials"]["default"] is False


@conformance_test(
    name="plugin-schema-errors",
    description="an unknown plugin is 404 and an unknown subsystem 400",
    profile="apisix-v3",
    features=["admin-crud"],
)
def test_plugin_schema_errors(admin):
    expect(admin.get("/plugins/no-such-plugin"), 404)
    expect_error(
        admin.get("/plugins/key-auth", params={"subsystem": "gopher"}), 400, "unsupported subsystem"
    )


@conformance_test(
    name="plugin-metadata-crud",
    description="plugin metadata is put, read and deleted per plugin name",
    profile="apisix-v3",
    features=["admin-crud"],
)
def test_plugin_metadata(admin):
    body = {"allow_origins": {"gwconform": "https://a.example,https://b.example"}}
    created = expect(admin.put("/plugin_metadata/cors", json=body), 200, 201)
    assert created["key"].endswith("/plugin_metadata/cors")
    fetched = expect(admin.get("/plugin_metadata/cors"), 200)["value"]
    assert fetched["allow_origins"] == body["allow_origins"]
    expect(admin.put("/plugin_metadata/cors", json={"allow_origins": "not-a-map"}), 400)
    expect(admin.delete("/plugin_metadata/cors"), 200)
    expect(admin.get("/plugin_metadata/cors"), 404)


@conformance_test(
    name="plugin-metadata-unknown-plugin",
    description="metadata for a plugin that does not exist is refused",
    profile="apisix-v3",
    features=["admin-validation"],
)
def test_plugin_metadata_unknown(admin):
    expect_error(
        admin.put("/plugin_metadata/no-such-plugin", json={"a": 1}), 400, "invalid plugin name"
    )
