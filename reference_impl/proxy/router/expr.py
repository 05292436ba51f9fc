"""`vars` expressions with lua-resty-expr semantics.

A rule is a list of `[var, op, value]` (or `[var, "!", op, value]`) terms, optionally led by
a logic operator: `["AND"|"OR"|"!AND"|"!OR", term, term, ...]`, nested at will.
Operators: ==, ~=, >, >=, <, <=, ~~ (regex), ~* (case-insensitive regex), in, has, ipmatch.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .ip_match import IpMatcher

VarGetter = Callable[[str], Any]

_LUA_NUMBER = re.compile(r"^\s*[-+]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


def lua_tonumber(value: Any) -> float | None:
    """Lua's tonumber(): numbers pass, numeric strings convert, anything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and _LUA_NUMBER.match(value):
        text = value.strip()
        sign = -1.0 if text.startswith("-") else 1.0
        body = text.lstrip("+-")
        if body[:2].lower() == "0x":
            return sign * int(body, 16)
        return sign * float(body)
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _lua_equal(left: Any, right: Any) -> bool:
    if type(left) is bool or type(right) is bool:
        return type(left) is type(right) and left == right
    if _is_number(left) and _is_number(right):
        return float(left) == float(right)
    if type(left) is not type(right):
        return False
    return left == right


def _eq(left: Any, right: Any) -> bool:
    if _is_number(right):
        number = lua_tonumber(left)
        return number is not None and number == float(right)
    return _lua_equal(left, right)


def _ne(left: Any, right: Any) -> bool:
    if _is_number(right):
        number = lua_tonumber(left)
        return number is None or number != float(right)
    return not _lua_equal(left, right)


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    def check(left: Any, right: Any) -> bool:
        a, b = lua_tonumber(left), lua_tonumber(right)
        return a is not None and b is not None and compare(a, b)

    return check


def _regex(flags: int) -> Callable[[Any, Any], bool]:
    def check(left: Any, pattern: re.Pattern[str]) -> bool:
        return isinstance(left, str) and pattern.search(left) is not None

    check.flags = flags  # type: ignore[attr-defined]
    return check


def _in(left: Any, right: Any) -> bool:
    return isinstance(right, list) and any(_lua_equal(left, item) for item in right)


def _has(left: Any, right: Any) -> bool:
    return isinstance(left, list) and any(_lua_equal(item, right) for item in left)


def _ipmatch(left: Any, matcher: IpMatcher) -> bool:
    return isinstance(left, str) and matcher.match(left)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": _eq,
    "~=": _ne,
    ">": _numeric(lambda a, b: a > b),
    ">=": _numeric(lambda a, b: a >= b),
    "<": _numeric(lambda a, b: a < b),
    "<=": _numeric(lambda a, b: a <= b),
    "~~": _regex(0),
    "~*": _regex(re.IGNORECASE),
    "in": _in,
    "has": _has,
    "ipmatch": _ipmatch,
}
_LOGIC_OPS = {"AND", "OR", "!AND", "!OR"}


class ExprError(ValueError):
    pass


@dataclass(frozen=True)
class _Term:
    var: str
    compare: Callable[[Any, Any], bool]
    value: Any
    reverse: bool

    def evaluate(self, get: VarGetter) -> bool:
        return self.compare(get(self.var), self.value) != self.reverse


@dataclass(frozen=True)
class _Logic:
    op: str
    parts: tuple[_Term | _Logic, ...]

    def evaluate(self, get: VarGetter) -> bool:
        if self.op in ("AND", "!AND"):
            result = all(part.evaluate(get) for part in self.parts)
        else:
            result = any(part.evaluate(get) for part in self.parts)
        return not result if self.op.startswith("!") else result


def _compile_term(rule: list[Any]) -> _Term:
    reverse = False
    if len(rule) == 4:
        if rule[1] != "!":
            raise ExprError("bad 'not' expression")
        reverse = True
        var, op, value = rule[0], rule[2], rule[3]
    else:
        var = rule[0] if rule else None
        op = rule[1] if len(rule) > 1 else None
        value = rule[2] if len(rule) > 2 else None
    if isinstance(op, str):
        op = op.lower()
    if value is None and op not in _COMPARE:
        # lua-resty-expr compatibility: [var, value] means [var, "==", value]
        value, op = op, "=="
        if value is None:
            raise ExprError("invalid expression")
    if not isinstance(var, str) or op is None:
        raise ExprError("invalid expression")
    if op not in _COMPARE:
        raise ExprError(f"invalid operator '{op}'")
    if op in ("~~", "~*"):
        if not isinstance(value, str):
            raise ExprError("invalid regex")
        try:
            value = re.compile(value, _COMPARE[op].flags)  # type: ignore[attr-defined]
        except re.error as exc:
            raise ExprError(f"invalid regex: {exc}") from exc
    elif op == "ipmatch":
        specs = value if isinstance(value, list) else [value]
        if not specs or not all(isinstance(s, str) and s for s in specs):
            raise ExprError("invalid ip address")
        try:
            value = IpMatcher(specs)
        except ValueError as exc:
            raise ExprError(f"invalid ip address: {exc}") from exc
    return _Term(var, _COMPARE[op], value, reverse)


def _compile(rule: list[Any]) -> _Term | _Logic:
    if not rule:
        raise ExprError("rule too short")
    if isinstance(rule[0], list):
        return _Logic("AND", tuple(_compile(part) for part in rule))
    if isinstance(rule[0], str) and rule[0].upper() in _LOGIC_OPS:
        if len(rule) <= 2:
            raise ExprError("rule too short")
        parts = []
        for part in rule[1:]:
            if not isinstance(part, list):
                raise ExprError("invalid expression")
            parts.append(_compile(part))
        return _Logic(rule[0].upper(), tuple(parts))
    return _compile_term(rule)


class Expr:
    """A compiled `vars` rule; `Expr([])` is always true."""

    def __init__(self, rule: list[Any]) -> None:
        if not isinstance(rule, list):
            raise ExprError("rule should be a list")
        self._root: _Term | _Logic | None = None
        if not rule:
            return
        if not isinstance(rule[0], list) and not (
            isinstance(rule[0], str) and rule[0].upper() in _LOGIC_OPS
        ):
            raise ExprError("rule should be wrapped inside brackets")
        self._root = _compile(rule)

    def evaluate(self, get: VarGetter) -> bool:
        return True if self._root is None else self._root.evaluate(get)
