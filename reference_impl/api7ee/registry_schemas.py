"""Request schemas of service registry connections (API7 3.9.9 pages for names and limits,
3.2.14 OpenAPI document for the configuration blocks), checked one block at a time so an
error names the field that is wrong."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..api.errors import ApiError
from .schemas import check

# what a client may send back from a GET answer: ignored on create and update
READ_ONLY = ("id", "gateway_group_id", "status", "last_connect_time", "created_at", "updated_at")

REGISTRY_BASE = {
    "type": "object",
    "required": ["name", "type"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "description": {"type": "string", "maxLength": 65536},
        "type": {"type": "string", "enum": ["kubernetes", "nacos"]},
        "health_check": {
            "type": "object",
            "properties": {
                "probe_interval": {"type": "integer", "minimum": 1, "maximum": 86400},
                "probe_timeout": {"type": "integer", "minimum": 1, "maximum": 300},
            },
            "additionalProperties": False,
        },
        "kubernetes_config": {"type": "object"},
        "nacos_config": {"type": "object"},
    },
    "additionalProperties": False,
}
NAMESPACE_NAME = {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$"}
PATTERNS = {
    "type": "array",
    "minItems": 1,
    "items": {"type": "string", "pattern": r"^[\x21-\x7e]*$"},
}
KUBERNETES_CONFIG = {
    "type": "object",
    "required": ["service"],
    "properties": {
        "service": {
            "type": "object",
            "required": ["schema", "host", "port"],
            "properties": {
                "schema": {"type": "string", "enum": ["http", "https"]},
                "host": {"type": "string", "pattern": r"^\*?[0-9a-zA-Z-._]+$"},
                "port": {"type": "string", "pattern": r"^[1-9][0-9]{0,4}$"},
            },
            "additionalProperties": False,
        },
        "namespace_selector": {
            "type": ["object", "null"],
            "properties": {
                "equal": NAMESPACE_NAME,
                "not_equal": NAMESPACE_NAME,
                "match": PATTERNS,
                "not_match": PATTERNS,
            },
            "additionalProperties": False,
            "maxProperties": 1,
        },
        "label_selector": {"type": "string", "maxLength": 4096},
        "client": {
            "type": "object",
            "properties": {
                "token_file": {"type": "string", "minLength": 1, "pattern": r'^[^\:*?"<>|]*$'},
                "token": {"type": "string", "minLength": 1, "pattern": r"^[A-Za-z0-9+\/._=-]+$"},
            },
            "additionalProperties": False,
            "minProperties": 1,
            "maxProperties": 1,
        },
    },
    "additionalProperties": False,
}
SECONDS = {"type": "integer", "minimum": 1, "maximum": 300}
NACOS_CONFIG = {
    "type": "object",
    "required": ["hosts"],
    "properties": {
        "hosts": {
            "type": "array",
            "minItems": 1,
            "maxItems": 32,
            "items": {
                "type": "string",
                "pattern": r"^http(s)?:\/\/([\da-zA-Z.-]+|\[[\da-fA-F:]+\])(:\d+)?$",
            },
        },
        "prefix": {"type": "string", "pattern": r"^/[\x21-\x7e]*$", "maxLength": 256},
        "default_weight": {"type": "integer", "minimum": 1, "maximum": 100},
        "fetch_interval": {"type": "integer", "minimum": 1, "maximum": 86400},
        "timeout": {
            "type": "object",
            "properties": {"connect": SECONDS, "send": SECONDS, "read": SECONDS},
            "additionalProperties": False,
        },
        "auth": {
            "type": "object",
            "properties": {
                "username": {"type": "string", "minLength": 1},
                "password": {"type": "string", "minLength": 1},
                "token": {"type": "string", "minLength": 1},
                "access_key": {"type": "string", "minLength": 1},
                "secret_key": {"type": "string", "minLength": 1},
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}
# where Kubernetes mounts service account tokens: the only files a connection may name, so
# the API cannot make the control plane send any other local file to a host of its choice
TOKEN_DIR = "/var/run/secrets"
AUTH_PAIRS = (("username", "password"), ("token",), ("access_key", "secret_key"))


def check_registry(body: dict[str, Any]) -> dict[str, Any]:
    """A registry connection body checked, with defaults filled in."""
    body = check(REGISTRY_BASE, {k: v for k, v in body.items() if k not in READ_ONLY})
    kind = body["type"]
    other = "nacos_config" if kind == "kubernetes" else "kubernetes_config"
    if other in body:
        raise ApiError(400, f"invalid request body: {other} is not allowed with type {kind}")
    block = f"{kind}_config"
    if block not in body:
        raise ApiError(400, f'invalid request body: property "{block}" is required')
    config = _prefixed(block, KUBERNETES_CONFIG if kind == "kubernetes" else NACOS_CONFIG, body)
    if kind == "nacos":
        _check_ports(config["hosts"])
        _check_auth(config.get("auth"))
        config.setdefault("prefix", "/nacos/v1")
        config.setdefault("default_weight", 100)
        config.setdefault("fetch_interval", 10)
        config["timeout"] = {"connect": 2, "send": 2, "read": 5, **config.get("timeout", {})}
    else:
        if int(config["service"]["port"]) > 65535:
            raise ApiError(400, "invalid kubernetes_config/service/port: not in 1..65535")
        _check_patterns(config.get("namespace_selector") or {})
        token_file = (config.get("client") or {}).get("token_file")
        if token_file is not None and not token_file_allowed(token_file):
            raise ApiError(
                400,
                f"invalid kubernetes_config/client/token_file: must be under {TOKEN_DIR}/ "
                "(a service account token); the control plane reads no other file",
            )
    health = {"probe_interval": 15, "probe_timeout": 5, **body.get("health_check", {})}
    shown: dict[str, Any] = {
        "name": body["name"],
        "description": body.get("description", ""),
        "type": kind,
        "health_check": health,
        block: config,
    }
    return shown


def _prefixed(block: str, schema: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    try:
        return dict(check(schema, body[block]))
    except ApiError as exc:
        message = exc.message.replace('property "', f'property "{block}/', 1)
        if message == exc.message:
            message = message.replace("invalid request body: ", f"invalid {block}: ", 1)
        raise ApiError(400, message) from None


def _check_ports(hosts: list[str]) -> None:
    for index, host in enumerate(hosts):
        port = host.rpartition("]")[2].rpartition(":")[2] if host.count(":") > 1 else ""
        if port and not 1 <= int(port) <= 65535:
            raise ApiError(
                400, f"invalid nacos_config/hosts/{index}: port {port} is not in 1..65535"
            )


def _check_auth(auth: dict[str, Any] | None) -> None:
    if auth is None:
        return
    if not any(set(auth) == set(pair) for pair in AUTH_PAIRS):
        raise ApiError(
            400,
            "invalid nacos_config/auth: give username and password, or token, "
            "or access_key and secret_key",
        )


def _check_patterns(selector: dict[str, Any]) -> None:
    for name in ("match", "not_match"):
        for pattern in selector.get(name, []):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ApiError(
                    400, f"invalid kubernetes_config/namespace_selector/{name}: {pattern!r}: {exc}"
                ) from None


def token_file_allowed(path: str) -> bool:
    return Path(path).resolve().is_relative_to(Path(TOKEN_DIR).resolve())
