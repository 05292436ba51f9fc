"""Compare two conformance reports for CI gating: what regressed, what was fixed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from .model import ConformanceReport, Outcome, ProfileReport, Result

# Higher is better; `untested` ranks above `failed` but below any tested verdict; an aborted
# run proves nothing.
VERDICT_RANK = {
    Result.ABORTED: -1,
    Result.FAILED: 0,
    Result.UNTESTED: 1,
    Result.PARTIAL: 2,
    Result.CONFORMANT: 3,
}


class ReportFileError(Exception):
    """A report file that cannot be read or is not a conformance report (one line)."""


@dataclass
class Diff:
    regressions: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def load_report(path: str | Path) -> ConformanceReport:
    """A report file, validated against the report model (and so its published schema)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ReportFileError(f"can't read {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ReportFileError(f"{path} is not JSON: {exc}") from None
    try:
        return ConformanceReport.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the top level"
        raise ReportFileError(
            f"{path} is not a gwconform conformance report: {where}: {first['msg']} "
            f"({exc.error_count()} error(s))"
        ) from None


def _outcomes(profile: ProfileReport) -> dict[str, Outcome]:
    return {test.name: test.outcome for test in profile.tests}


def diff_reports(
    old: ConformanceReport, new: ConformanceReport, allow_new_failures: bool = False
) -> Diff:
    """What got worse or better from `old` to `new`. A test or profile the baseline does not
    have that fails is a regression too, unless `allow_new_failures`."""
    result = Diff()
    for what, before, after in (
        (
            "target",
            f"{old.target.name} {old.target.version}",
            f"{new.target.name} {new.target.version}",
        ),
        ("suite version", old.suite.version, new.suite.version),
    ):
        if before != after:
            result.warnings.append(f"the {what} differs: {before} (baseline) -> {after}")
    new_failure = result.notes if allow_new_failures else result.regressions
    new_profiles = {p.name: p for p in new.profiles}
    old_names = {p.name for p in old.profiles}
    for old_profile in old.profiles:
        name = old_profile.name
        new_profile = new_profiles.get(name)
        if new_profile is None:
            result.regressions.append(f"profile {name}: no longer in the report")
            continue
        before, after = old_profile.result, new_profile.result
        change = f"profile {name}: {before.label} -> {after.label}"
        if VERDICT_RANK[after] < VERDICT_RANK[before]:
            result.regressions.append(change)
        elif VERDICT_RANK[after] > VERDICT_RANK[before]:
            result.fixes.append(change)
        old_tests, new_tests = _outcomes(old_profile), _outcomes(new_profile)
        messages = {t.name: t.message for t in new_profile.tests}
        for test, was in sorted(old_tests.items()):
            now = new_tests.get(test)
            if was is Outcome.PASSED and now is Outcome.FAILED:
                reason = f": {messages[test]}" if messages.get(test) else ""
                result.regressions.append(f"{name}/{test}: passed -> failed{reason}")
            elif was is Outcome.FAILED and now is Outcome.PASSED:
                result.fixes.append(f"{name}/{test}: failed -> passed")
            elif was is Outcome.PASSED and now in (Outcome.SKIPPED, None):
                result.notes.append(f"{name}/{test}: passed -> {now or 'absent'}")
        for test, now in sorted(new_tests.items()):
            if test not in old_tests and now is Outcome.FAILED:
                new_failure.append(f"{name}/{test}: new test, failed")
    for profile in new.profiles:
        if profile.name not in old_names and profile.result in (Result.FAILED, Result.ABORTED):
            new_failure.append(f"profile {profile.name}: new profile, {profile.result.label}")
    return result
