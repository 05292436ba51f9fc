"""Which declared conformance tests run, which are skipped and why."""

from __future__ import annotations

from dataclasses import dataclass

from .features import get_profile
from .registry import ConformanceTest


@dataclass(frozen=True)
class Decision:
    run: bool  # False: deselected (not part of this run at all)
    skip_reason: str | None = None  # set: part of the run, but skipped


def support_of(test: ConformanceTest, required: frozenset[str] = frozenset()) -> str:
    """`extended` if the test needs any Extended feature of its profile that the run does
    not require, else `core`. A run requires the features whose inputs the target supplied
    (a viewer key: the viewer must not write), so their failures count as Core failures."""
    profile = get_profile(test.profile)
    optional = any(f in profile.extended and f not in required for f in test.features)
    return "extended" if optional else "core"


def decide(
    test: ConformanceTest,
    profiles: tuple[str, ...],
    claimed_features: frozenset[str],
    only_features: frozenset[str] = frozenset(),
    run_tests: tuple[str, ...] = (),
    skip_tests: frozenset[str] = frozenset(),
    exempt_features: frozenset[str] = frozenset(),
) -> Decision:
    """Select by profile (and the optional feature/test filters); skip what the user skipped
    or exempted, and unclaimed Extended features. A skipped Core test leaves its feature
    unexercised: the profile can then be Partially conformant at best."""
    if test.profile not in profiles:
        return Decision(run=False)
    if run_tests and test.name not in run_tests:
        return Decision(run=False)
    if only_features and not only_features.intersection(test.features):
        return Decision(run=False)
    if test.name in skip_tests:
        return Decision(run=True, skip_reason="skipped with --skip-test")
    exempt = sorted(exempt_features.intersection(test.features))
    if exempt:
        return Decision(
            run=True, skip_reason=f"exempted feature(s) {', '.join(exempt)} (--exempt-feature)"
        )
    profile = get_profile(test.profile)
    unclaimed = sorted(
        f for f in test.features if f in profile.extended and f not in claimed_features
    )
    if unclaimed:
        return Decision(
            run=True,
            skip_reason=(
                f"unclaimed Extended feature(s) {', '.join(unclaimed)} of profile {test.profile}"
                " (claim with --supported-features)"
            ),
        )
    return Decision(run=True)
