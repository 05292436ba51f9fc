"""The read-only plugin endpoints (`/plugins/list`, `/plugins/{name}`, `/plugins?all=true`,
`PUT /plugins/reload`) and `POST /schema/validate/{resource}`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import schema
from .errors import AdminError
from .validation import schema_error

SUBSYSTEMS = ("http", "stream")


def _subsystem(args: Mapping[str, str]) -> str:
    subsystem = args.get("subsystem", "http")
    if subsystem not in SUBSYSTEMS:
        raise AdminError(400, f"unsupported subsystem: {subsystem}")
    return subsystem


def plugin_list(args: Mapping[str, str]) -> list[str]:
    subsystem = args.get("subsystem", "http")
    if subsystem not in SUBSYSTEMS:
        raise AdminError(400, "invalid subsystem passed")
    return schema.plugin_names(subsystem)


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
        raise AdminError(404, f"plugin not found in subsystem {subsystem}")
    schema_type = args.get("schema_type")
    if schema_type in ("consumer", "metadata"):
        found = schema.plugin_schema(name, schema_type, subsystem)
        if found is None:
            raise AdminError(400, "not found schema")
    return found


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
        raise AdminError(404, f"Unsupported resource type: {resource}")
    message = schema_error(kind, body)
    if message is not None:
        raise AdminError(400, message)
