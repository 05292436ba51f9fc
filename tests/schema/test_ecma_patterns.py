"""Every schema pattern is an ECMA-262 regular expression, the dialect OpenAPI and JSON Schema
declare: the reference's verdict on a string agrees with an ECMA-262 engine's (`regress`) for
every pattern of the shipped specs and of the reference's own schemas. Python's `re` would
not: its `\\s` takes \\x1c-\\x1f and \\x85, its `\\d` and `\\w` take non-ASCII digits and letters,
its `$` matches before a final newline."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from pathlib import Path
from typing import Any

import pytest
import regress
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.specs.suite import FIXTURE_SPECS
from reference_impl.api7ee.certificates import CA_CERTIFICATE
from reference_impl.api7ee.schemas import check
from reference_impl.api7ee.snis import SNI
from reference_impl.cloud.schemas import ORGANIZATION
from reference_impl.cloud.validation import check_body
from reference_impl.schema import check_resource
from reference_impl.schema.engine import CompiledSchema, error_validator

# Characters on which regex dialects disagree: C0 controls (\x1c-\x1f are white space to
# Python only), line terminators, Unicode spaces and the BOM, non-ASCII digits and letters.
SPECIAL = (
    [chr(c) for c in range(0x20)]
    + ["\x7f", "\x85", "\xa0", "\u1680", "\u2028", "\u2029", "\ufeff", "\u3000"]
    + ["\u0663", "\u00df", "\u00e9", "\u212a", "\U0001f600"]
)
REFERENCE_PACKAGES = (
    "reference_impl.admin",
    "reference_impl.api7ee",
    "reference_impl.cloud",
    "reference_impl.iam",
    "reference_impl.schema",
)


def _collect(node: Any, found: set[str], seen: set[int]) -> None:
    """Every `pattern` string and `patternProperties` key in a tree of dicts, lists and
    dataclasses (the plugin specs)."""
    if id(node) in seen:
        return
    if isinstance(node, dict):
        seen.add(id(node))
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                found.add(value)
            elif key == "patternProperties" and isinstance(value, dict):
                found.update(value)
            _collect(value, found, seen)
    elif isinstance(node, list | tuple):
        seen.add(id(node))
        for value in node:
            _collect(value, found, seen)
    elif dataclasses.is_dataclass(node) and not isinstance(node, type):
        seen.add(id(node))
        for field in dataclasses.fields(node):
            _collect(getattr(node, field.name), found, seen)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def spec_patterns() -> set[str]:
    found: set[str] = set()
    for path in sorted(Path(FIXTURE_SPECS).rglob("*")):
        if path.suffix in (".yaml", ".yml"):
            _collect(yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER), found, set())
    return found


def reference_patterns() -> set[str]:
    """The patterns the reference declares: in its schema dicts, and module-level `*PATTERN*`
    strings its checks evaluate by hand."""
    found: set[str] = set()
    seen: set[int] = set()
    for name in REFERENCE_PACKAGES:
        package = importlib.import_module(name)
        modules = [package] + [
            importlib.import_module(info.name)
            for info in pkgutil.walk_packages(package.__path__, name + ".")
        ]
        for module in modules:
            for attr, value in vars(module).items():
                if isinstance(value, str) and "PATTERN" in attr:
                    found.add(value)
                else:
                    _collect(value, found, seen)
    return found


SPEC_PATTERNS = spec_patterns()
PATTERNS = sorted(SPEC_PATTERNS | reference_patterns())


def test_the_specs_and_the_reference_declare_patterns() -> None:
    assert len(SPEC_PATTERNS) >= 40
    assert r"^\S+$" in SPEC_PATTERNS
    assert len(PATTERNS) > len(SPEC_PATTERNS)


def _regex_matches(pattern: str) -> st.SearchStrategy[str]:
    try:
        strategy = st.from_regex(pattern)
        strategy.validate()
    except Exception:  # Python's parser refuses some ECMA-262 syntax: text alone then
        return st.text(max_size=8)
    return strategy


def _candidates(pattern: str) -> st.SearchStrategy[str]:
    """Strings near the pattern's boundary: matches (as Python reads the pattern), with a
    special character put in, swapped in or appended, a trailing newline, and short text."""
    special = st.sampled_from(SPECIAL)
    position = st.integers(min_value=0, max_value=64)

    def insert(text: str, char: str, at: int) -> str:
        at %= len(text) + 1
        return text[:at] + char + text[at:]

    def replace(text: str, char: str, at: int) -> str:
        if not text:
            return char
        at %= len(text)
        return text[:at] + char + text[at + 1 :]

    base = _regex_matches(pattern)
    return st.one_of(
        base,
        st.builds(insert, base, special, position),
        st.builds(replace, base, special, position),
        base.map(lambda text: text + "\n"),
        st.text(alphabet=st.sampled_from([*SPECIAL, "a", "Z", "0", "/", "-", "."]), max_size=6),
    )


def _ecma_match(pattern: str, text: str) -> bool:
    return regress.Regex(pattern).find(text) is not None


@pytest.mark.parametrize("pattern", PATTERNS, ids=range(len(PATTERNS)))
def test_reference_verdicts_follow_ecma_262(pattern: str) -> None:
    as_value = CompiledSchema({"type": "string", "pattern": pattern})
    as_key = CompiledSchema(
        {
            "type": "object",
            "patternProperties": {pattern: {"type": "integer"}},
            "additionalProperties": False,
        }
    )
    explained = error_validator({"type": "string", "pattern": pattern})

    def check_agreement(text: str) -> None:
        expected = _ecma_match(pattern, text)
        assert (as_value.first_error(text) is None) is expected
        assert (as_key.first_error({text: 1}) is None) is expected
        assert (next(explained.iter_errors(text), None) is None) is expected

    for char in SPECIAL:
        for text in (char, f"a{char}", f"{char}a", f"/x{char}1", f"a{char}\n"):
            check_agreement(text)

    @settings(
        max_examples=20,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(_candidates(pattern))
    def agrees(text: str) -> None:
        check_agreement(text)

    agrees()


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        (r"^\S+$", "\u00df\x1d\x1f", True),  # \x1c-\x1f: white space to Python only
        (r"^\S+$", "x\x85", True),  # NEL: white space to Python only
        (r"^\S+$", "x\ufeff", False),  # the BOM: white space to ECMA-262 only
        (r"^\S+$", "end\n", False),  # `$` before a final newline: Python only
        (r"^[a-z0-9]+$", "abc\n", False),
        (r"^[1-9][0-9]{0,4}$", "\u0663", False),
        (r"^\d+$", "\u0663", False),  # \d: ASCII digits only
        (r"^\w+$", "\u00e9", False),  # \w: ASCII word characters only
        (r"^a.b$", "a\rb", False),  # `.` takes no line terminator (the Rust engines' does)
        (r"^a.b$", "a\u2028b", False),
        (r"^a.b$", "a\x85b", True),
    ],
)
def test_dialect_corner_cases(pattern: str, text: str, matches: bool) -> None:
    assert _ecma_match(pattern, text) is matches
    compiled = CompiledSchema({"type": "string", "pattern": pattern})
    assert (compiled.first_error(text) is None) is matches
    keyed = CompiledSchema({"patternProperties": {pattern: {}}, "additionalProperties": False})
    assert (keyed.first_error({text: 1}) is None) is matches


def test_messages_keep_the_apisix_wording() -> None:
    compiled = CompiledSchema({"type": "string", "pattern": r"^\S+$"})
    # lua_quote doubles the backslash, as APISIX's message does
    assert compiled.first_error("a b") == 'failed to match pattern "^\\\\S+$" with "a b"'
    assert compiled.first_error("end\n") == 'failed to match pattern "^\\\\S+$" with "end\\n"'
    keyed = CompiledSchema(
        {"properties": {"a": {}}, "patternProperties": {"^x.$": {}}, "additionalProperties": False}
    )
    assert keyed.first_error({"a": 1, "x\r": 2}) == "additional properties forbidden, found x\r"
    assert [e.message for e in error_validator({"pattern": r"^\S+$"}).iter_errors("a b")] == [
        "'a b' does not match '^\\\\S+$'"
    ]


LABEL = "\u00df\x1d\x1f"  # a generated `^\S+$` label value the reference used to refuse


def test_api7_sni_and_ca_certificate_labels_take_ecma_non_space() -> None:
    sni = {"domain": "a.example.com", "certificates": ["c1"], "labels": {"k": LABEL}}
    assert check(SNI, sni)["labels"] == {"k": LABEL}
    ca = {"cert": "-----BEGIN CERTIFICATE-----", "labels": {"k": LABEL}}
    assert check(CA_CERTIFICATE, ca)["labels"] == {"k": LABEL}
    with pytest.raises(Exception, match="does not match"):
        check(SNI, {**sni, "labels": {"k": "two words"}})


def test_apisix_labels_and_cloud_names_take_ecma_non_space() -> None:
    route = {"uri": "/a", "labels": {"k": LABEL}, "upstream": {"nodes": {"a:1": 1}}}
    assert check_resource("routes", route)["labels"] == {"k": LABEL}
    assert check_body(ORGANIZATION, {"name": LABEL}) == {"name": LABEL}
