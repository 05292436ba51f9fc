"""Catalog actions through real requests: for each declared case, a principal without policies
and one allowed only a neighbouring action are refused with 403, and one whose only statement
allows exactly the case's action on its resource gets through. The cases are the `CASES` lists of
the `cases_*.py` modules beside this one."""

from __future__ import annotations

import importlib
import pkgutil
import re

import httpx

from conformance.registry import conformance_test

from . import __name__ as PACKAGE
from . import __path__ as PACKAGE_PATH
from .action_case import ActionCase, Prepared
from .conftest import IamUsers, load_catalog
from .setups import fill, made_id


def declared_cases() -> list[ActionCase]:
    cases: list[ActionCase] = []
    for module in sorted(pkgutil.iter_modules(PACKAGE_PATH), key=lambda m: m.name):
        if module.name.startswith("cases_"):
            cases.extend(importlib.import_module(f"{PACKAGE}.{module.name}").CASES)
    return cases


def _neighbour(action: str, catalog: list[dict[str, str]]) -> str:
    """The next catalog action after `action` (wrapping round), a different one."""
    names = list(dict.fromkeys(entry["action"] for entry in catalog))
    index = names.index(action)
    return next(name for name in names[index + 1 :] + names if name != action)


def _send(client: httpx.Client, case: ActionCase, values: dict[str, str]) -> httpx.Response:
    body = fill(case.body, values)
    return client.request(
        case.method,
        fill(case.path, values),
        params=fill(case.params, values),
        json=body if body is not None else None,
    )


def _exercise(dashboard: httpx.Client, iam_users: IamUsers, inferred: bool) -> None:
    catalog = load_catalog()
    known = {entry["action"] for entry in catalog}
    cases = [case for case in declared_cases() if case.inferred == inferred]
    unknown = sorted({case.action for case in cases} - known)
    assert not unknown, f"cases name actions the catalog does not have: {unknown}"
    policy_id = iam_users.policy(
        {"effect": "allow", "actions": ["iam:GetRole"], "resources": ["arn:api7:iam:role/none"]}
    )
    _, user = iam_users.user([policy_id])
    _, nobody = iam_users.user([])
    failures = []
    for case in cases:
        label = f"{case.action}: {case.method} {case.path}"
        try:
            prepared = case.setup(dashboard) if case.setup else Prepared()
        except (AssertionError, KeyError, TypeError) as exc:
            failures.append(f"{label}: its setup failed: {exc}")
            continue
        try:
            resource = "<" + re.escape(fill(case.resource, prepared.values)) + ">"
            denied = _send(nobody, case, prepared.values)
            if denied.status_code != 403:
                failures.append(f"{label} without policies: {denied.status_code}")
            neighbour = _neighbour(case.action, catalog)
            iam_users.set_policy(
                policy_id, {"effect": "allow", "actions": [neighbour], "resources": [resource]}
            )
            denied = _send(user, case, prepared.values)
            if denied.status_code != 403:
                failures.append(f"{label} allowed only {neighbour}: {denied.status_code}")
            iam_users.set_policy(
                policy_id, {"effect": "allow", "actions": [case.action], "resources": [resource]}
            )
            allowed = _send(user, case, prepared.values)
            if allowed.status_code not in case.ok:
                failures.append(f"{label} allowed: {allowed.status_code} {allowed.text[:200]}")
            elif case.creates:
                made = dict(prepared.values)
                if "{id}" in case.creates:
                    made["id"] = made_id(allowed.json())
                prepared.cleanup.append(fill(case.creates, made))
        finally:
            for path in reversed(prepared.cleanup):
                dashboard.delete(path)
    assert cases, "no action cases declared"
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures)


@conformance_test(
    name="iam-actions-on-documented-endpoints",
    description="Each catalog action guards its documented endpoint: allowed alone, else 403",
    profile="api7ee",
    features=["ee-iam"],
)
def test_actions_on_documented_endpoints(dashboard, iam_users):
    _exercise(dashboard, iam_users, inferred=False)


@conformance_test(
    name="iam-actions-on-inferred-endpoints",
    description="Each catalog action guards its inferred endpoint: allowed alone, else 403",
    profile="api7ee",
    features=["ee-iam-inferred-endpoints"],
)
def test_actions_on_inferred_endpoints(dashboard, iam_users):
    _exercise(dashboard, iam_users, inferred=True)
