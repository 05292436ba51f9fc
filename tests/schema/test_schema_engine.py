"""The validation engine: lua-jsonschema wording, error order, default filling."""

from __future__ import annotations

import pytest

from reference_impl.schema.engine import CompiledSchema, normalize
from reference_impl.schema.errors import SchemaError, lua_number, lua_quote, lua_type
from reference_impl.schema.vars_expr import check_expr


def message(schema: dict, instance: object) -> str:
    with pytest.raises(SchemaError) as info:
        CompiledSchema(schema).check(instance)
    return str(info.value)


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (True, "boolean"),
        (1, "number"),
        (1.5, "number"),
        ("s", "string"),
        ([], "table"),
        ({}, "table"),
        (None, "userdata"),
    ],
)
def test_lua_type(value: object, name: str) -> None:
    assert lua_type(value) == name


def test_lua_number_and_quote() -> None:
    assert lua_number(3.0) == "3"
    assert lua_number(2.5) == "2.5"
    assert lua_quote('a"b\\c') == '"a\\"b\\\\c"'


@pytest.mark.parametrize(
    ("schema", "instance", "expected"),
    [
        ({"type": "string"}, 1, "wrong type: expected string, got number"),
        (
            {"type": ["string", "number"]},
            [],
            "wrong type: expected one of string, number, got table",
        ),
        ({"minLength": 3}, "ab", "string too short, expected at least 3, got 2"),
        ({"maxLength": 1}, "ab", "string too long, expected at most 1, got 2"),
        ({"minimum": 3}, 1, "expected 1 to be at least 3"),
        ({"maximum": 3}, 4.5, "expected 4.5 to be at most 3"),
        ({"exclusiveMinimum": 0}, 0, "expected 0 to be greater than 0"),
        ({"exclusiveMaximum": 5}, 5, "expected 5 to be smaller than 5"),
        ({"multipleOf": 2}, 3, "expected 3 to be a multiple of 2"),
        ({"minItems": 2}, [1], "expect array to have at least 2 items"),
        ({"maxItems": 1}, [1, 2], "expect array to have at most 1 items"),
        ({"uniqueItems": True}, [1, 2, 1], "expected unique items but items 1 and 3 are equal"),
        ({"minProperties": 1}, {}, "expect object to have at least 1 properties"),
        ({"maxProperties": 1}, {"a": 1, "b": 2}, "expect object to have at most 1 properties"),
        ({"enum": ["a"]}, "b", "matches none of the enum values"),
        ({"const": "a"}, "b", "failed to check const value"),
        ({"pattern": "^a$"}, "b", 'failed to match pattern "^a$" with "b"'),
        ({"not": {"type": "string"}}, "a", "value wasn't supposed to match schema"),
        (
            {"anyOf": [{"type": "string"}, {"type": "number"}]},
            [],
            "object matches none of the required",
        ),
        (
            {"anyOf": [{"required": ["a"]}, {"required": ["b", "c"]}]},
            {},
            'object matches none of the required: ["a"] or ["b","c"]',
        ),
        (
            {"oneOf": [{"type": "string"}, {"type": "number"}]},
            [],
            "value should match only one schema, but matches none",
        ),
        (
            {"oneOf": [{"type": "number"}, {"type": "integer"}]},
            1,
            "value should match only one schema, but matches both schemas 1 and 2",
        ),
        ({"required": ["x"]}, {}, 'property "x" is required'),
        (
            {"properties": {"a": {}}, "additionalProperties": False},
            {"a": 1, "b": 2},
            "additional properties forbidden, found b",
        ),
        ({"dependencies": {"a": ["b"]}}, {"a": 1}, 'property "b" is required when "a" is set'),
        (
            {"if": {"required": ["a"]}, "then": {"required": ["b"]}},
            {"a": 1},
            "then clause did not match",
        ),
        (
            {"if": {"required": ["a"]}, "then": {}, "else": {"required": ["b"]}},
            {},
            "else clause did not match",
        ),
        ({"format": "ipv4"}, "1.2.3", "expect valid ipv4 address but got: 1.2.3"),
    ],
)
def test_keyword_messages(schema: dict, instance: object, expected: str) -> None:
    assert message(schema, instance) == expected


