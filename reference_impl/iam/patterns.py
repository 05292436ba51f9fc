"""Action and resource patterns of permission policies, compiled to regular expressions.

A pattern is matched against the whole action or resource ARN. `<...>` encloses a regular
expression (it ends at the first `>`), `*` outside one stands for any run of characters
(a literal `*` in an ARN included), every other character stands for itself. So
`arn:api7:gateway:gatewaygroup/<.*>` and `arn:api7:gateway:gatewaygroup/*` both match every
gateway group, and `gateway:<.*>Get<.*>` every gateway action with `Get` in its name.
"""

from __future__ import annotations

import re
from functools import lru_cache


class PatternError(ValueError):
    """A pattern that cannot be compiled; the message names it."""


def pattern_regex(pattern: str) -> str:
    """The regular expression source `pattern` stands for (to be matched in full)."""
    parts: list[str] = []
    pos = 0
    while pos < len(pattern):
        char = pattern[pos]
        if char == "<":
            end = pattern.find(">", pos + 1)
            if end < 0:
                raise PatternError(f"pattern {pattern!r}: `<` at {pos} has no closing `>`")
            body = pattern[pos + 1 : end]
            try:
                re.compile(body)
            except re.error as exc:
                raise PatternError(
                    f"pattern {pattern!r}: invalid regular expression: {exc}"
                ) from None
            parts.append(f"(?:{body})")
            pos = end + 1
        elif char == "*":
            parts.append(".*")
            pos += 1
        else:
            parts.append(re.escape(char))
            pos += 1
    return "".join(parts)


def is_literal(pattern: str) -> bool:
    return "<" not in pattern and "*" not in pattern


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern_regex(pattern), re.DOTALL)
    except re.error as exc:  # a valid piece can still break the whole, e.g. a group name twice
        raise PatternError(f"pattern {pattern!r}: invalid regular expression: {exc}") from None


class PatternSet:
    """Several patterns matched at once: a set lookup for literal ones, one alternation for
    the others (falling back to one regex each when the alternation cannot be compiled)."""

    __slots__ = ("literals", "patterns", "regexes")

    def __init__(self, patterns: list[str]) -> None:
        self.patterns = tuple(patterns)
        self.literals = frozenset(p for p in patterns if is_literal(p))
        wild = sorted({p for p in patterns if not is_literal(p)})
        self.regexes: list[re.Pattern[str]] = []
        if wild:
            try:
                joined = "|".join(f"(?:{pattern_regex(p)})" for p in wild)
                self.regexes = [re.compile(joined, re.DOTALL)]
            except re.error:
                self.regexes = [compile_pattern(p) for p in wild]

    def matches(self, text: str) -> bool:
        return text in self.literals or any(rx.fullmatch(text) for rx in self.regexes)
