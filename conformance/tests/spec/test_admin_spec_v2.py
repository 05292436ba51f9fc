"""Every operation of the APISIX Admin API spec with 2.x bodies (fixtures/specs/apisix-admin-v2.yaml),
against the target's `admin_api_version: v2` Admin API: generated valid requests must be
answered with the documented `action`/`node`/`count` bodies. (Refusal of invalid input does not
depend on the body version; the 3.x spec tests cover it.)"""

from __future__ import annotations

import pytest
from schemathesis import GenerationMode

from conformance.registry import conformance_test
from conformance.specs.checks import APISIX_ADMIN
from conformance.specs.runner import run_operation
from conformance.specs.suite import SpecCase, apisix_spec, budget_for, unreachable_fails_in_one_line
from conformance.specs.suite import spec_cases as cases_of


def spec_cases(config: pytest.Config) -> list[SpecCase]:
    return cases_of(apisix_spec("v2", faithful=False), (GenerationMode.POSITIVE,))


@conformance_test(
    name="admin-spec-v2-operations",
    description="Each Admin API operation answers generated valid requests with the documented 2.x bodies",
    profile="apisix-v2",
    features=["admin-spec-v2"],
)
def test_operation_conforms_v2(
    spec_case, gw_target, gw_options, request, admin_spec_target, spec_created
):
    if spec_case.feature and spec_case.feature not in gw_target.features:
        pytest.skip(f"{spec_case.label} needs the unclaimed feature {spec_case.feature}")
    operation = apisix_spec("v2", faithful=False).schema[spec_case.path][spec_case.method.upper()]
    budget = budget_for(
        spec_case.mode, request.config.getoption("gw_max_examples"), gw_options.seed
    )
    with unreachable_fails_in_one_line():
        run_operation(
            operation, spec_case.mode, admin_spec_target, APISIX_ADMIN, budget, spec_created
        )
