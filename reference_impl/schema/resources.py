"""JSON Schemas of the APISIX Admin API resources (after apisix/schema_def.lua, 3.x)."""

from __future__ import annotations

from reference_impl.schema.definitions import (
    CERTIFICATE_DEF,
    DESC_DEF,
    HOST_DEF,
    HOST_PATTERN,
    ID_SCHEMA,
    IP_DEF,
    LABELS_DEF,
    METHOD_DEF,
    PLUGINS_DEF,
    PRIVATE_KEY_DEF,
    REMOTE_ADDR_DEF,
    RULE_NAME_DEF,
    SECRET_URI_DEF,
    TIMEOUT_DEF,
    TIMESTAMP_DEF,
    UPSTREAM_DEF,
    URI_DEF,
    Schema,
)

_SCRIPT_DEF: Schema = {"type": "string", "minLength": 10, "maxLength": 102400}
_HOSTS_DEF: Schema = {"type": "array", "items": HOST_DEF, "minItems": 1, "uniqueItems": True}


def _one_or_neither(first: str, second: str) -> Schema:
    return {
        "oneOf": [
            {"not": {"anyOf": [{"required": [first]}, {"required": [second]}]}},
            {"required": [first]},
            {"required": [second]},
        ]
    }


ROUTE: Schema = {
    "type": "object",
    "properties": {
        "create_time": TIMESTAMP_DEF,
        "update_time": TIMESTAMP_DEF,
        "uri": {"type": "string", "minLength": 1, "maxLength": 4096},
        "uris": {
            "type": "array",
            "items": {"description": "HTTP uri", "type": "string"},
            "minItems": 1,
            "uniqueItems": True,
        },
        "name": RULE_NAME_DEF,
        "desc": DESC_DEF,
        "priority": {"type": "integer", "default": 0},
        "methods": {"type": "array", "items": METHOD_DEF, "uniqueItems": True},
        "host": HOST_DEF,
        "hosts": _HOSTS_DEF,
        "remote_addr": REMOTE_ADDR_DEF,
        "remote_addrs": {
            "type": "array",
            "items": REMOTE_ADDR_DEF,
            "minItems": 1,
            "uniqueItems": True,
        },
        "timeout": TIMEOUT_DEF,
        "vars": {"type": "array"},
        "filter_func": {"type": "string", "minLength": 10, "pattern": "^function"},
        "script": _SCRIPT_DEF,
        "script_id": ID_SCHEMA,
        "plugins": PLUGINS_DEF,
        "plugin_config_id": ID_SCHEMA,
        "upstream": UPSTREAM_DEF,
        "labels": LABELS_DEF,
        "service_id": ID_SCHEMA,
        "upstream_id": ID_SCHEMA,
        "enable_websocket": {"description": "enable websocket for request", "type": "boolean"},
        "id": ID_SCHEMA,
        "status": {
            "description": "route status, 1 to enable, 0 to disable",
            "type": "integer",
            "enum": [1, 0],
            "default": 1,
        },
    },
    "allOf": [
        {"oneOf": [{"required": ["uri"]}, {"required": ["uris"]}]},
        _one_or_neither("host", "hosts"),
        _one_or_neither("remote_addr", "remote_addrs"),
    ],
    "anyOf": [
        {"required": [what, uri]}
        for uri in ("uri", "uris")
        for what in ("plugins", "upstream", "upstream_id", "service_id")
    ]
    + [{"required": ["script", "uri"]}, {"required": ["script", "uris"]}],
    "not": {
        "anyOf": [
            {"required": ["script", "plugins"]},
            {"required": ["script", "plugin_config_id"]},
        ]
    },
    "additionalProperties": False,
}

SERVICE: Schema = {
    "type": "object",
    "properties": {
        "id": ID_SCHEMA,
        "plugins": PLUGINS_DEF,
        "upstream": UPSTREAM_DEF,
        "upstream_id": ID_SCHEMA,
        "name": RULE_NAME_DEF,
        "desc": DESC_DEF,
        "labels": LABELS_DEF,
        "script": _SCRIPT_DEF,
        "create_time": TIMESTAMP_DEF,
        "update_time": TIMESTAMP_DEF,
        "enable_websocket": {"description": "enable websocket for request", "type": "boolean"},
        "hosts": _HOSTS_DEF,
    },
    "additionalProperties": False,
}

UPSTREAM: Schema = UPSTREAM_DEF

CONSUMER: Schema = {
    "type": "object",
    "properties": {
        "username": {
            "type": "string",
            "minLength": 1,
            "maxLength": 100,
            "pattern": r"^[a-zA-Z0-9_\-]+$",
        },
        "group_id": ID_SCHEMA,
        "plugins": PLUGINS_DEF,
        "labels": LABELS_DEF,
        "create_time": TIMESTAMP_DEF,
        "update_time": TIMESTAMP_DEF,
        "desc": DESC_DEF,
    },
    "required": ["username"],
    "additionalProperties": False,
}

CREDENTIAL: Schema = {
    "type": "object",
    "properties": {
        "id": ID_SCHEMA,
        "plugins": {"type": "object", "maxProperties": 1},
        "labels": LABELS_DEF,
        "create_time": TIMESTAMP_DEF,
        "update_time": TIMESTAMP_DEF,
        "desc": DESC_DEF,
    },
}

