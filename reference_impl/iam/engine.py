"""Permission policy evaluation.

A request (action, resource ARN, context) is allowed when some statement of the principal's
policies allows it and none denies it (deny wins; no matching statement means deny). When
the principal has permission boundaries, the boundary policies must allow it as well, by
the same rule. A statement matches when one of its action patterns matches the action, one
of its resource patterns matches the resource, and every one of its conditions holds.

Compiled policies index their statements by literal action, so a check costs a dict lookup
plus the wildcard statements, not a scan of every pattern.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .patterns import PatternError, PatternSet, compile_pattern, is_literal

EFFECTS = ("allow", "deny")
LABEL_OPERATORS = ("exact_match", "contains_string", "present")


class PolicyDocumentError(ValueError):
    """A policy document that does not follow the documented shape."""


@dataclass(frozen=True)
class Condition:
    name: str  # e.g. gateway_group_label, or permission_boundaries
    type: str  # MatchLabel or AllOfStrings
    key: str = ""
    operator: str = ""
    value: str = ""
    strings: tuple[str, ...] = ()

    def holds(self, context: Mapping[str, Any]) -> bool:
        given = context.get(self.name)
        if self.type == "AllOfStrings":
            return isinstance(given, list) and set(self.strings) <= set(map(str, given))
        if not isinstance(given, Mapping) or self.key not in given:
            return False
        label = str(given[self.key])
        if self.operator == "present":
            return True
        if self.operator == "contains_string":
            return self.value in label
        return label == self.value


@dataclass
class Statement:
    effect: str
    actions: PatternSet
    resources: PatternSet
    conditions: tuple[Condition, ...]

    def applies(self, resource: str, context: Mapping[str, Any]) -> bool:
        return self.resources.matches(resource) and all(c.holds(context) for c in self.conditions)


@dataclass
class CompiledPolicy:
    by_action: dict[str, list[Statement]] = field(default_factory=dict)
    wildcard: list[Statement] = field(default_factory=list)
    conditional: bool = False  # some statement has conditions (they need the labels)

    def candidates(self, action: str) -> Iterable[Statement]:
        yield from self.by_action.get(action, ())
        for statement in self.wildcard:
            if statement.actions.matches(action):
                yield statement


def _strings(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise PolicyDocumentError(f"{what} must be a non-empty array of strings")
    if not all(isinstance(item, str) and item for item in value):
        raise PolicyDocumentError(f"{what} must be a non-empty array of strings")
    for item in value:
        try:
            compile_pattern(item)
        except PatternError as exc:
            raise PolicyDocumentError(f"{what}: {exc}") from None
    return value


def _condition(name: str, raw: Any, where: str) -> Condition:
    if not isinstance(raw, Mapping):
        raise PolicyDocumentError(f"{where}.{name} must be an object")
    kind = raw.get("type")
    options = raw.get("options")
    if kind == "AllOfStrings":
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            raise PolicyDocumentError(f"{where}.{name}.options must be an array of strings")
        return Condition(name, kind, strings=tuple(options))
    if kind != "MatchLabel":
        raise PolicyDocumentError(f"{where}.{name}.type must be MatchLabel or AllOfStrings")
    if not isinstance(options, Mapping) or not isinstance(options.get("key"), str):
        raise PolicyDocumentError(f"{where}.{name}.options needs a string key")
    operator = options.get("operator", "exact_match")
    if operator not in LABEL_OPERATORS:
        raise PolicyDocumentError(
            f"{where}.{name}.options.operator must be one of {list(LABEL_OPERATORS)}"
        )
    value = options.get("value", "")
    if not isinstance(value, str):
        raise PolicyDocumentError(f"{where}.{name}.options.value must be a string")
    return Condition(name, kind, options["key"], operator, value)


def check_policy_document(document: Any) -> list[dict[str, Any]]:
    """The statements of a valid `policy_document`; PolicyDocumentError names what is wrong."""
    if not isinstance(document, Mapping):
        raise PolicyDocumentError("policy_document must be an object")
    statements = document.get("statement")
    if not isinstance(statements, list) or not statements:
        raise PolicyDocumentError("policy_document.statement must be a non-empty array")
    for index, raw in enumerate(statements):
        where = f"policy_document.statement[{index}]"
        if not isinstance(raw, Mapping):
            raise PolicyDocumentError(f"{where} must be an object")
        if raw.get("effect") not in EFFECTS:
            raise PolicyDocumentError(f"{where}.effect must be allow or deny")
        _strings(raw.get("actions"), f"{where}.actions")
        _strings(raw.get("resources"), f"{where}.resources")
        conditions = raw.get("conditions")
        if conditions is not None:
            if not isinstance(conditions, Mapping):
                raise PolicyDocumentError(f"{where}.conditions must be an object")
            for name, cond in conditions.items():
                _condition(name, cond, f"{where}.conditions")
    return statements


def compile_policy(document: Any) -> CompiledPolicy:
    compiled = CompiledPolicy()
    for index, raw in enumerate(check_policy_document(document)):
        where = f"policy_document.statement[{index}].conditions"
        conditions = tuple(
            _condition(name, cond, where) for name, cond in (raw.get("conditions") or {}).items()
        )
        statement = Statement(
            raw["effect"], PatternSet(raw["actions"]), PatternSet(raw["resources"]), conditions
        )
        compiled.conditional = compiled.conditional or bool(conditions)
        if all(is_literal(a) for a in raw["actions"]):
            for action in set(raw["actions"]):
                compiled.by_action.setdefault(action, []).append(statement)
        else:
            compiled.wildcard.append(statement)
    return compiled


def _verdict(
    policies: Iterable[CompiledPolicy], action: str, resource: str, context: Mapping[str, Any]
) -> bool:
    allowed = False
    for policy in policies:
        for statement in policy.candidates(action):
            if not statement.applies(resource, context):
                continue
            if statement.effect == "deny":
                return False
            allowed = True
    return allowed


def is_allowed(
    policies: list[CompiledPolicy],
    boundaries: list[CompiledPolicy] | None,
    action: str,
    resource: str,
    context: Mapping[str, Any] | None = None,
) -> bool:
    """The decision for one request; `boundaries` None or empty means no boundary."""
    context = context or {}
    if not _verdict(policies, action, resource, context):
        return False
    return not boundaries or _verdict(boundaries, action, resource, context)
