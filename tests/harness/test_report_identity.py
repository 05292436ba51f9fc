"""The report says what was certified and by whom, per profile with Core and Extended
results; it is a typed model whose JSON Schema ships with the suite."""

from __future__ import annotations

import json
from dataclasses import replace

import jsonschema
import yaml
from click.testing import CliRunner

from conformance.cli import main
from conformance.report.model import Outcome, Result, build_report, schema_path
from conformance.report.writers import to_html, to_markdown
from tools import report_schema

from .reports_data import CORE_FEATURES, INFO, all_core_passing, dataplane_report, result


def sample():
    return dataplane_report(
        [
            *all_core_passing(),
            result("cors", "failed", ("dp-cors",), message="no header"),
            result("chash", "skipped", ("dp-chash",), message="unclaimed"),
        ]
    )


def test_identity_and_core_extended_statistics_validate_against_the_shipped_schema():
    report = sample()
    data = report.as_json()
    jsonschema.validate(data, json.loads(schema_path().read_text(encoding="utf-8")))
    assert data["implementation"] == {
        "organization": "Example Org",
        "project": "ExampleGW",
        "url": "https://example.org/gw",
        "version": "1.2.3",
        "contact": ["@example"],
    }
    assert data["mode"] == "default"
    (profile,) = report.profiles
    assert profile.api_version == "APISIX 3.5 data plane"
    assert profile.result is Result.PARTIAL
    core = len(CORE_FEATURES)
    assert profile.core.statistics.passed == core and profile.core.statistics.failed == 0
    assert profile.core.result is Outcome.PASSED
    assert (profile.extended.statistics.failed, profile.extended.statistics.skipped) == (1, 1)
    assert profile.extended.failed_tests == ["cors"]
    assert profile.extended.skipped_tests == ["chash"]
    assert profile.extended.supported_features == ["dp-cors"]
    assert "dp-chash" in profile.extended.unsupported_features
    assert report.summary == (
        "ExampleGW 1.2.3 is conformant on no profile run (dataplane: Partially conformant)."
    )


def test_the_shipped_schema_is_what_the_model_gives():
    assert report_schema.main(["--check"]) == 0


def test_an_aborted_run_has_no_verdict():
    built = build_report(
        ["dataplane"], all_core_passing(), replace(INFO, aborted="the target stopped answering")
    )
    assert [p.result for p in built.profiles] == [Result.ABORTED]
    assert not built.all_conformant
    assert "aborted" in built.summary


def test_pages_open_with_verdicts_and_failures_and_collapse_passing_tests():
    page = to_html(sample())
    order = ("Failures", "passing tests", "<summary>Features</summary>")
    assert [page.index(part) for part in order] == sorted(page.index(part) for part in order)
    assert f"<details><summary>{len(CORE_FEATURES)} passing tests</summary>" in page
    assert "Example Org" in page and "https://example.org/gw" in page
    text = to_markdown(sample())
    assert text.index("## Failures") < text.index("## dataplane: Partially conformant")
    assert "- Organization: Example Org" in text


def test_report_refuses_a_file_that_is_not_a_report(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"kind": "ConformanceReport", "profiles": []}))
    outcome = CliRunner().invoke(main, ["report", "--format", "gateway-api", str(bad)])
    assert outcome.exit_code == 2
    assert "is not a gwconform conformance report" in outcome.output
    assert outcome.output.strip().count("\n") == 0


def test_gateway_api_export(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(sample().as_json()))
    outcome = CliRunner().invoke(main, ["report", "--format", "gateway-api", str(path)])
    assert outcome.exit_code == 0, outcome.output
    exported = yaml.safe_load(outcome.output)
    assert exported["apiVersion"] == "gateway.networking.k8s.io/v1"
    assert exported["kind"] == "ConformanceReport"
    assert exported["implementation"]["project"] == "ExampleGW"
    assert exported["implementation"]["contact"] == ["@example"]
    (profile,) = exported["profiles"]
    assert profile["core"] == {
        "result": "success",
        "statistics": {"Passed": len(CORE_FEATURES), "Failed": 0, "Skipped": 0},
    }
    assert profile["extended"]["result"] == "failure"
    assert profile["extended"]["failedTests"] == ["cors"]
    assert "dp-cors" in profile["extended"]["supportedFeatures"]


def test_baseline_fails_on_a_new_failing_test_and_warns_on_another_target(tmp_path):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    # the baseline is Partially conformant already: the new failure alone is new
    known = [*all_core_passing(), result("limit", "failed", ("dp-limit-count",))]
    old.write_text(json.dumps(dataplane_report(known).as_json()))
    added = [*known, result("cors", "failed", ("dp-cors",), message="boom")]
    newer = dataplane_report(added).model_copy(
        update={"target": dataplane_report(added).target.model_copy(update={"version": "1.3"})}
    )
    new.write_text(json.dumps(newer.as_json()))
    runner = CliRunner()
    failed = runner.invoke(main, ["report", "--baseline", str(old), str(new)])
    assert failed.exit_code == 1
    assert "Regressed: dataplane/cors: new test, failed" in failed.output
    assert "Warning: the target differs: ExampleGW 1.2.3 (baseline) -> ExampleGW 1.3" in (
        failed.output
    )
    relaxed = runner.invoke(
        main, ["report", "--baseline", str(old), str(new), "--allow-new-failures"]
    )
    assert relaxed.exit_code == 0 and "Note: dataplane/cors: new test, failed" in relaxed.output
