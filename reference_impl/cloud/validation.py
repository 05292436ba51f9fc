"""Checking request bodies, path ids and plugin objects; every failure is a 400 naming the field."""

from __future__ import annotations

from typing import Any

from jsonschema.exceptions import best_match

from ..schema import SchemaError, check_plugins
from ..schema.engine import ecma_search, error_validator
from .envelope import invalid, not_found
from .records import ID_PATTERN


def check_body(schema: dict[str, Any], body: Any) -> dict[str, Any]:
    """`body` when it satisfies `schema` (an object schema), else a 400 naming the field."""
    if not isinstance(body, dict):
        raise invalid("invalid request body: expected a JSON object")
    error = best_match(error_validator(schema).iter_errors(body))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path)
        field = f"field '{where}'" if where else "request body"
        raise invalid(f"invalid request body: {field}: {error.message}")
    return body


def check_path_id(value: str, what: str) -> str:
    """A path id must match `^[1-9][0-9]*$` (400); it may still name nothing (the caller's 404)."""
    if not ecma_search(ID_PATTERN, value):
        raise invalid(f"invalid {what} id {value!r}: must match ^[1-9][0-9]*$")
    return value


def require(obj: dict[str, Any] | None, what: str) -> dict[str, Any]:
    if obj is None:
        raise not_found(what)
    return obj


def apisix_plugins(plugins: dict[str, Any] | None, scope: str = "route") -> dict[str, Any]:
    """Cloud plugin objects as APISIX plugins (`key_auth` is `key-auth`), validated, defaults filled."""
    if not plugins:
        return {}
    named = {name.replace("_", "-"): conf for name, conf in plugins.items()}
    try:
        return check_plugins(named, scope)
    except SchemaError as exc:
        raise invalid(f"invalid plugins: {exc}") from None
