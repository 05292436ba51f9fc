"""The logger plugins' schemas (APISIX 3.5): http-logger, tcp-logger, udp-logger, syslog and
file-logger. The batch-processing loggers carry the batch processor's properties, with
`name` defaulting to their buffer's name (batch-processor-manager's wrap_schema)."""

from __future__ import annotations

import copy
from typing import Any

from reference_impl.schema.definitions import URI_DEF, Schema
from reference_impl.schema.plugins.spec import PluginSpec
from reference_impl.schema.vars_expr import check_expr

BATCH_PROPERTIES: dict[str, Schema] = {
    "name": {"type": "string", "default": "log buffer"},
    "max_retry_count": {"type": "integer", "minimum": 0, "default": 0},
    "retry_delay": {"type": "integer", "minimum": 0, "default": 1},
    "buffer_duration": {"type": "integer", "minimum": 1, "default": 60},
    "inactive_timeout": {"type": "integer", "minimum": 1, "default": 5},
    "batch_max_size": {"type": "integer", "minimum": 1, "default": 1000},
}

LOG_FORMAT_METADATA: Schema = {
    "type": "object",
    "properties": {
        "log_format": {
            "type": "object",
            "default": {
                "host": "$host",
                "@timestamp": "$time_iso8601",
                "client_ip": "$remote_addr",
            },
        }
    },
}

# The proxy does not hand plugins the request body: refused rather than ignored.
REQ_BODY_REFUSAL = (
    "include_req_body is not supported: this gateway's plugins cannot read the request body"
)

_RESP_BODY_EXPR: Schema = {"type": "array", "minItems": 1, "items": {"type": "array"}}


def with_batch(schema: Schema, buffer_name: str) -> Schema:
    properties = schema["properties"]
    for key, value in BATCH_PROPERTIES.items():
        properties.setdefault(key, copy.deepcopy(value))
    properties["name"]["default"] = buffer_name
    return schema


def _check_log_conf(conf: dict[str, Any], scope: str) -> str | None:
    """log-util's check_log_schema, then what this gateway cannot honour."""
    for key in ("include_req_body_expr", "include_resp_body_expr"):
        if conf.get(key):
            err = check_expr(conf[key])
            if err:
                return f"failed to validate the '{key}' expression: {err}"
    if conf.get("include_req_body"):
        return REQ_BODY_REFUSAL
    return None


def _check_file_logger(conf: dict[str, Any], scope: str) -> str | None:
    if conf.get("match"):
        err = check_expr(conf["match"])
        if err:
            return f"failed to validate the 'match' expression: {err}"
    return _check_log_conf(conf, scope)


def _logger(name: str, priority: int, schema: Schema, extra: Any = _check_log_conf) -> PluginSpec:
    return PluginSpec(
        name=name,
        priority=priority,
        version=0.1,
        schema=schema,
        metadata_schema=LOG_FORMAT_METADATA,
        extra_check=extra,
    )


HTTP_LOGGER = _logger(
    "http-logger",
    410,
    with_batch(
        {
            "type": "object",
            "properties": {
                "uri": URI_DEF,
                "auth_header": {"type": "string"},
                "timeout": {"type": "integer", "minimum": 1, "default": 3},
                "log_format": {"type": "object"},
                "include_req_body": {"type": "boolean", "default": False},
                "include_resp_body": {"type": "boolean", "default": False},
                "include_resp_body_expr": _RESP_BODY_EXPR,
                "concat_method": {
                    "type": "string",
                    "default": "json",
                    "enum": ["json", "new_line"],
                },
                "ssl_verify": {"type": "boolean", "default": False},
            },
            "required": ["uri"],
        },
        "http logger",
    ),
)

TCP_LOGGER = _logger(
    "tcp-logger",
    405,
    with_batch(
        {
            "type": "object",
            "properties": {
                "host": {"type": "string"},
                "port": {"type": "integer", "minimum": 0},
                "tls": {"type": "boolean", "default": False},
                "tls_options": {"type": "string"},
                "timeout": {"type": "integer", "minimum": 1, "default": 1000},
                "log_format": {"type": "object"},
                "include_req_body": {"type": "boolean", "default": False},
            },
            "required": ["host", "port"],
        },
        "tcp logger",
    ),
)

UDP_LOGGER = _logger(
    "udp-logger",
    400,
    with_batch(
        {
            "type": "object",
            "properties": {
                "host": {"type": "string"},
                "port": {"type": "integer", "minimum": 0},
                "timeout": {"type": "integer", "minimum": 1, "default": 3},
                "log_format": {"type": "object"},
                "include_req_body": {"type": "boolean", "default": False},
            },
            "required": ["host", "port"],
        },
        "udp logger",
    ),
)

SYSLOG = _logger(
    "syslog",
    401,
    with_batch(
        {
            "type": "object",
            "properties": {
                "host": {"type": "string"},
                "port": {"type": "integer"},
                "flush_limit": {"type": "integer", "minimum": 1, "default": 4096},
                "drop_limit": {"type": "integer", "default": 1048576},
                "timeout": {"type": "integer", "minimum": 1, "default": 3000},
                "sock_type": {"type": "string", "default": "tcp", "enum": ["tcp", "udp"]},
                "pool_size": {"type": "integer", "minimum": 5, "default": 5},
                "tls": {"type": "boolean", "default": False},
                "log_format": {"type": "object"},
                "include_req_body": {"type": "boolean", "default": False},
            },
            "required": ["host", "port"],
        },
        "sys logger",
    ),
)

FILE_LOGGER = _logger(
    "file-logger",
    399,
    {
        "type": "object",
        "properties": {
            "path": {"type": "string"},
            "log_format": {"type": "object"},
            "include_resp_body": {"type": "boolean", "default": False},
            "include_resp_body_expr": _RESP_BODY_EXPR,
            "match": {"type": "array", "maxItems": 20, "items": {"type": "array"}},
        },
        "required": ["path"],
    },
    _check_file_logger,
)

SPECS = (HTTP_LOGGER, TCP_LOGGER, UDP_LOGGER, SYSLOG, FILE_LOGGER)
