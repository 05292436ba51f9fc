"""Every plugin, valid and invalid, in each scope it has; the plugin registry endpoints."""

from __future__ import annotations

import base64

import pytest

from reference_impl.schema import (
    PLUGINS,
    SchemaError,
    check_plugin,
    check_plugins,
    plugin_names,
    plugin_schema,
)

# plugin -> (valid route-scope conf, defaults it must get, invalid conf, message tail)
ROUTE_CASES = {
    "key-auth": (
        {},
        {"header": "apikey", "query": "apikey", "hide_credentials": False},
        {"header": 1},
        'property "header" validation failed: wrong type: expected string, got number',
    ),
    "basic-auth": (
        {},
        {"hide_credentials": False},
        {"hide_credentials": "no"},
        'property "hide_credentials" validation failed: wrong type: expected boolean, got string',
    ),
    "jwt-auth": (
        {},
        {"header": "authorization", "query": "jwt", "cookie": "jwt"},
        {"cookie": []},
        'property "cookie" validation failed: wrong type: expected string, got table',
    ),
    "consumer-restriction": (
        {"whitelist": ["jack"]},
        {"type": "consumer_name", "rejected_code": 403},
        {"type": "consumer_name"},
        'object matches none of the required: ["blacklist"] or ["whitelist"] or ["allowed_by_methods"]',
    ),
    "limit-count": (
        {"count": 2, "time_window": 60},
        {
            "key": "remote_addr",
            "key_type": "var",
            "rejected_code": 503,
            "policy": "local",
            "allow_degradation": False,
            "show_limit_quota_header": True,
        },
        {"count": 2},
        # count + time_window or rules, a oneOf since APISIX 3.16
        "value should match only one schema, but matches none",
    ),
    "limit-req": (
        {"rate": 1, "burst": 0, "key": "remote_addr"},
        {"key_type": "var", "policy": "local", "rejected_code": 503, "nodelay": False},
        {"rate": 0, "burst": 0, "key": "k"},
        'property "rate" validation failed: expected 0 to be greater than 0',
    ),
    "proxy-rewrite": (
        {"uri": "/new", "headers": {"set": {"X-A": "1"}}},
        {"use_real_request_uri_unsafe": False},
        {"uri": "relative"},
        'property "uri" validation failed: failed to match pattern "^\\\\/.*" with "relative"',
    ),
    "traffic-split": (
        {"rules": [{"weighted_upstreams": [{"upstream_id": "u1", "weight": 2}]}]},
        {},
        {"rules": [{"match": [{"vars": [["arg_x", "bad-op", "1"]]}]}]},
        "failed to validate the 'vars' expression: invalid operator 'bad-op'",
    ),
    "response-rewrite": (
        {"status_code": 200, "body": "hi"},
        {"body_base64": False},
        {"status_code": 599},
        'property "status_code" validation failed: expected 599 to be at most 598',
    ),
    "cors": (
        {},
        {
            "allow_origins": "*",
            "allow_methods": "*",
            "allow_headers": "*",
            "max_age": 5,
            "allow_credential": False,
        },
        {"allow_origins": "example.com"},
        'property "allow_origins" validation failed: failed to match pattern',
    ),
    "ip-restriction": (
        {"blacklist": ["10.0.0.0/8", "::1"]},
        {"message": "Your IP address is not allowed"},
        {"blacklist": ["10.0.0.300"]},
        'property "blacklist" validation failed: failed to validate item 1: object matches none of the required',
    ),
    "request-id": (
        {},
        {
            "header_name": "X-Request-Id",
            "include_in_response": True,
            "algorithm": "uuid",
            "range_id": {},
        },
        {"algorithm": "snowflake"},
        'property "algorithm" validation failed: matches none of the enum values',
    ),
    "prometheus": (
        {},
        {"prefer_name": False},
        {"prefer_name": 1},
        'property "prefer_name" validation failed: wrong type: expected boolean, got number',
    ),
    "ua-restriction": (
        {"denylist": [r"(Twitterspider)/(\d+)"]},
        {"bypass_missing": False, "message": "Not allowed"},
        {"allowlist": ["a"], "denylist": ["b"]},
        "value should match only one schema, but matches both schemas 1 and 2",
    ),
    "referer-restriction": (
        {"whitelist": ["xx.com", "*.xx.com"]},
        {"bypass_missing": False, "message": "Your referer host is not allowed"},
        {"blacklist": "xx.com"},
        'property "blacklist" validation failed: wrong type: expected array, got string',
    ),
    "uri-blocker": (
        {"block_rules": ["root.exe"]},
        {"rejected_code": 403, "case_insensitive": False},
        {"block_rules": ["("]},
        "failed to compile regex '('",
    ),
    "csrf": (
        {"key": "k"},
        {"expires": 7200, "name": "apisix-csrf-token"},
        {"key": "k", "expires": "1"},
        'property "expires" validation failed: wrong type: expected integer, got string',
    ),
    "request-validation": (
        {"header_schema": {"type": "object"}},
        {"rejected_code": 400},
        {"header_schema": {"type": "nope"}},
        "invalid header_schema: ",
    ),
    "limit-conn": (
        {"conn": 1, "burst": 0, "default_conn_delay": 0.1, "key": "remote_addr"},
        {"only_use_default_delay": False, "key_type": "var", "rejected_code": 503},
        {"conn": 0, "burst": 0, "default_conn_delay": 0.1, "key": "remote_addr"},
        'property "conn" validation failed: expected 0 to be greater than 0',
    ),
    "fault-injection": (
        {"delay": {"duration": 0.5}},
        {},
        {"abort": {"http_status": 403, "vars": [[["arg_a", "<>", "1"]]]}},
        "invalid operator '<>'",
    ),
    "redirect": (
        {"uri": "/new/$uri"},
        {"ret_code": 302, "encode_uri": False, "append_query_string": False},
        {"http_to_https": True, "append_query_string": True},
        "only one of `http_to_https` and `append_query_string` can be configured.",
    ),
    "echo": (
        {"before_body": "hi"},
        {},
        {"headers": {"X-A": "1"}},
        'object matches none of the required: ["before_body"] or ["body"] or ["after_body"]',
    ),
    "grpc-transcode": (
        {"proto_id": "1", "service": "helloworld.Greeter", "method": "SayHello"},
        {
            "deadline": 0,
            "max_resp_body_size": 67108864,
            "show_status_in_body": False,
            "pb_option": [
                "enum_as_name",
                "int64_as_number",
                "auto_default_values",
                "disable_hooks",
            ],
        },
        {"proto_id": "1", "service": "helloworld.Greeter"},
        'property "method" is required',
    ),
    "grpc-web": (
        {},
        {
            "max_req_body_size": 67108864,
            "cors_allow_headers": "content-type,x-grpc-web,x-user-agent",
        },
        {"max_req_body_size": 0},
        'property "max_req_body_size" validation failed: expected 0 to be at least 1',
    ),
    "gzip": (
        {},
        {"types": ["text/html"], "min_length": 20, "comp_level": 1, "http_version": 1.1},
        {"comp_level": 10},
        'property "comp_level" validation failed: expected 10 to be at most 9',
    ),
    "brotli": (
        {"types": "*"},
        {"min_length": 20, "mode": 0, "comp_level": 6, "lgwin": 19, "lgblock": 0},
        {"lgwin": 9},
        'property "lgwin" validation failed: matches none of the enum values',
    ),
    "real-ip": (
        {"source": "http_x_forwarded_for", "trusted_addresses": ["127.0.0.0/24"]},
        {"recursive": False},
        {"source": "arg_ip", "trusted_addresses": ["127.0.0.300"]},
        'property "trusted_addresses" validation failed: failed to validate item 1',
    ),
    "mocking": (
        {"response_example": "{}"},
        {
            "delay": 0,
            "response_status": 200,
            "content_type": "application/json;charset=utf8",
            "with_mock_header": True,
        },
        {"response_example": "x", "content_type": "image/png"},
        "unsupported content type!",
    ),
    # Authentication and authorization plugins (issue 17)
    "forward-auth": (
        {"uri": "http://127.0.0.1:9999/auth"},
        {
            "allow_degradation": False,
            "ssl_verify": True,
            "request_method": "GET",
            "request_headers": [],
            "upstream_headers": [],
            "client_headers": [],
            "timeout": 3000,
            "keepalive": True,
            "keepalive_timeout": 60000,
            "keepalive_pool": 5,
        },
        {"uri": "http://127.0.0.1:9999/auth", "request_method": "POST"},
        'request_method "POST" is not supported: forward-auth would send the request body',
    ),
    "hmac-auth": (
        {},
        {},
        {"_meta": {"disable": 1}},
        'property "_meta" validation failed: property "disable" validation failed: wrong type: expected boolean, got number',
    ),
    "authz-casbin": (
        {"model_path": "/m.conf", "policy_path": "/p.csv", "username": "user"},
        {},
        {"model": "m", "policy": "p", "model_path": "/m", "policy_path": "/p", "username": "u"},
        "value should match only one schema, but matches both schemas 1 and 2",
    ),
    "ldap-auth": (
        {"base_dn": "ou=users,dc=example,dc=org", "ldap_uri": "127.0.0.1:1389"},
        {"use_tls": False, "tls_verify": False, "uid": "cn"},
        {"base_dn": "ou=users,dc=example,dc=org", "ldap_uri": "127.0.0.1:1389", "uid": 1},
        'property "uid" validation failed: wrong type: expected string, got number',
    ),
    "openid-connect": (
        {"client_id": "c", "client_secret": "s", "discovery": "http://i/d", "bearer_only": True},
        {
            "scope": "openid",
            "ssl_verify": False,
            "timeout": 3,
            "introspection_endpoint_auth_method": "client_secret_basic",
            "realm": "apisix",
            "logout_path": "/logout",
            "unauth_action": "auth",
            "use_pkce": False,
            "set_access_token_header": True,
            "access_token_in_authorization_header": False,
            "set_id_token_header": True,
            "set_userinfo_header": True,
            "set_refresh_token_header": False,
        },
        {"client_id": "c", "client_secret": "s", "discovery": "http://i/d", "proxy_opts": {}},
        "proxy_opts is not supported",
    ),
    # traffic
    "api-breaker": (
        {"break_response_code": 502},
        {
            "max_breaker_sec": 300,
            "unhealthy": {"http_statuses": [500], "failures": 3},
            "healthy": {"http_statuses": [200], "successes": 3},
        },
        {"break_response_code": 502, "unhealthy": {"http_statuses": [404]}},
        'property "unhealthy" validation failed: property "http_statuses" validation failed: '
        "failed to validate item 1: expected 404 to be at least 500",
    ),
    "workflow": (
        # as stored: each action tagged with its rule's number
        {
            "rules": [
                {"case": [["uri", "==", "/a"]], "actions": [["return", {"code": 403, "_vid": 1}]]}
            ]
        },
        {},
        {"rules": [{"case": [["uri", "==", "/a"]], "actions": [["proxy", {}]]}]},
        "unsupported action: proxy",
    ),
    "body-transformer": (
        {"response": {"template": "{{a}}"}},
        {},
        {"request": {"template": "{[ 'x.html' ]}"}},
        "request template: {[...]} includes are not supported by the reference gateway",
    ),
    "proxy-mirror": (
        {"host": "http://127.0.0.1:1986"},
        {"path_concat_mode": "replace", "sample_ratio": 1},
        {"host": "grpc://127.0.0.1:1986"},
        "a grpc or grpcs host is not supported by the reference gateway (http and https are)",
    ),
    "client-control": (
        {"max_body_size": 5},
        {},
        {"max_body_size": -1},
        'property "max_body_size" validation failed: expected -1 to be at least 0',
    ),
    "proxy-cache": (
        {"cache_strategy": "memory", "cache_zone": "memory_cache"},
        {
            "cache_key": ["$host", "$request_uri"],
            "cache_http_status": [200, 301, 404],
            "cache_method": ["GET", "HEAD"],
            "cache_ttl": 300,
            "hide_cache_headers": False,
            "cache_control": False,
        },
        {"cache_strategy": "memory", "cache_zone": "disk_cache_two"},
        "cache_zone disk_cache_two not found",
    ),
}


