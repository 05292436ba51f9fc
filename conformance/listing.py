"""`gwconform list`: the profiles, their features and the conformance tests of each."""

from __future__ import annotations

import importlib
import pkgutil

from .features import PROFILES
from .registry import REGISTRY, ConformanceTest


def declared_tests() -> list[ConformanceTest]:
    """Every declared conformance test: importing the suite's modules declares them."""
    from . import tests

    for module in pkgutil.walk_packages(tests.__path__, tests.__name__ + "."):
        importlib.import_module(module.name)
    return sorted(REGISTRY.values(), key=lambda t: (t.profile, t.name))


def listing(with_tests: bool) -> list[str]:
    by_profile: dict[str, list[ConformanceTest]] = {}
    for test in declared_tests() if with_tests else []:
        by_profile.setdefault(test.profile, []).append(test)
    lines = []
    for profile in PROFILES.values():
        lines.append(f"{profile.name}: {profile.description} (certifies {profile.api_version})")
        for support, features in (("core", profile.core), ("extended", profile.extended)):
            for feature in features:
                lines.append(f"  {support:<8} {feature}")
        for test in by_profile.get(profile.name, []):
            lines.append(f"  test     {test.name} [{', '.join(test.features)}]: {test.description}")
    return lines
