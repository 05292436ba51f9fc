"""Stateful sequences of the APISIX Admin API 3.x spec: schemathesis follows the spec's OpenAPI
links (create -> get -> patch -> list -> delete, by id), one state machine per resource, and
applies the same checks to every call of a sequence."""

from __future__ import annotations

import pytest

from conformance.registry import conformance_test
from conformance.specs.checks import STATEFUL
from conformance.specs.runner import run_state_machine, state_machine
from conformance.specs.suite import apisix_spec, stateful_budget, unreachable_fails_in_one_line

# resource -> the Extended feature it needs (None: Core)
RESOURCES = {
    "routes": None,
    "services": None,
    "upstreams": None,
    "ssls": None,
    "global_rules": None,
    "consumer_groups": None,
    "plugin_configs": None,
    "consumers": None,
    "plugin_metadata": None,
    "stream_routes": "admin-stream-routes",
    "protos": "admin-protos",
    "secrets": "admin-secrets",
}


@conformance_test(
    name="admin-spec-v3-stateful",
    description="Sequences following the spec's links (create, get, patch, list, delete) behave as documented",
    profile="apisix-v3",
    features=["admin-spec"],
)
@pytest.mark.parametrize("resource", list(RESOURCES))
def test_link_sequences(resource, gw_target, gw_options, request, admin_spec_target, spec_created):
    feature = RESOURCES[resource]
    if feature and feature not in gw_target.features:
        pytest.skip(f"{resource} needs the unclaimed feature {feature}")
    schema = apisix_spec("v3", faithful=False).schema.include(
        path_regex=f"^/apisix/admin/{resource}(/|$)"
    )
    steps: list[str] = []
    machine = state_machine(
        schema,
        admin_spec_target,
        STATEFUL,
        spec_created,
        on_step=lambda case: steps.append(f"{case.method} {case.path}"),
    )
    with unreachable_fails_in_one_line():
        run_state_machine(machine, stateful_budget(gw_options.max_examples, gw_options.seed))
    # A machine that never left its first operation would test no sequence at all.
    assert len(set(steps)) > 1, f"the links of {resource} were never followed: {sorted(set(steps))}"
