"""A naive model of API7 permission policy evaluation, written to be obviously correct.

Documented rules (API7 Enterprise permission policies):
- a policy document is `{"statement": [{"effect": "allow"|"deny", "actions": [...],
  "resources": [...], "conditions": {...}?}, ...]}`;
- an action or resource pattern matches the whole string; `<regex>` is a regular expression
  (ending at the first `>`), `*` any run of characters, anything else itself;
- a request is allowed when at least one statement allows it and no statement denies it;
  with no matching statement it is denied;
- with permission boundaries, the boundary policies must allow the request too;
- a `MatchLabel` condition compares one label of the resource (`exact_match`,
  `contains_string`, `present`); `AllOfStrings` needs every listed string present.
"""

from __future__ import annotations

import re
from typing import Any


def pattern_to_regex(pattern: str) -> str:
    out = ""
    i = 0
    while i < len(pattern):
        if pattern[i] == "<":
            close = pattern.index(">", i)
            out += "(?:" + pattern[i + 1 : close] + ")"
            i = close + 1
        elif pattern[i] == "*":
            out += ".*"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return out


def pattern_matches(pattern: str, text: str) -> bool:
    return re.fullmatch(pattern_to_regex(pattern), text, re.DOTALL) is not None


def condition_holds(name: str, condition: dict[str, Any], context: dict[str, Any]) -> bool:
    given = context.get(name)
    if condition["type"] == "AllOfStrings":
        if not isinstance(given, list):
            return False
        return all(wanted in given for wanted in condition["options"])
    options = condition["options"]
    if not isinstance(given, dict) or options["key"] not in given:
        return False
    label = str(given[options["key"]])
    operator = options.get("operator", "exact_match")
    if operator == "present":
        return True
    if operator == "contains_string":
        return options.get("value", "") in label
    return label == options.get("value", "")


def statement_matches(
    statement: dict[str, Any], action: str, resource: str, context: dict[str, Any]
) -> bool:
    action_ok = False
    for pattern in statement["actions"]:
        if pattern_matches(pattern, action):
            action_ok = True
    resource_ok = False
    for pattern in statement["resources"]:
        if pattern_matches(pattern, resource):
            resource_ok = True
    conditions_ok = True
    for name, condition in (statement.get("conditions") or {}).items():
        if not condition_holds(name, condition, context):
            conditions_ok = False
    return action_ok and resource_ok and conditions_ok


def documents_allow(
    documents: list[dict[str, Any]], action: str, resource: str, context: dict[str, Any]
) -> bool:
    some_allow = False
    some_deny = False
    for document in documents:
        for statement in document["statement"]:
            if statement_matches(statement, action, resource, context):
                if statement["effect"] == "allow":
                    some_allow = True
                else:
                    some_deny = True
    return some_allow and not some_deny


def is_allowed(
    policies: list[dict[str, Any]],
    boundaries: list[dict[str, Any]],
    action: str,
    resource: str,
    context: dict[str, Any] | None = None,
) -> bool:
    """`policies` and `boundaries` are policy documents; no boundaries means no limit."""
    context = context or {}
    allowed = documents_allow(policies, action, resource, context)
    if boundaries:
        allowed = allowed and documents_allow(boundaries, action, resource, context)
    return allowed
