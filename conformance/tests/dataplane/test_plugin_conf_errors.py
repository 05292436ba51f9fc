"""Each plugin's configuration errors, as the Admin API answers them: 400 with APISIX's
`failed to check the configuration of plugin <name> err: <lua-jsonschema message>` for a
missing required field and for a value of the wrong type.

Sources: the plugins' schemas in apisix/plugins/*.lua (3.5) and the lua-jsonschema wording
the Admin API tests of APISIX assert (t/admin/*.t, t/plugin/*.t): `property "x" is
required`, `property "x" validation failed: wrong type: expected array, got string`, `value
should match only one schema, but matches none` (a `oneOf` of required fields) and `object
matches none of the required: ["a"] or ["b"]` (an `anyOf` of them).
"""

from __future__ import annotations

from collections.abc import Callable

from conformance.support.plugin_conf_errors import Case, conf_errors_test
from conformance.support.plugin_conf_errors import wrong_type as _wrong_type

ONE_OF_NONE = "value should match only one schema, but matches none"


# feature name after dp-plugin- (the plugin's name unless PLUGIN_OF says otherwise) ->
# [(case id, conf, message after the prefix)]
CASES: dict[str, list[Case]] = {
    "ua-restriction": [
        ("no-list", {"message": "x"}, ONE_OF_NONE),
        ("allowlist-string", {"allowlist": "curl"}, _wrong_type("allowlist", "array", "string")),
    ],
    "referer-restriction": [
        ("no-list", {}, ONE_OF_NONE),
        (
            "bypass-string",
            {"whitelist": ["xx.com"], "bypass_missing": "yes"},
            _wrong_type("bypass_missing", "boolean", "string"),
        ),
    ],
    "uri-blocker": [
        ("no-rules", {"rejected_code": 403}, 'property "block_rules" is required'),
        ("rules-string", {"block_rules": "x"}, _wrong_type("block_rules", "array", "string")),
    ],
    "csrf": [
        ("no-key", {"expires": 60}, 'property "key" is required'),
        ("key-number", {"key": 1}, _wrong_type("key", "string", "number")),
    ],
    "request-validation": [
        (
            "no-schema",
            {"rejected_code": 400},
            'object matches none of the required: ["header_schema"] or ["body_schema"]',
        ),
        ("schema-string", {"header_schema": "x"}, _wrong_type("header_schema", "object", "string")),
    ],
    "redirect": [
        ("no-target", {"ret_code": 301}, ONE_OF_NONE),
        ("uri-number", {"uri": 1}, _wrong_type("uri", "string", "number")),
    ],
    "echo": [
        (
            "no-body",
            {"headers": {"X-A": "1"}},
            'object matches none of the required: ["before_body"] or ["body"] or ["after_body"]',
        ),
        ("body-number", {"body": 1}, _wrong_type("body", "string", "number")),
    ],
    "gzip": [
        ("min-length-string", {"min_length": "1"}, _wrong_type("min_length", "integer", "string")),
        ("vary-string", {"vary": "yes"}, _wrong_type("vary", "boolean", "string")),
    ],
    "brotli": [
        ("comp-level-string", {"comp_level": "1"}, _wrong_type("comp_level", "integer", "string")),
        ("vary-string", {"vary": "yes"}, _wrong_type("vary", "boolean", "string")),
    ],
    "real-ip": [
        ("no-source", {"recursive": True}, 'property "source" is required'),
        ("source-number", {"source": 1}, _wrong_type("source", "string", "number")),
    ],
    "mocking": [
        (
            "no-response",
            {"delay": 1},
            'object matches none of the required: ["response_example"] or ["response_schema"]',
        ),
        (
            "example-number",
            {"response_example": 1},
            _wrong_type("response_example", "string", "number"),
        ),
    ],
    "fault-injection": [
        (
            "abort-without-status",
            {"abort": {"body": "x"}},
            'property "abort" validation failed: property "http_status" is required',
        ),
        (
            "duration-string",
            {"delay": {"duration": "1"}},
            'property "delay" validation failed: ' + _wrong_type("duration", "number", "string"),
        ),
    ],
    "limit-conn": [
        (
            "no-conn",
            {"burst": 0, "default_conn_delay": 0.1, "key": "remote_addr"},
            'property "conn" is required',
        ),
        (
            "conn-string",
            {"conn": "1", "burst": 0, "default_conn_delay": 0.1, "key": "remote_addr"},
            _wrong_type("conn", "integer", "string"),
        ),
    ],
    # the redis policies' fields sit in an if/then/else on `policy` (t/plugin/limit-*-redis*.t)
    "limit-count-redis": [
        (
            "no-host",
            {"count": 1, "time_window": 60, "policy": "redis"},
            "then clause did not match",
        ),
        (
            "port-string",
            {
                "count": 1,
                "time_window": 60,
                "policy": "redis",
                "redis_host": "h",
                "redis_port": "1",
            },
            "then clause did not match",
        ),
    ],
    "limit-count-redis-cluster": [
        (
            "no-nodes",
            {"count": 1, "time_window": 60, "policy": "redis-cluster", "redis_cluster_name": "c"},
            "else clause did not match",
        ),
        (
            "ssl-string",
            {
                "count": 1,
                "time_window": 60,
                "policy": "redis-cluster",
                "redis_cluster_nodes": ["127.0.0.1:7000"],
                "redis_cluster_name": "c",
                "redis_cluster_ssl": "true",
            },
            "else clause did not match",
        ),
    ],
    "limit-req-redis": [
        (
            "no-host",
            {"rate": 1, "burst": 0, "key": "remote_addr", "policy": "redis"},
            "then clause did not match",
        ),
        (
            "timeout-string",
            {
                "rate": 1,
                "burst": 0,
                "key": "k",
                "policy": "redis",
                "redis_host": "h",
                "redis_timeout": "1",
            },
            "then clause did not match",
        ),
    ],
    "limit-req-redis-cluster": [
        (
            "no-name",
            {
                "rate": 1,
                "burst": 0,
                "key": "k",
                "policy": "redis-cluster",
                "redis_cluster_nodes": ["a:1"],
            },
            "else clause did not match",
        ),
        (
            "nodes-string",
            {
                "rate": 1,
                "burst": 0,
                "key": "k",
                "policy": "redis-cluster",
                "redis_cluster_nodes": "a:1",
                "redis_cluster_name": "c",
            },
            "else clause did not match",
        ),
    ],
    "api-breaker": [
        ("no-code", {"break_response_body": "x"}, 'property "break_response_code" is required'),
        (
            "code-string",
            {"break_response_code": "502"},
            _wrong_type("break_response_code", "integer", "string"),
        ),
    ],
    "workflow": [
        ("no-rules", {}, 'property "rules" is required'),
        ("rules-string", {"rules": "x"}, _wrong_type("rules", "array", "string")),
        (
            "unsupported-action",
            {"rules": [{"case": [["uri", "==", "/"]], "actions": [["rewrite", {}]]}]},
            "unsupported action: rewrite",
        ),
        (
            "return-without-code",
            {"rules": [{"case": [["uri", "==", "/"]], "actions": [["return", {}]]}]},
            """failed to validate the 'return' action: property "code" is required""",
        ),
    ],
    "proxy-cache": [
        (
            "request-method-key",
            {
                "cache_strategy": "memory",
                "cache_zone": "memory_cache",
                "cache_key": ["$request_method"],
            },
            "cache_key variable $request_method unsupported",
        ),
        (
            "ttl-string",
            {"cache_strategy": "memory", "cache_zone": "memory_cache", "cache_ttl": "300"},
            _wrong_type("cache_ttl", "integer", "string"),
        ),
    ],
    "proxy-cache-disk": [
        # disk_cache_one is the default configuration's zone with a disk_path
        (
            "memory-strategy-on-disk-zone",
            {"cache_strategy": "memory", "cache_zone": "disk_cache_one"},
            "invalid or empty cache_zone for cache_strategy: memory",
        ),
        (
            "zone-number",
            {"cache_zone": 1},
            _wrong_type("cache_zone", "string", "number"),
        ),
    ],
}
PLUGIN_OF = {
    "limit-count-redis": "limit-count",
    "proxy-cache-disk": "proxy-cache",
    "openid-connect-code-flow": "openid-connect",
    "limit-count-redis-cluster": "limit-count",
    "limit-req-redis": "limit-req",
    "limit-req-redis-cluster": "limit-req",
}


