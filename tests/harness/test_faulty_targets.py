"""A gateway that deviates from APISIX in one way is Not conformant, naming the failing test.

Each case puts a proxy in front of the embedded reference that breaks one documented
behaviour, runs `gwconform run` against the proxy, restricted to the tests that check
that behaviour, and reads `conformance-report.json`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conformance.providers.embedded import ADMIN_KEY, VIEWER_KEY

from .http_servers import (
    accept_invalid_id,
    drop_create_time,
    error_on_malformed_json,
    faulty_proxy,
    ok_instead_of_created,
    serve,
    viewer_can_write,
)
from .runs import gwconform_run as run_suite


def gwconform_run(admin_url: str, report_dir: Path, *selection: str) -> tuple[int, dict]:
    return run_suite(
        report_dir, "--admin-url", admin_url, "--admin-key", ADMIN_KEY,
        "--viewer-key", VIEWER_KEY, "--profile", "apisix-v3",
        *selection,
    )  # fmt: skip


CASES = {
    "resource-timestamps": drop_create_time,
    "resource-put-create-replace-delete": ok_instead_of_created,
    "route-id-syntax": accept_invalid_id,
    "bad-request-bodies": error_on_malformed_json,
    # no --supported-features: giving the viewer key is what makes its tests run
    "viewer-cannot-write": viewer_can_write(VIEWER_KEY, ADMIN_KEY),
}
FAITHFUL = "faithful"


def run_behind_proxy(reference: str, report_dir: Path, case: str) -> tuple[str, int, dict]:
    deviation = CASES.get(case)
    selection = [case] if deviation else list(CASES)
    with serve(faulty_proxy(reference, deviation)) as proxy:
        code, report = gwconform_run(
            proxy, report_dir, *(arg for name in selection for arg in ("--run-test", name))
        )
    return proxy, code, report


@pytest.fixture(scope="module")
def runs(reference, tmp_path_factory) -> dict[str, tuple[str, int, dict]]:
    """All runs at once (they share nothing but the reference): one per deviation, one faithful."""
    cases = [*CASES, FAITHFUL]
    with ThreadPoolExecutor(len(cases)) as pool:
        futures = {
            case: pool.submit(run_behind_proxy, reference, tmp_path_factory.mktemp(case), case)
            for case in cases
        }
        return {case: future.result() for case, future in futures.items()}


@pytest.mark.parametrize("test_name", list(CASES))
def test_deviation_is_not_conformant(runs, test_name):
    proxy, code, report = runs[test_name]
    (profile,) = report["profiles"]
    assert code != 0
    assert profile["name"] == "apisix-v3"
    assert profile["result"] == "failed"
    assert profile["failed_tests"] == [test_name]
    (test,) = profile["tests"]
    assert test["outcome"] == "failed" and test["message"]
    assert report["target"]["urls"]["admin"] == proxy


def test_faithful_proxy_passes_the_same_tests(runs):
    _, code, report = runs[FAITHFUL]
    (profile,) = report["profiles"]
    assert {t["name"]: t["outcome"] for t in profile["tests"]} == dict.fromkeys(CASES, "passed")
    # a restricted run never claims conformance: other Core features were not exercised
    assert profile["result"] == "partial" and code == 1
