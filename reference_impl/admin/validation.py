"""The Admin API's view of `reference_impl.schema`: a SchemaError becomes a 400 whose
error_msg is the schema module's APISIX wording."""

from __future__ import annotations

from typing import Any

from .. import schema
from ..api.errors import bad_request

CONF_PREFIX = "invalid configuration: "


def check_schema(kind: str, conf: Any) -> dict[str, Any]:
    """A validated copy with defaults filled in; a 400 naming the field otherwise."""
    try:
        return schema.check_resource(kind, conf)
    except schema.SchemaError as exc:
        raise bad_request(str(exc)) from None


def schema_error(kind: str, conf: Any) -> str | None:
    """The error `/schema/validate` reports (the bare schema message), or None when valid."""
    try:
        schema.check_resource(kind, conf)
    except schema.SchemaError as exc:
        return str(exc).removeprefix(CONF_PREFIX)
    return None