def _conf_errors_test(feature: str, on_consumer: bool = False) -> Callable[..., None]:
    """The test of a feature's CASES on a route, or its CONSUMER_CASES on a consumer."""
    cases = CONSUMER_CASES[feature] if on_consumer else CASES[feature]
    plugin = PLUGIN_OF.get(feature, feature)
    return conf_errors_test(plugin, cases, on_consumer=on_consumer, feature=feature)


test_ua_restriction_conf_errors = _conf_errors_test("ua-restriction")
test_referer_restriction_conf_errors = _conf_errors_test("referer-restriction")
test_uri_blocker_conf_errors = _conf_errors_test("uri-blocker")
test_csrf_conf_errors = _conf_errors_test("csrf")
test_request_validation_conf_errors = _conf_errors_test("request-validation")
test_redirect_conf_errors = _conf_errors_test("redirect")
test_echo_conf_errors = _conf_errors_test("echo")
test_gzip_conf_errors = _conf_errors_test("gzip")
test_brotli_conf_errors = _conf_errors_test("brotli")
test_real_ip_conf_errors = _conf_errors_test("real-ip")
test_mocking_conf_errors = _conf_errors_test("mocking")
test_fault_injection_conf_errors = _conf_errors_test("fault-injection")
test_limit_conn_conf_errors = _conf_errors_test("limit-conn")

