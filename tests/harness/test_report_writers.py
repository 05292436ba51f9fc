"""The conformance report files: JSON, YAML, Markdown and self-contained HTML."""

from __future__ import annotations

import json
import re

import yaml

from conformance.report.model import ConformanceReport
from conformance.report.writers import write_reports

from .reports_data import CORE_FEATURES, all_core_passing, dataplane_report, result


def sample_report() -> ConformanceReport:
    results = all_core_passing()
    results[0] = result(
        "core-dp-routing", "failed", ("dp-routing",), message="expected 200, got 404 <b>|x|</b>"
    )
    results.append(result("chash", "skipped", ("dp-chash",), message="unclaimed Extended"))
    return dataplane_report(results)


def test_writes_four_files(tmp_path):
    paths = write_reports(sample_report(), tmp_path / "out")
    assert sorted(p.name for p in paths) == [
        "conformance-report.html",
        "conformance-report.json",
        "conformance-report.md",
        "conformance-report.yaml",
    ]


def test_json_and_yaml_carry_the_same_report(tmp_path):
    write_reports(sample_report(), tmp_path)
    data = json.loads((tmp_path / "conformance-report.json").read_text())
    assert yaml.safe_load((tmp_path / "conformance-report.yaml").read_text()) == data
    assert data["kind"] == "ConformanceReport"
    assert data["suite"] == {"name": "gwconform", "version": "9.9.9"}
    assert data["seed"] == 1234
    assert data["date"] == "2026-01-02T03:04:05+00:00"
    assert data["target"]["name"] == "ExampleGW" and data["target"]["version"] == "1.2.3"
    assert data["target"]["urls"]["admin"] == "http://127.0.0.1:9180"
    (profile,) = data["profiles"]
    assert profile["name"] == "dataplane" and profile["result"] == "failed"
    core = len(CORE_FEATURES)  # one Core test per feature, one of them failed
    assert profile["summary"] == {"passed": core - 1, "failed": 1, "skipped": 1}
    tests = {t["name"]: t for t in profile["tests"]}
    assert tests["core-dp-routing"]["message"].startswith("expected 200, got 404")
    assert tests["chash"]["outcome"] == "skipped"
    assert tests["core-dp-key-auth"]["message"] is None
    chash = next(f for f in profile["features"] if f["name"] == "dp-chash")
    assert chash == {
        "name": "dp-chash",
        "support": "extended",
        "claimed": False,
        "required": False,
        "result": "skipped",
        "summary": {"passed": 0, "failed": 0, "skipped": 1},
        "tests": ["chash"],
    }


def test_markdown_has_verdict_and_escaped_failures(tmp_path):
    write_reports(sample_report(), tmp_path)
    text = (tmp_path / "conformance-report.md").read_text()
    assert (
        f"| dataplane | APISIX 3.5 data plane | Not conformant | {len(CORE_FEATURES) - 1} passed, "
        "1 failed | 0 passed, 0 failed | 1 |"
    ) in text
    assert "## dataplane: Not conformant" in text
    assert "Failed: core-dp-routing" in text
    assert "expected 200, got 404 <b>\\|x\\|</b>" in text
    assert "- Seed: 1234" in text


def test_html_is_self_contained_and_escaped(tmp_path):
    write_reports(sample_report(), tmp_path)
    page = (tmp_path / "conformance-report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page
    assert not re.search(r"<(script|link|img)\b", page)
    assert "&lt;b&gt;|x|&lt;/b&gt;" in page and "<b>|x|</b>" not in page
    assert "Not conformant" in page and "ExampleGW 1.2.3" in page
