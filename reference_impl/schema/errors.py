"""SchemaError and the translation of jsonschema errors into APISIX's wording.

APISIX validates with the api7 lua-jsonschema library, whose messages nest one prefix per
level (``property "upstream" validation failed: property "nodes" validation failed: ...``).
This module rebuilds that text from a ``jsonschema.ValidationError`` by walking its schema
path, so every message names the field and its path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from jsonschema import ValidationError


class SchemaError(Exception):
    """A configuration APISIX would reject; ``str(exc)`` is the Admin API ``error_msg``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def lua_type(value: Any) -> str:
    """The Lua type name lua-jsonschema reports for a decoded JSON value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict | list):
        return "table"
    return "userdata"


def lua_number(value: Any) -> str:
    """Numbers as Lua's tostring prints them (integral floats without the fraction)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def lua_quote(text: str) -> str:
    """A string quoted like Lua's %q (double quotes, backslashes and quotes escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _required_message(err: ValidationError) -> str:
    missing = next(k for k in err.validator_value if k not in err.instance)
    return f'property "{missing}" is required'


# The engine's test for which keys `additionalProperties` governs (its ECMA-262 regexes).
ExtraKeys = Callable[[dict, dict], list[str]]


def _additional_message(err: ValidationError, extra_keys: ExtraKeys) -> str:
    extras = extra_keys(err.schema, err.instance)
    if extras:
        return f"additional properties forbidden, found {extras[0]}"
    return "additional properties forbidden"


def _unique_message(err: ValidationError) -> str:
    items = err.instance
    for i, first in enumerate(items):
        for j in range(i + 1, len(items)):
            if items[j] == first and type(items[j]) is type(first):
                return f"expected unique items but items {i + 1} and {j + 1} are equal"
    return "expected unique items"


def _any_of_message(err: ValidationError) -> str:
    requireds = [
        json.dumps(sub["required"], separators=(",", ":"))
        for sub in err.validator_value
        if isinstance(sub, dict) and "required" in sub
    ]
    if requireds:
        return "object matches none of the required: " + " or ".join(requireds)
    return "object matches none of the required"


def _one_of_message(err: ValidationError, is_valid: Callable[[dict, Any], bool]) -> str:
    matched = [i + 1 for i, sub in enumerate(err.validator_value) if is_valid(sub, err.instance)]
    if len(matched) >= 2:
        return (
            "value should match only one schema, but matches both schemas "
            f"{matched[0]} and {matched[1]}"
        )
    return "value should match only one schema, but matches none"


def _type_message(err: ValidationError) -> str:
    expected = err.validator_value
    got = lua_type(err.instance)
    if isinstance(expected, list):
        return f"wrong type: expected one of {', '.join(expected)}, got {got}"
    return f"wrong type: expected {expected}, got {got}"


def _dependencies_message(err: ValidationError) -> str:
    for prop, deps in err.validator_value.items():
        if prop in err.instance and isinstance(deps, list):
            for dep in deps:
                if dep not in err.instance:
                    return f'property "{dep}" is required when "{prop}" is set'
    return "dependencies failed"


def keyword_message(
    err: ValidationError, is_valid: Callable[[dict, Any], bool], extra_keys: ExtraKeys
) -> str:
    """The lua-jsonschema message for the failing keyword itself (no path prefix)."""
    kw, val, inst = err.validator, err.validator_value, err.instance
    simple: dict[str, Callable[[], str]] = {
        "type": lambda: _type_message(err),
        "required": lambda: _required_message(err),
        "additionalProperties": lambda: _additional_message(err, extra_keys),
        "enum": lambda: "matches none of the enum values",
        "const": lambda: "failed to check const value",
        "minLength": lambda: f"string too short, expected at least {val}, got {len(inst)}",
        "maxLength": lambda: f"string too long, expected at most {val}, got {len(inst)}",
        "pattern": lambda: f"failed to match pattern {lua_quote(val)} with {lua_quote(inst)}",
        "minimum": lambda: f"expected {lua_number(inst)} to be at least {lua_number(val)}",
        "maximum": lambda: f"expected {lua_number(inst)} to be at most {lua_number(val)}",
        "exclusiveMinimum": lambda: (
            f"expected {lua_number(inst)} to be greater than {lua_number(val)}"
        ),
        "exclusiveMaximum": lambda: (
            f"expected {lua_number(inst)} to be smaller than {lua_number(val)}"
        ),
        "multipleOf": lambda: f"expected {lua_number(inst)} to be a multiple of {lua_number(val)}",
        "minItems": lambda: f"expect array to have at least {val} items",
        "maxItems": lambda: f"expect array to have at most {val} items",
        "uniqueItems": lambda: _unique_message(err),
        "minProperties": lambda: f"expect object to have at least {val} properties",
        "maxProperties": lambda: f"expect object to have at most {val} properties",
        "anyOf": lambda: _any_of_message(err),
        "oneOf": lambda: _one_of_message(err, is_valid),
        "not": lambda: "value wasn't supposed to match schema",
        "format": lambda: f"expect valid {val} address but got: {inst}",
        "dependencies": lambda: _dependencies_message(err),
    }
    build = simple.get(kw)
    return build() if build else err.message


def format_error(
    err: ValidationError, is_valid: Callable[[dict, Any], bool], extra_keys: ExtraKeys
) -> str:
    """The full lua-jsonschema message: one prefix per schema level, then the keyword's."""
    spath = list(err.absolute_schema_path)
    ipath = list(err.absolute_path)
    prefix: list[str] = []
    i = j = 0
    last = len(spath) - 1
    while i < last:
        kw = spath[i]
        if kw == "properties":
            prefix.append(f'property "{spath[i + 1]}" validation failed: ')
            i, j = i + 2, j + 1
        elif kw == "patternProperties":
            prefix.append(f'failed to validate {ipath[j]} (matching "{spath[i + 1]}"): ')
            i, j = i + 2, j + 1
        elif kw == "additionalProperties":
            prefix.append(f"failed to validate additional property {ipath[j]}: ")
            i, j = i + 1, j + 1
        elif kw == "items":
            prefix.append(f"failed to validate item {ipath[j] + 1}: ")
            # tuple-form items put the index in the schema path too
            i += 2 if isinstance(spath[i + 1], int) else 1
            j += 1
        elif kw == "allOf":
            prefix.append(f"allOf {spath[i + 1] + 1} failed: ")
            i += 2
        elif kw == "dependencies":
            prefix.append(f'failed to validate dependent schema for "{spath[i + 1]}": ')
            i += 2
        elif kw in ("then", "else"):
            # lua-jsonschema does not say why a conditional branch failed
            return "".join(prefix) + f"{kw} clause did not match"
        elif kw in ("anyOf", "oneOf"):
            i += 2
        else:  # "not": no prefix
            i += 1
    if spath and spath[-1] in ("then", "else"):
        return "".join(prefix) + f"{spath[-1]} clause did not match"
    return "".join(prefix) + keyword_message(err, is_valid, extra_keys)
