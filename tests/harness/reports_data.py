"""Building blocks for report tests: declared tests with chosen outcomes."""

from __future__ import annotations

from conformance.features import PROFILES
from conformance.registry import ConformanceTest
from conformance.report.identity import Implementation
from conformance.report.model import ConformanceReport, RunInfo, build_report
from conformance.results import ItemResult, TestResult


def result(
    name: str, outcome: str, features: tuple[str, ...], profile: str = "dataplane", message=None
) -> TestResult:
    test = ConformanceTest(name, f"{name} description", profile, features, f"tests.{name}")
    return TestResult(test, [ItemResult(f"tests/{name}.py::t", outcome, message, 0.25)])


INFO = RunInfo(
    suite_version="9.9.9",
    seed=1234,
    target_name="ExampleGW",
    target_version="1.2.3",
    provider="url",
    urls={"admin": "http://127.0.0.1:9180", "data_plane": "http://127.0.0.1:9080"},
    claimed_features=("dp-cors",),
    options={"max_examples": 5},
    implementation=Implementation(
        organization="Example Org",
        project="ExampleGW",
        url="https://example.org/gw",
        version="1.2.3",
        contact=["@example"],
    ),
    date="2026-01-02T03:04:05+00:00",
)

CORE_FEATURES = PROFILES["dataplane"].core  # the table's, so a new Core feature is passed too


def all_core_passing() -> list[TestResult]:
    return [result(f"core-{feature}", "passed", (feature,)) for feature in CORE_FEATURES]


def dataplane_report(results: list[TestResult]) -> ConformanceReport:
    return build_report(["dataplane"], results, INFO)