_BATCH_DEFAULTS = {
    "max_retry_count": 0,
    "retry_delay": 1,
    "buffer_duration": 60,
    "inactive_timeout": 5,
    "batch_max_size": 1000,
}
OBSERVABILITY_CASES = {
    "http-logger": (
        {"uri": "http://127.0.0.1:1/logs"},
        {
            "name": "http logger",
            "timeout": 3,
            "include_req_body": False,
            "include_resp_body": False,
            "concat_method": "json",
            "ssl_verify": False,
            **_BATCH_DEFAULTS,
        },
        {"uri": "http://127.0.0.1:1", "concat_method": "csv"},
        'property "concat_method" validation failed: matches none of the enum values',
    ),
    "tcp-logger": (
        {"host": "127.0.0.1", "port": 5044},
        {"name": "tcp logger", "tls": False, "timeout": 1000, **_BATCH_DEFAULTS},
        {"host": "127.0.0.1", "port": -1},
        'property "port" validation failed: expected -1 to be at least 0',
    ),
    "udp-logger": (
        {"host": "127.0.0.1", "port": 5044},
        {"name": "udp logger", "timeout": 3, **_BATCH_DEFAULTS},
        {"host": "127.0.0.1", "port": 5044, "inactive_timeout": 0},
        'property "inactive_timeout" validation failed: expected 0 to be at least 1',
    ),
    "syslog": (
        {"host": "127.0.0.1", "port": 514},
        {
            "name": "sys logger",
            "flush_limit": 4096,
            "drop_limit": 1048576,
            "timeout": 3000,
            "sock_type": "tcp",
            "pool_size": 5,
            "tls": False,
            **_BATCH_DEFAULTS,
        },
        {"host": "127.0.0.1", "port": 514, "pool_size": 4},
        'property "pool_size" validation failed: expected 4 to be at least 5',
    ),
    "file-logger": (
        {"path": "logs/file.log"},
        {"include_resp_body": False},
        {"path": "logs/file.log", "include_req_body": True},
        "include_req_body is not supported: this gateway's plugins cannot read the request body",
    ),
    "zipkin": (
        {"endpoint": "http://127.0.0.1:9411/api/v2/spans", "sample_ratio": 1},
        {"service_name": "APISIX", "span_version": 2},
        {"endpoint": "http://127.0.0.1:9411", "sample_ratio": 0},
        'property "sample_ratio" validation failed: expected 0 to be at least 1e-05',
    ),
    "opentelemetry": (
        {},
        {
            "sampler": {
                "name": "always_off",
                "options": {"fraction": 0, "root": {"name": "always_off"}},
            }
        },
        {"sampler": {"name": "sometimes"}},
        'property "sampler" validation failed: property "name" validation failed: matches none of the enum values',
    ),
    "datadog": (
        {},
        {"prefer_name": True, "name": "datadog", **_BATCH_DEFAULTS},
        {"max_retry_count": -1},
        'property "max_retry_count" validation failed: expected -1 to be at least 0',
    ),
    "serverless-pre-function": (
        {"functions": ["return function(conf, ctx) ngx.say('pre') end"]},
        {"phase": "access"},
        {"functions": ["return function(conf, ctx) ngx.say('pre')"]},
        "failed to loadstring: [string \"return function(conf, ctx) ngx.say('pre')\"]:1: "
        "'end' expected near '<eof>'",
    ),
    "serverless-post-function": (
        {"phase": "log", "functions": ["return function() end"]},
        {"phase": "log"},
        {"functions": ["local count = 1 ngx.say(count)"]},
        "only accept Lua function, the input code type is nil",
    ),
}
ROUTE_CASES.update(OBSERVABILITY_CASES)


