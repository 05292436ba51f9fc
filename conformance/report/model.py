"""The conformance report: a typed model, built in memory once a run ends, written in four
formats and printed from the same object.

Shaped like the Gateway API `ConformanceReport`: who was certified (`implementation`), the
`mode`, and per profile the verdict with Core and Extended results, each with its statistics,
and the supported and unsupported Extended features. Verdicts:
- conformant: every Core feature was exercised and passed, and every claimed Extended test passed;
- partial: no Core test failed, but a claimed Extended test failed or a Core feature was not
  exercised (a restricted run, or tests skipped by the target);
- failed: a Core test failed (not conformant);
- untested: no test of the profile passed or failed (all skipped or absent); never conformant;
- aborted: the run broke off (the target stopped answering): no verdict.

The JSON Schema of the model ships as `conformance/data/conformance-report.schema.json`;
`gwconform report` validates the files it reads against the model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..features import get_profile
from ..resources import shipped_path
from ..results import TestResult
from ..selection import support_of
from .exchange import MODEL_CONFIG, Exchange
from .identity import Implementation

REPORT_KIND = "ConformanceReport"
SCHEMA_FILE = "conformance-report.schema.json"
REPORT_API_VERSION = "gwconform.dev/v1"


class Result(StrEnum):
    CONFORMANT = "conformant"
    PARTIAL = "partial"
    FAILED = "failed"
    UNTESTED = "untested"
    ABORTED = "aborted"

    @property
    def label(self) -> str:
        return RESULT_TITLES[self]


RESULT_TITLES = {
    Result.CONFORMANT: "Conformant",
    Result.PARTIAL: "Partially conformant",
    Result.FAILED: "Not conformant",
    Result.UNTESTED: "Not tested",
    Result.ABORTED: "Aborted",
}


class Outcome(StrEnum):
    """A test's outcome; a feature's result is one too, or `untested` when no test of it ran."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    UNTESTED = "untested"


class Support(StrEnum):
    CORE = "core"
    EXTENDED = "extended"


class _Model(BaseModel):
    model_config = MODEL_CONFIG


class Statistics(_Model):
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    @classmethod
    def of(cls, outcomes: Iterable[Outcome]) -> Statistics:
        listed = list(outcomes)
        return cls(
            passed=listed.count(Outcome.PASSED),
            failed=listed.count(Outcome.FAILED),
            skipped=listed.count(Outcome.SKIPPED),
        )


class FailedCase(_Model):
    case: str
    message: str | None
    exchange: Exchange | None = None


class TestReport(_Model):
    name: str
    description: str
    support: Support
    features: list[str]
    outcome: Outcome
    message: str | None
    cases: int
    failed_cases: list[FailedCase]
    duration: float


class FeatureReport(_Model):
    name: str
    support: Support
    claimed: bool
    required: bool
    result: Outcome
    summary: Statistics
    tests: list[str]


class SupportReport(_Model):
    """The Core or the Extended part of a profile (Gateway API's `core` / `extended`)."""

    result: Outcome
    statistics: Statistics
    failed_tests: list[str]
    skipped_tests: list[str]
    supported_features: list[str] = []
    unsupported_features: list[str] = []


class ProfileReport(_Model):
    name: str
    description: str
    api_version: str  # the version of the API the profile certifies
    result: Result
    summary: Statistics
    core: SupportReport
    extended: SupportReport
    failed_tests: list[str]
    untested_core_features: list[str]
    features: list[FeatureReport]
    tests: list[TestReport]


class Suite(_Model):
    name: str = "gwconform"
    version: str


class TargetInfo(_Model):
    name: str
    version: str
    provider: str  # embedded | docker | url
    urls: dict[str, str] = {}  # left out with --omit-urls and for the embedded reference


class ConformanceReport(_Model):
    apiVersion: str = REPORT_API_VERSION
    kind: str = REPORT_KIND
    date: str
    suite: Suite
    seed: int
    implementation: Implementation
    mode: str
    target: TargetInfo
    claimed_features: list[str]
    required_features: list[str]
    # what the user left out of the run (--skip-test, --exempt-feature)
    skip_tests: list[str] = []
    exempt_features: list[str] = []
    options: dict[str, Any]
    summary: str  # one sentence
    aborted: str | None = None  # why the run broke off
    profiles: list[ProfileReport]

    @property
    def all_conformant(self) -> bool:
        return bool(self.profiles) and all(p.result is Result.CONFORMANT for p in self.profiles)

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def schema_path() -> Path:
    """The report's JSON Schema, shipped in the package."""
    return shipped_path("conformance", "data", SCHEMA_FILE)


@dataclass(frozen=True)
class RunInfo:
    """What the run knows besides the test outcomes."""

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
    implementation: Implementation = field(default_factory=Implementation)
    mode: str = "default"
    skip_tests: tuple[str, ...] = ()
    exempt_features: tuple[str, ...] = ()
    aborted: str | None = None
    date: str = ""


def _feature_result(outcomes: list[Outcome]) -> Outcome:
    if not outcomes:
        return Outcome.UNTESTED
    if Outcome.FAILED in outcomes:
        return Outcome.FAILED
    if Outcome.PASSED in outcomes:
        return Outcome.PASSED
    return Outcome.SKIPPED


def verdict(
    core_failed: bool, extended_failed: bool, anything_ran: bool, core_untested: bool
) -> Result:
    if core_failed:
        return Result.FAILED
    if not anything_ran:
        return Result.UNTESTED
    if extended_failed or core_untested:
        return Result.PARTIAL
    return Result.CONFORMANT


