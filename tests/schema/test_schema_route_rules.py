"""Route, service and id rules: mutual exclusions and cross-field rules APISIX enforces."""

from __future__ import annotations

import pytest

from reference_impl.schema import SchemaError, check_resource

BASE = {"uri": "/a", "upstream_id": 1}


def reject(kind: str, conf: object) -> str:
    with pytest.raises(SchemaError) as info:
        check_resource(kind, conf)
    return str(info.value)


def test_uri_and_uris_are_exclusive() -> None:
    assert reject("routes", {**BASE, "uris": ["/b"]}) == (
        "invalid configuration: allOf 1 failed: value should match only one schema, "
        "but matches both schemas 1 and 2"
    )


def test_uri_or_uris_required() -> None:
    assert reject("routes", {"upstream_id": 1}) == (
        "invalid configuration: allOf 1 failed: value should match only one schema, "
        "but matches none"
    )


def test_host_and_hosts_are_exclusive() -> None:
    assert reject("routes", {**BASE, "host": "a.com", "hosts": ["b.com"]}) == (
        "only one of host or hosts is allowed"
    )


def test_remote_addr_and_remote_addrs_are_exclusive() -> None:
    conf = {**BASE, "remote_addr": "127.0.0.1", "remote_addrs": ["10.0.0.1"]}
    assert reject("routes", conf) == "only one of remote_addr or remote_addrs is allowed"


def test_route_needs_something_to_run() -> None:
    assert reject("routes", {"uri": "/a"}).startswith(
        'invalid configuration: object matches none of the required: ["plugins","uri"] or '
        '["upstream","uri"] or ["upstream_id","uri"] or ["service_id","uri"]'
    )


@pytest.mark.parametrize("extra", [{"plugin_config_id": 1}, {"plugins": {"prometheus": {}}}])
def test_script_excludes_plugins_and_plugin_config(extra: dict) -> None:
    conf = {"uri": "/a", "script": "return { access = function() end }", **extra}
    assert reject("routes", conf) == "invalid configuration: value wasn't supposed to match schema"


def test_route_with_script_alone_is_valid() -> None:
    assert check_resource("routes", {"uri": "/a", "script": "return {}   "})["status"] == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hosts", ["foo.com", "*.bar.com"]),
        ("host", "*.foo.com"),
        ("remote_addrs", ["127.0.0.1", "192.0.0.0/8", "::1", "fe80::1/64"]),
        ("remote_addr", "192.168.1.0/24"),
        ("methods", ["GET", "PURGE"]),
        ("vars", [["arg_name", "==", "json"], ["arg_age", ">", 18]]),
        ("vars", [["OR", ["arg_a", "==", "1"], ["arg_b", "!", "==", "2"]]]),
        ("filter_func", "function(vars) return true end"),
        ("timeout", {"connect": 3, "send": 3, "read": 3.5}),
        ("enable_websocket", True),
        ("labels", {"version": "v2"}),
        ("name", "r" * 100),
        ("desc", "d" * 256),
        ("plugin_config_id", "pc-1"),
        ("service_id", 5),
    ],
)
def test_route_fields_accept_valid_values(field: str, value: object) -> None:
    assert check_resource("routes", {**BASE, field: value})[field] == value


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("host", "a b", 'property "host" validation failed: failed to match pattern'),
        ("hosts", [], 'property "hosts" validation failed: expect array to have at least 1 items'),
        (
            "hosts",
            ["a.com", "a.com"],
            'property "hosts" validation failed: expected unique items but items 1 and 2 are equal',
        ),
        (
            "remote_addr",
            "1.2.3.4/40",
            'property "remote_addr" validation failed: object matches none of the required',
        ),
        (
            "methods",
            ["GET", "FETCH"],
            'property "methods" validation failed: failed to validate item 2: '
            "matches none of the enum values",
        ),
        ("priority", 1.5, 'property "priority" validation failed: wrong type: expected integer'),
        ("status", 2, 'property "status" validation failed: matches none of the enum values'),
        (
            "name",
            "n" * 101,
            'property "name" validation failed: string too long, expected at most 100, got 101',
        ),
        (
            "filter_func",
            "return true!",
            'property "filter_func" validation failed: failed to match pattern',
        ),
        (
            "timeout",
            {"connect": 1, "send": 1},
            'property "timeout" validation failed: property "read" is required',
        ),
        (
            "timeout",
            {"connect": 0, "send": 1, "read": 1},
            'property "timeout" validation failed: property "connect" validation failed: '
            "expected 0 to be greater than 0",
        ),
        (
            "vars",
            {"a": 1},
            'property "vars" validation failed: wrong type: expected array, got table',
        ),
        ("enable_websocket", "yes", 'property "enable_websocket" validation failed: wrong type'),
        ("unknown_field", 1, "additional properties forbidden, found unknown_field"),
    ],
)
def test_route_fields_reject_invalid_values(field: str, value: object, message: str) -> None:
    assert reject("routes", {**BASE, field: value}).startswith("invalid configuration: " + message)


