"""Every action of the permission catalog: a policy allowing exactly that action on exactly
that resource allows it, and denies the neighbours (a sibling resource, the next action)."""

from __future__ import annotations

import re

from conformance.registry import conformance_test

from .conftest import check, load_catalog

IDS = ("gwc-a", "gwc-b", "gwc-c")


def _arn(template: str, ids: tuple[str, ...] = IDS) -> str:
    for value in ids:
        template = template.replace("%s", value, 1)
    return template


def _sibling(template: str) -> str:
    """The same kind of resource with another id (or, without ids, another namespace)."""
    if "%s" in template:
        return _arn(template, tuple(f"{i}-other" for i in IDS))
    return template.replace("arn:api7:", "arn:api7-other:", 1)


@conformance_test(
    name="iam-every-catalog-action-exact",
    description="For every catalog action, an exact policy allows it and nothing next to it",
    profile="api7ee",
    features=["ee-iam"],
)
def test_every_catalog_action(iam_users):
    catalog = load_catalog()
    policy_id = iam_users.policy(
        {"effect": "allow", "actions": ["iam:GetRole"], "resources": ["arn:api7:iam:role/none"]}
    )
    _, user = iam_users.user([policy_id])
    failures = []
    for index, entry in enumerate(catalog):
        action, resource = entry["action"], _arn(entry["resource"])
        neighbour = next(
            e["action"] for e in catalog[index + 1 :] + catalog if e["action"] != action
        )
        exact = "<" + re.escape(resource) + ">"  # the ARN itself, its `*` taken literally
        iam_users.set_policy(
            policy_id, {"effect": "allow", "actions": [action], "resources": [exact]}
        )
        answers = check(
            user,
            {
                "exact": (action, resource),
                "sibling": (action, _sibling(entry["resource"])),
                "neighbour": (neighbour, resource),
            },
        )
        if answers != {"exact": True, "sibling": False, "neighbour": False}:
            failures.append(f"{action} on {resource}: {answers}")
    assert not failures, "\n".join(failures)
