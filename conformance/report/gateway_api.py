"""The report in the shape of the Kubernetes Gateway API's `ConformanceReport`
(gateway.networking.k8s.io/v1, `conformance/apis/v1`), for tools that read that format."""

from __future__ import annotations

from typing import Any

from .model import ConformanceReport, ProfileReport, SupportReport

API_VERSION = "gateway.networking.k8s.io/v1"


def _result(part: SupportReport) -> str:
    s = part.statistics
    if s.failed:
        return "failure"
    if s.passed and s.skipped:
        return "partial"
    return "success" if s.passed else "skipped"


def _part(part: SupportReport, extended: bool) -> dict[str, Any]:
    s = part.statistics
    shaped: dict[str, Any] = {
        "result": _result(part),
        "statistics": {"Passed": s.passed, "Failed": s.failed, "Skipped": s.skipped},
    }
    if part.failed_tests:
        shaped["failedTests"] = part.failed_tests
    if part.skipped_tests:
        shaped["skippedTests"] = part.skipped_tests
    if extended:
        shaped["supportedFeatures"] = part.supported_features
        shaped["unsupportedFeatures"] = part.unsupported_features
    return shaped


def _summary(profile: ProfileReport) -> str:
    core, extended = _result(profile.core), _result(profile.extended)
    return (
        f"{profile.result.label}: Core tests {core} ({profile.core.statistics.passed} passed), "
        f"Extended tests {extended} ({profile.extended.statistics.passed} passed); "
        f"certifies {profile.api_version}."
    )


def to_gateway_api(report: ConformanceReport) -> dict[str, Any]:
    impl = report.implementation
    return {
        "apiVersion": API_VERSION,
        "kind": "ConformanceReport",
        "date": report.date,
        "gatewayAPIVersion": f"gwconform {report.suite.version}",
        "gatewayAPIChannel": "standard",
        "implementation": {
            "organization": impl.organization or "",
            "project": impl.project or report.target.name,
            "url": impl.url or "",
            "version": impl.version or report.target.version,
            "contact": impl.contact,
        },
        "mode": report.mode,
        "profiles": [
            {
                "name": p.name,
                "core": _part(p.core, extended=False),
                "extended": _part(p.extended, extended=True),
                "summary": _summary(p),
            }
            for p in report.profiles
        ],
        "succeededProvisionalTests": [],
    }
