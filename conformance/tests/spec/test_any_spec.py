"""Any OpenAPI 3 / Swagger 2 spec given with `--gw-spec PATH` (and `--gw-target URL`): one test
per operation, with schemathesis-generated valid requests sent to the target with the run's
credentials. Checks: no server error, and status code, content type and body as documented.

Without `--gw-spec` these tests are deselected. A spec that cannot be loaded gives one failing
test with the reason; an operation schemathesis cannot build fails alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from schemathesis import GenerationMode

from conformance.fixtures import run_state
from conformance.registry import conformance_test
from conformance.specs.checks import ANY_SPEC
from conformance.specs.loader import LoadedSpec, SpecLoadError
from conformance.specs.runner import SpecTarget, run_operation
from conformance.specs.suite import (
    SpecCase,
    budget_for,
    credential_headers,
    try_load,
    unreachable_fails_in_one_line,
)
from conformance.specs.suite import (
    spec_cases as cases_of,
)


def given_spec(config: pytest.Config) -> LoadedSpec | SpecLoadError | None:
    path = run_state(config).options.spec
    if not path:
        return None
    return try_load(path)


def spec_cases(config: pytest.Config) -> list[SpecCase]:
    spec = given_spec(config)
    if spec is None:
        return []
    if isinstance(spec, SpecLoadError):
        return [SpecCase("load", str(run_state(config).options.spec), GenerationMode.POSITIVE)]
    return cases_of(spec, (GenerationMode.POSITIVE,))


@pytest.fixture(scope="module")
def any_spec_target(request: pytest.FixtureRequest, gw_options) -> Iterator[SpecTarget]:
    spec = given_spec(request.config)
    assert isinstance(spec, LoadedSpec)
    settings = gw_options.settings
    if gw_options.target:
        base, admin_key, token = gw_options.target, settings.admin_key, settings.token
    else:
        gateway = request.getfixturevalue("gw_target")
        base, admin_key, token = gateway.admin_url, gateway.admin_key, gateway.token
    if not base:
        pytest.fail("no target for the spec: give --gw-target URL", pytrace=False)
    headers = credential_headers(spec.raw, admin_key, token)
    target = SpecTarget(spec.base_url(base), headers, timeout=settings.timeouts.apply)
    yield target
    target.close()


@conformance_test(
    name="any-spec-operations",
    description="Each operation of the --gw-spec spec answers generated valid requests as documented",
    profile="openapi",
    features=["spec-operations"],
)
def test_spec_operation(spec_case, request, gw_options):
    spec = given_spec(request.config)
    if isinstance(spec, SpecLoadError):
        pytest.fail(str(spec), pytrace=False)
    assert spec is not None
    target = request.getfixturevalue("any_spec_target")
    operation = spec.schema[spec_case.path][spec_case.method.upper()]
    budget = budget_for(spec_case.mode, gw_options.max_examples, gw_options.seed)
    with unreachable_fails_in_one_line():
        run_operation(operation, spec_case.mode, target, ANY_SPEC, budget)