def test_nested_paths_are_prefixed() -> None:
    schema = {
        "properties": {
            "a": {"items": {"properties": {"b": {"type": "integer"}}}},
            "m": {"patternProperties": {"^x": {"type": "string"}}},
            "n": {"additionalProperties": {"type": "string"}},
            "all": {"allOf": [{}, {"minimum": 2}]},
        }
    }
    assert message(schema, {"a": [{"b": 1}, {"b": "s"}]}) == (
        'property "a" validation failed: failed to validate item 2: '
        'property "b" validation failed: wrong type: expected integer, got string'
    )
    assert message(schema, {"m": {"xy": 1}}) == (
        'property "m" validation failed: failed to validate xy (matching "^x"): '
        "wrong type: expected string, got number"
    )
    assert message(schema, {"n": {"k": 1}}) == (
        'property "n" validation failed: failed to validate additional property k: '
        "wrong type: expected string, got number"
    )
    assert message(schema, {"all": 1}) == (
        'property "all" validation failed: allOf 2 failed: expected 1 to be at least 2'
    )


def test_type_is_reported_before_other_keywords() -> None:
    schema = {"minLength": 5, "pattern": "^a", "type": "string"}
    assert list(normalize(schema)) == ["type", "minLength", "pattern"]
    assert message(schema, 7) == "wrong type: expected string, got number"


def test_prefix_is_prepended() -> None:
    with pytest.raises(SchemaError, match=r"^invalid configuration: wrong type"):
        CompiledSchema({"type": "object"}).check(1, "invalid configuration: ")


def test_defaults_only_where_absent_and_recursively() -> None:
    schema = {
        "properties": {
            "a": {"type": "integer", "default": 1},
            "o": {"properties": {"x": {"default": "x"}}},
            "l": {"items": {"properties": {"y": {"default": 0}}}},
        }
    }
    out = CompiledSchema(schema).check({"a": 5, "o": {}, "l": [{}, {"y": 3}]})
    assert out == {"a": 5, "o": {"x": "x"}, "l": [{"y": 0}, {"y": 3}]}
    assert CompiledSchema(schema).check({}) == {"a": 1}


def test_defaults_not_injected_into_untaken_branches() -> None:
    schema = {
        "type": "object",
        "oneOf": [
            {
                "properties": {"kind": {"enum": ["a"]}, "a_opt": {"default": 1}},
                "required": ["kind"],
            },
            {
                "properties": {"kind": {"enum": ["b"]}, "b_opt": {"default": 2}},
                "required": ["kind"],
            },
        ],
    }
    assert CompiledSchema(schema).check({"kind": "b"}) == {"kind": "b", "b_opt": 2}
    assert CompiledSchema(schema).check({"kind": "a"}) == {"kind": "a", "a_opt": 1}


def test_defaults_follow_if_then_else() -> None:
    schema = {
        "properties": {"mode": {"default": "plain"}},
        "if": {"properties": {"mode": {"enum": ["fancy"]}}},
        "then": {"properties": {"fancy_level": {"default": 3}}},
        "else": {"properties": {"plain_level": {"default": 1}}},
    }
    assert CompiledSchema(schema).check({}) == {"mode": "plain", "plain_level": 1}
    assert CompiledSchema(schema).check({"mode": "fancy"}) == {"mode": "fancy", "fancy_level": 3}


def test_default_values_are_not_shared() -> None:
    compiled = CompiledSchema({"properties": {"l": {"default": [1]}}})
    first = compiled.check({})
    first["l"].append(2)
    assert compiled.check({}) == {"l": [1]}


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        ([], None),
        ([["a", "==", "b"]], None),
        ([["a", "b"]], None),
        ([["a", "!", "~~", "^x"]], None),
        (["AND", ["a", "==", 1], ["b", "in", [1, 2]]], None),
        ([["!OR", ["a", "has", "x"], ["b", "ipmatch", ["10.0.0.0/8"]]]], None),
        ("a == b", "rule should be an array"),
        (["a", "==", "b"], "rule should be wrapped inside brackets"),
        ([["a", "===", "b"]], "invalid operator '==='"),
        ([["a", "not", "==", "b"]], "bad 'not' expression"),
        ([[]], "rule too short"),
        (["OR", ["a", "==", "b"]], "rule too short"),
    ],
)
def test_vars_expressions(rule: object, error: str | None) -> None:
    assert check_expr(rule) == error