def test_every_plugin_has_cases() -> None:
    assert set(ROUTE_CASES) == set(PLUGINS)


@pytest.mark.parametrize("name", sorted(ROUTE_CASES))
def test_route_scope_valid_with_defaults(name: str) -> None:
    conf, defaults, _, _ = ROUTE_CASES[name]
    checked = check_plugins({name: conf})[name]
    for key, value in defaults.items():
        assert checked[key] == value, key
    for key, value in conf.items():
        assert checked[key] == value


@pytest.mark.parametrize("name", sorted(ROUTE_CASES))
def test_route_scope_invalid_names_the_field(name: str) -> None:
    _, _, bad, tail = ROUTE_CASES[name]
    with pytest.raises(SchemaError) as info:
        check_plugins({name: bad})
    prefix = f"failed to check the configuration of plugin {name} err: "
    assert str(info.value).startswith(prefix + tail)


def test_proxy_cache_strategy_matches_its_zone() -> None:
    assert check_plugin("proxy-cache", {})["cache_zone"] == "disk_cache_one"  # on disk
    for strategy, zone in (("disk", "memory_cache"), ("memory", "disk_cache_one")):
        with pytest.raises(SchemaError) as err:
            check_plugin("proxy-cache", {"cache_strategy": strategy, "cache_zone": zone})
        assert str(err.value).endswith(
            f"invalid or empty cache_zone for cache_strategy: {strategy}"
        )


