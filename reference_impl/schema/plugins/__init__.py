"""The plugin registry and APISIX's plugin configuration checks (apisix/plugin.lua)."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from reference_impl.schema.definitions import PLUGIN_INJECTED_COMMENT, PLUGIN_META_DEF, Schema
from reference_impl.schema.engine import CompiledSchema
from reference_impl.schema.errors import SchemaError, lua_type
from reference_impl.schema.plugins import (
    auth,
    grpc,
    observability,
    security,
    serverless,
    traffic,
    traffic_split,
    transform,
)
from reference_impl.schema.plugins.spec import (
    SCOPE_CONSUMER,
    SCOPE_METADATA,
    SCOPE_ROUTE,
    SCOPE_STREAM,
    PluginSpec,
)
from reference_impl.schema.vars_expr import check_expr

PLUGINS: dict[str, PluginSpec] = {
    spec.name: spec
    for spec in (
        *auth.SPECS,
        *grpc.SPECS,
        *security.SPECS,
        *traffic.SPECS,
        *traffic_split.SPECS,
        *transform.SPECS,
        *observability.SPECS,
        *serverless.SPECS,
    )
}

SCOPES = (SCOPE_ROUTE, SCOPE_CONSUMER, SCOPE_STREAM, SCOPE_METADATA)
SUBSYSTEMS = ("http", "stream")


def _inject_meta(schema: Schema) -> Schema:
    """The plugin schema as APISIX serves and checks it: with ``_meta`` and the mark."""
    injected = copy.deepcopy(schema)
    injected["$comment"] = PLUGIN_INJECTED_COMMENT
    injected.setdefault("properties", {})["_meta"] = copy.deepcopy(PLUGIN_META_DEF)
    return injected


_INJECTED: dict[str, Schema] = {name: _inject_meta(spec.schema) for name, spec in PLUGINS.items()}
_INJECTED_STREAM: dict[str, Schema] = {
    name: _inject_meta(spec.stream_schema) if spec.stream_schema else _INJECTED[name]
    for name, spec in PLUGINS.items()
    if SCOPE_STREAM in spec.subsystems
}


@cache
def _compiled(name: str, scope: str) -> CompiledSchema | None:
    spec = PLUGINS[name]
    if scope == SCOPE_CONSUMER and spec.consumer_schema is not None:
        return CompiledSchema(spec.consumer_schema)
    if scope == SCOPE_METADATA:
        return CompiledSchema(spec.metadata_schema) if spec.metadata_schema else None
    if scope == SCOPE_STREAM:
        return CompiledSchema(_INJECTED_STREAM[name])
    return CompiledSchema(_INJECTED[name])


def _lua_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def check_plugin(name: str, conf: Any, scope: str = SCOPE_ROUTE) -> dict:
    """Check one plugin's configuration; return a copy with defaults filled."""
    if not isinstance(conf, dict):
        raise SchemaError(f"invalid plugin conf {_lua_json(conf)} for plugin [{name}]")
    spec = PLUGINS.get(name)
    if spec is None or (scope == SCOPE_STREAM and SCOPE_STREAM not in spec.subsystems):
        raise SchemaError(f"unknown plugin [{name}]")
    if scope == SCOPE_STREAM:
        fail_prefix = f"failed to check the configuration of stream plugin [{name}]: "
    else:
        fail_prefix = f"failed to check the configuration of plugin {name} err: "
    compiled = _compiled(name, scope)
    if compiled is None:
        raise SchemaError(f"plugin [{name}] has no metadata schema")
    checked = compiled.check(conf, fail_prefix)
    if spec.extra_check is not None:
        err = spec.extra_check(checked, scope)
        if err:
            raise SchemaError(fail_prefix + err)
    meta = checked.get("_meta")
    if scope != SCOPE_STREAM and isinstance(meta, dict) and "filter" in meta:
        err = check_expr(meta["filter"])
        if err:
            raise SchemaError(f"failed to validate the 'vars' expression: {err}")
    return checked


def check_plugins(plugins: dict, scope: str = SCOPE_ROUTE) -> dict:
    """Check a ``plugins`` object in a scope; return a checked copy with defaults filled.

    ``scope``: "route" (routes, services, global rules, plugin configs, consumer groups),
    "consumer" (consumers and credentials: consumer_schema where the plugin has one),
    "stream" (stream routes) or "metadata" (plugin metadata schemas).
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown plugin scope {scope!r}")
    if not isinstance(plugins, dict):
        raise SchemaError(
            f'property "plugins" validation failed: wrong type: expected object, got {lua_type(plugins)}'
        )
    return {name: check_plugin(name, conf, scope) for name, conf in plugins.items()}


def plugin_schema(
    name: str, schema_type: str | None = None, subsystem: str = "http"
) -> dict | None:
    """What ``GET /apisix/admin/plugins/{name}`` returns, or None if not found.

    ``schema_type``: None for the (injected) plugin schema, "consumer" or "metadata".
    """
    spec = PLUGINS.get(name)
    if spec is None or subsystem not in spec.subsystems:
        return None
    if schema_type == "consumer":
        chosen = spec.consumer_schema
    elif schema_type == "metadata":
        chosen = spec.metadata_schema
    else:
        chosen = (_INJECTED_STREAM if subsystem == SCOPE_STREAM else _INJECTED)[name]
    return copy.deepcopy(chosen) if chosen is not None else None


def plugin_names(subsystem: str = "http") -> list[str]:
    """Plugin names of a subsystem, highest priority first (``/plugins/list``)."""
    specs = [spec for spec in PLUGINS.values() if subsystem in spec.subsystems]
    return [spec.name for spec in sorted(specs, key=lambda s: -s.priority)]


__all__ = [
    "PLUGINS",
    "SCOPES",
    "SUBSYSTEMS",
    "PluginSpec",
    "check_plugin",
    "check_plugins",
    "plugin_names",
    "plugin_schema",
]
