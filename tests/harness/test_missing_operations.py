"""A gateway that lacks one documented operation is Not conformant, naming the operation.

A documented 404 is the right answer to a request naming a resource that does not exist,
so without the spec tests' witness requests (conformance/specs/witness.py) these gateways
would pass. Each case puts a proxy in front of the embedded reference that answers one
operation like an unknown URL, and runs the spec test of that API through it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from conformance.providers.embedded import ADMIN_KEY

from .http_servers import faulty_proxy, missing_operation, serve
from .runs import gwconform_run


@dataclass(frozen=True)
class Missing:
    method: str
    path: str  # regex over the request path
    operation: str  # as the spec names it
    profile: str
    test: str
    not_found: bytes = b'{"error_msg": "not found"}'  # the API's own not-found answer

    def target_args(self, proxy: str) -> list[str]:
        if self.profile == "apisix-v3":
            return ["--admin-url", proxy, "--admin-key", ADMIN_KEY]
        if self.profile == "api7ee":
            return ["--dashboard-url", proxy, "--admin-key", ADMIN_KEY]
        return ["--cloud-url", f"{proxy}/api/v1", "--token", ADMIN_KEY]


CASES = {
    "apisix-admin": Missing(
        "GET", r"/apisix/admin/upstreams/[^/]+", "GET /apisix/admin/upstreams/{id}",
        "apisix-v3", "admin-spec-v3-operations",
    ),
    "api7-dashboard": Missing(
        "GET", r"/api/gateway_groups/[^/]+", "GET /gateway_groups/{gateway_group_id}",
        "api7ee", "ee-spec-operations",
    ),
    "api7-group-admin": Missing(
        "GET", r"/apisix/admin/certificates/[^/]+", "GET /certificates/{certificate_id}",
        "api7ee", "ee-compat-spec-operations",
    ),
    "cloud": Missing(
        "GET", r"/api/v1/clusters/[^/]+", "GET /clusters/{cluster_id}",
        "api7cloud", "cloud-spec-operations",
        b'{"status": {"code": 5, "message": "NotFound"}, "error": "cluster not found"}',
    ),
}  # fmt: skip


def run_without(reference: str, report_dir, missing: Missing) -> tuple[int, dict]:
    deviation = missing_operation(missing.method, missing.path, missing.not_found)
    with serve(faulty_proxy(reference, deviation)) as proxy:
        return gwconform_run(
            report_dir, *missing.target_args(proxy),
            "--profile", missing.profile, "--run-test", missing.test,
        )  # fmt: skip


@pytest.fixture(scope="module")
def runs(reference, tmp_path_factory) -> dict[str, tuple[int, dict]]:
    with ThreadPoolExecutor(2) as pool:
        futures = {
            name: pool.submit(run_without, reference, tmp_path_factory.mktemp(name), missing)
            for name, missing in CASES.items()
        }
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_missing_operation_is_not_conformant(runs, name):
    missing = CASES[name]
    code, report = runs[name]
    (profile,) = report["profiles"]
    assert code == 1
    assert profile["name"] == missing.profile
    assert profile["result"] == "failed", profile
    assert profile["failed_tests"] == [missing.test]
    (test,) = profile["tests"]
    messages = [case["message"] for case in test["failed_cases"]]
    named = [m for m in messages if f"{missing.operation} never answered a documented 2xx" in m]
    assert named, messages
    print(f"{name}: {missing.operation} named in {len(named)} of {len(messages)} failed cases")