def test_openid_connect_code_flow_gets_a_session_secret() -> None:
    conf = {"client_id": "c", "client_secret": "s", "discovery": "http://i/d"}
    first, second = check_plugin("openid-connect", conf), check_plugin("openid-connect", conf)
    assert len(base64.b64decode(first["session"]["secret"])) == 32
    assert first["session"] != second["session"], "a random secret"
    given = {**conf, "session": {"secret": "0123456789abcdef"}}
    assert check_plugin("openid-connect", given)["session"] == given["session"]
    bearer = check_plugin("openid-connect", {**conf, "bearer_only": True})
    assert "session" not in bearer


def test_unknown_plugin() -> None:
    with pytest.raises(SchemaError, match=r"^unknown plugin \[foo\]$"):
        check_plugins({"foo": {}})


def test_plugin_conf_must_be_object() -> None:
    with pytest.raises(SchemaError) as info:
        check_plugins({"key-auth": "on"})
    assert str(info.value) == 'invalid plugin conf "on" for plugin [key-auth]'


def test_input_is_not_modified() -> None:
    plugins = {"limit-count": {"count": 1, "time_window": 1}}
    check_plugins(plugins)
    assert plugins == {"limit-count": {"count": 1, "time_window": 1}}


def test_meta_is_validated() -> None:
    ok = check_plugins(
        {"key-auth": {"_meta": {"disable": True, "priority": 3, "error_response": "x"}}}
    )
    assert ok["key-auth"]["_meta"]["disable"] is True
    with pytest.raises(SchemaError) as info:
        check_plugins({"key-auth": {"_meta": {"disable": "yes"}}})
    assert str(info.value) == (
        'failed to check the configuration of plugin key-auth err: property "_meta" '
        'validation failed: property "disable" validation failed: '
        "wrong type: expected boolean, got string"
    )
    with pytest.raises(SchemaError) as info:
        check_plugins({"key-auth": {"_meta": {"filter": [["arg_a", "<>", "1"]]}}})
    assert str(info.value) == "failed to validate the 'vars' expression: invalid operator '<>'"