def _case_id(nodeid: str) -> str:
    """The parameter part of a pytest node id (`[GET /routes-positive]`), or the id itself."""
    start = nodeid.find("[")
    return nodeid[start + 1 : -1] if start >= 0 and nodeid.endswith("]") else nodeid


def _test_report(result: TestResult, required: frozenset[str]) -> TestReport:
    outcome = Outcome(result.outcome)
    return TestReport(
        name=result.test.name,
        description=result.test.description,
        support=Support(support_of(result.test, required)),
        features=list(result.test.features),
        outcome=outcome,
        message=result.message if outcome is not Outcome.PASSED else None,
        cases=len(result.items),
        failed_cases=[
            FailedCase(case=_case_id(i.nodeid), message=i.message, exchange=i.exchange)
            for i in result.items
            if i.outcome == "failed"
        ],
        duration=round(sum(i.duration for i in result.items), 3),
    )


def _support_report(
    tests: list[TestReport], support: Support, features: Iterable[FeatureReport] = ()
) -> SupportReport:
    """The Core or Extended tests of a profile; `features`: the Extended ones, split into
    the supported (claimed) and unsupported."""
    mine = [t for t in tests if t.support is support]
    outcomes = [t.outcome for t in mine]
    return SupportReport(
        result=_feature_result(outcomes),
        statistics=Statistics.of(outcomes),
        failed_tests=[t.name for t in mine if t.outcome is Outcome.FAILED],
        skipped_tests=[t.name for t in mine if t.outcome is Outcome.SKIPPED],
        supported_features=[f.name for f in features if f.claimed],
        unsupported_features=[f.name for f in features if not f.claimed],
    )


def profile_report(
    name: str, results: list[TestResult], claimed: set[str], required: frozenset[str]
) -> ProfileReport:
    profile = get_profile(name)
    mine = sorted((r for r in results if r.test.profile == name), key=lambda r: r.test.name)
    tests = [_test_report(r, required) for r in mine]
    features = []
    for feature in profile.features:
        outcomes = [t.outcome for t in tests if feature in t.features]
        support = Support.CORE if feature in profile.core else Support.EXTENDED
        features.append(
            FeatureReport(
                name=feature,
                support=support,
                claimed=support is Support.CORE or feature in claimed,
                required=support is Support.CORE or feature in required,
                result=_feature_result(outcomes),
                summary=Statistics.of(outcomes),
                tests=[t.name for t in tests if feature in t.features],
            )
        )
    failed = [t for t in tests if t.outcome is Outcome.FAILED]
    untested_core = [
        f.name
        for f in features
        if f.support is Support.CORE and f.result in (Outcome.SKIPPED, Outcome.UNTESTED)
    ]
    ran = any(t.outcome is not Outcome.SKIPPED for t in tests)
    result = verdict(
        any(t.support is Support.CORE for t in failed),
        any(t.support is Support.EXTENDED for t in failed),
        ran,
        bool(untested_core),
    )
    extended = [f for f in features if f.support is Support.EXTENDED]
    return ProfileReport(
        name=name,
        description=profile.description,
        api_version=profile.api_version,
        result=result,
        summary=Statistics.of(t.outcome for t in tests),
        core=_support_report(tests, Support.CORE),
        extended=_support_report(tests, Support.EXTENDED, extended),
        failed_tests=[t.name for t in failed],
        untested_core_features=untested_core,
        features=features,
        tests=tests,
    )


def summary_sentence(target: str, profiles: list[ProfileReport], aborted: str | None) -> str:
    if aborted:
        return f"The run against {target} was aborted: {aborted}."
    if not profiles:
        return f"No profile was run against {target}."
    conformant = [p.name for p in profiles if p.result is Result.CONFORMANT]
    if len(conformant) == len(profiles):
        return f"{target} is conformant on every profile run ({', '.join(conformant)})."
    others = "; ".join(f"{p.name}: {p.result.label}" for p in profiles if p.name not in conformant)
    if not conformant:
        return f"{target} is conformant on no profile run ({others})."
    return f"{target} is conformant on {', '.join(conformant)}, not on every profile ({others})."


def build_report(
    profiles: Iterable[str], results: Iterable[TestResult], info: RunInfo
) -> ConformanceReport:
    listed = list(results)
    claimed = set(info.claimed_features)
    required = frozenset(info.required_features)
    reports = [profile_report(name, listed, claimed, required) for name in profiles]
    if info.aborted:
        reports = [p.model_copy(update={"result": Result.ABORTED}) for p in reports]
    identity = info.implementation
    target_name = " ".join(
        part for part in (identity.project or info.target_name, identity.version) if part
    )
    return ConformanceReport(
        date=info.date or datetime.now(UTC).isoformat(timespec="seconds"),
        suite=Suite(version=info.suite_version),
        seed=info.seed,
        implementation=identity,
        mode=info.mode,
        target=TargetInfo(
            name=info.target_name,
            version=info.target_version,
            provider=info.provider,
            urls=info.urls,
        ),
        claimed_features=sorted(claimed),
        required_features=sorted(required),
        skip_tests=list(info.skip_tests),
        exempt_features=list(info.exempt_features),
        options=info.options,
        summary=summary_sentence(target_name, reports, info.aborted),
        aborted=info.aborted,
        profiles=reports,
    )
