"""Every operation of the APISIX Admin API 3.x spec (conformance/data/specs/apisix-admin-v3.yaml),
exercised with schemathesis-generated valid and invalid requests.

Valid requests must be accepted and answered as documented (status, content type, body
schema); invalid ones refused with a 4xx carrying `{"error_msg": ...}`; nothing may 5xx.
A failure prints the curl command that reproduces it."""

from __future__ import annotations

import pytest
from schemathesis import GenerationMode

from conformance.registry import conformance_test
from conformance.specs.checks import APISIX_ADMIN
from conformance.specs.suite import SpecCase, apisix_spec, run_spec_case
from conformance.specs.suite import spec_cases as cases_of

MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def spec_cases(config: pytest.Config) -> list[SpecCase]:
    return cases_of(apisix_spec("v3", faithful=False), MODES)


@conformance_test(
    name="admin-spec-v3-operations",
    description="Each Admin API 3.x operation answers generated valid and invalid requests as its spec says",
    profile="apisix-v3",
    features=["admin-spec"],
)
def test_operation_conforms(
    spec_case, gw_target, gw_options, request, admin_spec_target, spec_created
):
    # Invalid documents are drawn from the documented schemas, not the generation narrowing.
    spec = apisix_spec("v3", faithful=spec_case.mode.is_negative)
    run_spec_case(
        spec_case, spec, admin_spec_target, APISIX_ADMIN, request.config,
        seed=gw_options.seed, claimed=gw_target.features, created=spec_created,
    )  # fmt: skip