# consumer scope: plugins with a consumer_schema use it
@pytest.mark.parametrize(
    ("name", "conf", "expected"),
    [
        ("key-auth", {"key": "auth-one"}, {"key": "auth-one"}),
        ("basic-auth", {"username": "u", "password": "p"}, {"username": "u", "password": "p"}),
        (
            "jwt-auth",
            {"key": "k", "secret": "s"},
            {
                "key": "k",
                "secret": "s",
                "algorithm": "HS256",
                "exp": 86400,
                "base64_secret": False,
                "lifetime_grace_period": 0,
            },
        ),
        (
            "jwt-auth",
            {"key": "k", "algorithm": "RS256", "public_key": "pk"},
            {"key": "k", "algorithm": "RS256", "public_key": "pk"},
        ),
        ("limit-count", {"count": 1, "time_window": 1}, {"policy": "local"}),
    ],
)
def test_consumer_scope_valid(name: str, conf: dict, expected: dict) -> None:
    checked = check_plugins({name: conf}, "consumer")[name]
    for key, value in expected.items():
        assert checked[key] == value


@pytest.mark.parametrize(
    ("name", "conf", "tail"),
    [
        ("key-auth", {}, 'property "key" is required'),
        (
            "key-auth",
            {"key": 1},
            'property "key" validation failed: wrong type: expected string, got number',
        ),
        ("basic-auth", {"username": "u"}, 'property "password" is required'),
        ("jwt-auth", {"secret": "s"}, 'property "key" is required'),
        (
            "jwt-auth",
            {"key": "k", "algorithm": "RS256"},
            'failed to validate dependent schema for "algorithm": value should match only one schema, but matches none',
        ),
        (
            "jwt-auth",
            {"key": "k", "exp": 0},
            'property "exp" validation failed: expected 0 to be at least 1',
        ),
        (
            "jwt-auth",
            {"key": "k", "secret": "not base64!", "base64_secret": True},
            "base64_secret required but the secret is not in base64 format",
        ),
    ],
)
def test_consumer_scope_invalid(name: str, conf: dict, tail: str) -> None:
    with pytest.raises(SchemaError) as info:
        check_plugins({name: conf}, "consumer")
    assert str(info.value) == f"failed to check the configuration of plugin {name} err: {tail}"


