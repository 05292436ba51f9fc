"""How a conformance test declares itself: short name, description, profile and features.

The declaration is a value the runner reads without running the test (the shape of the
Gateway API suite's `ConformanceTest`): it selects by profile, skips unclaimed Extended
features and reports per feature. Mistakes in a declaration (unknown profile or feature,
a name used twice) raise at import time, so pytest reports them as collection errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from .features import check_features, get_profile

MARKER = "conformance"
_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

T = TypeVar("T", bound=Callable[..., Any])


@dataclass(frozen=True)
class ConformanceTest:
    name: str
    description: str
    profile: str
    features: tuple[str, ...]
    origin: str  # module.qualname of the test, to tell a re-import from a duplicate name


class DeclarationError(ValueError):
    """A conformance test declared with an unknown profile or feature, or a reused name."""


REGISTRY: dict[str, ConformanceTest] = {}


def declare(
    name: str, description: str, profile: str, features: list[str] | tuple[str, ...], origin: str
) -> ConformanceTest:
    """Validate a declaration and add it to the registry."""
    if not _NAME.match(name):
        raise DeclarationError(f"conformance test name {name!r} must be short kebab-case")
    if not description.strip():
        raise DeclarationError(f"conformance test {name!r} needs a one-line description")
    try:
        get_profile(profile)
        if not features:
            raise DeclarationError(f"conformance test {name!r} must name at least one feature")
        check_features(features)
    except ValueError as exc:
        raise DeclarationError(f"conformance test {name!r}: {exc}") from None
    test = ConformanceTest(name, description.strip(), profile, tuple(features), origin)
    known = REGISTRY.get(name)
    if known is not None and known.origin != origin:
        raise DeclarationError(
            f"conformance test name {name!r} is used twice: {known.origin} and {origin}"
        )
    REGISTRY[name] = test
    return test


def conformance_test(
    *, name: str, description: str, profile: str, features: list[str] | tuple[str, ...]
) -> Callable[[T], T]:
    """Declare a test function (or class) as a conformance test of `profile` needing `features`."""

    def mark(obj: T) -> T:
        origin = f"{obj.__module__}.{obj.__qualname__}"
        test = declare(name, description, profile, features, origin)
        return pytest.mark.conformance(test)(obj)

    return mark


def declaration_of(item: pytest.Item) -> ConformanceTest | None:
    """The declaration of a collected pytest item, or None for an ordinary test."""
    marker = item.get_closest_marker(MARKER)
    if marker is None or not marker.args or not isinstance(marker.args[0], ConformanceTest):
        return None
    return marker.args[0]
