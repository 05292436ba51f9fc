"""The read-only plugin endpoints (`/plugins/list`, `/plugins/{name}`, `/plugins?all=true`,
`PUT /plugins/reload`) and the schema endpoints (`GET /schema/{name}`,
`GET /schema/plugins/{name}`, `POST /schema/validate/{resource}`)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .. import schema
from ..api.errors import ApiError
from ..schema import resources
from .validation import schema_error

SUBSYSTEMS = ("http", "stream")

# `GET /schema/{name}` serves apisix/schema_def.lua's tables by their names there
RESOURCE_SCHEMAS: dict[str, Any] = {
    "route": resources.ROUTE,
    "service": resources.SERVICE,
    "upstream": resources.UPSTREAM,
    "consumer": resources.CONSUMER,
    "credential": resources.CREDENTIAL,
    "consumer_group": resources.CONSUMER_GROUP,
    "ssl": resources.SSL,
    "global_rule": resources.GLOBAL_RULE,
    "plugin_config": resources.PLUGIN_CONFIG,
    "stream_route": resources.STREAM_ROUTE,
    "proto": resources.PROTO,
}


def _subsystem(args: Mapping[str, str]) -> str:
    subsystem = args.get("subsystem", "http")
    if subsystem not in SUBSYSTEMS:
        raise ApiError(400, f"unsupported subsystem: {subsystem}")
    return subsystem


def plugin_list(args: Mapping[str, str]) -> list[str]:
    """`?has_metadata=true`: only the plugins that have metadata."""
    subsystem = args.get("subsystem", "http")
    if subsystem not in SUBSYSTEMS:
        raise ApiError(400, "invalid subsystem passed")
    names = schema.plugin_names(subsystem)
    if args.get("has_metadata") == "true":
        names = [n for n in names if schema.PLUGINS[n].metadata_schema is not None]
    return names


def plugin_get(name: str | None, args: Mapping[str, str]) -> Any:
    subsystem = _subsystem(args)
    if args.get("all") == "true":
        return {
            spec.name: _summary(spec)
            for spec in schema.PLUGINS.values()
            if subsystem in spec.subsystems
        }
    found = schema.plugin_schema(name, None, subsystem) if name else None
    if found is None:
        raise ApiError(404, f"plugin not found in subsystem {subsystem}")
    if name and args.get("scope") == "all":  # API7: the schema with its metadata schema,
        return _summary(schema.PLUGINS[name])  # priority and version around it
    # apisix/admin/plugins.lua knows one schema_type, "consumer"; any other is ignored
    if name and args.get("schema_type") == "consumer":
        found = schema.plugin_schema(name, "consumer", subsystem)
        if found is None:
            raise ApiError(400, "not found schema")
    return found


def resource_schema(name: str) -> Any:
    """`GET /schema/{name}`: the JSON Schema APISIX validates that resource with."""
    found = RESOURCE_SCHEMAS.get(name)
    if found is None:
        raise ApiError(400, f"not found schema: {name}")
    return copy.deepcopy(found)


def _summary(spec: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "version": spec.version,
        "priority": spec.priority,
        "schema": schema.plugin_schema(spec.name, None, spec.subsystems[0]),
    }
    if spec.consumer_schema is not None:
        out["consumer_schema"] = spec.consumer_schema
    if spec.metadata_schema is not None:
        out["metadata_schema"] = spec.metadata_schema
    if spec.kind:
        out["type"] = spec.kind
    return out


def validate(resource: str, body: Any, known: Mapping[str, str]) -> None:
    """`POST /schema/validate/{resource}`: a 400 with the schema error, or nothing."""
    kind = known.get(resource)
    if kind is None:
        raise ApiError(404, f"Unsupported resource type: {resource}")
    message = schema_error(kind, body)
    if message is not None:
        raise ApiError(400, message)
