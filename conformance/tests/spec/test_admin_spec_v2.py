"""Every operation of the APISIX Admin API spec with 2.x bodies
(conformance/data/specs/apisix-admin-v2.yaml), against the target's `admin_api_version: v2`
Admin API: generated valid requests must be answered with the documented
`action`/`node`/`count` bodies. (Refusal of invalid input does not depend on the body version;
the 3.x spec tests cover it.)"""

from __future__ import annotations

import pytest
from schemathesis import GenerationMode

from conformance.registry import conformance_test
from conformance.specs.checks import APISIX_ADMIN
from conformance.specs.suite import SpecCase, apisix_spec, run_spec_case
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
    run_spec_case(
        spec_case, apisix_spec("v2", faithful=False), admin_spec_target, APISIX_ADMIN,
        request.config, seed=gw_options.seed, claimed=gw_target.features, created=spec_created,
    )  # fmt: skip