_CERT_OR_SECRET: Schema = {"oneOf": [CERTIFICATE_DEF, SECRET_URI_DEF]}
_KEY_OR_SECRET: Schema = {"oneOf": [PRIVATE_KEY_DEF, SECRET_URI_DEF]}

SSL: Schema = {
    "type": "object",
    "properties": {
        "id": ID_SCHEMA,
        "type": {
            "description": "ssl certificate type, server to server certificate, "
            "client to client certificate for upstream",
            "type": "string",
            "default": "server",
            "enum": ["server", "client"],
        },
        "cert": _CERT_OR_SECRET,
        "key": _KEY_OR_SECRET,
        "sni": {"type": "string", "pattern": HOST_PATTERN},
        "snis": {
            "type": "array",
            "items": {"type": "string", "pattern": HOST_PATTERN},
            "minItems": 1,
        },
        "certs": {"type": "array", "items": _CERT_OR_SECRET},
        "keys": {"type": "array", "items": _KEY_OR_SECRET},
        "client": {
            "type": "object",
            "properties": {
                "ca": CERTIFICATE_DEF,
                "depth": {"type": "integer", "minimum": 0, "default": 1},
                "skip_mtls_uri_regex": {
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": {
                        "description": "uri regular expression to skip mtls",
                        "type": "string",
                    },
                },
            },
            "required": ["ca"],
        },
        "labels": LABELS_DEF,
        "status": {
            "description": "ssl status, 1 to enable, 0 to disable",
            "type": "integer",
            "enum": [1, 0],
            "default": 1,
        },
        "ssl_protocols": {
            "description": "set ssl protocols",
            "type": "array",
            "maxItems": 3,
            "uniqueItems": True,
            "items": {"enum": ["TLSv1.1", "TLSv1.2", "TLSv1.3"]},
        },
        "create_time": TIMESTAMP_DEF,
        "update_time": TIMESTAMP_DEF,
    },
    "if": {"properties": {"type": {"enum": ["server"]}}},
    "then": {
        "oneOf": [
            {"required": ["sni", "key", "cert"]},
            {"required": ["snis", "key", "cert"]},
        ]
    },
    "else": {"required": ["key", "cert"]},
    "additionalProperties": False,
}

PROTO: Schema = {
    "type": "object",
    "properties": {
        "id": ID_SCHEMA,
        "desc": DESC_DEF,
        "create_time": TIMESTAMP_DEF,
        "update_time": TIMESTAMP_DEF,
        "content": {"type": "string", "minLength": 1, "maxLength": 1024 * 1024},
    },
    "required": ["content"],
    "additionalProperties": False,
}

GLOBAL_RULE: Schema = {
    "type": "object",
    "properties": {
        "id": ID_SCHEMA,
        "plugins": PLUGINS_DEF,
        "create_time": TIMESTAMP_DEF,
        "update_time": TIMESTAMP_DEF,
    },
    "required": ["id", "plugins"],
    "additionalProperties": False,
}

_XRPC_PROTOCOL: Schema = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "superior_id": ID_SCHEMA,
        "conf": {"description": "protocol-specific configuration", "type": "object"},
        "logger": {
            "type": "array",
            "items": {
                "properties": {
                    "name": {"type": "string"},
                    "filter": {"description": "logger filter rules", "type": "array"},
                    "conf": {"description": "logger plugin configuration", "type": "object"},
                },
                "dependencies": {"name": ["conf"]},
                "additionalProperties": False,
            },
        },
    },
    "required": ["name"],
}

STREAM_ROUTE: Schema = {
    "type": "object",
    "properties": {
        "id": ID_SCHEMA,
        "desc": DESC_DEF,
        "create_time": TIMESTAMP_DEF,
        "update_time": TIMESTAMP_DEF,
        "remote_addr": REMOTE_ADDR_DEF,
        "labels": LABELS_DEF,
        "server_addr": {"description": "server IP", "type": "string", "anyOf": IP_DEF},
        "server_port": {
            "description": "server port",
            "type": "integer",
            "minimum": 1,
            "maximum": 65535,
        },
        "sni": {"description": "server name indication", "type": "string", "pattern": HOST_PATTERN},
        "upstream": UPSTREAM_DEF,
        "upstream_id": ID_SCHEMA,
        "service_id": ID_SCHEMA,
        "plugins": PLUGINS_DEF,
        "protocol": _XRPC_PROTOCOL,
    },
    "additionalProperties": False,
}

PLUGIN_CONFIG: Schema = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "id": ID_SCHEMA,
        "desc": DESC_DEF,
        "plugins": PLUGINS_DEF,
        "labels": LABELS_DEF,
        "create_time": TIMESTAMP_DEF,
        "update_time": TIMESTAMP_DEF,
    },
    "required": ["id", "plugins"],
    "additionalProperties": False,
}

CONSUMER_GROUP: Schema = {
    "type": "object",
    "properties": {
        "id": ID_SCHEMA,
        "desc": DESC_DEF,
        "plugins": PLUGINS_DEF,
        "labels": LABELS_DEF,
        "create_time": TIMESTAMP_DEF,
        "update_time": TIMESTAMP_DEF,
    },
    "required": ["id", "plugins"],
    "additionalProperties": False,
}

# apisix/secret/vault.lua
VAULT_SECRET: Schema = {
    "type": "object",
    "properties": {
        "uri": URI_DEF,
        "prefix": {"type": "string"},
        "token": {"type": "string"},
        "namespace": {"type": "string"},
    },
    "required": ["uri", "prefix", "token"],
}
