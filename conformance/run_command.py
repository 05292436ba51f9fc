"""`gwconform run`: the conformance suite in-process with pytest, then the verdict table."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.table import Table

from .plugin import PresetRun
from .providers.url import Endpoint, endpoints
from .report.model import (
    RESULT_TITLES,
    ConformanceReport,
    Outcome,
    Result,
    Statistics,
    TestReport,
)
from .report.writers import BASENAME
from .specs.loader import SpecLoadError
from .specs.suite import try_load
from .target import RunOptions, TargetError, build_run_options

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
RESULT_STYLES = {
    Result.CONFORMANT: "green",
    Result.PARTIAL: "yellow",
    Result.FAILED: "red",
    Result.UNTESTED: "dim",
    Result.ABORTED: "red",
}


def pytest_args(options: RunOptions, verbose: bool) -> list[str]:
    """The pytest command line of a run: the suite's tests and its report files. The run's
    options themselves reach the plugin as the PresetRun object."""
    return [
        "--pyargs",
        "conformance.tests",
        # The user's own pytest configuration (wherever they run from) must not leak in.
        "-c",
        os.devnull,
        "--rootdir",
        str(PACKAGE_ROOT),
        "-p",
        "no:cacheprovider",
        "-rfE",
        "--tb=native",  # see plugin.pytest_configure
        # this process imported the suite before pytest started: nothing left to rewrite
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        "-v" if verbose else "-q",
        f"--junitxml={options.report_dir / 'junit.xml'}",
        f"--alluredir={options.report_dir / 'allure-results'}",
        "--clean-alluredir",
    ]


def check_reachable(options: RunOptions) -> None:
    """Before any test: every URL given answers, and the keys are accepted (one line if not)."""
    for endpoint in endpoints(options.settings):
        endpoint.probe()
    if options.spec and options.target:
        Endpoint(options.target, "spec target").probe()


def _counts(statistics: Statistics) -> str:
    failed = f", {statistics.failed} failed" if statistics.failed else ""
    return f"{statistics.passed} passed{failed}"


def verdict_table(report: ConformanceReport) -> Table:
    target = report.target
    table = Table(title=f"Conformance of {target.name} {target.version}")
    columns = ("Profile", "Result", "Core", "Extended", "Skipped", "Certifies")
    for column in columns:
        table.add_column(column, justify="right" if column == "Skipped" else "left")
    for profile in report.profiles:
        core, extended = profile.core.statistics, profile.extended.statistics
        table.add_row(
            profile.name,
            f"[{RESULT_STYLES[profile.result]}]{profile.result.label}[/]",
            _counts(core),
            _counts(extended),
            str(profile.summary.skipped),
            profile.api_version,
        )
    return table


def _failed_test(test: TestReport) -> str:
    """A failed test's name, with how many of its cases (operations, parameters) failed."""
    count = len(test.failed_cases)
    return f"{test.name} ({count} of {test.cases} cases)" if test.cases > 1 else test.name


