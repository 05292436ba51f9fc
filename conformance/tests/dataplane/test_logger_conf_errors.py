"""The observability plugins' configuration errors, as the Admin API answers them: 400 with
APISIX's `failed to check the configuration of plugin <name> err: <message>` for a missing
required field and for a value of the wrong type.

Sources: the plugins' schemas in apisix/plugins/*.lua (3.5) and the lua-jsonschema wording
APISIX's tests assert (t/plugin/*-logger*.t): `property "x" is required` and `property "x"
validation failed: wrong type: expected integer, got string` (nested properties prefixed
with their parent's `property "p" validation failed: `); file-logger's `match` is
checked as a lua-resty-expr rule (`failed to validate the 'match' expression: ...`).
"""

from __future__ import annotations

from conformance.support.plugin_conf_errors import Case, conf_errors_test, wrong_type

# plugin -> [(case id, conf, message after the prefix)]
CASES: dict[str, list[Case]] = {
    "http-logger": [
        ("no-uri", {"batch_max_size": 1}, 'property "uri" is required'),
        ("uri-number", {"uri": 1}, wrong_type("uri", "string", "number")),
        (
            "batch-size-string",
            {"uri": "http://127.0.0.1:1", "batch_max_size": "1"},
            wrong_type("batch_max_size", "integer", "string"),
        ),
    ],
    "tcp-logger": [
        ("no-port", {"host": "127.0.0.1"}, 'property "port" is required'),
        ("host-number", {"host": 1, "port": 1}, wrong_type("host", "string", "number")),
    ],
    "udp-logger": [
        ("no-host", {"port": 514}, 'property "host" is required'),
        (
            "port-string",
            {"host": "127.0.0.1", "port": "514"},
            wrong_type("port", "integer", "string"),
        ),
    ],
    "syslog": [
        ("no-host", {"port": 514}, 'property "host" is required'),
        (
            "tls-string",
            {"host": "127.0.0.1", "port": 514, "tls": "yes"},
            wrong_type("tls", "boolean", "string"),
        ),
    ],
    "file-logger": [
        ("no-path", {"include_resp_body": True}, 'property "path" is required'),
        ("path-number", {"path": 1}, wrong_type("path", "string", "number")),
        (
            "bad-match",
            {"path": "logs/x.log", "match": [["arg_a", "=", "b"]]},
            "failed to validate the 'match' expression: invalid operator '='",
        ),
    ],
    "zipkin": [
        (
            "no-ratio",
            {"endpoint": "http://127.0.0.1:9411/api/v2/spans"},
            'property "sample_ratio" is required',
        ),
        (
            "ratio-string",
            {"endpoint": "http://127.0.0.1:9411/api/v2/spans", "sample_ratio": "1"},
            wrong_type("sample_ratio", "number", "string"),
        ),
    ],
    "opentelemetry": [
        (
            "sampler-name-number",
            {"sampler": {"name": 1}},
            'property "sampler" validation failed: ' + wrong_type("name", "string", "number"),
        ),
        (
            "attributes-string",
            {"additional_attributes": "remote_addr"},
            wrong_type("additional_attributes", "array", "string"),
        ),
    ],
    "datadog": [
        (
            "prefer-name-string",
            {"prefer_name": "yes"},
            wrong_type("prefer_name", "boolean", "string"),
        ),
        (
            "batch-size-string",
            {"batch_max_size": "1"},
            wrong_type("batch_max_size", "integer", "string"),
        ),
    ],
}


test_http_logger_conf_errors = conf_errors_test("http-logger", CASES["http-logger"])
test_tcp_logger_conf_errors = conf_errors_test("tcp-logger", CASES["tcp-logger"])
test_udp_logger_conf_errors = conf_errors_test("udp-logger", CASES["udp-logger"])
test_syslog_conf_errors = conf_errors_test("syslog", CASES["syslog"])
test_file_logger_conf_errors = conf_errors_test("file-logger", CASES["file-logger"])
test_zipkin_conf_errors = conf_errors_test("zipkin", CASES["zipkin"])
test_opentelemetry_conf_errors = conf_errors_test("opentelemetry", CASES["opentelemetry"])
test_datadog_conf_errors = conf_errors_test("datadog", CASES["datadog"])
