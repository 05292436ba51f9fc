"""Validation errors: 400 with an `error_msg` that names what is wrong.

Sources: Admin API 3.5 (schema validation example: `"uri": 1980` gives
'property "uri" validation failed: wrong type: expected string, got number'; "host and hosts
... cannot exist at the same time"), apisix/admin/routes.lua ("only one of host or hosts is
allowed", "only one of remote_addr or remote_addrs is allowed") and apisix/plugin.lua
("unknown plugin [name]").
"""

from __future__ import annotations

import pytest

from conformance.registry import conformance_test
from conformance.support.admin_api import expect, expect_error, route, upstream
from conformance.support.ids import unique_id, unique_username

# (case id, body, fragments the error_msg must contain)
INVALID_ROUTES = [
    ("uri-wrong-type", {"uri": 1980, "upstream": upstream()}, ["uri", "wrong type"]),
    ("host-and-hosts", route("/x", host="a.com", hosts=["b.com"]), ["only one of host or hosts"]),
    (
        "remote-addr-and-addrs",
        route("/x", remote_addr="127.0.0.1", remote_addrs=["127.0.0.2"]),
        ["only one of remote_addr or remote_addrs"],
    ),
    (
        "unknown-plugin",
        route("/x", plugins={"no-such-plugin": {}}),
        ["unknown plugin [no-such-plugin]"],
    ),
    ("bad-method", route("/x", methods=["FETCH"]), ["methods"]),
    ("priority-wrong-type", route("/x", priority="high"), ["priority"]),
    ("status-out-of-range", route("/x", status=7), ["status"]),
    (
        "bad-plugin-config",
        route("/x", plugins={"limit-count": {"count": -1, "time_window": 60}}),
        ["limit-count", "count"],
    ),
    (
        "upstream-type-wrong-type",
        # APISIX accepts any balancer name (user-defined balancers), but it must be a string
        route("/x", upstream={"type": 5, "nodes": {"127.0.0.1:1980": 1}}),
        ["type"],
    ),
    (
        "bad-node-weight",
        route("/x", upstream={"type": "roundrobin", "nodes": {"127.0.0.1:1980": -1}}),
        ["upstream"],
    ),
    ("uris-empty", {"uris": [], "upstream": upstream()}, ["uris"]),
]


@conformance_test(
    name="route-validation-messages",
    description="invalid routes are refused with 400 and an error_msg naming the problem",
    profile="apisix-v3",
    features=["admin-validation"],
)
@pytest.mark.parametrize(
    ("body", "fragments"), [c[1:] for c in INVALID_ROUTES], ids=[c[0] for c in INVALID_ROUTES]
)
def test_route_validation(admin, body, fragments):
    rid = unique_id("route")
    expect_error(admin.put(f"/routes/{rid}", json=body), 400, *fragments)
    expect(admin.get(f"/routes/{rid}"), 404)


@conformance_test(
    name="route-needs-uri",
    description="a route with neither uri nor uris is refused",
    profile="apisix-v3",
    features=["admin-validation"],
)
def test_route_needs_uri(admin):
    expect(admin.put(f"/routes/{unique_id('route')}", json={"upstream": upstream()}), 400)


@conformance_test(
    name="upstream-validation-messages",
    description="invalid upstreams are refused with 400 naming the field",
    profile="apisix-v3",
    features=["admin-validation"],
)
@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"type": "roundrobin", "nodes": {"127.0.0.1:1980": "heavy"}}, "nodes"),
        ({"type": "chash", "hash_on": "nowhere", "nodes": {"127.0.0.1:1980": 1}}, "hash_on"),
        ({"type": "roundrobin", "nodes": {"127.0.0.1:1980": 1}, "scheme": "gopher"}, "scheme"),
        ({"type": "roundrobin", "nodes": {"127.0.0.1:1980": 1}, "retries": -1}, "retries"),
        (
            {"type": "roundrobin", "nodes": {"127.0.0.1:1980": 1}, "pass_host": "elsewhere"},
            "pass_host",
        ),
    ],
    ids=["weight", "hash_on", "scheme", "retries", "pass_host"],
)
def test_upstream_validation(admin, body, fragment):
    expect_error(admin.put(f"/upstreams/{unique_id('up')}", json=body), 400, fragment)


@conformance_test(
    name="consumer-plugin-validation",
    description="a consumer's auth plugin config is validated with the consumer schema",
    profile="apisix-v3",
    features=["admin-validation"],
)
def test_consumer_plugin_validation(admin):
    username = unique_username("v")
    # key-auth on a consumer requires `key`
    expect_error(
        admin.put("/consumers", json={"username": username, "plugins": {"key-auth": {}}}),
        400,
        "key-auth",
    )
    expect_error(
        admin.put("/consumers", json={"username": username, "plugins": {"no-such-plugin": {}}}),
        400,
        "unknown plugin",
    )
    expect(admin.get(f"/consumers/{username}"), 404)