def failure_lines(report: ConformanceReport) -> list[str]:
    lines = []
    for profile in report.profiles:
        failed = [_failed_test(t) for t in profile.tests if t.outcome is Outcome.FAILED]
        if failed:
            lines.append(f"{profile.name} failed: {', '.join(failed)}")
        if profile.untested_core_features:
            untested = ", ".join(profile.untested_core_features)
            lines.append(f"{profile.name} Core features not exercised: {untested}")
    return lines


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """SIGTERM ends the run as Ctrl-C does: pytest stops, and the run's clean-up stops every
    gateway and etcd it started and removes their folders (the default SIGTERM would leave
    them running)."""

    def interrupt(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the clean-up
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@dataclass(frozen=True)
class RunResult:
    """One run of the suite: its exit code and report (None when it broke off)."""

    code: int
    report: ConformanceReport | None = None
    interrupted: bool = False


def run(cli: dict[str, Any], verbose: bool = False) -> int:
    """Run the suite; the exit code is 0 only when every selected profile is Conformant."""
    try:
        options = build_run_options(cli)
        if options.settings.provider == "url":
            check_reachable(options)
        if options.settings.provider == "docker":
            from .providers.docker import preflight

            preflight(options.settings)
    except TargetError as exc:
        print(f"gwconform run: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pulling an image can take a while
        print("gwconform run: aborted: interrupted", file=sys.stderr)
        return 2
    if options.spec:
        loaded = try_load(options.spec)
        if isinstance(loaded, SpecLoadError):
            print(f"gwconform run: error: {loaded}", file=sys.stderr)
            return 2
    if len(options.settings.images) > 1:
        return run_matrix(options, verbose)
    return run_once(options, verbose).code


def run_once(options: RunOptions, verbose: bool) -> RunResult:
    (options.report_dir / f"{BASENAME}.json").unlink(missing_ok=True)
    print(f"gwconform run: seed {options.seed} (--seed {options.seed} repeats this run)")
    preset = PresetRun(options)
    try:
        with sigterm_interrupts():
            code = pytest.main(pytest_args(options, verbose), plugins=[preset])
    except Exception as exc:  # pytest lets a teardown error after an interrupt escape
        print(f"gwconform run: aborted: {type(exc).__name__}: {exc}", file=sys.stderr)
        return RunResult(2)
    if code == pytest.ExitCode.USAGE_ERROR:
        return RunResult(2)  # pytest printed the one-line reason (a target that failed to start)
    report = preset.report
    if report is not None and report.aborted:
        print(f"gwconform run: aborted: {report.aborted}", file=sys.stderr)
        print(f"reports of the tests run so far: {options.report_dir}/", file=sys.stderr)
        return RunResult(2)
    if code == pytest.ExitCode.INTERRUPTED:
        print("gwconform run: aborted: interrupted; no report was written", file=sys.stderr)
        return RunResult(2, interrupted=True)
    if report is None:
        print(
            f"gwconform run: no conformance report was written (pytest exit code {int(code)})",
            file=sys.stderr,
        )
        return RunResult(int(code) or 1)
    console = Console()
    console.print(verdict_table(report))
    for line in failure_lines(report):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    console.print(report.summary, markup=False, highlight=False, soft_wrap=True)
    console.print(f"reports written to {options.report_dir}/", highlight=False)
    return RunResult(0 if report.all_conformant else 1, report)


def image_report_dir(report_dir: Path, image: str) -> Path:
    """Where a matrix run writes one image's reports: a folder named after the image."""
    return report_dir / re.sub(r"[^A-Za-z0-9._-]+", "_", image)


def run_matrix(options: RunOptions, verbose: bool) -> int:
    """One run and one report per gateway image, then the combined summary (printed, and
    written as matrix-summary.json and .md): 0 when every image is Conformant in every
    profile, 2 when a run could not be made, else 1."""
    rows: list[dict[str, Any]] = []
    for image in options.settings.images:
        one = replace(
            options,
            report_dir=image_report_dir(options.report_dir, image),
            settings=replace(options.settings, images=(image,)),
        )
        print(f"gwconform run: image {image}", flush=True)
        outcome = run_once(one, verbose)
        reported = outcome.report.profiles if outcome.report else []
        results = {profile.name: profile.result for profile in reported}
        rows.append(
            {
                "image": image,
                "report_dir": str(one.report_dir),
                "exit_code": outcome.code,
                "profiles": results,
            }
        )
        if outcome.interrupted:
            return 2
    codes = {row["exit_code"] for row in rows}
    code = 0 if codes == {0} else 2 if 2 in codes else 1
    write_matrix_summary(options.report_dir, rows)
    table = Table(title="Conformance by image")
    profiles: list[str] = list(dict.fromkeys(name for row in rows for name in row["profiles"]))
    for column in ("Image", *profiles, "Exit code"):
        table.add_column(column)
    for row in rows:
        cells = [
            f"[{RESULT_STYLES[r]}]{RESULT_TITLES[r]}[/]"
            if (r := row["profiles"].get(name))
            else "-"
            for name in profiles
        ]
        table.add_row(row["image"], *cells, str(row["exit_code"]))
    console = Console()
    console.print(table)
    console.print(f"summary written to {options.report_dir}/matrix-summary.json", highlight=False)
    return code


def write_matrix_summary(report_dir: Path, rows: list[dict[str, Any]]) -> None:
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "matrix-summary.json").write_text(
        json.dumps({"images": rows}, indent=2) + "\n", encoding="utf-8"
    )
    profiles = list(dict.fromkeys(name for row in rows for name in row["profiles"]))
    lines = [
        "| image | " + " | ".join(profiles) + " | exit code | reports |",
        "|---" * (len(profiles) + 3) + "|",
    ]
    for row in rows:
        results = [RESULT_TITLES.get(row["profiles"].get(p, ""), "-") for p in profiles]
        lines.append(
            f"| `{row['image']}` | "
            + " | ".join(results)
            + f" | {row['exit_code']} | {row['report_dir']} |"
        )
    (report_dir / "matrix-summary.md").write_text(
        "# Conformance by image\n\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )
