"""Upstreams: nodes forms, health checks, keepalive pool, tls, chash and pass_host rules."""

from __future__ import annotations

import pytest

from reference_impl.schema import SchemaError, check_resource

NODES = {"127.0.0.1:1980": 1}


def reject(conf: object) -> str:
    with pytest.raises(SchemaError) as info:
        check_resource("upstreams", conf)
    return str(info.value)


def test_defaults() -> None:
    checked = check_resource("upstreams", {"nodes": NODES})
    assert checked == {
        "nodes": NODES,
        "type": "roundrobin",
        "scheme": "http",
        "pass_host": "pass",
        "hash_on": "vars",
    }


def test_nodes_as_array_get_priority_default() -> None:
    checked = check_resource(
        "upstreams", {"nodes": [{"host": "127.0.0.1", "port": 80, "weight": 1}]}
    )
    assert checked["nodes"] == [{"host": "127.0.0.1", "port": 80, "weight": 1, "priority": 0}]


def test_nodes_array_port_is_optional() -> None:
    checked = check_resource("upstreams", {"nodes": [{"host": "a.com", "weight": 0}]})
    assert checked["nodes"][0]["host"] == "a.com"


@pytest.mark.parametrize(
    "nodes",
    [
        {"127.0.0.1:80": -1},
        {"127.0.0.1:80": "1"},
        [{"host": "127.0.0.1", "port": 80}],
        [{"host": "127.0.0.1", "port": 0, "weight": 1}],
        [{"host": "a b", "weight": 1}],
        "127.0.0.1:80",
    ],
)
def test_bad_nodes(nodes: object) -> None:
    assert reject({"nodes": nodes}) == (
        'invalid configuration: property "nodes" validation failed: '
        "object matches none of the required"
    )


def test_node_port_range_in_hash_form() -> None:
    assert reject({"nodes": {"127.0.0.1:65536": 1}}) == "invalid port 65536"
    assert check_resource("upstreams", {"nodes": {"[::1]:8080": 1}})["nodes"] == {"[::1]:8080": 1}
    assert reject({"nodes": {"[::1]:0": 1}}) == "invalid port 0"


def test_nodes_or_service_discovery() -> None:
    ok = check_resource("upstreams", {"service_name": "svc", "discovery_type": "dns"})
    assert ok["service_name"] == "svc"
    assert reject({"service_name": "svc"}) == (
        "invalid configuration: value should match only one schema, but matches none"
    )
    assert reject({"nodes": NODES, "service_name": "svc", "discovery_type": "dns"}) == (
        "invalid configuration: value should match only one schema, "
        "but matches both schemas 1 and 2"
    )


def test_chash_requires_key_unless_consumer() -> None:
    assert reject({"nodes": NODES, "type": "chash"}) == "missing key"
    ok = check_resource("upstreams", {"nodes": NODES, "type": "chash", "hash_on": "consumer"})
    assert "key" not in ok


@pytest.mark.parametrize(
    ("hash_on", "key"),
    [
        ("vars", "remote_addr"),
        ("vars", "arg_device_id"),
        ("header", "X-User-Id"),
        ("cookie", "session_id"),
        ("vars_combinations", "$host$remote_addr"),
    ],
)
def test_chash_keys_accepted(hash_on: str, key: str) -> None:
    conf = {"nodes": NODES, "type": "chash", "hash_on": hash_on, "key": key}
    assert check_resource("upstreams", conf)["key"] == key


@pytest.mark.parametrize(
    ("hash_on", "key"), [("vars", "not_support"), ("header", "$#^@"), ("cookie", "a b")]
)
def test_chash_keys_rejected(hash_on: str, key: str) -> None:
    conf = {"nodes": NODES, "type": "chash", "hash_on": hash_on, "key": key}
    assert reject(conf).startswith("invalid configuration: failed to match pattern ")
    assert reject(conf).endswith(f'with "{key}"')


def test_hash_on_enum() -> None:
    assert reject({"nodes": NODES, "hash_on": "url"}) == (
        'invalid configuration: property "hash_on" validation failed: '
        "matches none of the enum values"
    )


def test_pass_host_rewrite_needs_upstream_host() -> None:
    assert reject({"nodes": NODES, "pass_host": "rewrite"}) == (
        "`upstream_host` can't be empty when `pass_host` is `rewrite`"
    )
    ok = check_resource(
        "upstreams", {"nodes": NODES, "pass_host": "rewrite", "upstream_host": "example.com"}
    )
    assert ok["upstream_host"] == "example.com"


