"""Traffic plugins: limit-count and limit-req (3.x, with the redis policy schemas), limit-conn,
fault-injection, api-breaker, workflow and proxy-cache."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reference_impl.proxy_cache_zones import DEFAULT_PROXY_CACHE
from reference_impl.schema.definitions import Schema
from reference_impl.schema.engine import CompiledSchema
from reference_impl.schema.errors import SchemaError
from reference_impl.schema.plugins.spec import PluginSpec
from reference_impl.schema.vars_expr import check_expr

# apisix/utils/redis-schema.lua
_REDIS: Schema = {
    "properties": {
        "redis_host": {"type": "string", "minLength": 2},
        "redis_port": {"type": "integer", "minimum": 1, "default": 6379},
        "redis_username": {"type": "string", "minLength": 1},
        "redis_password": {"type": "string", "minLength": 0},
        "redis_database": {"type": "integer", "minimum": 0, "default": 0},
        "redis_timeout": {"type": "integer", "minimum": 1, "default": 1000},
        "redis_ssl": {"type": "boolean", "default": False},
        "redis_ssl_verify": {"type": "boolean", "default": False},
    },
    "required": ["redis_host"],
}
_REDIS_CLUSTER: Schema = {
    "properties": {
        "redis_cluster_nodes": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "minLength": 2, "maxLength": 100},
        },
        "redis_password": {"type": "string", "minLength": 0},
        "redis_timeout": {"type": "integer", "minimum": 1, "default": 1000},
        "redis_cluster_name": {"type": "string"},
        "redis_cluster_ssl": {"type": "boolean", "default": False},
        "redis_cluster_ssl_verify": {"type": "boolean", "default": False},
    },
    "required": ["redis_cluster_nodes", "redis_cluster_name"],
}


def _policy_branches() -> Schema:
    return {
        "if": {"properties": {"policy": {"enum": ["redis"]}}},
        "then": _REDIS,
        "else": {
            "if": {"properties": {"policy": {"enum": ["redis-cluster"]}}},
            "then": _REDIS_CLUSTER,
        },
    }


# a positive integer, or a string of variables resolved per request ("$http_x_count")
_COUNT_OR_VAR: Schema = {
    "oneOf": [{"type": "integer", "exclusiveMinimum": 0}, {"type": "string"}],
}


def _duplicate_rule_key(conf: dict, scope: str) -> str | None:
    """limit-count's check_schema: two rules may not count under the same key."""
    seen: set[str] = set()
    for rule in conf.get("rules") or []:
        if rule["key"] in seen:
            return f"duplicate key '{rule['key']}' in rules"
        seen.add(rule["key"])
    return None


# apisix/plugins/limit-count/init.lua as of 3.16: count and time_window, or rules, exactly
# one of the two (a `oneOf`, so a conf with neither is "value should match only one
# schema, but matches none")
LIMIT_COUNT = PluginSpec(
    name="limit-count",
    priority=1002,
    version=0.5,
    extra_check=_duplicate_rule_key,
    schema={
        "type": "object",
        "properties": {
            "count": _COUNT_OR_VAR,
            "time_window": _COUNT_OR_VAR,
            "rules": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "count": _COUNT_OR_VAR,
                        "time_window": _COUNT_OR_VAR,
                        "key": {"type": "string"},
                        "header_prefix": {
                            "type": "string",
                            "description": "prefix for rate limit headers",
                        },
                    },
                    "required": ["count", "time_window", "key"],
                },
            },
            "group": {"type": "string"},
            "key": {"type": "string", "default": "remote_addr"},
            "key_type": {
                "type": "string",
                "enum": ["var", "var_combination", "constant"],
                "default": "var",
            },
            "rejected_code": {"type": "integer", "minimum": 200, "maximum": 599, "default": 503},
            "rejected_msg": {"type": "string", "minLength": 1},
            "policy": {
                "type": "string",
                "enum": ["local", "redis", "redis-cluster"],
                "default": "local",
            },
            "allow_degradation": {"type": "boolean", "default": False},
            "show_limit_quota_header": {"type": "boolean", "default": True},
        },
        "oneOf": [{"required": ["count", "time_window"]}, {"required": ["rules"]}],
        **_policy_branches(),
    },
)