def test_jwt_consumer_gets_generated_secret() -> None:
    checked = check_plugins({"jwt-auth": {"key": "k"}}, "consumer")["jwt-auth"]
    assert len(base64.b64decode(checked["secret"])) == 32


def test_stream_scope() -> None:
    checked = check_plugins({"ip-restriction": {"whitelist": ["127.0.0.1"]}}, "stream")
    assert checked["ip-restriction"]["message"] == "Your IP address is not allowed"
    with pytest.raises(SchemaError, match=r"^unknown plugin \[limit-count\]$"):
        check_plugins({"limit-count": {"count": 1, "time_window": 1}}, "stream")
    with pytest.raises(SchemaError) as info:
        check_plugins({"ip-restriction": {}}, "stream")
    assert str(info.value) == (
        "failed to check the configuration of stream plugin [ip-restriction]: "
        "value should match only one schema, but matches none"
    )


def test_metadata_scope() -> None:
    ok = check_plugins(
        {"cors": {"allow_origins": {"site": "https://a.com,https://b.com"}}}, "metadata"
    )
    assert ok["cors"]["allow_origins"]["site"] == "https://a.com,https://b.com"
    with pytest.raises(SchemaError, match=r"^plugin \[prometheus\] has no metadata schema$"):
        check_plugins({"prometheus": {}}, "metadata")


def test_unknown_scope_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        check_plugins({}, "everywhere")


