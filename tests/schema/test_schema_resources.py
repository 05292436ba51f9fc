"""check_resource: every resource kind, valid and invalid, defaults and APISIX's messages."""

from __future__ import annotations

import pytest

from reference_impl.schema import RESOURCE_KINDS, SchemaError, check_resource

UPSTREAM = {"nodes": {"127.0.0.1:1980": 1}, "type": "roundrobin"}


def reject(kind: str, conf: object) -> str:
    with pytest.raises(SchemaError) as info:
        check_resource(kind, conf)
    return str(info.value)


VALID = {
    "routes": {"uri": "/hello", "upstream": UPSTREAM},
    "services": {"upstream": UPSTREAM, "name": "svc"},
    "upstreams": UPSTREAM,
    "consumers": {"username": "jack-1_x", "plugins": {"key-auth": {"key": "k"}}},
    "credentials": {"plugins": {"key-auth": {"key": "k"}}},
    "consumer_groups": {"id": "g1", "plugins": {"limit-count": {"count": 1, "time_window": 60}}},
    "global_rules": {"id": "1", "plugins": {"prometheus": {}}},
    "plugin_configs": {"id": 1, "plugins": {"cors": {}}},
    "stream_routes": {"server_port": 9100, "upstream": UPSTREAM},
    "protos": {"content": 'syntax = "proto3"; package helloworld;'},
    "secrets/vault": {"uri": "http://127.0.0.1:8200", "prefix": "kv/apisix", "token": "root"},
}


@pytest.mark.parametrize("kind", sorted(VALID))
def test_valid_resource_is_accepted(kind: str) -> None:
    checked = check_resource(kind, VALID[kind])
    for key, value in VALID[kind].items():
        if key not in ("plugins", "upstream"):
            assert checked[key] == value


def test_every_kind_has_a_valid_example() -> None:
    assert set(RESOURCE_KINDS) - {"ssls"} == set(VALID)


@pytest.mark.parametrize(
    ("kind", "conf", "message"),
    [
        (
            "routes",
            {"uri": 1980, "upstream": UPSTREAM},
            'invalid configuration: property "uri" validation failed: '
            "wrong type: expected string, got number",
        ),
        (
            "services",
            {"name": ""},
            'invalid configuration: property "name" validation failed: '
            "string too short, expected at least 1, got 0",
        ),
        (
            "upstreams",
            {"nodes": {"127.0.0.1:80": -1}},
            'invalid configuration: property "nodes" validation failed: '
            "object matches none of the required",
        ),
        ("consumers", {"plugins": {}}, 'invalid configuration: property "username" is required'),
        (
            "consumers",
            {"username": "a b"},
            'invalid configuration: property "username" validation failed: '
            'failed to match pattern "^[a-zA-Z0-9_\\\\-]+$" with "a b"',
        ),
        (
            "credentials",
            {
                "plugins": {
                    "key-auth": {"key": "a"},
                    "basic-auth": {"username": "u", "password": "p"},
                }
            },
            'invalid configuration: property "plugins" validation failed: '
            "expect object to have at most 1 properties",
        ),
        ("consumer_groups", {"id": "1"}, 'invalid configuration: property "plugins" is required'),
        ("global_rules", {"plugins": {}}, 'invalid configuration: property "id" is required'),
        (
            "plugin_configs",
            {"id": "1", "plugins": {}, "uri": "/x"},
            "invalid configuration: additional properties forbidden, found uri",
        ),
        (
            "stream_routes",
            {"server_port": 70000},
            'invalid configuration: property "server_port" validation failed: '
            "expected 70000 to be at most 65535",
        ),
        (
            "protos",
            {"content": ""},
            'invalid configuration: property "content" validation failed: '
            "string too short, expected at least 1, got 0",
        ),
        (
            "secrets/vault",
            {"uri": "http://v:8200", "prefix": "p"},
            'invalid configuration: property "token" is required',
        ),
        (
            "secrets/vault",
            {"uri": "not-a-uri", "prefix": "p", "token": "t"},
            'invalid configuration: property "uri" validation failed: failed to match pattern',
        ),
    ],
)
def test_invalid_resource_names_the_field(kind: str, conf: dict, message: str) -> None:
    assert reject(kind, conf).startswith(message)