LIMIT_REQ = PluginSpec(
    name="limit-req",
    priority=1001,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "rate": {"type": "number", "exclusiveMinimum": 0},
            "burst": {"type": "number", "minimum": 0},
            "key": {"type": "string"},
            "key_type": {
                "type": "string",
                "enum": ["var", "var_combination"],
                "default": "var",
            },
            "policy": {
                "type": "string",
                "enum": ["redis", "redis-cluster", "local"],
                "default": "local",
            },
            "rejected_code": {"type": "integer", "minimum": 200, "maximum": 599, "default": 503},
            "rejected_msg": {"type": "string", "minLength": 1},
            "nodelay": {"type": "boolean", "default": False},
            "allow_degradation": {"type": "boolean", "default": False},
        },
        "required": ["rate", "burst", "key"],
        **_policy_branches(),
    },
)

_LIMIT_CONN_COMMON: Schema = {
    "conn": {"type": "integer", "exclusiveMinimum": 0},
    "burst": {"type": "integer", "minimum": 0},
    "default_conn_delay": {"type": "number", "exclusiveMinimum": 0},
    "only_use_default_delay": {"type": "boolean", "default": False},
    "key": {"type": "string"},
    "key_type": {"type": "string", "enum": ["var", "var_combination"], "default": "var"},
}
_LIMIT_CONN_REQUIRED = ["conn", "burst", "default_conn_delay", "key"]

LIMIT_CONN = PluginSpec(
    name="limit-conn",
    priority=1003,
    version=0.1,
    subsystems=("http", "stream"),
    # apisix/stream/plugins/limit-conn.lua
    stream_schema={
        "type": "object",
        "properties": _LIMIT_CONN_COMMON,
        "required": _LIMIT_CONN_REQUIRED,
    },
    schema={
        "type": "object",
        "properties": {
            **_LIMIT_CONN_COMMON,
            "rejected_code": {"type": "integer", "minimum": 200, "maximum": 599, "default": 503},
            "rejected_msg": {"type": "string", "minLength": 1},
            "allow_degradation": {"type": "boolean", "default": False},
        },
        "required": _LIMIT_CONN_REQUIRED,
    },
)

_FAULT_VARS: Schema = {"type": "array", "maxItems": 20, "items": {"type": "array"}}
_PERCENTAGE: Schema = {"type": "integer", "minimum": 0, "maximum": 100}


def _fault_injection_check(conf: dict[str, Any], scope: str) -> str | None:
    for action in ("abort", "delay"):
        for rule in (conf.get(action) or {}).get("vars") or ():
            err = check_expr(rule)
            if err:
                return err
    return None


FAULT_INJECTION = PluginSpec(
    name="fault-injection",
    priority=11000,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "abort": {
                "type": "object",
                "properties": {
                    "http_status": {"type": "integer", "minimum": 200},
                    "body": {"type": "string", "minLength": 0},
                    "headers": {
                        "type": "object",
                        "minProperties": 1,
                        "patternProperties": {
                            "^[^:]+$": {"oneOf": [{"type": "string"}, {"type": "number"}]}
                        },
                    },
                    "percentage": _PERCENTAGE,
                    "vars": _FAULT_VARS,
                },
                "required": ["http_status"],
            },
            "delay": {
                "type": "object",
                "properties": {
                    "duration": {"type": "number", "minimum": 0},
                    "percentage": _PERCENTAGE,
                    "vars": _FAULT_VARS,
                },
                "required": ["duration"],
            },
        },
        "minProperties": 1,
    },
    extra_check=_fault_injection_check,
)


