"""lua-resty-expr semantics of the compiled expressions."""

from __future__ import annotations

import pytest

from reference_impl.proxy.router import Expr, ExprError
from reference_impl.proxy.router.expr import lua_tonumber


@pytest.mark.parametrize(
    ("text", "number"),
    [("10", 10.0), (" 7 ", 7.0), ("0x1f", 31.0), ("-2.5", -2.5), ("1e3", 1000.0), ("010", 10.0)],
)
def test_lua_tonumber_accepts_numbers(text, number):
    assert lua_tonumber(text) == number


@pytest.mark.parametrize("text", ["", "abc", "inf", "nan", "1,5", None, True])
def test_lua_tonumber_rejects_others(text):
    assert lua_tonumber(text) is None


def _eval(rule, values):
    return Expr(rule).evaluate(values.get)


def test_string_equality_does_not_coerce():
    assert _eval([["a", "==", "18"]], {"a": "18"})
    assert not _eval([["a", "in", [18]]], {"a": "18"})
    assert _eval([["a", "==", 18]], {"a": "18.0"})


def test_has_checks_list_values():
    assert _eval([["a", "has", "x"]], {"a": ["y", "x"]})
    assert not _eval([["a", "has", "x"]], {"a": "x"})


def test_empty_rule_is_true():
    assert Expr([]).evaluate(lambda name: None)


def test_only_needed_variables_are_read():
    seen = []

    def get(name):
        seen.append(name)
        return "1"

    assert Expr(["OR", ["a", "==", "1"], ["b", "==", "1"]]).evaluate(get)
    assert seen == ["a"]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ([["a", "bad", "1"]], "invalid operator 'bad'"),
        ([["a", "x", "==", "1"]], "bad 'not' expression"),
        (["a", "==", "1"], "rule should be wrapped inside brackets"),
        (["OR", ["a", "==", "1"]], "rule too short"),
        ([["a", "ipmatch", []]], "invalid ip address"),
    ],
)
def test_compile_errors(rule, message):
    with pytest.raises(ExprError, match=message.replace("(", r"\(")):
        Expr(rule)
