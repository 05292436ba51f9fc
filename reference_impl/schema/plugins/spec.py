"""PluginSpec: what the reference implementation knows about one APISIX plugin."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reference_impl.schema.definitions import Schema

# Scopes a plugin configuration is checked in (APISIX's schema_type).
SCOPE_ROUTE = "route"
SCOPE_CONSUMER = "consumer"
SCOPE_STREAM = "stream"
SCOPE_METADATA = "metadata"

# A check APISIX runs after the schema: it may adjust the (already copied) conf in place
# and returns an error message or None.
ExtraCheck = Callable[[dict[str, Any], str], str | None]


@dataclass(frozen=True)
class PluginSpec:
    name: str
    priority: int
    version: float
    schema: Schema
    consumer_schema: Schema | None = None
    metadata_schema: Schema | None = None
    kind: str | None = None  # "auth" for authentication plugins
    subsystems: tuple[str, ...] = ("http",)
    # the stream subsystem's schema where APISIX's stream plugin has its own (limit-conn's
    # has no rejected_code: a refused connection is closed)
    stream_schema: Schema | None = None
    extra_check: ExtraCheck | None = field(default=None, compare=False, repr=False)


def header_value_ok(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def check_plain_headers(headers: dict[str, Any]) -> str | None:
    """APISIX's check_set_headers for the old ``{"Name": "value"}`` header form."""
    for name, value in headers.items():
        if not header_value_ok(value):
            return "invalid type as header value"
        if not name:
            return "invalid field length in header"
    return None


def is_new_headers_conf(headers: dict[str, Any]) -> bool:
    return any(isinstance(headers.get(op), dict | list) for op in ("add", "set", "remove"))