def _statuses(low: int, high: int, default: int) -> Schema:
    return {
        "type": "array",
        "minItems": 1,
        "items": {"type": "integer", "minimum": low, "maximum": high},
        "uniqueItems": True,
        "default": [default],
    }


# apisix/plugins/api-breaker.lua (3.5)
API_BREAKER = PluginSpec(
    name="api-breaker",
    priority=1005,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "break_response_code": {"type": "integer", "minimum": 200, "maximum": 599},
            "break_response_body": {"type": "string"},
            "break_response_headers": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "key": {"type": "string", "minLength": 1},
                        "value": {"type": "string", "minLength": 1},
                    },
                    "required": ["key", "value"],
                },
            },
            "max_breaker_sec": {"type": "integer", "minimum": 3, "default": 300},
            "unhealthy": {
                "type": "object",
                "properties": {
                    "http_statuses": _statuses(500, 599, 500),
                    "failures": {"type": "integer", "minimum": 1, "default": 3},
                },
                "default": {"http_statuses": [500], "failures": 3},
            },
            "healthy": {
                "type": "object",
                "properties": {
                    "http_statuses": _statuses(200, 499, 200),
                    "successes": {"type": "integer", "minimum": 1, "default": 3},
                },
                "default": {"http_statuses": [200], "successes": 3},
            },
        },
        "required": ["break_response_code"],
    },
)

# workflow's actions: each one's schema check, as apisix/plugins/workflow.lua's support_action
_WORKFLOW_RETURN = CompiledSchema(
    {
        "type": "object",
        "properties": {"code": {"type": "integer", "minimum": 100, "maximum": 599}},
        "required": ["code"],
    }
)
_WORKFLOW_LIMIT_COUNT = CompiledSchema(LIMIT_COUNT.schema)


def _check_limit_count_action(conf: dict, scope: str) -> dict:
    checked: dict = _WORKFLOW_LIMIT_COUNT.check(conf)
    err = _duplicate_rule_key(checked, scope)
    if err:
        raise SchemaError(err)
    return checked


_WORKFLOW_ACTIONS: dict[str, Callable[[dict, str], dict]] = {
    "return": lambda conf, scope: _WORKFLOW_RETURN.check(conf),
    "limit-count": _check_limit_count_action,
}


def _workflow_check(conf: dict[str, Any], scope: str) -> str | None:
    """Each rule's `case` must compile; each action must be supported and pass its own
    schema, which fills its defaults. Actions are tagged with their rule's number (`_vid`)
    so each keeps its own counters."""
    for index, rule in enumerate(conf["rules"], start=1):
        err = check_expr(rule["case"])
        if err:
            return "failed to validate the 'case' expression: " + err
        for position, action in enumerate(rule["actions"]):
            check = _WORKFLOW_ACTIONS.get(action[0]) if isinstance(action[0], str) else None
            if check is None:
                return f"unsupported action: {action[0]}"
            action_conf = action[1] if len(action) > 1 else None
            if not isinstance(action_conf, dict):
                return f"failed to validate the '{action[0]}' action: wrong type: expected object"
            try:
                rule["actions"][position] = [
                    action[0],
                    check({**action_conf, "_vid": index}, scope),
                ]
            except SchemaError as exc:
                return f"failed to validate the '{action[0]}' action: {exc}"
    return None


# apisix/plugins/workflow.lua (3.5): the first rule whose case matches runs its first action
WORKFLOW = PluginSpec(
    name="workflow",
    priority=1006,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "rules": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "case": {
                            "type": "array",
                            "items": {"anyOf": [{"type": "array"}, {"type": "string"}]},
                            "minItems": 1,
                        },
                        "actions": {
                            "type": "array",
                            "items": {"type": "array", "minItems": 1},
                        },
                    },
                    "required": ["case", "actions"],
                },
            }
        },
        "required": ["rules"],
    },
    extra_check=_workflow_check,
)

