"""The IAM action cases of the suite (`conformance/tests/iam/cases_*.py`) against the permission
catalog: every case names a catalog action, and the actions no case exercises yet are exactly
the recorded gap, so closing one means removing it here and a new gap cannot go unnoticed."""

from __future__ import annotations

import json

from conformance.resources import shipped_path
from conformance.tests.iam.test_actions_on_endpoints import declared_cases

# catalog actions no conformance case exercises through a real endpoint yet (DeleteGatewayInstance
# needs an instance that went offline, which a test cannot make of a target's data plane)
NOT_YET_EXERCISED = {
    "gateway:CreateCustomPlugin",
    "gateway:DeleteCustomPlugin",
    "gateway:DeleteGatewayInstance",
    "gateway:UpdateCustomPlugin",
}


def _catalog_actions() -> set[str]:
    path = shipped_path("conformance", "data", "iam", "catalog.json")
    return {entry["action"] for entry in json.loads(path.read_text(encoding="utf-8"))}


def test_cases_name_catalog_actions() -> None:
    unknown = {case.action for case in declared_cases()} - _catalog_actions()
    assert not unknown


def test_unexercised_actions_are_the_recorded_gap() -> None:
    exercised = {case.action for case in declared_cases()}
    assert _catalog_actions() - exercised == NOT_YET_EXERCISED
