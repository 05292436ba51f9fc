"""Strict JSON (RFC 8259): the one loader for request bodies and stored values, and the one
encoder for what a store writes.

Python's `json` reads `NaN`, `Infinity` and `-Infinity` (and turns `1e999` into infinity),
and writes them back, although JSON has none of them; it also reads a lone UTF-16 surrogate
(`"\\ud800"`), which no UTF-8 text can hold. Any of these in a stored object breaks every
answer and every data plane that later reads it, so they are refused on the way in.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# `\ud800`-`\udfff` escapes: a surrogate, paired or not; only then is the parsed text checked
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class NotStrictJson(ValueError):
    """A document `json` would take but JSON does not allow."""


def _refuse_constant(name: str) -> Any:
    raise NotStrictJson(f"{name} is not allowed: JSON numbers must be finite")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise NotStrictJson(f"{text} is not allowed: JSON numbers must be finite")
    return number


def loads(data: str | bytes | bytearray) -> Any:
    """The value of a strict JSON document; `ValueError` (a `json.JSONDecodeError` for bad
    syntax, `NotStrictJson` for a non-finite number or a lone surrogate) when it is not one.
    Bytes that are not text in their encoding raise `UnicodeDecodeError` (a `ValueError`);
    deep nesting raises `RecursionError`, as `json.loads` does."""
    if not isinstance(data, str):  # strictly decoded: `json` lets encoded surrogates through
        data = bytes(data).decode(json.detect_encoding(data))
    value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    if _SURROGATE_ESCAPE.search(data):
        encode(value)  # a paired surrogate decodes to one character; a lone one cannot encode
    return value


def dumps(value: Any) -> str:
    """`value` as compact strict JSON text; `ValueError` for a non-finite float, `TypeError`
    for what JSON cannot hold."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def encode(value: Any) -> bytes:
    """`value` as compact strict JSON in UTF-8, as a store writes it; `NotStrictJson` for a
    lone surrogate, otherwise the errors of `dumps`."""
    text = dumps(value)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        char = exc.object[exc.start]
        raise NotStrictJson(
            f"\\u{ord(char):04x} is not allowed: a lone surrogate is not a Unicode character"
        ) from None


def copy(value: Any) -> Any:
    """A deep copy of `value` as a store keeps it: what its strict JSON reads back as (tuples
    become lists, keys strings); the errors of `encode` when it is not strict JSON."""
    return json.loads(encode(value))
