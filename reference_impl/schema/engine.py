"""Compiled Draft 7 validation with APISIX-style messages and default filling.

Schemas are plain dicts declared once at import time. ``CompiledSchema`` reorders each
schema's keywords into the order lua-jsonschema checks them (type, properties, required,
... allOf, anyOf, oneOf, not), so the *first* error Python's validator yields is the one
APISIX would report. Defaults are filled before validation, as lua-jsonschema does (an
absent property with a ``default`` gets it), but only in the branches of anyOf/oneOf/if
that the value actually takes.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import jsonschema_rs
from jsonschema import Draft7Validator

from reference_impl.schema.errors import SchemaError, format_error

# lua-jsonschema evaluation order; keywords not listed keep their place after these.
_KEYWORD_ORDER = [
    "type",
    "properties",
    "required",
    "dependencies",
    "patternProperties",
    "additionalProperties",
    "minProperties",
    "maxProperties",
    "minItems",
    "maxItems",
    "items",
    "uniqueItems",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "exclusiveMinimum",
    "maximum",
    "exclusiveMaximum",
    "multipleOf",
    "enum",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "format",
    "const",
]
_RANK = {kw: i for i, kw in enumerate(_KEYWORD_ORDER)}
_SCHEMA_MAPS = ("properties", "patternProperties", "dependencies")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_SINGLE = ("items", "additionalProperties", "not", "if", "then", "else")


def normalize(schema: Any) -> Any:
    """A copy of ``schema`` with every level's keywords in lua-jsonschema's order."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key in sorted(schema, key=lambda k: _RANK.get(k, len(_RANK))):
        value = schema[key]
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            value = {k: normalize(v) for k, v in value.items()}
        elif key in _SCHEMA_LISTS:
            value = [normalize(v) for v in value]
        elif key in _SCHEMA_SINGLE or (key == "items" and isinstance(value, list)):
            value = [normalize(v) for v in value] if isinstance(value, list) else normalize(value)
        out[key] = value
    return out


_FORMAT_CHECKER = Draft7Validator.FORMAT_CHECKER


class _Ref:
    """Hashable-by-identity holder so sub-schemas can key the caches below."""

    __slots__ = ("schema",)

    def __init__(self, schema: dict) -> None:
        self.schema = schema

    def __hash__(self) -> int:
        return id(self.schema)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Ref) and other.schema is self.schema


@lru_cache(maxsize=4096)
def _fast_validator(ref: _Ref) -> Any:
    return jsonschema_rs.Draft7Validator(ref.schema, validate_formats=True)


@lru_cache(maxsize=4096)
def _error_validator(ref: _Ref) -> Draft7Validator:
    return Draft7Validator(ref.schema)


def error_validator(schema: dict) -> Draft7Validator:
    """A validator that explains failures (`iter_errors`), compiled once per schema object."""
    return _error_validator(_Ref(schema))


@lru_cache(maxsize=4096)
def _has_defaults(ref: _Ref) -> bool:
    return _contains_default(ref.schema)


def _contains_default(node: Any) -> bool:
    if isinstance(node, dict):
        return "default" in node or any(_contains_default(v) for v in node.values())
    if isinstance(node, list):
        return any(_contains_default(v) for v in node)
    return False


def is_valid(schema: Any, instance: Any) -> bool:
    """Whether ``instance`` satisfies a (sub-)schema; validators are cached per schema."""
    if schema is True:
        return True
    if schema is False:
        return False
    return _fast_validator(_Ref(schema)).is_valid(instance)


def clone(value: Any) -> Any:
    """Deep copy of decoded JSON (dicts, lists, scalars), much cheaper than copy.deepcopy."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


def fill_defaults(schema: Any, instance: Any) -> None:
    """Insert ``default`` values for absent properties, in place, along the taken branches."""
    if not isinstance(schema, dict) or not _has_defaults(_Ref(schema)):
        return
    if isinstance(instance, dict):
        _fill_object(schema, instance)
    elif isinstance(instance, list):
        items = schema.get("items")
        if isinstance(items, dict):
            for item in instance:
                fill_defaults(items, item)
        elif isinstance(items, list):
            for sub, item in zip(items, instance, strict=False):
                fill_defaults(sub, item)
    for sub in schema.get("allOf", ()):
        fill_defaults(sub, instance)
    for key in ("anyOf", "oneOf"):
        for sub in schema.get(key, ()):
            if is_valid(sub, instance):
                fill_defaults(sub, instance)
                break
    if "if" in schema:
        branch = schema.get("then") if is_valid(schema["if"], instance) else schema.get("else")
        fill_defaults(branch, instance)


def _fill_object(schema: dict, instance: dict) -> None:
    props = schema.get("properties", {})
    for name, sub in props.items():
        if name in instance:
            fill_defaults(sub, instance[name])
        elif isinstance(sub, dict) and "default" in sub:
            instance[name] = clone(sub["default"])
    patterns = schema.get("patternProperties", {})
    extra = schema.get("additionalProperties")
    if not patterns and not isinstance(extra, dict):
        return
    for key, value in instance.items():
        matched = False
        for patt, sub in patterns.items():
            if re.search(patt, key):
                fill_defaults(sub, value)
                matched = True
        if not matched and key not in props and isinstance(extra, dict):
            fill_defaults(extra, value)
    for prop, dep in schema.get("dependencies", {}).items():
        if prop in instance and isinstance(dep, dict):
            fill_defaults(dep, instance)


class CompiledSchema:
    """One schema, normalised and compiled once; ``check`` validates and fills defaults."""

    __slots__ = ("_fast", "_validator", "schema")

    def __init__(self, schema: dict) -> None:
        self.schema = normalize(schema)
        Draft7Validator.check_schema(self.schema)
        self._validator = Draft7Validator(self.schema, format_checker=_FORMAT_CHECKER)
        self._fast = jsonschema_rs.Draft7Validator(self.schema, validate_formats=True)

    def first_error(self, instance: Any) -> str | None:
        """APISIX's message for the first violation, or None when ``instance`` is valid.

        The compiled (Rust) validator answers the common valid case quickly; the
        pure-Python one has the last word and words the message. It decides because its
        regular expressions behave like APISIX's PCRE (``$`` also matches before a final
        newline, where the Rust engine's ECMA-262 ``$`` does not).
        """
        if self._fast.is_valid(instance):
            return None
        err = next(self._validator.iter_errors(instance), None)
        return None if err is None else format_error(err, is_valid)

    def check(self, instance: Any, prefix: str = "") -> Any:
        """Return a deep copy with defaults filled, validated; or raise SchemaError.

        Defaults are filled first, as lua-jsonschema fills them while walking the
        properties before it evaluates if/then/else and the combinators: limit-count's
        ``policy`` default ``local`` must be in place before ``if policy == redis``.
        """
        result = clone(instance)
        fill_defaults(self.schema, result)
        message = self.first_error(result)
        if message is not None:
            raise SchemaError(prefix + message)
        return result
