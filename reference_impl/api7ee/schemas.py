"""Request schemas of the `/api` control plane (field limits from the API7 3.9.9 pages and
the 3.2.14 OpenAPI document), and the checks that reuse the APISIX schemas for upstreams
and plugins."""

from __future__ import annotations

from typing import Any

from ..api.errors import ApiError
from ..schema import SchemaError, check_plugins, check_resource
from ..schema.engine import ecma_search, error_validator

ID = {"type": "string", "minLength": 1, "maxLength": 256, "pattern": r"^[a-zA-Z0-9-_.]+$"}
NAME = {"type": "string", "minLength": 1, "maxLength": 65536}
DESC = {"type": "string", "maxLength": 65536}
LABELS = {
    "type": "object",
    "additionalProperties": {
        "type": "string",
        "minLength": 1,
        "maxLength": 256,
        "pattern": r"^\S+$",
    },
}
HOSTS = {
    "type": "array",
    "minItems": 1,
    "maxItems": 32,
    "uniqueItems": True,
    "items": {"type": "string", "pattern": r"^\*?[0-9a-zA-Z-._]+$"},
}
PATH_PREFIX = {"type": "string", "minLength": 1, "maxLength": 4096, "pattern": "^/"}
PLUGINS = {"type": "object"}
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE", "PURGE"]
READ_ONLY = ("id", "created_at", "updated_at", "last_published", "published_gateway_groups_count")

GATEWAY_GROUP_CREATE = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "description": {"type": "string", "maxLength": 65536},
        "labels": LABELS,
        "type": {"type": "string", "enum": ["api7_gateway", "api7_ingress_controller"]},
        "enforce_service_publishing": {"type": "boolean"},
    },
    "additionalProperties": False,
}
GATEWAY_GROUP_UPDATE = {
    "type": "object",
    "required": ["name", "description"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "description": {"type": "string", "maxLength": 65536},
        "labels": LABELS,
        "enforce_service_publishing": {"type": "boolean"},
    },
    "additionalProperties": False,
}
SERVICE_TEMPLATE = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": NAME,
        "desc": DESC,
        "labels": LABELS,
        "type": {"type": "string", "enum": ["http", "stream"]},
        "hosts": HOSTS,
        "path_prefix": PATH_PREFIX,
        "strip_path_prefix": {"type": "boolean"},
        "plugins": PLUGINS,
        "upstream": {"type": "object"},
    },
    "additionalProperties": False,
}
ROUTE_TEMPLATE = {
    "type": "object",
    "required": ["name", "paths", "service_id"],
    "properties": {
        "name": NAME,
        "desc": DESC,
        "labels": LABELS,
        "methods": {
            "type": "array",
            "minItems": 1,
            "maxItems": 10,
            "uniqueItems": True,
            "items": {"type": "string", "enum": METHODS},
        },
        "vars": {"type": "array"},
        "paths": {
            "type": "array",
            "minItems": 1,
            "maxItems": 64,
            "items": {"type": "string", "minLength": 1, "maxLength": 4096, "pattern": "^/"},
        },
        "priority": {"type": "integer"},
        "enable_websocket": {"type": ["boolean", "null"]},
        "service_id": ID,
        "plugins": PLUGINS,
        "timeout": {"type": "object"},
    },
    "additionalProperties": False,
}
STREAM_ROUTE_TEMPLATE = {
    "type": "object",
    "required": ["name", "service_id"],
    "properties": {
        "name": NAME,
        "desc": DESC,
        "labels": LABELS,
        "remote_addr": {"type": "string", "minLength": 1},
        "server_addr": {"type": "string", "minLength": 1},
        "server_port": {"type": "integer", "minimum": 1, "maximum": 65535},
        "service_id": ID,
        "plugins": PLUGINS,
    },
    "additionalProperties": False,
}
PUBLISH = {
    "type": "object",
    "required": ["gateway_group_id", "services"],
    "properties": {
        "create_new_version": {"type": "boolean"},
        "gateway_group_id": ID,
        "services": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["service_id"],
                "properties": {
                    "service_id": ID,
                    "version": {"type": "string", "minLength": 1, "maxLength": 256},
                    "service_version_id": ID,
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}
RUNTIME_CONFIGURATION = {
    "type": "object",
    "properties": {
        "hosts": HOSTS,
        "path_prefix": PATH_PREFIX,
        "upstream": {"type": "object"},
        "plugins": PLUGINS,
        "status": {"type": "integer", "enum": [0, 1]},
    },
    "additionalProperties": False,
}
ROUTE_RUNTIME_CONFIGURATION = {
    "type": "object",
    "properties": {"plugins": PLUGINS, "status": {"type": "integer", "enum": [0, 1]}},
    "additionalProperties": False,
}


def check(schema: dict[str, Any], body: Any, *, read_only_ok: bool = False) -> dict[str, Any]:
    """`body` checked against `schema` (read-only fields dropped first when allowed)."""
    if read_only_ok and isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in READ_ONLY}
    error = next(
        iter(sorted(error_validator(schema).iter_errors(body), key=lambda e: list(e.path))), None
    )
    if error is not None:
        where = "/".join(str(p) for p in error.path)
        field = f'property "{where}" ' if where else ""
        raise ApiError(400, f"invalid request body: {field}validation failed: {error.message}")
    return body


def check_upstream(upstream: dict[str, Any]) -> dict[str, Any]:
    try:
        return check_resource("upstreams", upstream)
    except SchemaError as exc:
        raise ApiError(400, f"invalid upstream: {exc}") from None


def check_plugin_set(plugins: dict[str, Any], scope: str = "route") -> dict[str, Any]:
    try:
        return check_plugins(plugins, scope)
    except SchemaError as exc:
        raise ApiError(400, f"invalid plugins: {exc}") from None


def check_apisix(kind: str, conf: dict[str, Any]) -> dict[str, Any]:
    """An APISIX object rendered from a published service, validated and defaults filled."""
    try:
        return check_resource(kind, conf)
    except SchemaError as exc:
        raise ApiError(400, f"invalid {kind[:-1]} for the gateway: {exc}") from None


def check_id(raw: str, name: str) -> str:
    """A path id, checked like the body ids (`[a-zA-Z0-9-_.]`, 1..256 characters)."""
    if not (1 <= len(raw) <= 256) or not ecma_search(str(ID["pattern"]), raw):
        raise ApiError(400, f"invalid {name}: must match ^[a-zA-Z0-9-_.]+$ (1..256 characters)")
    return raw
