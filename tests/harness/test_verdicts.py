"""Per-profile verdicts: Conformant, Partially conformant, Not conformant, Not tested."""

from __future__ import annotations

from dataclasses import replace

from conformance.report.model import ConformanceReport, build_report

from .reports_data import CORE_FEATURES, INFO, all_core_passing, dataplane_report, result


def profile(report: ConformanceReport) -> dict:
    (only,) = report.as_json()["profiles"]
    return only


def all_conformant(report: ConformanceReport) -> bool:
    return report.all_conformant


def test_all_core_and_claimed_extended_pass_is_conformant():
    results = [*all_core_passing(), result("cors", "passed", ("dp-cors",))]
    report = dataplane_report(results)
    assert profile(report)["result"] == "conformant"
    passed = len(CORE_FEATURES) + 1
    assert profile(report)["summary"] == {"passed": passed, "failed": 0, "skipped": 0}
    assert all_conformant(report)


def test_unclaimed_extended_skips_do_not_hurt():
    results = [*all_core_passing(), result("chash", "skipped", ("dp-chash",), message="unclaimed")]
    assert profile(dataplane_report(results))["result"] == "conformant"


def test_failed_claimed_extended_is_partial():
    results = [*all_core_passing(), result("cors", "failed", ("dp-cors",), message="no header")]
    report = dataplane_report(results)
    assert profile(report)["result"] == "partial"
    assert profile(report)["failed_tests"] == ["cors"]
    assert not all_conformant(report)


def test_failed_extended_whose_input_was_supplied_is_not_conformant():
    """A stream address given is a stream feature required: its failure is a Core one."""
    results = [*all_core_passing(), result("stream", "failed", ("dp-stream",), message="closed")]
    info = replace(INFO, required_features=("dp-stream",))
    p = profile(build_report(["dataplane"], results, info))
    assert p["result"] == "failed"
    assert p["failed_tests"] == ["stream"]
    stream = next(f for f in p["features"] if f["name"] == "dp-stream")
    assert stream["support"] == "extended" and stream["required"] is True


def test_failed_core_is_not_conformant_and_names_the_test():
    results = all_core_passing()
    results[0] = result("core-dp-routing", "failed", ("dp-routing",), message="got 404")
    report = dataplane_report(results)
    p = profile(report)
    assert p["result"] == "failed"
    failed = next(t for t in p["tests"] if t["name"] == "core-dp-routing")
    assert failed["outcome"] == "failed" and failed["message"] == "got 404"
    routing = next(f for f in p["features"] if f["name"] == "dp-routing")
    assert routing["result"] == "failed" and routing["support"] == "core"


def test_core_failure_wins_over_extended_failure():
    results = [*all_core_passing(), result("cors", "failed", ("dp-cors",))]
    results[1] = result("rr", "failed", ("dp-upstream-roundrobin",))
    assert profile(dataplane_report(results))["result"] == "failed"


def test_all_skipped_is_not_tested_never_conformant():
    results = [result(f"s{i}", "skipped", (f,)) for i, f in enumerate(("dp-routing", "dp-cors"))]
    report = dataplane_report(results)
    assert profile(report)["result"] == "untested"
    assert not all_conformant(report)


def test_profile_without_tests_is_not_tested():
    report = dataplane_report([])
    assert profile(report)["result"] == "untested"
    assert all(f["result"] == "untested" for f in profile(report)["features"])


def test_core_feature_not_exercised_is_partial():
    results = all_core_passing()[1:]  # nothing for dp-routing
    p = profile(dataplane_report(results))
    assert p["result"] == "partial"
    assert p["untested_core_features"] == ["dp-routing"]


def test_other_profiles_tests_are_not_counted():
    results = [*all_core_passing(), result("v3", "failed", ("admin-crud",), profile="apisix-v3")]
    assert profile(dataplane_report(results))["result"] == "conformant"
