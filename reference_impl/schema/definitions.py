"""Shared building blocks of APISIX's resource schemas (after apisix/schema_def.lua, 3.x)."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

ID_SCHEMA: Schema = {
    "anyOf": [
        {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"^[a-zA-Z0-9-_.]+$"},
        {"type": "integer", "minimum": 1},
    ]
}

HOST_PATTERN = r"^\*?[0-9a-zA-Z-._\[\]:]+$"
HOST_DEF: Schema = {"type": "string", "pattern": HOST_PATTERN}

_IPV4_SEG = "([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])"
_IPV4 = r"\.".join([_IPV4_SEG] * 4)
_IPV6 = "([a-fA-F0-9]{0,4}:){1,8}(:[a-fA-F0-9]{0,4}){0,8}([a-fA-F0-9]{0,4})?"
IP_DEF: list[Schema] = [
    {"title": "IPv4", "type": "string", "format": "ipv4"},
    {"title": "IPv4/CIDR", "type": "string", "pattern": f"^{_IPV4}/([12]?[0-9]|3[0-2])$"},
    {"title": "IPv6", "type": "string", "format": "ipv6"},
    {"title": "IPv6/CIDR", "type": "string", "pattern": f"^{_IPV6}/[0-9]{{1,3}}$"},
]
REMOTE_ADDR_DEF: Schema = {"description": "client IP", "type": "string", "anyOf": IP_DEF}

URI_DEF: Schema = {
    "type": "string",
    "pattern": r"^[^\/]+:\/\/([\da-zA-Z.-]+|\[[\da-fA-F:]+\])(:\d+)?",
}

TIMESTAMP_DEF: Schema = {"type": "integer"}

LABEL_VALUE_DEF: Schema = {
    "description": "value of label",
    "type": "string",
    "pattern": r"^\S+$",
    "maxLength": 256,
    "minLength": 1,
}
LABELS_DEF: Schema = {
    "description": "key/value pairs to specify attributes",
    "type": "object",
    "patternProperties": {".*": LABEL_VALUE_DEF},
}

RULE_NAME_DEF: Schema = {"type": "string", "maxLength": 100, "minLength": 1}
DESC_DEF: Schema = {"type": "string", "maxLength": 256}
PLUGINS_DEF: Schema = {"type": "object"}

TIMEOUT_DEF: Schema = {
    "type": "object",
    "properties": {
        "connect": {"type": "number", "exclusiveMinimum": 0},
        "send": {"type": "number", "exclusiveMinimum": 0},
        "read": {"type": "number", "exclusiveMinimum": 0},
    },
    "required": ["connect", "send", "read"],
}

CERTIFICATE_DEF: Schema = {"type": "string", "minLength": 128, "maxLength": 64 * 1024}
PRIVATE_KEY_DEF: Schema = {"type": "string", "minLength": 128, "maxLength": 64 * 1024}
SECRET_URI_DEF: Schema = {"type": "string", "pattern": r"^\$(secret|env|ENV)://"}

METHOD_DEF: Schema = {
    "description": "HTTP method",
    "type": "string",
    "enum": [
        "GET",
        "POST",
        "PUT",
        "DELETE",
        "PATCH",
        "HEAD",
        "OPTIONS",
        "CONNECT",
        "TRACE",
        "PURGE",
    ],
}


def _statuses(default: list[int]) -> Schema:
    return {
        "type": "array",
        "minItems": 1,
        "items": {"type": "integer", "minimum": 200, "maximum": 599},
        "uniqueItems": True,
        "default": default,
    }


def _counter(default: int, minimum: int) -> Schema:
    return {"type": "integer", "minimum": minimum, "maximum": 254, "default": default}


_PASSIVE_HEALTHY_STATUSES = [
    *(200, 201, 202, 203, 204, 205, 206, 207, 208, 226),
    *(300, 301, 302, 303, 304, 305, 306, 307, 308),
]

_CHECK_TYPE: Schema = {"type": "string", "enum": ["http", "https", "tcp"], "default": "http"}

HEALTH_CHECKER_DEF: Schema = {
    "type": "object",
    "properties": {
        "active": {
            "type": "object",
            "properties": {
                "type": _CHECK_TYPE,
                "timeout": {"type": "number", "default": 1},
                "concurrency": {"type": "integer", "default": 10},
                "host": HOST_DEF,
                "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                "http_path": {"type": "string", "default": "/"},
                "https_verify_certificate": {"type": "boolean", "default": True},
                "healthy": {
                    "type": "object",
                    "properties": {
                        "interval": {"type": "integer", "minimum": 1, "default": 1},
                        "http_statuses": _statuses([200, 302]),
                        "successes": _counter(2, 1),
                    },
                },
                "unhealthy": {
                    "type": "object",
                    "properties": {
                        "interval": {"type": "integer", "minimum": 1, "default": 1},
                        "http_statuses": _statuses([429, 404, 500, 501, 502, 503, 504, 505]),
                        "http_failures": _counter(5, 1),
                        "tcp_failures": _counter(2, 1),
                        "timeouts": _counter(3, 1),
                    },
                },
                "req_headers": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string", "uniqueItems": True},
                },
            },
        },
        "passive": {
            "type": "object",
            "properties": {
                "type": _CHECK_TYPE,
                "healthy": {
                    "type": "object",
                    "properties": {
                        "http_statuses": _statuses(_PASSIVE_HEALTHY_STATUSES),
                        "successes": _counter(5, 0),
                    },
                },
                "unhealthy": {
                    "type": "object",
                    "properties": {
                        "http_statuses": _statuses([429, 500, 503]),
                        "tcp_failures": _counter(2, 0),
                        "timeouts": _counter(7, 0),
                        "http_failures": _counter(5, 0),
                    },
                },
            },
        },
    },
    "anyOf": [{"required": ["active"]}, {"required": ["active", "passive"]}],
    "additionalProperties": False,
}

NODES_DEF: Schema = {
    "anyOf": [
        {
            "type": "object",
            "patternProperties": {
                ".*": {"description": "weight of node", "type": "integer", "minimum": 0}
            },
        },
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "host": HOST_DEF,
                    "port": {
                        "description": "port of node",
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 65535,
                    },
                    "weight": {"description": "weight of node", "type": "integer", "minimum": 0},
                    "priority": {
                        "description": "priority of node",
                        "type": "integer",
                        "default": 0,
                    },
                    "metadata": {"description": "metadata of node", "type": "object"},
                },
                "required": ["host", "weight"],
            },
        },
    ]
}

UPSTREAM_DEF: Schema = {
    "type": "object",
    "properties": {
        "create_time": TIMESTAMP_DEF,
        "update_time": TIMESTAMP_DEF,
        "nodes": NODES_DEF,
        "retries": {"type": "integer", "minimum": 0},
        "retry_timeout": {"type": "number", "minimum": 0},
        "timeout": TIMEOUT_DEF,
        "tls": {
            "type": "object",
            "properties": {
                "client_cert_id": ID_SCHEMA,
                "client_cert": CERTIFICATE_DEF,
                "client_key": PRIVATE_KEY_DEF,
                "verify": {"type": "boolean", "default": False},
            },
            "dependencies": {
                "client_cert": {"required": ["client_key"]},
                "client_key": {"required": ["client_cert"]},
                "client_cert_id": {"not": {"required": ["client_cert", "client_key"]}},
            },
        },
        "keepalive_pool": {
            "type": "object",
            "properties": {
                "size": {"type": "integer", "default": 320, "minimum": 1},
                "idle_timeout": {"type": "number", "default": 60, "minimum": 0},
                "requests": {"type": "integer", "default": 1000, "minimum": 1},
            },
        },
        "type": {
            "description": "algorithms of load balancing",
            "type": "string",
            "default": "roundrobin",
        },
        "checks": HEALTH_CHECKER_DEF,
        "hash_on": {
            "type": "string",
            "default": "vars",
            "enum": ["vars", "header", "cookie", "consumer", "vars_combinations"],
        },
        "key": {"description": "the key of chash for dynamic load balancing", "type": "string"},
        "scheme": {
            "default": "http",
            "enum": ["grpc", "grpcs", "http", "https", "tcp", "tls", "udp", "kafka"],
        },
        "labels": LABELS_DEF,
        "discovery_type": {"description": "discovery type", "type": "string"},
        "discovery_args": {
            "type": "object",
            "properties": {
                "namespace_id": {"type": "string"},
                "group_name": {"type": "string"},
            },
        },
        "pass_host": {
            "description": "mod of host passing",
            "type": "string",
            "enum": ["pass", "node", "rewrite"],
            "default": "pass",
        },
        "upstream_host": HOST_DEF,
        "name": RULE_NAME_DEF,
        "desc": DESC_DEF,
        "service_name": {"type": "string", "maxLength": 256, "minLength": 1},
        "id": ID_SCHEMA,
    },
    "oneOf": [
        {"required": ["nodes"]},
        {"required": ["service_name", "discovery_type"]},
    ],
    "additionalProperties": False,
}

# chash key rules per hash_on (apisix/upstream.lua get_chash_key_schema)
CHASH_KEY_SCHEMAS: dict[str, Schema | None] = {
    "vars": {
        "type": "string",
        "pattern": (
            r"^((uri|server_name|server_addr|request_uri|remote_port"
            r"|remote_addr|query_string|host|hostname|mqtt_client_id)"
            r"|arg_[0-9a-zA-z_-]+)$"
        ),
    },
    "header": {"type": "string", "pattern": r"^[a-zA-Z0-9-_]+$"},
    "cookie": {"type": "string", "pattern": r"^[a-zA-Z0-9-_]+$"},
    "consumer": None,
    "vars_combinations": {"type": "string"},
}

PLUGIN_INJECTED_COMMENT = "this is a mark for our injected plugin schema"
PLUGIN_META_DEF: Schema = {
    "type": "object",
    "properties": {
        "disable": {"type": "boolean"},
        "error_response": {"oneOf": [{"type": "string"}, {"type": "object"}]},
        "priority": {"description": "priority of plugins by customized order", "type": "integer"},
        "filter": {
            "description": "filter determines whether the plugin needs to be executed at runtime",
            "type": "array",
        },
    },
}