@conformance_test(
    name="global-rule-needs-plugins",
    description="global rules and plugin configs require `plugins`",
    profile="apisix-v3",
    features=["admin-validation"],
)
@pytest.mark.parametrize("kind", ["global_rules", "plugin_configs"])
def test_plugins_required(admin, kind):
    expect_error(admin.put(f"/{kind}/{unique_id('g')}", json={"desc": "empty"}), 400, "plugins")


@conformance_test(
    name="plugin-valid-config-accepted",
    description="a route with valid plugin configurations is stored with those plugins",
    profile="apisix-v3",
    features=["admin-validation"],
)
def test_valid_plugins_accepted(admin):
    rid = unique_id("route")
    plugins = {"key-auth": {}, "limit-count": {"count": 2, "time_window": 60}}
    expect(admin.put(f"/routes/{rid}", json=route("/plugins", plugins=plugins)), 201)
    stored = expect(admin.get(f"/routes/{rid}"), 200)["value"]
    assert set(stored["plugins"]) == {"key-auth", "limit-count"}
    assert stored["plugins"]["limit-count"]["count"] == 2


# (case id, resource, body, the whole error_msg). Plugin and resource schemas that are a
# `oneOf` or `anyOf` report as lua-jsonschema words them: "value should match only one
# schema, but matches none", "object matches none of the required: [...] or [...]".
# limit-count is count + time_window, or rules (apisix/plugins/limit-count, 3.16+);
# t/plugin/limit-count.t and t/admin/plugin-configs.t TEST 6. Up to 3.15 (the 3.5 pages
# this profile is written from) its schema was a plain object and the words differ, so
# these are an Extended feature of their own.
LIMIT_COUNT_ONE_OF_ERRORS = [
    (
        "limit-count-without-count",
        "routes",
        route("/x", plugins={"limit-count": {"time_window": 60, "rejected_code": 503}}),
        "failed to check the configuration of plugin limit-count err: "
        "value should match only one schema, but matches none",
    ),
    (
        "limit-count-without-count-in-plugin-config",
        "plugin_configs",
        {
            "plugins": {
                "limit-count": {"rejected_code": 503, "time_window": 60, "key": "remote_addr"}
            }
        },
        "failed to check the configuration of plugin limit-count err: "
        "value should match only one schema, but matches none",
    ),
    (
        "limit-count-negative-count",
        "routes",
        route("/x", plugins={"limit-count": {"count": -100, "time_window": 60}}),
        'failed to check the configuration of plugin limit-count err: property "count" '
        "validation failed: value should match only one schema, but matches none",
    ),
]
ONE_OF_ERRORS = [
    (
        # t/admin/health-check.t TEST 12: checks is anyOf [active] or [active, passive]
        "health-check-only-passive",
        "routes",
        route(
            "/x",
            upstream={
                "type": "roundrobin",
                "nodes": {"127.0.0.1:1980": 1},
                "checks": {
                    "passive": {
                        "healthy": {"http_statuses": [200, 201], "successes": 1},
                        "unhealthy": {"http_statuses": [500], "http_failures": 2},
                    }
                },
            },
        ),
        'invalid configuration: property "upstream" validation failed: property "checks" '
        'validation failed: object matches none of the required: ["active"] or '
        '["active","passive"]',
    ),
]


@conformance_test(
    name="one-of-any-of-messages",
    description="oneOf and anyOf schemas (health checks) fail with APISIX's words",
    profile="apisix-v3",
    features=["admin-validation"],
)
@pytest.mark.parametrize(
    ("kind", "body", "message"), [c[1:] for c in ONE_OF_ERRORS], ids=[c[0] for c in ONE_OF_ERRORS]
)
def test_one_of_any_of_messages(admin, kind, body, message):
    _refused_with(admin, kind, body, message)


@conformance_test(
    name="limit-count-rules-messages",
    description="limit-count as APISIX 3.16 declares it (count and time_window, or rules) "
    "fails with APISIX's words",
    profile="apisix-v3",
    features=["admin-limit-count-rules"],
)
@pytest.mark.parametrize(
    ("kind", "body", "message"),
    [c[1:] for c in LIMIT_COUNT_ONE_OF_ERRORS],
    ids=[c[0] for c in LIMIT_COUNT_ONE_OF_ERRORS],
)
def test_limit_count_rules_messages(admin, kind, body, message):
    _refused_with(admin, kind, body, message)


def _refused_with(admin, kind: str, body: dict, message: str) -> None:
    oid = unique_id("oneof")
    assert expect_error(admin.put(f"/{kind}/{oid}", json=body), 400) == message
    expect(admin.get(f"/{kind}/{oid}"), 404)
