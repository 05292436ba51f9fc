"""Every operation of the API7 Enterprise resources under `/apisix/admin`
(conformance/data/specs/api7ee-apisix-compat.yaml: certificates, CA certificates, SNIs, secret
providers, a published service's upstreams), exercised with schemathesis-generated valid
and invalid requests, plus link-driven sequences.

Valid requests must be accepted (or answered 404 where they name something that does not
exist), invalid ones refused with a 4xx and an `error_msg`; nothing may 5xx. What the module
creates in the gateway group is deleted afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
import pytest

from conformance.registry import conformance_test
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
from conformance.tests.spec.test_api7ee_spec import INVALID_CHECKS, MODES, VALID_CHECKS

GROUP = {"gateway_group_id": "default"}
CLEANUP_PASSES = 3  # SNIs go before the certificates they use, services before upstreams
# the published service whose upstreams the spec's generated requests address (its
# `service_id` parameter is narrowed to this id); published on the default group meanwhile
SPEC_SERVICE = "gwconform-spec-service"


def compat_spec(faithful: bool) -> LoadedSpec:
    return shipped_spec("api7ee-apisix-compat.yaml", faithful)


def spec_cases(config: pytest.Config) -> list[SpecCase]:
    return cases_of(compat_spec(faithful=False), MODES)


def _collections(spec: LoadedSpec) -> list[str]:
    """The spec's listable collections (a GET path without parameters)."""
    return [path for path, item in spec.raw["paths"].items() if "{" not in path and "get" in item]


def _ids(client: httpx.Client, path: str) -> set[str]:
    answer = client.get(path, params={**GROUP, "page_size": 500})
    if answer.status_code != 200:
        return set()
    return {item["id"] for item in answer.json().get("list", []) if "id" in item}


def _remove_new(client: httpx.Client, before: dict[str, set[str]]) -> None:
    for _ in range(CLEANUP_PASSES):
        left = 0
        for path, known in before.items():
            for item_id in _ids(client, path) - known:
                left += client.delete(f"{path}/{item_id}", params=GROUP).status_code != 200
        if not left:
            return


@contextlib.contextmanager
def _published_spec_service(gw_target, headers: dict[str, str]) -> Iterator[None]:
    """A service template with a route, published on the default group as SPEC_SERVICE."""
    dashboard = gw_target.dashboard_url.rstrip("/") + "/api"
    node = {"host": "127.0.0.1", "port": 1980, "weight": 1}
    template = {"name": SPEC_SERVICE, "upstream": {"type": "roundrobin", "nodes": [node]}}
    route = {"name": SPEC_SERVICE, "paths": [f"/{SPEC_SERVICE}"], "service_id": SPEC_SERVICE}
    publish = {
        "gateway_group_id": "default",
        "create_new_version": True,
        "services": [{"service_id": SPEC_SERVICE}],
    }
    with httpx.Client(base_url=dashboard, headers=headers, timeout=10.0) as api:
        for method, path, body in (
            ("PUT", f"/services/template/{SPEC_SERVICE}", template),
            ("POST", "/routes/template", route),
            ("POST", "/services/publish", publish),
        ):
            answer = api.request(method, path, json=body)
            assert answer.status_code == 200, f"{method} {path}: {answer.text[:300]}"
        try:
            yield
        finally:
            with contextlib.suppress(httpx.HTTPError):
                api.delete(f"/gateway_groups/default/services/{SPEC_SERVICE}")
                api.delete(f"/services/template/{SPEC_SERVICE}")


@pytest.fixture(scope="module")
def compat_spec_target(gw_target) -> Iterator[SpecTarget]:
    """The target's `/apisix/admin` with its admin key, default gateway group."""
    if not gw_target.dashboard_url:
        pytest.skip("the target has no dashboard URL (--dashboard-url)")
    spec = compat_spec(faithful=False)
    headers = credential_headers(spec.raw, gw_target.admin_key, None)
    base = spec.base_url(gw_target.dashboard_url)
    target = SpecTarget(base, headers, timeout=max(gw_target.timeout, 10.0))
    with (
        httpx.Client(base_url=base, headers=headers, timeout=target.timeout) as client,
        _published_spec_service(gw_target, headers),
    ):
        before = {path: _ids(client, path) for path in _collections(spec)}
        yield target
        target.close()
        with contextlib.suppress(httpx.HTTPError):
            _remove_new(client, before)


@conformance_test(
    name="ee-compat-spec-operations",
    description="Each API7 operation under /apisix/admin answers generated valid and invalid "
    "requests as its spec says",
    profile="api7ee",
    features=["ee-spec"],
)
def test_compat_operation_conforms(spec_case, gw_target, gw_options, request, compat_spec_target):
    spec = compat_spec(faithful=spec_case.mode.is_negative)
    checks = INVALID_CHECKS if spec_case.mode.is_negative else VALID_CHECKS
    run_spec_case(
        spec_case, spec, compat_spec_target, checks, request.config,
        seed=gw_options.seed, claimed=gw_target.features,
    )  # fmt: skip


@conformance_test(
    name="ee-compat-spec-links",
    description="Sequences following the links of the API7 /apisix/admin spec behave as documented",
    profile="api7ee",
    features=["ee-spec"],
)
def test_compat_link_sequences(gw_options, request, compat_spec_target):
    run_link_sequences(
        compat_spec(faithful=False), compat_spec_target, VALID_CHECKS, request.config,
        seed=gw_options.seed,
    )  # fmt: skip
