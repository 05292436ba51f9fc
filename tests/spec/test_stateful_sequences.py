"""Link-driven sequences against a small in-memory Admin API: a correct one passes and the
sequences really follow links; one that keeps deleted resources is caught."""

from __future__ import annotations

import pytest

from conformance.specs.checks import STATEFUL
from conformance.specs.hooks import install_apisix
from conformance.specs.loader import load_spec
from conformance.specs.runner import (
    Budget,
    CreatedResources,
    SpecTarget,
    run_state_machine,
    state_machine,
)
from conformance.specs.suite import APISIX_V3_SPEC

from .fake_admin import InMemoryUpstreams, fake_admin

BUDGET = Budget(max_examples=15, seed=5, steps=6)


def upstream_machine(url, steps, created=None):
    spec = load_spec(APISIX_V3_SPEC)
    install_apisix(spec.schema)
    schema = spec.schema.include(path_regex="^/apisix/admin/upstreams(/|$)")
    target = SpecTarget(url, {"X-API-KEY": "k"})
    return state_machine(
        schema, target, STATEFUL, created, on_step=lambda c: steps.append(c.method)
    )


def test_a_correct_admin_api_passes_and_links_are_followed():
    steps: list[str] = []
    created = CreatedResources()
    with fake_admin(InMemoryUpstreams()) as url:
        run_state_machine(upstream_machine(url, steps, created), BUDGET)
    assert {"PUT", "GET", "DELETE"} <= set(steps) or {"POST", "GET", "DELETE"} <= set(steps)
    assert created.paths


def test_a_resource_that_outlives_its_delete_is_caught():
    steps: list[str] = []
    with (
        fake_admin(InMemoryUpstreams(keep_deleted=True)) as url,
        pytest.raises(BaseException) as failure,
    ):
        run_state_machine(upstream_machine(url, steps), BUDGET)
    assert "Deleted resource still available" in str(failure.value)
