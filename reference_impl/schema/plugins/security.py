"""Request screening plugins: ua-restriction, referer-restriction, uri-blocker, csrf,
request-validation (APISIX 3.5 schemas and checks)."""

from __future__ import annotations

import re
from typing import Any

import jsonschema

from reference_impl.schema.definitions import HOST_DEF, Schema
from reference_impl.schema.engine import CompiledSchema
from reference_impl.schema.plugins.spec import ExtraCheck, PluginSpec


def regex_error(pattern: str) -> str | None:
    """Why `pattern` does not compile (None when it does)."""
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"failed to compile regex {pattern!r}: {exc}"
    return None


def _rules_check(*keys: str) -> ExtraCheck:
    """A check that every regex under `keys` compiles, as APISIX's re_compile does."""

    def check(conf: dict[str, Any], scope: str) -> str | None:
        for key in keys:
            for pattern in conf.get(key) or ():
                err = regex_error(pattern)
                if err:
                    return err
        return None

    return check


_RULE_LIST: Schema = {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}

UA_RESTRICTION = PluginSpec(
    name="ua-restriction",
    priority=2999,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "bypass_missing": {"type": "boolean", "default": False},
            "allowlist": _RULE_LIST,
            "denylist": _RULE_LIST,
            "message": {
                "type": "string",
                "minLength": 1,
                "maxLength": 1024,
                "default": "Not allowed",
            },
        },
        "oneOf": [{"required": ["allowlist"]}, {"required": ["denylist"]}],
    },
    extra_check=_rules_check("allowlist", "denylist"),
)

_HOST_LIST: Schema = {"type": "array", "items": HOST_DEF, "minItems": 1}

REFERER_RESTRICTION = PluginSpec(
    name="referer-restriction",
    priority=2990,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "bypass_missing": {"type": "boolean", "default": False},
            "whitelist": _HOST_LIST,
            "blacklist": _HOST_LIST,
            "message": {
                "type": "string",
                "minLength": 1,
                "maxLength": 1024,
                "default": "Your referer host is not allowed",
            },
        },
        "oneOf": [{"required": ["whitelist"]}, {"required": ["blacklist"]}],
    },
)

URI_BLOCKER = PluginSpec(
    name="uri-blocker",
    priority=2900,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "block_rules": {
                "type": "array",
                "items": {"type": "string", "minLength": 1, "maxLength": 4096},
                "uniqueItems": True,
            },
            "rejected_code": {"type": "integer", "minimum": 200, "default": 403},
            "rejected_msg": {"type": "string", "minLength": 1},
            "case_insensitive": {"type": "boolean", "default": False},
        },
        "required": ["block_rules"],
    },
    extra_check=_rules_check("block_rules"),
)

CSRF = PluginSpec(
    name="csrf",
    priority=2980,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "key": {"description": "use to generate csrf token", "type": "string"},
            "expires": {
                "description": "expires time(s) for csrf token",
                "type": "integer",
                "default": 7200,
            },
            "name": {
                "description": "the csrf token name",
                "type": "string",
                "default": "apisix-csrf-token",
            },
        },
        "encrypt_fields": ["key"],
        "required": ["key"],
    },
)


# The proxy does not hand plugins the request body (yet): refused rather than ignored.
BODY_SCHEMA_REFUSAL = (
    "body_schema is not supported: this gateway's plugins cannot read the request body"
)


def _request_validation_check(conf: dict[str, Any], scope: str) -> str | None:
    for key in ("body_schema", "header_schema"):
        if key in conf:
            try:
                CompiledSchema(conf[key])
            except jsonschema.SchemaError as exc:
                return f"invalid {key}: {exc.message}"
    if "body_schema" in conf:
        return BODY_SCHEMA_REFUSAL
    return None


REQUEST_VALIDATION = PluginSpec(
    name="request-validation",
    priority=2800,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "header_schema": {"type": "object"},
            "body_schema": {"type": "object"},
            "rejected_code": {"type": "integer", "minimum": 200, "maximum": 599, "default": 400},
            "rejected_msg": {"type": "string", "minLength": 1, "maxLength": 256},
        },
        "anyOf": [{"required": ["header_schema"]}, {"required": ["body_schema"]}],
    },
    extra_check=_request_validation_check,
)

SPECS = (UA_RESTRICTION, REFERER_RESTRICTION, URI_BLOCKER, CSRF, REQUEST_VALIDATION)
