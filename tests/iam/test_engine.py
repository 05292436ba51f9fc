"""The optimised evaluation engine against the suite's naive oracle, and its rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.oracles import iam_policy as oracle
from reference_impl.iam.engine import PolicyDocumentError, compile_policy, is_allowed
from reference_impl.iam.patterns import PatternError, compile_pattern

ACTIONS = ["gateway:GetConsumer", "gateway:DeleteConsumer", "iam:GetUser", "gateway:Get"]
RESOURCES = [
    "arn:api7:gateway:gatewaygroup/g1",
    "arn:api7:gateway:gatewaygroup/g2",
    "arn:api7:gateway:gatewaygroup/g1/consumer/c1",
    "arn:api7:gateway:gatewaygroup/*",
    "arn:api7:iam:user/u1",
]
ACTION_PATTERNS = [*ACTIONS, "*", "<.*>", "gateway:<.*>", "<.*>Get<.*>", "gateway:Get*", "iam:*"]
RESOURCE_PATTERNS = [
    *RESOURCES,
    "*",
    "<.*>",
    "arn:api7:gateway:gatewaygroup/<.*>",
    "arn:api7:gateway:gatewaygroup/*",
    "arn:api7:gateway:gatewaygroup/<g[0-9]>",
    "arn:api7:gateway:gatewaygroup/g",
]
LABEL_CONDITION = st.fixed_dictionaries(
    {
        "type": st.just("MatchLabel"),
        "options": st.fixed_dictionaries(
            {
                "key": st.sampled_from(["env", "team"]),
                "operator": st.sampled_from(["exact_match", "contains_string", "present"]),
                "value": st.sampled_from(["prod", "pro", "dev"]),
            }
        ),
    }
)
STATEMENT = st.fixed_dictionaries(
    {
        "effect": st.sampled_from(["allow", "deny"]),
        "actions": st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3),
        "resources": st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=3),
    },
    optional={"conditions": st.dictionaries(st.just("gateway_group_label"), LABEL_CONDITION)},
)
DOCUMENT = st.builds(lambda s: {"statement": s}, st.lists(STATEMENT, min_size=1, max_size=4))
CONTEXT = st.dictionaries(
    st.just("gateway_group_label"),
    st.dictionaries(st.sampled_from(["env", "team"]), st.sampled_from(["prod", "dev", "x"])),
)


@settings(max_examples=150, deadline=None)
@given(
    policies=st.lists(DOCUMENT, max_size=3),
    boundaries=st.lists(DOCUMENT, max_size=2),
    action=st.sampled_from(ACTIONS),
    resource=st.sampled_from(RESOURCES),
    context=CONTEXT,
)
def test_engine_agrees_with_oracle(policies, boundaries, action, resource, context):
    expected = oracle.is_allowed(policies, boundaries, action, resource, context)
    got = is_allowed(
        [compile_policy(p) for p in policies],
        [compile_policy(b) for b in boundaries],
        action,
        resource,
        context,
    )
    assert got == expected


def _decide(statements, action, resource, boundaries=None, context=None):
    policy = compile_policy({"statement": statements})
    bounds = [compile_policy({"statement": b}) for b in boundaries or []]
    return is_allowed([policy], bounds, action, resource, context)


def test_no_statement_means_deny():
    assert not is_allowed([], [], "gateway:GetConsumer", "arn:api7:gateway:gatewaygroup/g1")


def test_deny_wins_over_allow():
    statements = [
        {"effect": "allow", "actions": ["<.*>"], "resources": ["<.*>"]},
        {"effect": "deny", "actions": ["gateway:DeleteConsumer"], "resources": ["<.*>"]},
    ]
    assert _decide(statements, "gateway:GetConsumer", "arn:x")
    assert not _decide(statements, "gateway:DeleteConsumer", "arn:x")


def test_patterns_match_the_whole_string():
    statements = [
        {
            "effect": "allow",
            "actions": ["gateway:Get<[A-Z][a-z]+>"],
            "resources": ["arn:a/<g[0-9]>"],
        }
    ]
    assert _decide(statements, "gateway:GetConsumer", "arn:a/g1")
    assert not _decide(statements, "gateway:GetConsumerCredential", "arn:a/g1")
    assert not _decide(statements, "gateway:GetConsumer", "arn:a/g12")
    assert not _decide(statements, "xgateway:GetConsumer", "arn:a/g1")


def test_star_is_any_run_of_characters():
    statements = [{"effect": "allow", "actions": ["gateway:*"], "resources": ["arn:a/*"]}]
    assert _decide(statements, "gateway:GetConsumer", "arn:a/g1/consumer/c1")
    assert _decide(statements, "gateway:GetConsumer", "arn:a/*")
    assert not _decide(statements, "iam:GetUser", "arn:a/g1")
    assert not _decide(statements, "gateway:GetConsumer", "arn:b/g1")


def test_literal_dots_are_not_regex():
    statements = [{"effect": "allow", "actions": ["a.b"], "resources": ["r.s"]}]
    assert _decide(statements, "a.b", "r.s")
    assert not _decide(statements, "axb", "r.s")


def test_boundaries_cap_the_policies():
    generous = [{"effect": "allow", "actions": ["<.*>"], "resources": ["<.*>"]}]
    boundary = [{"effect": "allow", "actions": ["<.*>Get<.*>"], "resources": ["<.*>"]}]
    assert _decide(generous, "gateway:GetConsumer", "arn:x", [boundary])
    assert not _decide(generous, "gateway:DeleteConsumer", "arn:x", [boundary])
    narrow = [{"effect": "allow", "actions": ["iam:GetUser"], "resources": ["<.*>"]}]
    assert not _decide(narrow, "gateway:GetConsumer", "arn:x", [boundary])


def test_label_conditions():
    statements = [
        {
            "effect": "allow",
            "actions": ["<.*>"],
            "resources": ["<.*>"],
            "conditions": {
                "gateway_group_label": {
                    "type": "MatchLabel",
                    "options": {"key": "env", "operator": "exact_match", "value": "prod"},
                }
            },
        }
    ]
    assert _decide(statements, "a", "r", context={"gateway_group_label": {"env": "prod"}})
    assert not _decide(statements, "a", "r", context={"gateway_group_label": {"env": "dev"}})
    assert not _decide(statements, "a", "r")


@pytest.mark.parametrize(
    "document",
    [
        None,
        {},
        {"statement": []},
        {"statement": [{"effect": "maybe", "actions": ["a"], "resources": ["r"]}]},
        {"statement": [{"effect": "allow", "actions": [], "resources": ["r"]}]},
        {"statement": [{"effect": "allow", "actions": ["<(>"], "resources": ["r"]}]},
        {"statement": [{"effect": "allow", "actions": ["<abc"], "resources": ["r"]}]},
        {
            "statement": [
                {
                    "effect": "allow",
                    "actions": ["a"],
                    "resources": ["r"],
                    "conditions": {"x": {"type": "Nope"}},
                }
            ]
        },
    ],
)
def test_invalid_documents_are_refused(document):
    with pytest.raises(PolicyDocumentError):
        compile_policy(document)


def test_pattern_errors_name_the_pattern():
    with pytest.raises(PatternError, match="no closing"):
        compile_pattern("arn:<.*")
