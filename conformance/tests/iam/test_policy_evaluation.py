"""Differential tests: the target's permission check against the suite's own oracle."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.oracles import iam_policy as oracle
from conformance.registry import conformance_test

from .conftest import IamUsers, check, expect

GROUP = "arn:api7:gateway:gatewaygroup"
ACTIONS = [
    "gateway:GetConsumer",
    "gateway:DeleteConsumer",
    "gateway:GetGatewayGroup",
    "iam:GetRole",
]
RESOURCES = [
    f"{GROUP}/g1",
    f"{GROUP}/g2",
    f"{GROUP}/g1/consumer/c1",
    f"{GROUP}/*",
    "arn:api7:iam:role/r1",
]
ACTION_PATTERNS = [*ACTIONS, "<.*>", "gateway:<.*>", "<.*>Get<.*>", "gateway:Get*", "iam:*"]
RESOURCE_PATTERNS = [
    *RESOURCES,
    "<.*>",
    f"{GROUP}/<.*>",
    f"{GROUP}/*",
    f"{GROUP}/<g[0-9]>",
    f"{GROUP}/g",
    "arn:api7:iam:role/<r[0-9]+>",
]
STATEMENT = st.fixed_dictionaries(
    {
        "effect": st.sampled_from(["allow", "deny"]),
        "actions": st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=2, unique=True),
        "resources": st.lists(
            st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=2, unique=True
        ),
    }
)
DOCUMENT = st.lists(STATEMENT, min_size=1, max_size=3).map(lambda s: {"statement": s})
GRID = {f"{a}|{r}": (a, r) for a in ACTIONS for r in RESOURCES}
SETTINGS = settings(deadline=None, suppress_health_check=list(HealthCheck))


def _compare(iam_users, documents, boundary_documents):
    policy_ids = [iam_users.policy(*d["statement"]) for d in documents]
    boundary_ids = [iam_users.policy(*d["statement"]) for d in boundary_documents]
    _, user = iam_users.user(policy_ids, boundaries=boundary_ids)
    answers = check(user, GRID)
    for name, (action, resource) in GRID.items():
        expected = oracle.is_allowed(documents, boundary_documents, action, resource)
        assert answers[name] is expected, (
            f"{action} on {resource}: target says {answers[name]}, documented rules say "
            f"{expected}; policies {documents}, boundaries {boundary_documents}"
        )


@conformance_test(
    name="iam-policy-evaluation-matches-oracle",
    description="Permission check answers follow allow/deny, deny-wins and wildcard rules",
    profile="api7ee",
    features=["ee-iam-policies"],
)
def test_policy_evaluation_matches_oracle(dashboard, gw_target):
    @SETTINGS
    @given(documents=st.lists(DOCUMENT, min_size=1, max_size=2))
    def run(documents):
        users = IamUsers(dashboard, gw_target)
        try:
            _compare(users, documents, [])
        finally:
            users.close()

    run()


@conformance_test(
    name="iam-boundaries-match-oracle",
    description="Permission boundaries cap what a user's policies allow",
    profile="api7ee",
    features=["ee-iam-boundaries"],
)
def test_boundaries_match_oracle(dashboard, gw_target):
    @SETTINGS
    @given(
        documents=st.lists(DOCUMENT, min_size=1, max_size=2),
        bounds=st.lists(DOCUMENT, min_size=1, max_size=2),
    )
    def run(documents, bounds):
        users = IamUsers(dashboard, gw_target)
        try:
            _compare(users, documents, bounds)
        finally:
            users.close()

    run()


LABEL_CASES = [
    (operator, value, labels)
    for operator in ("exact_match", "contains_string", "present")
    for value in ("prod", "pro")
    for labels in ({"env": "prod"}, {"env": "dev"}, {"team": "prod"}, None)
]


@conformance_test(
    name="iam-label-conditions-match-oracle",
    description="MatchLabel conditions (exact_match, contains_string, present) gate statements",
    profile="api7ee",
    features=["ee-iam-policies"],
)
def test_label_conditions_match_oracle(iam_users):
    documents: list[dict] = []
    requests: dict[str, dict] = {}
    for index, (operator, value, labels) in enumerate(LABEL_CASES):
        condition = {
            "type": "MatchLabel",
            "options": {"key": "env", "operator": operator, "value": value},
        }
        resource = f"{GROUP}/case{index}"
        documents.append(
            {
                "statement": [
                    {
                        "effect": "allow",
                        "actions": ["gateway:GetGatewayGroup"],
                        "resources": [resource],
                        "conditions": {"gateway_group_label": condition},
                    }
                ]
            }
        )
        context = {"gateway_group_label": labels} if labels is not None else {}
        requests[f"case{index}"] = {
            "action": "gateway:GetGatewayGroup",
            "resource": resource,
            "context": context,
        }
    policy_ids = [iam_users.policy(*d["statement"]) for d in documents]
    _, user = iam_users.user(policy_ids)
    answers = expect(user.post("/api/permissions/check", json=requests))["value"]
    for name, request in requests.items():
        expected = oracle.is_allowed(
            documents, [], request["action"], request["resource"], request["context"]
        )
        assert answers[name] is expected, (
            f"{name} {LABEL_CASES[int(name[4:])]}: target {answers[name]}"
        )