# --- Authentication and authorization plugins (issue 17) -------------------------------------
# A consumer plugin's fields live on the consumer: its errors come from PUT /consumers.
CONSUMER_CASES: dict[str, list[Case]] = {
    "hmac-auth": [
        ("no-secret", {"access_key": "ak"}, 'property "secret_key" is required'),
        (
            "access-key-number",
            {"access_key": 1, "secret_key": "sk"},
            _wrong_type("access_key", "string", "number"),
        ),
    ],
    "ldap-auth": [
        ("no-user-dn", {}, 'property "user_dn" is required'),
        ("user-dn-number", {"user_dn": 1}, _wrong_type("user_dn", "string", "number")),
    ],
}
CASES["forward-auth"] = [
    ("no-uri", {"timeout": 100}, 'property "uri" is required'),
    ("uri-number", {"uri": 1}, _wrong_type("uri", "string", "number")),
]
CASES["ldap-auth"] = [
    ("no-base-dn", {"ldap_uri": "127.0.0.1:389"}, 'property "base_dn" is required'),
    (
        "base-dn-number",
        {"base_dn": 1, "ldap_uri": "127.0.0.1:389"},
        _wrong_type("base_dn", "string", "number"),
    ),
]
CASES["openid-connect"] = [
    (
        "no-discovery",
        {"client_id": "c", "client_secret": "s", "bearer_only": True},
        'property "discovery" is required',
    ),
    (
        "client-id-number",
        {"client_id": 1, "client_secret": "s", "discovery": "http://127.0.0.1/d"},
        _wrong_type("client_id", "string", "number"),
    ),
]
_OIDC_CODE_FLOW = {"client_id": "c", "client_secret": "s", "discovery": "http://127.0.0.1/d"}
CASES["openid-connect-code-flow"] = [
    (
        "session-without-secret",
        {**_OIDC_CODE_FLOW, "session": {}},
        'property "session" validation failed: property "secret" is required',
    ),
    (
        "session-secret-number",
        {**_OIDC_CODE_FLOW, "session": {"secret": 1}},
        'property "session" validation failed: ' + _wrong_type("secret", "string", "number"),
    ),
]
CASES["proxy-mirror"] = [
    ("no-host", {"path": "/m"}, 'property "host" is required'),
    ("host-number", {"host": 1}, _wrong_type("host", "string", "number")),
]
CASES["client-control"] = [
    ("max-string", {"max_body_size": "1"}, _wrong_type("max_body_size", "integer", "string")),
]
CASES["body-transformer"] = [
    (
        "no-request-nor-response",
        {},
        'object matches none of the required: ["request"] or ["response"] or '
        '["request","response"]',
    ),
    (
        "template-number",
        {"request": {"template": 1}},
        'property "request" validation failed: ' + _wrong_type("template", "string", "number"),
    ),
]
CASES["authz-casbin"] = [
    ("no-username", {"model": "m", "policy": "p"}, ONE_OF_NONE),
    (
        "username-number",
        {"model": "m", "policy": "p", "username": 1},
        _wrong_type("username", "string", "number"),
    ),
]


test_forward_auth_conf_errors = _conf_errors_test("forward-auth")
test_authz_casbin_conf_errors = _conf_errors_test("authz-casbin")
test_openid_connect_conf_errors = _conf_errors_test("openid-connect")
test_openid_connect_code_flow_conf_errors = _conf_errors_test("openid-connect-code-flow")
test_hmac_auth_consumer_conf_errors = _conf_errors_test("hmac-auth", on_consumer=True)
test_ldap_auth_conf_errors = _conf_errors_test("ldap-auth")
test_ldap_auth_consumer_conf_errors = _conf_errors_test("ldap-auth", on_consumer=True)
test_limit_count_redis_conf_errors = _conf_errors_test("limit-count-redis")
test_limit_count_redis_cluster_conf_errors = _conf_errors_test("limit-count-redis-cluster")
test_limit_req_redis_conf_errors = _conf_errors_test("limit-req-redis")
test_limit_req_redis_cluster_conf_errors = _conf_errors_test("limit-req-redis-cluster")
test_api_breaker_conf_errors = _conf_errors_test("api-breaker")
test_workflow_conf_errors = _conf_errors_test("workflow")
test_proxy_cache_conf_errors = _conf_errors_test("proxy-cache")
test_proxy_cache_disk_conf_errors = _conf_errors_test("proxy-cache-disk")
test_proxy_mirror_conf_errors = _conf_errors_test("proxy-mirror")
test_client_control_conf_errors = _conf_errors_test("client-control")
test_body_transformer_conf_errors = _conf_errors_test("body-transformer")