def test_non_object_body_is_rejected_with_lua_type() -> None:
    assert (
        reject("routes", ["/a"]) == "invalid configuration: wrong type: expected object, got table"
    )
    assert (
        reject("upstreams", "x") == "invalid configuration: wrong type: expected object, got string"
    )


def test_missing_configuration() -> None:
    assert reject("routes", None) == "missing configurations"


def test_unknown_secret_manager_and_unknown_kind() -> None:
    assert reject("secrets/aws", {}) == "invalid secret manager: aws"
    with pytest.raises(ValueError):
        check_resource("nonsense", {})


def test_route_defaults_filled_without_touching_input() -> None:
    conf = {"uri": "/a", "upstream": {"nodes": {"127.0.0.1:80": 1}}}
    checked = check_resource("routes", conf)
    assert checked["status"] == 1
    assert checked["priority"] == 0
    assert checked["upstream"] == {
        "nodes": {"127.0.0.1:80": 1},
        "type": "roundrobin",
        "scheme": "http",
        "pass_host": "pass",
        "hash_on": "vars",
    }
    assert conf == {"uri": "/a", "upstream": {"nodes": {"127.0.0.1:80": 1}}}


def test_explicit_values_are_kept() -> None:
    checked = check_resource("routes", {"uri": "/a", "upstream_id": 1, "status": 0, "priority": 7})
    assert (checked["status"], checked["priority"]) == (0, 7)


def test_plugin_defaults_filled_inside_resources() -> None:
    checked = check_resource(
        "services", {"plugins": {"limit-count": {"count": 2, "time_window": 1}}}
    )
    assert checked["plugins"]["limit-count"]["policy"] == "local"
    assert checked["plugins"]["limit-count"]["key"] == "remote_addr"


def test_consumer_plugin_errors_are_prefixed() -> None:
    assert reject("consumers", {"username": "jack", "plugins": {"key-auth": {}}}) == (
        "invalid plugins configuration: failed to check the configuration of plugin "
        'key-auth err: property "key" is required'
    )


def test_credential_accepts_only_auth_plugins() -> None:
    conf = {"plugins": {"limit-count": {"count": 1, "time_window": 1}}}
    assert reject("credentials", conf) == "only supports auth type plugins in consumer credential"


def test_credential_unknown_plugin() -> None:
    assert reject("credentials", {"plugins": {"nope": {}}}) == (
        "invalid plugins configuration: unknown plugin [nope]"
    )


def test_stream_route_plugins_are_stream_plugins() -> None:
    ok = check_resource(
        "stream_routes", {"plugins": {"ip-restriction": {"whitelist": ["10.0.0.0/8"]}}}
    )
    assert ok["plugins"]["ip-restriction"]["message"] == "Your IP address is not allowed"
    assert reject("stream_routes", {"plugins": {"key-auth": {}}}) == "unknown plugin [key-auth]"
    assert reject("stream_routes", {"plugins": {"ip-restriction": {"whitelist": []}}}).startswith(
        "failed to check the configuration of stream plugin [ip-restriction]: "
    )


def test_stream_route_addresses() -> None:
    ok = check_resource("stream_routes", {"remote_addr": "::1", "server_addr": "10.0.0.0/8"})
    assert ok["remote_addr"] == "::1"
    assert reject("stream_routes", {"remote_addr": "300.1.1.1"}).startswith(
        'invalid configuration: property "remote_addr" validation failed'
    )


def test_labels_values_are_checked() -> None:
    assert reject("upstreams", {**UPSTREAM, "labels": {"env": {}}}) == (
        'invalid configuration: property "labels" validation failed: failed to validate env '
        '(matching ".*"): wrong type: expected string, got table'
    )
    assert reject("upstreams", {**UPSTREAM, "labels": {"env": "a b"}}).startswith(
        'invalid configuration: property "labels" validation failed: failed to validate env'
    )


def test_plugin_metadata() -> None:
    checked = check_resource("plugin_metadata/cors", {"allow_origins": {"k": "https://a.com"}})
    assert checked == {"allow_origins": {"k": "https://a.com"}}
    assert reject("plugin_metadata/cors", {"allow_origins": {"k": "bad"}}).startswith(
        'invalid configuration: property "allow_origins" validation failed: '
        "failed to validate additional property k: failed to match pattern"
    )
    assert reject("plugin_metadata/nope", {}) == "invalid plugin name"
    assert reject("plugin_metadata/key-auth", {}) == "plugin [key-auth] has no metadata schema"