@pytest.mark.parametrize(
    ("vars_expr", "reason"),
    [
        (["arg_a", "==", "1"], "rule should be wrapped inside brackets"),
        ([["arg_a", "<>", "1"]], "invalid operator '<>'"),
        ([["arg_a", "x", "==", "1"]], "bad 'not' expression"),
        ([["arg_a"]], "invalid expression"),
        ([["AND", ["arg_a", "==", "1"]]], "rule too short"),
    ],
)
def test_vars_expression_is_compiled(vars_expr: list, reason: str) -> None:
    assert reject("routes", {**BASE, "vars": vars_expr}) == (
        f"failed to validate the 'vars' expression: {reason}"
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "function(vars) return vars.arg_a == 1",
            "failed to load 'filter_func' string: [string \"return function(vars) return "
            "vars.arg_a == 1\"]:1: 'end' expected near '<eof>'",
        ),
        ("function_name", "'filter_func' should be a function"),
    ],
)
def test_filter_func_is_compiled(source: str, message: str) -> None:
    # apisix/admin/routes.lua: loadstring("return " .. filter_func), then a type check
    assert reject("routes", {**BASE, "filter_func": source}) == message


@pytest.mark.parametrize("good_id", ["a", "A-b_c.1", "x" * 64, 1, 99999999999])
def test_id_rules_accept(good_id: object) -> None:
    assert check_resource("routes", {**BASE, "id": good_id, "service_id": good_id})["id"] == good_id


@pytest.mark.parametrize("bad_id", ["", "a b", "a/b", "x" * 65, 0, -1, 1.5, True, None, {}])
def test_id_rules_reject(bad_id: object) -> None:
    assert reject("routes", {**BASE, "id": bad_id}) == (
        'invalid configuration: property "id" validation failed: object matches none of the required'
    )


@pytest.mark.parametrize("field", ["upstream_id", "service_id", "plugin_config_id", "script_id"])
def test_reference_ids_follow_id_rules(field: str) -> None:
    assert reject("routes", {"uri": "/a", "plugins": {}, field: "bad id"}) == (
        f'invalid configuration: property "{field}" validation failed: '
        "object matches none of the required"
    )


def test_service_hosts_and_fields() -> None:
    ok = check_resource("services", {"hosts": ["a.com"], "enable_websocket": False})
    assert ok["hosts"] == ["a.com"]
    assert reject("services", {"uri": "/a"}) == (
        "invalid configuration: additional properties forbidden, found uri"
    )
    assert reject("services", {"host": "a.com"}) == (
        "invalid configuration: additional properties forbidden, found host"
    )


def test_service_upstream_rules_apply() -> None:
    conf = {"upstream": {"nodes": {"a:1": 1}, "type": "chash"}}
    assert reject("services", conf) == "missing key"


def test_service_plugins_checked() -> None:
    assert reject("services", {"plugins": {"foo": {}}}) == "unknown plugin [foo]"
