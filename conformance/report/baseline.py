"""Compare two conformance reports for CI gating: what regressed, what was fixed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import RESULT_TITLES

# Higher is better; `untested` ranks above `failed` but below any tested verdict.
VERDICT_RANK = {"failed": 0, "untested": 1, "partial": 2, "conformant": 3}


class ReportFileError(Exception):
    """A report file that cannot be read or is not a conformance report (one line)."""


@dataclass
class Diff:
    regressions: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def load_report(path: str | Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportFileError(f"can't read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ReportFileError(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), list):
        raise ReportFileError(f"{path} is not a conformance report (no profiles list)")
    return data


def _tests(profile: dict[str, Any]) -> dict[str, str]:
    return {test["name"]: test["outcome"] for test in profile.get("tests", [])}


def diff_reports(old: dict[str, Any], new: dict[str, Any]) -> Diff:
    result = Diff()
    new_profiles = {p["name"]: p for p in new["profiles"]}
    for old_profile in old["profiles"]:
        name = old_profile["name"]
        new_profile = new_profiles.get(name)
        if new_profile is None:
            result.regressions.append(f"profile {name}: no longer in the report")
            continue
        before, after = old_profile["result"], new_profile["result"]
        change = f"profile {name}: {RESULT_TITLES[before]} -> {RESULT_TITLES[after]}"
        if VERDICT_RANK[after] < VERDICT_RANK[before]:
            result.regressions.append(change)
        elif VERDICT_RANK[after] > VERDICT_RANK[before]:
            result.fixes.append(change)
        old_tests, new_tests = _tests(old_profile), _tests(new_profile)
        messages = {t["name"]: t.get("message") for t in new_profile.get("tests", [])}
        for test, was in sorted(old_tests.items()):
            now = new_tests.get(test, "absent")
            if was == "passed" and now == "failed":
                reason = f": {messages[test]}" if messages.get(test) else ""
                result.regressions.append(f"{name}/{test}: passed -> failed{reason}")
            elif was == "failed" and now == "passed":
                result.fixes.append(f"{name}/{test}: failed -> passed")
            elif was == "passed" and now in ("skipped", "absent"):
                result.notes.append(f"{name}/{test}: passed -> {now}")
        for test, now in sorted(new_tests.items()):
            if test not in old_tests and now == "failed":
                result.notes.append(f"{name}/{test}: new test, failed")
    return result
