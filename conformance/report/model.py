"""The conformance report: per profile a verdict, per feature and per test the outcome.

Verdicts follow the Gateway API conformance reports:
- conformant: every Core feature was exercised and passed, and every claimed Extended test passed;
- partial: no Core test failed, but a claimed Extended test failed or a Core feature was not
  exercised (a restricted run, or tests skipped by the target);
- failed: a Core test failed (not conformant);
- untested: no test of the profile passed or failed (all skipped or absent); never conformant.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..features import get_profile
from ..results import TestResult
from ..selection import support_of

REPORT_KIND = "ConformanceReport"
REPORT_API_VERSION = "gwconform.dev/v1"
RESULTS = ("conformant", "partial", "failed", "untested")
RESULT_TITLES = {
    "conformant": "Conformant",
    "partial": "Partially conformant",
    "failed": "Not conformant",
    "untested": "Not tested",
}


@dataclass(frozen=True)
class RunInfo:
    suite_version: str
    seed: int
    target_name: str
    target_version: str
    provider: str
    urls: dict[str, str]
    claimed_features: tuple[str, ...]
    options: dict[str, Any]
    # Extended features whose inputs the target supplied: a failure counts as a Core one
    required_features: tuple[str, ...] = ()
    date: str = ""


def _summary(outcomes: Iterable[str]) -> dict[str, int]:
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for outcome in outcomes:
        counts[outcome] += 1
    return counts


def _feature_result(outcomes: list[str]) -> str:
    if not outcomes:
        return "untested"
    if "failed" in outcomes:
        return "failed"
    if "passed" in outcomes:
        return "passed"
    return "skipped"


def verdict(
    core_failed: bool, extended_failed: bool, anything_ran: bool, core_untested: bool
) -> str:
    if core_failed:
        return "failed"
    if not anything_ran:
        return "untested"
    if extended_failed or core_untested:
        return "partial"
    return "conformant"


def profile_report(
    name: str, results: list[TestResult], claimed: set[str], required: frozenset[str]
) -> dict[str, Any]:
    profile = get_profile(name)
    tests = sorted((r for r in results if r.test.profile == name), key=lambda r: r.test.name)
    features = []
    for feature in profile.features:
        outcomes = [r.outcome for r in tests if feature in r.test.features]
        support = "core" if feature in profile.core else "extended"
        features.append(
            {
                "name": feature,
                "support": support,
                "claimed": support == "core" or feature in claimed,
                "required": support == "core" or feature in required,
                "result": _feature_result(outcomes),
                "summary": _summary(outcomes),
                "tests": [r.test.name for r in tests if feature in r.test.features],
            }
        )
    failed = [support_of(r.test, required) for r in tests if r.outcome == "failed"]
    core_failed, extended_failed = "core" in failed, "extended" in failed
    untested_core = [
        f["name"]
        for f in features
        if f["support"] == "core" and f["result"] in ("skipped", "untested")
    ]
    ran = any(r.outcome != "skipped" for r in tests)
    result = verdict(core_failed, extended_failed, ran, bool(untested_core))
    return {
        "name": name,
        "description": profile.description,
        "result": result,
        "summary": _summary(r.outcome for r in tests),
        "failed_tests": [r.test.name for r in tests if r.outcome == "failed"],
        "untested_core_features": untested_core,
        "features": features,
        "tests": [
            {
                "name": r.test.name,
                "description": r.test.description,
                "support": support_of(r.test, required),
                "features": list(r.test.features),
                "outcome": r.outcome,
                "message": r.message if r.outcome != "passed" else None,
                "cases": len(r.items),
                "failed_cases": [
                    {"case": _case_id(i.nodeid), "message": i.message}
                    for i in r.items
                    if i.outcome == "failed" and len(r.items) > 1
                ],
                "duration": round(sum(i.duration for i in r.items), 3),
            }
            for r in tests
        ],
    }


def _case_id(nodeid: str) -> str:
    """The parameter part of a pytest node id (`[GET /routes-positive]`), or the id itself."""
    start = nodeid.find("[")
    return nodeid[start + 1 : -1] if start >= 0 and nodeid.endswith("]") else nodeid


def build_report(
    profiles: Iterable[str], results: Iterable[TestResult], info: RunInfo
) -> dict[str, Any]:
    results = list(results)
    claimed = set(info.claimed_features)
    return {
        "apiVersion": REPORT_API_VERSION,
        "kind": REPORT_KIND,
        "date": info.date or datetime.now(UTC).isoformat(timespec="seconds"),
        "suite": {"name": "gwconform", "version": info.suite_version},
        "seed": info.seed,
        "target": {
            "name": info.target_name,
            "version": info.target_version,
            "provider": info.provider,
            "urls": info.urls,
        },
        "claimed_features": sorted(claimed),
        "options": info.options,
        "required_features": sorted(info.required_features),
        "profiles": [
            profile_report(name, results, claimed, frozenset(info.required_features))
            for name in profiles
        ],
    }


def all_conformant(report: dict[str, Any]) -> bool:
    profiles = report.get("profiles") or []
    return bool(profiles) and all(p["result"] == "conformant" for p in profiles)
