"""Every operation of the API7 Enterprise `/api` spec (fixtures/specs/api7ee-admin.yaml),
exercised with schemathesis-generated valid and invalid requests, plus link-driven
sequences (gateway group -> get/update/admin key/instances/delete, template -> get/patch/
routes/delete, route template -> get/patch/delete).

Valid requests must be accepted (or answered 404 where they name something that does not
exist), invalid ones refused with a 4xx and an `error_msg`; nothing may 5xx. What the module
creates (gateway groups, templates, published services) is deleted afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
import pytest
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

from conformance.registry import conformance_test
from conformance.specs.checks import CONFORMANCE, apisix_error_body
from conformance.specs.loader import LoadedSpec
from conformance.specs.runner import SpecTarget
from conformance.specs.suite import (
    SpecCase,
    credential_headers,
    run_link_sequences,
    run_spec_case,
    shipped_spec,
)
from conformance.specs.suite import spec_cases as cases_of

MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
# the API7 error envelope is APISIX's: a 4xx carries a non-empty `error_msg`
VALID_CHECKS = [*CONFORMANCE, openapi_checks.positive_data_acceptance, apisix_error_body]
INVALID_CHECKS = [*CONFORMANCE, openapi_checks.negative_data_rejection, apisix_error_body]


def api7ee_spec(faithful: bool) -> LoadedSpec:
    return shipped_spec("api7ee-admin.yaml", faithful)


def spec_cases(config: pytest.Config) -> list[SpecCase]:
    return cases_of(api7ee_spec(faithful=False), MODES)


def _ids(client: httpx.Client, path: str) -> set[str]:
    body = client.get(path, params={"page_size": 500}).json()
    return {item["id"] for item in body.get("list", [])}


DEFAULT_REGISTRIES = "/gateway_groups/default/service_registries"


def _remove_created(
    client: httpx.Client, groups: set[str], templates: set[str], registries: set[str]
) -> None:
    for group_id in _ids(client, "/gateway_groups"):
        for service_id in templates:
            client.delete(f"/gateway_groups/{group_id}/services/{service_id}")
    for service_id in templates:
        client.delete(f"/services/template/{service_id}")
    for group_id in groups:
        for service_id in _ids(client, f"/gateway_groups/{group_id}/services"):
            client.delete(f"/gateway_groups/{group_id}/services/{service_id}")
        client.delete(f"/gateway_groups/{group_id}")
    for registry_id in registries:  # after the services that may use them
        client.delete(f"{DEFAULT_REGISTRIES}/{registry_id}")


@pytest.fixture(scope="module")
def api7ee_spec_target(gw_target) -> Iterator[SpecTarget]:
    """The target's `/api` with its admin key; groups and templates created meanwhile go."""
    if not gw_target.dashboard_url:
        pytest.skip("the target has no dashboard URL (--dashboard-url)")
    spec = api7ee_spec(faithful=False)
    headers = credential_headers(spec.raw, gw_target.admin_key, None)
    base = spec.base_url(gw_target.dashboard_url)  # the spec's server path is /api
    target = SpecTarget(base, headers, timeout=max(gw_target.timeout, 10.0))
    with httpx.Client(base_url=base, headers=headers, timeout=target.timeout) as client:
        groups, templates = _ids(client, "/gateway_groups"), _ids(client, "/services/template")
        registries = _ids(client, DEFAULT_REGISTRIES)
        yield target
        target.close()
        with contextlib.suppress(httpx.HTTPError):
            _remove_created(
                client,
                _ids(client, "/gateway_groups") - groups,
                _ids(client, "/services/template") - templates,
                _ids(client, DEFAULT_REGISTRIES) - registries,
            )


@conformance_test(
    name="ee-spec-operations",
    description="Each /api operation answers generated valid and invalid requests as its spec says",
    profile="api7ee",
    features=["ee-spec"],
)
def test_api7ee_operation_conforms(spec_case, gw_target, gw_options, request, api7ee_spec_target):
    # Invalid requests are drawn from the documented schemas, not the generation narrowing.
    spec = api7ee_spec(faithful=spec_case.mode.is_negative)
    checks = INVALID_CHECKS if spec_case.mode.is_negative else VALID_CHECKS
    run_spec_case(
        spec_case, spec, api7ee_spec_target, checks, request.config,
        seed=gw_options.seed, claimed=gw_target.features,
    )  # fmt: skip


@conformance_test(
    name="ee-spec-links",
    description="Sequences following the spec's links (create, then get/update/patch/delete) "
    "behave as documented",
    profile="api7ee",
    features=["ee-spec"],
)
def test_api7ee_link_sequences(gw_options, request, api7ee_spec_target):
    run_link_sequences(
        api7ee_spec(faithful=False), api7ee_spec_target, VALID_CHECKS, request.config,
        seed=gw_options.seed,
    )  # fmt: skip