@pytest.mark.parametrize(
    ("name", "conf", "tail"),
    [
        (
            "limit-count",
            {"count": 1, "time_window": 1, "policy": "redis"},
            "then clause did not match",
        ),
        (
            "limit-count",
            {"count": 1, "time_window": 1, "policy": "redis-cluster"},
            "else clause did not match",
        ),
        (
            "limit-req",
            {"rate": 1, "burst": 1, "key": "k", "policy": "redis"},
            "then clause did not match",
        ),
        (
            "proxy-rewrite",
            {"regex_uri": ["^/a"]},
            'property "regex_uri" validation failed: expect array to have at least 2 items',
        ),
        (
            "proxy-rewrite",
            {"regex_uri": ["^/a", "/b", "^/c"]},
            "The length of regex_uri should be an even number",
        ),
        ("proxy-rewrite", {"regex_uri": ["(", "/b"]}, "invalid regex_uri((, /b): "),
        (
            "proxy-rewrite",
            {"host": "a b"},
            'property "host" validation failed: failed to match pattern',
        ),
        (
            "proxy-rewrite",
            {"method": "FETCH"},
            'property "method" validation failed: matches none of the enum values',
        ),
        (
            "proxy-rewrite",
            {"headers": {"X-A": True}},
            'property "headers" validation failed: value should match only one schema',
        ),
        (
            "response-rewrite",
            {"body": "a", "filters": [{"regex": "a", "replace": "b"}]},
            'failed to validate dependent schema for "body": value wasn\'t supposed to match schema',
        ),
        ("response-rewrite", {"body": "@@@", "body_base64": True}, "invalid base64 content"),
        (
            "response-rewrite",
            {"vars": ["a", "==", "b"]},
            "failed to validate the 'vars' expression: rule should be wrapped inside brackets",
        ),
        (
            "response-rewrite",
            {"filters": [{"regex": "(", "replace": "x"}]},
            'regex "(" validation failed: ',
        ),
        (
            "response-rewrite",
            {"filters": [{"regex": "a"}]},
            'property "filters" validation failed: failed to validate item 1: property "replace" is required',
        ),
        (
            "cors",
            {"allow_credential": True},
            "you can not set '*' for other option when 'allow_credential' is true",
        ),
        ("cors", {"allow_origins_by_regex": ["("]}, "missing ), unterminated subpattern"),
        (
            "ip-restriction",
            {"whitelist": ["1.1.1.1"], "blacklist": ["2.2.2.2"]},
            "value should match only one schema, but matches both schemas 1 and 2",
        ),
        (
            "request-id",
            {"range_id": {"length": 5}},
            'property "range_id" validation failed: property "length" validation failed: expected 5 to be at least 6',
        ),
        (
            "consumer-restriction",
            {"whitelist": []},
            'property "whitelist" validation failed: expect array to have at least 1 items',
        ),
    ],
)
def test_plugin_specific_rules(name: str, conf: dict, tail: str) -> None:
    with pytest.raises(SchemaError) as info:
        check_plugins({name: conf})
    assert str(info.value).startswith(
        f"failed to check the configuration of plugin {name} err: {tail}"
    )


@pytest.mark.parametrize(
    ("name", "conf"),
    [
        (
            "limit-count",
            {"count": 1, "time_window": 1, "policy": "redis", "redis_host": "127.0.0.1"},
        ),
        (
            "limit-count",
            {
                "count": 1,
                "time_window": 1,
                "policy": "redis-cluster",
                "redis_cluster_nodes": ["127.0.0.1:7000"],
                "redis_cluster_name": "c",
            },
        ),
        (
            "proxy-rewrite",
            {"regex_uri": ["^/a/(.*)", "/b/$1"], "headers": {"X-Api": "v1", "X-N": 2}},
        ),
        (
            "response-rewrite",
            {
                "headers": {"add": ["X-A: 1"], "remove": ["Server"]},
                "filters": [{"regex": "foo", "replace": "bar"}],
            },
        ),
        (
            "response-rewrite",
            {"body": "aGVsbG8=", "body_base64": True, "vars": [["status", "==", 200]]},
        ),
        (
            "cors",
            {
                "allow_origins": "https://a.com,https://b.com",
                "allow_credential": True,
                "allow_methods": "GET",
                "allow_headers": "X-A",
            },
        ),
        ("consumer-restriction", {"allowed_by_methods": [{"user": "jack", "methods": ["GET"]}]}),
        ("request-id", {"algorithm": "range_id", "range_id": {"length": 8}}),
    ],
)
def test_plugin_specific_valid(name: str, conf: dict) -> None:
    assert check_plugins({name: conf})[name]


def test_redis_policy_defaults() -> None:
    conf = {"count": 1, "time_window": 1, "policy": "redis", "redis_host": "127.0.0.1"}
    checked = check_plugin("limit-count", conf)
    assert checked["redis_port"] == 6379
    assert checked["redis_timeout"] == 1000
    assert checked["redis_database"] == 0
    local = check_plugin("limit-count", {"count": 1, "time_window": 1})
    assert "redis_port" not in local


def test_response_filter_defaults_per_item() -> None:
    checked = check_plugin("response-rewrite", {"filters": [{"regex": "a", "replace": "b"}]})
    assert checked["filters"] == [{"regex": "a", "replace": "b", "scope": "once", "options": "jo"}]


