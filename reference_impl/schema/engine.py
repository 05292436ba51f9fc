"""Compiled Draft 7 validation with APISIX-style messages and default filling.

Schemas are plain dicts declared once at import time. ``CompiledSchema`` reorders each
schema's keywords into the order lua-jsonschema checks them (type, properties, required,
... allOf, anyOf, oneOf, not), so the *first* error Python's validator yields is the one
APISIX would report. Defaults are filled before validation, as lua-jsonschema does (an
absent property with a ``default`` gets it), but only in the branches of anyOf/oneOf/if
that the value actually takes.

Every ``pattern`` and ``patternProperties`` key is an ECMA-262 regular expression, the
dialect JSON Schema and OpenAPI declare, evaluated by ``regress`` in both validators; Python's
``re`` would count \\x1c-\\x1f and \\x85 as ``\\s`` and let ``$`` match before a final newline.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import jsonschema_rs
import regress
from jsonschema import Draft7Validator, FormatChecker, ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import extend

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


@lru_cache(maxsize=4096)
def ecma_regex(pattern: str) -> regress.Regex:
    """``pattern`` compiled as ECMA-262 (``new RegExp(pattern)``, no flags); raises
    ``regress.RegressError`` when it is not one."""
    return regress.Regex(pattern)


def ecma_search(pattern: str, text: str) -> bool:
    """Whether the ECMA-262 ``pattern`` matches somewhere in ``text``: JSON Schema's test for
    ``pattern`` and ``patternProperties``, and the reference's for every pattern a spec names."""
    return ecma_regex(pattern).find(text) is not None


def extra_keys(schema: dict, instance: dict) -> list[str]:
    """The keys of ``instance`` that ``schema``'s ``additionalProperties`` governs: named by no
    ``properties`` and matched by no ``patternProperties`` key."""
    props = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    return [
        key
        for key in instance
        if key not in props and not any(ecma_search(p, key) for p in patterns)
    ]


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: dict
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not ecma_search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, patterns: dict, instance: Any, schema: dict
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, sub in patterns.items():
        for key, value in instance.items():
            if ecma_search(pattern, key):
                yield from validator.descend(value, sub, path=key, schema_path=pattern)


def _additional_properties(
    validator: Any, extra: Any, instance: Any, schema: dict
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    extras = extra_keys(schema, instance)
    if validator.is_type(extra, "object"):
        for key in extras:
            yield from validator.descend(instance[key], extra, path=key)
    elif not extra and extras:
        # jsonschema's own wording: the API7 and Cloud bodies answer with it
        names = ", ".join(repr(key) for key in sorted(extras))
        if "patternProperties" in schema:
            verb = "does" if len(extras) == 1 else "do"
            patterns = ", ".join(repr(p) for p in sorted(schema["patternProperties"]))
            yield ValidationError(f"{names} {verb} not match any of the regexes: {patterns}")
        else:
            verb = "was" if len(extras) == 1 else "were"
            yield ValidationError(
                f"Additional properties are not allowed ({names} {verb} unexpected)"
            )


def _is_ecma_regex(instance: object) -> bool:
    if isinstance(instance, str):
        ecma_regex(instance)
    return True


# Draft 7's formats, with "regex" (also what check_schema applies to every pattern) in ECMA-262.
_FORMAT_CHECKER = FormatChecker(Draft7Validator.FORMAT_CHECKER.checkers)
_FORMAT_CHECKER.checks("regex", raises=regress.RegressError)(_is_ecma_regex)

EcmaDraft7Validator = extend(
    Draft7Validator,
    {
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
    },
    format_checker=_FORMAT_CHECKER,
)


class _RsPattern:
    """``pattern`` for jsonschema_rs, whose own regex engines differ from ECMA-262 (its ``.``
    matches \\r, \\u2028 and \\u2029, its ``\\b`` and ``\\p{..}`` are Unicode-aware)."""

    def __init__(self, parent_schema: dict, value: str, schema_path: list) -> None:
        self._regex = ecma_regex(value)

    def validate(self, instance: Any) -> None:
        if isinstance(instance, str) and self._regex.find(instance) is None:
            raise ValueError("does not match the pattern")


class _RsPatternProperties:
    def __init__(self, parent_schema: dict, value: dict, schema_path: list) -> None:
        self._patterns = [(ecma_regex(p), _rs_validator(sub)) for p, sub in value.items()]

    def validate(self, instance: Any) -> None:
        if not isinstance(instance, dict):
            return
        for key, item in instance.items():
            for regex, sub in self._patterns:
                if regex.find(key) is not None and not sub.is_valid(item):
                    raise ValueError(f"property {key!r} is invalid")


class _RsAdditionalProperties:
    """Replaces jsonschema_rs's own, which tells additional keys by its patternProperties regexes."""

    def __init__(self, parent_schema: dict, value: Any, schema_path: list) -> None:
        self._parent = parent_schema
        self._extra = _rs_validator(value)

    def validate(self, instance: Any) -> None:
        if not isinstance(instance, dict):
            return
        for key in extra_keys(self._parent, instance):
            if not self._extra.is_valid(instance[key]):
                raise ValueError(f"additional property {key!r} is invalid")


_RS_KEYWORDS = {
    "pattern": _RsPattern,
    "patternProperties": _RsPatternProperties,
    "additionalProperties": _RsAdditionalProperties,
}


def _rs_validator(schema: Any) -> Any:
    return jsonschema_rs.Draft7Validator(schema, validate_formats=True, keywords=_RS_KEYWORDS)


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
    return _rs_validator(ref.schema)


@lru_cache(maxsize=4096)
def _error_validator(ref: _Ref) -> Validator:
    return EcmaDraft7Validator(ref.schema)


def error_validator(schema: dict) -> Validator:
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
            if ecma_search(patt, key):
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
        EcmaDraft7Validator.check_schema(self.schema, format_checker=_FORMAT_CHECKER)
        self._validator = EcmaDraft7Validator(self.schema, format_checker=_FORMAT_CHECKER)
        self._fast = _rs_validator(self.schema)

    def first_error(self, instance: Any) -> str | None:
        """APISIX's message for the first violation, or None when ``instance`` is valid.

        The compiled (Rust) validator answers the common valid case quickly; the
        pure-Python one has the last word and words the message. Both evaluate patterns
        with the same ECMA-262 engine, so on patterns they agree.
        """
        if self._fast.is_valid(instance):
            return None
        err = next(self._validator.iter_errors(instance), None)
        return None if err is None else format_error(err, is_valid, extra_keys)

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
