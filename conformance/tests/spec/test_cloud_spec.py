"""Every operation of the API7 Cloud spec (conformance/data/specs/api7cloud.yaml), exercised with
schemathesis-generated valid and invalid requests, plus link-driven sequences
(organization -> cluster -> application -> API, consumers, certificates, loaded plugins).

Valid requests must be accepted and answered as documented, invalid ones refused with a 4xx;
every answer is the Cloud envelope; nothing may 5xx. Every organization the module creates
is deleted afterwards, with all it holds."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from schemathesis import CheckContext, GenerationMode, Response
from schemathesis.generation.case import Case
from schemathesis.specs.openapi import checks as openapi_checks

from conformance.registry import conformance_test
from conformance.specs.checks import CONFORMANCE
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


class NotACloudEnvelope(AssertionError):
    """An answer that is not the Cloud envelope, or an error without a code and a reason."""


@schemathesis.check
def cloud_envelope(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every answer is `{"status": {"code", "message"}, "error", ...}`: HTTP 200 with code 0,
    a 4xx with a non-zero code and a non-empty `error`."""
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        body = None
    status = body.get("status") if isinstance(body, dict) else None
    if not isinstance(status, dict) or not isinstance(status.get("code"), int):
        raise NotACloudEnvelope(f"{response.status_code} answer is no envelope: {body!r:.200}")
    if response.status_code == 200 and status["code"] != 0:
        raise NotACloudEnvelope(f"HTTP 200 with status code {status['code']}")
    if 400 <= response.status_code < 500 and (status["code"] == 0 or not body.get("error")):
        raise NotACloudEnvelope(f"{response.status_code} answer without code and reason: {body}")
    return True


VALID_CHECKS = [*CONFORMANCE, openapi_checks.positive_data_acceptance, cloud_envelope]
INVALID_CHECKS = [*CONFORMANCE, openapi_checks.negative_data_rejection, cloud_envelope]


def cloud_spec(faithful: bool) -> LoadedSpec:
    return shipped_spec("api7cloud.yaml", faithful)


def spec_cases(config: pytest.Config) -> list[SpecCase]:
    return cases_of(cloud_spec(faithful=False), MODES)


@pytest.fixture(scope="module")
def cloud_spec_target(gw_target) -> Iterator[SpecTarget]:
    """The target's Cloud API with its token; organizations created meanwhile are deleted."""
    if not gw_target.cloud_url:
        pytest.skip("the target has no API7 Cloud URL (--cloud-url)")
    headers = credential_headers(cloud_spec(faithful=False).raw, None, gw_target.token)
    target = SpecTarget(gw_target.cloud_url, headers, timeout=max(gw_target.timeout, 5.0))
    with httpx.Client(
        base_url=gw_target.cloud_url, headers=headers, timeout=target.timeout
    ) as client:
        before = set(client.get("/user/me").json()["payload"]["org_ids"])
        yield target
        target.close()
        with contextlib.suppress(httpx.HTTPError):  # a target gone by now has nothing to clean
            for org_id in set(client.get("/user/me").json()["payload"]["org_ids"]) - before:
                client.delete(f"/orgs/{org_id}")


@conformance_test(
    name="cloud-spec-operations",
    description="Each Cloud operation answers generated valid and invalid requests as its spec "
    "says, in the Cloud envelope",
    profile="api7cloud",
    features=["cloud-spec"],
)
def test_cloud_operation_conforms(spec_case, gw_target, gw_options, request, cloud_spec_target):
    # Invalid documents are drawn from the documented schemas, not the generation narrowing.
    spec = cloud_spec(faithful=spec_case.mode.is_negative)
    checks = INVALID_CHECKS if spec_case.mode.is_negative else VALID_CHECKS
    run_spec_case(
        spec_case, spec, cloud_spec_target, checks, request.config,
        seed=gw_options.seed, claimed=gw_target.features,
    )  # fmt: skip


@conformance_test(
    name="cloud-spec-links",
    description="Sequences following the spec's links (create, then get/update/list/delete) "
    "behave as documented",
    profile="api7cloud",
    features=["cloud-spec"],
)
def test_cloud_link_sequences(gw_options, request, cloud_spec_target):
    run_link_sequences(
        cloud_spec(faithful=False), cloud_spec_target, VALID_CHECKS, request.config,
        seed=gw_options.seed,
    )  # fmt: skip
