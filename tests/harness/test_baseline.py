"""`gwconform report --baseline OLD NEW`: regressions fail, fixes are listed."""

from __future__ import annotations

import copy
import json

from click.testing import CliRunner

from conformance.cli import main
from conformance.report.baseline import diff_reports
from conformance.report.model import ConformanceReport

from .reports_data import all_core_passing, dataplane_report, result


def baseline() -> ConformanceReport:
    return dataplane_report([*all_core_passing(), result("cors", "failed", ("dp-cors",))])


def with_outcome(report: ConformanceReport, name: str, outcome: str) -> ConformanceReport:
    results = [*all_core_passing(), result("cors", "failed", ("dp-cors",))]
    results = [
        result(r.test.name, outcome, r.test.features, message="boom") if r.test.name == name else r
        for r in results
    ]
    return dataplane_report(results)


def test_same_report_has_no_regression():
    diff = diff_reports(baseline(), copy.deepcopy(baseline()))
    assert diff.regressions == [] and diff.fixes == []


def test_passed_to_failed_is_a_regression_with_verdict():
    new = with_outcome(baseline(), "core-dp-routing", "failed")
    diff = diff_reports(baseline(), new)
    assert "dataplane/core-dp-routing: passed -> failed: boom" in diff.regressions
    assert "profile dataplane: Partially conformant -> Not conformant" in diff.regressions


def test_failed_to_passed_is_a_fix():
    new = with_outcome(baseline(), "cors", "passed")
    diff = diff_reports(baseline(), new)
    assert diff.regressions == []
    assert "dataplane/cors: failed -> passed" in diff.fixes
    assert "profile dataplane: Partially conformant -> Conformant" in diff.fixes


def test_cli_exit_codes(tmp_path):
    old, new, same = tmp_path / "old.json", tmp_path / "new.json", tmp_path / "same.json"
    old.write_text(json.dumps(baseline().as_json()))
    same.write_text(json.dumps(baseline().as_json()))
    new.write_text(json.dumps(with_outcome(baseline(), "core-dp-routing", "failed").as_json()))
    runner = CliRunner()
    regressed = runner.invoke(main, ["report", "--baseline", str(old), str(new)])
    assert regressed.exit_code == 1
    assert "Regressed: dataplane/core-dp-routing: passed -> failed" in regressed.output
    fixed = runner.invoke(main, ["report", "--baseline", str(new), str(old)])
    assert fixed.exit_code == 0 and "Fixed: dataplane/core-dp-routing" in fixed.output
    unchanged = runner.invoke(main, ["report", "--baseline", str(old), str(same)])
    assert unchanged.exit_code == 0 and "no regression" in unchanged.output


def test_cli_bad_report_file_is_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    outcome = CliRunner().invoke(main, ["report", "--baseline", str(bad), str(bad)])
    assert outcome.exit_code == 2
    assert outcome.output.strip().count("\n") == 0
    assert "is not JSON" in outcome.output
    missing = CliRunner().invoke(
        main, ["report", "--baseline", str(tmp_path / "no.json"), str(bad)]
    )
    assert missing.exit_code == 2 and "can't read" in missing.output
