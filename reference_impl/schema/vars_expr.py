"""Compile-time check of lua-resty-expr rules (route ``vars``, plugin ``_meta.filter``).

Only validation lives here: the messages are lua-resty-expr's, which APISIX prefixes with
``failed to validate the 'vars' expression: ``.
"""

from __future__ import annotations

from typing import Any

COMPARE_OPERATORS = frozenset(
    {"==", "~=", ">", ">=", "<", "<=", "~~", "~*", "in", "has", "ipmatch"}
)
LOGIC_OPERATORS = frozenset({"OR", "!OR", "AND", "!AND"})
NOT_OPERATOR = "!"


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _check_comparison(expr: list) -> str | None:
    if len(expr) == 4:
        if expr[1] != NOT_OPERATOR:
            return "bad 'not' expression"
        left, op, right = expr[0], expr[2], expr[3]
    else:
        left = expr[0] if expr else None
        op = expr[1] if len(expr) > 1 else None
        right = expr[2] if len(expr) > 2 else None
    if isinstance(op, str):
        op = op.lower()
    if right is None and op not in COMPARE_OPERATORS:
        # two-element form [var, value] means equality
        if op is None:
            return "invalid expression"
        op = "=="
    if left is None or op is None:
        return "invalid expression"
    if op not in COMPARE_OPERATORS:
        return f"invalid operator '{op}'"
    return None


def _check_rules(rules: list) -> str | None:
    if not rules:
        return "rule too short"
    if isinstance(rules[0], list):
        for rule in rules:
            if not isinstance(rule, list):
                return "invalid expression"
            err = _check_rules(rule)
            if err:
                return err
        return None
    if _upper(rules[0]) in LOGIC_OPERATORS:
        if len(rules) <= 2:
            return "rule too short"
        for rule in rules[1:]:
            if not isinstance(rule, list):
                return "invalid expression"
            err = _check_rules(rule)
            if err:
                return err
        return None
    return _check_comparison(rules)


def check_expr(rule: Any) -> str | None:
    """None when ``rule`` compiles in lua-resty-expr, else its error message."""
    if not isinstance(rule, list):
        return "missing argument rule" if rule is None else "rule should be an array"
    if not rule:
        return None
    if not isinstance(rule[0], list) and _upper(rule[0]) not in LOGIC_OPERATORS:
        return "rule should be wrapped inside brackets"
    return _check_rules(rule)
