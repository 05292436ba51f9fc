"""The same suite, target and options give the same verdict and the same generated requests."""

from __future__ import annotations

from conformance.providers.embedded import ADMIN_KEY

from .http_servers import FaultyRequest, faulty_proxy, serve
from .runs import gwconform_run

SPEC_TESTS = ("admin-spec-v3-operations", "admin-spec-v3-stateful")


def outcomes(report: dict) -> dict[str, tuple[str, int, list[str]]]:
    return {
        test["name"]: (test["outcome"], test["cases"], [c["case"] for c in test["failed_cases"]])
        for profile in report["profiles"]
        for test in profile["tests"]
    }


def test_same_seed_same_requests_same_verdict(reference, tmp_path):
    runs = []
    for attempt in range(2):
        sent: list[str] = []

        def count(request: FaultyRequest, sent: list[str] = sent) -> None:
            sent.append(request.method)

        with serve(faulty_proxy(reference, count)) as proxy:
            code, report = gwconform_run(
                tmp_path / str(attempt), "--admin-url", proxy, "--admin-key", ADMIN_KEY,
                "--profile", "apisix-v3", "--seed", "3",
                *(arg for name in SPEC_TESTS for arg in ("--run-test", name)),
            )  # fmt: skip
        runs.append((code, outcomes(report), report["seed"], sent))
    (code_a, outcomes_a, seed_a, sent_a), (code_b, outcomes_b, seed_b, sent_b) = runs
    print(f"determinism: {len(sent_a)} and {len(sent_b)} requests, outcomes {outcomes_a}")
    assert seed_a == seed_b == 3
    assert outcomes_a == outcomes_b and code_a == code_b
    assert set(outcomes_a) == set(SPEC_TESTS)
    assert len(sent_a) == len(sent_b) > 100
    assert sent_a == sent_b  # the same methods in the same order