def test_scheme_enum_and_retries() -> None:
    assert check_resource("upstreams", {"nodes": NODES, "scheme": "grpcs"})["scheme"] == "grpcs"
    assert reject({"nodes": NODES, "scheme": "ftp"}).startswith(
        'invalid configuration: property "scheme" validation failed'
    )
    assert reject({"nodes": NODES, "retries": -1}) == (
        'invalid configuration: property "retries" validation failed: expected -1 to be at least 0'
    )
    assert reject({"nodes": NODES, "retry_timeout": -1}) == (
        'invalid configuration: property "retry_timeout" validation failed: '
        "expected -1 to be at least 0"
    )


def test_keepalive_pool_defaults_only_when_present() -> None:
    assert "keepalive_pool" not in check_resource("upstreams", {"nodes": NODES})
    pool = check_resource("upstreams", {"nodes": NODES, "keepalive_pool": {"size": 4}})
    assert pool["keepalive_pool"] == {"size": 4, "idle_timeout": 60, "requests": 1000}
    assert reject({"nodes": NODES, "keepalive_pool": {"size": 0}}).startswith(
        'invalid configuration: property "keepalive_pool" validation failed: '
        'property "size" validation failed'
    )


def test_active_health_check_defaults() -> None:
    checks = {"active": {"http_path": "/status", "healthy": {"interval": 2}}}
    checked = check_resource("upstreams", {"nodes": NODES, "checks": checks})["checks"]
    active = checked["active"]
    assert active["type"] == "http"
    assert active["timeout"] == 1
    assert active["concurrency"] == 10
    assert active["https_verify_certificate"] is True
    assert active["healthy"] == {"interval": 2, "http_statuses": [200, 302], "successes": 2}
    assert "unhealthy" not in active
    assert "passive" not in checked


def test_passive_health_check_defaults() -> None:
    checks = {"active": {}, "passive": {"unhealthy": {"http_failures": 3}}}
    passive = check_resource("upstreams", {"nodes": NODES, "checks": checks})["checks"]["passive"]
    assert passive["unhealthy"] == {
        "http_failures": 3,
        "http_statuses": [429, 500, 503],
        "tcp_failures": 2,
        "timeouts": 7,
    }


def test_passive_alone_is_rejected() -> None:
    assert reject({"nodes": NODES, "checks": {"passive": {}}}) == (
        'invalid configuration: property "checks" validation failed: '
        'object matches none of the required: ["active"] or ["active","passive"]'
    )


def test_health_check_bounds() -> None:
    checks = {"active": {"unhealthy": {"http_failures": 255}}}
    assert reject({"nodes": NODES, "checks": checks}) == (
        'invalid configuration: property "checks" validation failed: property "active" '
        'validation failed: property "unhealthy" validation failed: property "http_failures" '
        "validation failed: expected 255 to be at most 254"
    )
    checks = {"active": {"type": "udp"}}
    assert "matches none of the enum values" in reject({"nodes": NODES, "checks": checks})
    assert reject({"nodes": NODES, "checks": {"active": {}, "extra": 1}}).endswith(
        "additional properties forbidden, found extra"
    )


def test_timeout_must_be_positive() -> None:
    conf = {"nodes": NODES, "timeout": {"connect": 1, "send": -1, "read": 1}}
    assert reject(conf) == (
        'invalid configuration: property "timeout" validation failed: '
        'property "send" validation failed: expected -1 to be greater than 0'
    )


def test_tls_dependencies() -> None:
    pem = "x" * 128
    assert reject({"nodes": NODES, "tls": {"client_cert": pem}}) == (
        'invalid configuration: property "tls" validation failed: failed to validate '
        'dependent schema for "client_cert": property "client_key" is required'
    )
    conf = {"nodes": NODES, "tls": {"client_cert_id": 1, "client_cert": pem, "client_key": pem}}
    assert reject(conf) == (
        'invalid configuration: property "tls" validation failed: failed to validate '
        'dependent schema for "client_cert_id": value wasn\'t supposed to match schema'
    )
    ok = check_resource("upstreams", {"nodes": NODES, "tls": {"client_cert_id": "ssl-1"}})
    assert ok["tls"] == {"client_cert_id": "ssl-1", "verify": False}


def test_upstream_inside_route_is_checked_the_same_way() -> None:
    conf = {"uri": "/", "upstream": {"nodes": NODES, "pass_host": "rewrite"}}
    with pytest.raises(SchemaError, match="upstream_host"):
        check_resource("routes", conf)
    conf = {"uri": "/", "upstream": {"nodes": NODES, "foo": 1}}
    with pytest.raises(SchemaError) as info:
        check_resource("routes", conf)
    assert str(info.value) == (
        'invalid configuration: property "upstream" validation failed: '
        "additional properties forbidden, found foo"
    )
