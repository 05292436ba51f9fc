"""PCRE-style regex helpers for plugins: ngx.re option letters and `$1` substitutions."""

from __future__ import annotations

import re
from functools import lru_cache

_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}
_TEMPLATE_REF = re.compile(r"\$(?:\{(\d+)\}|(\d))|\$\$")


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str, options: str = "") -> re.Pattern[str]:
    """Compile with ngx.re options: i, m, s, x honoured; j, o, u and the rest only tune PCRE."""
    flags = 0
    for letter in options:
        flags |= _FLAGS.get(letter, 0)
    return re.compile(pattern, flags)


def expand_template(template: str, match: re.Match[str]) -> str:
    """ngx.re.sub replacement: `$0`..`$9` and `${n}` are groups, `$$` is a `$`."""

    def replace(ref: re.Match[str]) -> str:
        if ref.group(0) == "$$":
            return "$"
        index = int(ref.group(1) or ref.group(2))
        if index > (match.re.groups or 0):
            return ""
        return match.group(index) or ""

    return _TEMPLATE_REF.sub(replace, template)


def substitute(
    subject: str, pattern: re.Pattern[str], template: str, count: int = 1
) -> tuple[str, int]:
    """Replace the first `count` matches (0: all), like ngx.re.sub / ngx.re.gsub."""
    return pattern.subn(lambda m: expand_template(template, m), subject, count=count)
