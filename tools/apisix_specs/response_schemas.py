"""Response body schemas of the APISIX Admin API: the v3 bodies and the 2.x (`v2`) bodies.

v3 (`apisix.admin_api_version: v3`): one resource is `{key, value, createdIndex, modifiedIndex}`
(writes may leave out the indexes), a list is `{total, list: [...]}`, a delete is
`{deleted, key}`. v2: one resource is `{action, node: {key, value, ...}}`, a list is
`{action, count, node: {dir, key, nodes: [...]}}`, a delete carries `action: delete`.
Stored values carry the schema defaults the server fills in (a route has `status` and
`priority`; an upstream `type`, `scheme`, `pass_host` and `hash_on`).
"""

from __future__ import annotations

from typing import Any

from .schema_helpers import Schema, ref

# Stored value schema of each resource (component name -> what a stored value must carry).
STORED_VALUES: dict[str, Schema] = {
    "StoredValue": {
        "type": "object",
        "required": ["id", "create_time", "update_time"],
        "properties": {
            "id": {"anyOf": [{"type": "string", "minLength": 1}, {"type": "integer"}]},
            "create_time": {"type": "integer"},
            "update_time": {"type": "integer"},
        },
    },
    "RouteValue": {
        "allOf": [ref("StoredValue")],
        "type": "object",
        "required": ["status", "priority"],
        "properties": {
            "status": {"type": "integer", "enum": [1, 0]},
            "priority": {"type": "integer"},
        },
    },
    "UpstreamValue": {
        "allOf": [ref("StoredValue")],
        "type": "object",
        "required": ["type", "scheme", "pass_host", "hash_on", "nodes"],
        "properties": {
            "type": {"type": "string"},
            "scheme": {"type": "string"},
            "pass_host": {"type": "string", "enum": ["pass", "node", "rewrite"]},
            "hash_on": {"type": "string"},
        },
    },
    "ConsumerValue": {
        "type": "object",
        "required": ["username", "create_time", "update_time"],
        "properties": {
            "username": {"type": "string"},
            "create_time": {"type": "integer"},
            "update_time": {"type": "integer"},
        },
    },
    "SslValue": {
        "allOf": [ref("StoredValue")],
        "type": "object",
        "properties": {"key": {"type": "string", "not": {"pattern": "BEGIN [A-Z ]*PRIVATE KEY"}}},
        "description": "a private key is never returned in plain text",
    },
    "SslPublicValue": {
        "allOf": [ref("SslValue")],
        "type": "object",
        "not": {"anyOf": [{"required": ["key"]}, {"required": ["keys"]}]},
        "description": "GET never returns the private keys",
    },
    "SecretValue": {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "string", "pattern": "^[^/]+/[^/]+$"}},
    },
    "PluginMetadataValue": {"type": "object"},
}

ERROR_SCHEMAS: dict[str, Schema] = {
    "ErrorBody": {
        "type": "object",
        "required": ["error_msg"],
        "properties": {"error_msg": {"type": "string", "minLength": 1}},
    },
    "NotFoundBody": {
        "type": "object",
        "description": "APISIX answers a missing key with `message` (from the store) or `error_msg`",
        "anyOf": [{"required": ["error_msg"]}, {"required": ["message"]}],
        "properties": {"error_msg": {"type": "string"}, "message": {"type": "string"}},
    },
}


def _v3_item(value: str, *, indexes_required: bool) -> Schema:
    schema: Schema = {
        "type": "object",
        "required": [
            "key",
            "value",
            *(["createdIndex", "modifiedIndex"] if indexes_required else []),
        ],
        "properties": {
            "key": {"type": "string", "minLength": 1},
            "value": ref(value),
            "createdIndex": {"type": "integer"},
            "modifiedIndex": {"type": "integer"},
        },
    }
    return schema


def _v2_node(value: str) -> Schema:
    return {
        "type": "object",
        "required": ["key", "value"],
        "properties": {
            "key": {"type": "string", "minLength": 1},
            "value": ref(value),
            "createdIndex": {"type": "integer"},
            "modifiedIndex": {"type": "integer"},
        },
    }


def body_schemas(version: str, value: str) -> dict[str, Schema]:
    """The written, fetched and list body schemas for one stored value, by version."""
    if version == "v3":
        return {
            f"{value}Written": _v3_item(value, indexes_required=False),
            f"{value}Fetched": _v3_item(value, indexes_required=True),
            f"{value}List": {
                "type": "object",
                "required": ["total", "list"],
                "properties": {
                    "total": {"type": "integer", "minimum": 0},
                    "list": {"type": "array", "items": ref(f"{value}Fetched")},
                },
            },
        }
    actions = ["get", "set", "create", "update", "compareAndSwap"]
    single: Schema = {
        "type": "object",
        "required": ["action", "node"],
        "properties": {"action": {"type": "string", "enum": actions}, "node": _v2_node(value)},
    }
    return {
        f"{value}Written": single,
        f"{value}Fetched": single,
        f"{value}List": {
            "type": "object",
            "required": ["action", "count", "node"],
            "properties": {
                "action": {"type": "string", "enum": ["get"]},
                "count": {"type": "integer", "minimum": 0},
                "node": {
                    "type": "object",
                    "required": ["nodes"],
                    "properties": {
                        "dir": {"type": "boolean"},
                        "key": {"type": "string"},
                        "nodes": {"type": "array", "items": _v2_node(value)},
                    },
                },
            },
        },
    }


def deleted_schema(version: str) -> Schema:
    if version == "v3":
        return {
            "type": "object",
            "required": ["deleted", "key"],
            "properties": {
                "deleted": {"type": "string"},
                "key": {"type": "string", "minLength": 1},
            },
        }
    return {
        "type": "object",
        "required": ["action"],
        "properties": {
            "action": {"type": "string", "enum": ["delete"]},
            "deleted": {"type": "string"},
            "key": {"type": "string"},
            "node": {"type": "object"},
        },
    }


def response_schemas(version: str) -> dict[str, Any]:
    schemas: dict[str, Any] = {**STORED_VALUES, **ERROR_SCHEMAS, "Deleted": deleted_schema(version)}
    for value in STORED_VALUES:
        schemas.update(body_schemas(version, value))
    schemas["PluginList"] = {"type": "array", "items": {"type": "string", "minLength": 1}}
    schemas["PluginSchema"] = {"type": "object", "description": "the JSON Schema of one plugin"}
    schemas["AllPlugins"] = {
        "type": "object",
        "description": "every plugin by name: name, priority, schema, version, ...",
        "additionalProperties": {"type": "object"},
    }
    return schemas