_COMPLEX_VALUE: Schema = {
    "type": "array",
    "minItems": 1,
    "items": {"type": "string", "pattern": r"(^[^\$].+$|^\$[0-9a-zA-Z_]+$)"},
}
# the zones of APISIX's default configuration, by name: whether each is on disk (the Admin API
# checks against these; a data plane serves the zones of its config.yaml)
PROXY_CACHE_ZONES = {
    zone["name"]: bool(zone.get("disk_path")) for zone in DEFAULT_PROXY_CACHE["zones"]
}


def _proxy_cache_check(conf: dict[str, Any], scope: str) -> str | None:
    for key in conf["cache_key"]:
        if key == "$request_method":
            return f"cache_key variable {key} unsupported"
    on_disk = PROXY_CACHE_ZONES.get(conf["cache_zone"])
    if on_disk is None:
        return f"cache_zone {conf['cache_zone']} not found"
    if on_disk != (conf["cache_strategy"] == "disk"):
        return f"invalid or empty cache_zone for cache_strategy: {conf['cache_strategy']}"
    return None


# apisix/plugins/proxy-cache/init.lua (3.5)
PROXY_CACHE = PluginSpec(
    name="proxy-cache",
    priority=1085,
    version=0.2,
    schema={
        "type": "object",
        "properties": {
            "cache_zone": {
                "type": "string",
                "minLength": 1,
                "maxLength": 100,
                "default": "disk_cache_one",
            },
            "cache_strategy": {"type": "string", "enum": ["disk", "memory"], "default": "disk"},
            "cache_key": {**_COMPLEX_VALUE, "default": ["$host", "$request_uri"]},
            "cache_http_status": {**_statuses(200, 599, 200), "default": [200, 301, 404]},
            "cache_method": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "enum": ["GET", "POST", "HEAD"]},
                "uniqueItems": True,
                "default": ["GET", "HEAD"],
            },
            "hide_cache_headers": {"type": "boolean", "default": False},
            "cache_control": {"type": "boolean", "default": False},
            "cache_bypass": _COMPLEX_VALUE,
            "no_cache": _COMPLEX_VALUE,
            "cache_ttl": {"type": "integer", "minimum": 1, "default": 300},
        },
    },
    extra_check=_proxy_cache_check,
)


def _proxy_mirror_check(conf: dict[str, Any], scope: str) -> str | None:
    if not conf["host"].startswith("http"):  # nginx's grpc mirror location
        return "a grpc or grpcs host is not supported by the reference gateway (http and https are)"
    return None


# apisix/plugins/proxy-mirror.lua (3.5)
PROXY_MIRROR = PluginSpec(
    name="proxy-mirror",
    priority=1010,
    version=0.1,
    schema={
        "type": "object",
        "properties": {
            "host": {
                "type": "string",
                "pattern": r"^(http(s)?|grpc(s)?):\/\/([\da-zA-Z.-]+|\[[\da-fA-F:]+\])(:\d+)?$",
            },
            "path": {"type": "string", "pattern": r"^/[^?&]+$"},
            "path_concat_mode": {
                "type": "string",
                "default": "replace",
                "enum": ["replace", "prefix"],
                "description": "the concatenation mode for custom path",
            },
            "sample_ratio": {"type": "number", "minimum": 0.00001, "maximum": 1, "default": 1},
        },
        "required": ["host"],
    },
    extra_check=_proxy_mirror_check,
)

# apisix/plugins/client-control.lua (3.5)
CLIENT_CONTROL = PluginSpec(
    name="client-control",
    priority=22000,
    version=0.1,
    schema={
        "type": "object",
        "properties": {"max_body_size": {"type": "integer", "minimum": 0}},
    },
)

SPECS = (
    LIMIT_COUNT,
    LIMIT_REQ,
    LIMIT_CONN,
    FAULT_INJECTION,
    API_BREAKER,
    WORKFLOW,
    PROXY_CACHE,
    PROXY_MIRROR,
    CLIENT_CONTROL,
)