def test_plugin_specs() -> None:
    auth = {name for name, spec in PLUGINS.items() if spec.kind == "auth"}
    assert auth == {"key-auth", "basic-auth", "jwt-auth", "hmac-auth", "ldap-auth"}
    assert PLUGINS["key-auth"].priority == 2500
    assert PLUGINS["limit-count"].version == 0.5
    assert PLUGINS["cors"].metadata_schema is not None
    assert {n for n, s in PLUGINS.items() if s.consumer_schema} == auth


def test_plugin_schema_is_injected_like_the_seed() -> None:
    schema = plugin_schema("key-auth")
    assert schema["$comment"] == "this is a mark for our injected plugin schema"
    assert schema["type"] == "object"
    assert schema["properties"]["header"] == {"default": "apikey", "type": "string"}
    meta = schema["properties"]["_meta"]
    assert meta["type"] == "object"
    assert set(meta["properties"]) == {"filter", "disable", "error_response", "priority"}
    assert meta["properties"]["error_response"] == {
        "oneOf": [{"type": "string"}, {"type": "object"}]
    }


def test_plugin_schema_types_and_subsystems() -> None:
    consumer = plugin_schema("key-auth", "consumer")
    assert consumer["required"] == ["key"]
    assert "_meta" not in consumer["properties"]
    assert plugin_schema("limit-count", "consumer") is None
    assert plugin_schema("cors", "metadata")["properties"]["allow_origins"]["type"] == "object"
    assert plugin_schema("nope") is None
    assert plugin_schema("key-auth", subsystem="stream") is None
    assert plugin_schema("ip-restriction", subsystem="stream")["$comment"]


def test_plugin_schema_returns_a_copy() -> None:
    plugin_schema("key-auth")["properties"].clear()
    assert "header" in plugin_schema("key-auth")["properties"]


def test_plugin_names_sorted_by_priority() -> None:
    names = plugin_names()
    assert set(names) == set(PLUGINS)
    priorities = [PLUGINS[n].priority for n in names]
    assert priorities == sorted(priorities, reverse=True)
    # 23000, 22000, 12015, 12011, 12009
    assert names[:5] == ["real-ip", "client-control", "request-id", "zipkin", "opentelemetry"]
    assert plugin_names("stream") == ["ip-restriction", "limit-conn"]


# --- Authentication and authorization plugins (issue 17) -------------------------------------


def test_hmac_auth_consumer_defaults_and_body_refusal() -> None:
    checked = check_plugins({"hmac-auth": {"access_key": "a", "secret_key": "b"}}, "consumer")
    assert checked["hmac-auth"] == {
        "access_key": "a",
        "secret_key": "b",
        "algorithm": "hmac-sha256",
        "clock_skew": 0,
        "keep_headers": False,
        "encode_uri_params": True,
        "validate_request_body": False,
        "max_req_body": 524288,
    }
    conf = {"access_key": "a", "secret_key": "b", "validate_request_body": True}
    with pytest.raises(SchemaError, match="validate_request_body is not supported"):
        check_plugins({"hmac-auth": conf}, "consumer")


@pytest.mark.parametrize(
    ("extra", "refusal"),
    [
        ({"proxy_opts": {}}, "proxy_opts is not supported"),
        (
            {"introspection_endpoint_auth_method": "private_key_jwt"},
            "introspection_endpoint_auth_method private_key_jwt is not supported",
        ),
    ],
)
def test_openid_connect_refusals(extra: dict, refusal: str) -> None:
    conf = {"client_id": "c", "client_secret": "s", "discovery": "d", "bearer_only": True}
    with pytest.raises(SchemaError, match=refusal):
        check_plugins({"openid-connect": {**conf, **extra}})


def test_serverless_before_proxy_is_refused_not_ignored() -> None:
    # the reference has no point after the balancer to run it: a 400 naming the phase
    conf = {"phase": "before_proxy", "functions": ["return function() end"]}
    with pytest.raises(SchemaError, match="phase before_proxy is not supported"):
        check_plugins({"serverless-post-function": conf})
