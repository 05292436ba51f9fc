"""Deciding a list request item by item.

A list endpoint names its items with `*` in the resource ARN (`arn:api7:gateway:
gatewaygroup/default/consumer/*`). API7 shows in a list the items the caller may `Get`, so:

- the request itself is allowed when some statement could allow the action on *some* item
  of the listing (its resource patterns overlap the listing's ARN, its conditions on the
  enclosing objects hold) and no statement denies it on every item; otherwise 403;
- then each listed item is checked like a single GET of it: its ARN (the `*` filled with
  the item's id) and its own labels decide, deny statements and boundaries included;
- when one unconditional statement allows every item and nothing could deny any, the list
  is answered unfiltered (Super Admin, Viewer and other `<.*>` grants pay nothing).

Overlap is decided on glob shapes: a `<regex>` part of a pattern counts as `*`. That can
only over-estimate "some item", which costs an empty list instead of a 403, never an item.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .engine import CompiledPolicy, Statement, is_allowed

_REGEX_PART = re.compile(r"<[^>]*>")
_ANY = "<.*>"

# the condition name that carries the labels of a listed item, by the ARN's resource kind
ITEM_LABELS = {
    "gatewaygroup": "gateway_group_label",
    "servicetemplate": "service_label",
    "publishedservice": "service_label",
    "consumer": "consumer_label",
    "role": "role_label",
    "user": "user_label",
    "permissionpolicy": "permission_policy_label",
}


def item_label_name(template: str) -> str | None:
    """The label condition of the items of a list checked on ARN `template`
    (`arn:api7:gateway:gatewaygroup/%s/consumer/%s` -> `consumer_label`)."""
    head = template.rsplit("/%s", 1)[0]
    return ITEM_LABELS.get(re.split(r"[/:]", head)[-1])


def glob_of(pattern: str) -> str:
    """A policy pattern as a glob (`*` any run, the rest literal), `<regex>` widened to `*`."""
    return _REGEX_PART.sub("*", pattern)


@lru_cache(maxsize=4096)
def globs_overlap(left: str, right: str) -> bool:
    """Whether some string matches both globs."""
    n, m = len(left), len(right)
    # reach[i][j]: the rests left[i:] and right[j:] have a common instance
    reach = [[False] * (m + 1) for _ in range(n + 1)]
    reach[n][m] = True
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n and j == m:
                continue
            a = left[i] if i < n else None
            b = right[j] if j < m else None
            star_left = a == "*" and (reach[i + 1][j] or (j < m and reach[i][j + 1]))
            star_right = b == "*" and (reach[i][j + 1] or (i < n and reach[i + 1][j]))
            same = a is not None and a == b and reach[i + 1][j + 1]
            reach[i][j] = star_left or star_right or same
    return reach[0][0]


def covers(pattern: str, listing: str) -> bool:
    """Whether `pattern` matches every ARN the glob `listing` stands for. Only patterns whose
    wildcards are `*` or `<.*>` qualify; then matching `listing` itself (its `*` as text)
    means each of its `*` falls in a `*` of the pattern."""
    plain = pattern.replace(_ANY, "*")
    if "<" in plain:
        return False
    return re.fullmatch(re.escape(plain).replace(r"\*", ".*"), listing, re.DOTALL) is not None


@dataclass
class ListScope:
    """One list request: the action, the listing's ARN (item `*`), the labels of the objects
    that enclose the items, and the condition name of the items' own labels."""

    action: str
    listing: str
    context: Mapping[str, Any] = field(default_factory=dict)
    item_label: str | None = None

    def _may_hold(self, statement: Statement) -> bool:
        """The statement's conditions can hold for some item: those on the item's labels
        are open, the others are decided by the enclosing objects now."""
        return all(c.name == self.item_label or c.holds(self.context) for c in statement.conditions)

    def _always_holds(self, statement: Statement) -> bool:
        return all(
            c.name != self.item_label and c.holds(self.context) for c in statement.conditions
        )

    def _reaches_some(self, statement: Statement) -> bool:
        return self._may_hold(statement) and any(
            globs_overlap(glob_of(p), self.listing) for p in statement.resources.patterns
        )

    def _reaches_all(self, statement: Statement) -> bool:
        return self._always_holds(statement) and any(
            covers(p, self.listing) for p in statement.resources.patterns
        )

    def _statements(self, policies: Iterable[CompiledPolicy]) -> list[Statement]:
        return [s for policy in policies for s in policy.candidates(self.action)]

    def _some(self, policies: list[CompiledPolicy]) -> bool:
        statements = self._statements(policies)
        return any(s.effect == "allow" and self._reaches_some(s) for s in statements) and not any(
            s.effect == "deny" and self._reaches_all(s) for s in statements
        )

    def _every(self, policies: list[CompiledPolicy]) -> bool:
        statements = self._statements(policies)
        return any(s.effect == "allow" and self._reaches_all(s) for s in statements) and not any(
            s.effect == "deny" and self._reaches_some(s) for s in statements
        )

    def allows_some(self, policies: list[CompiledPolicy], boundaries: list[CompiledPolicy]) -> bool:
        """The list request may be answered: some item could be shown."""
        return self._some(policies) and (not boundaries or self._some(boundaries))

    def allows_every(
        self, policies: list[CompiledPolicy], boundaries: list[CompiledPolicy]
    ) -> bool:
        """Every item is shown whatever it is: the answer needs no filtering."""
        return self._every(policies) and (not boundaries or self._every(boundaries))


@dataclass
class ItemFilter:
    """Decides one listed object: `key_field` names its key, `arn_of(key)` is its ARN."""

    policies: list[CompiledPolicy]
    boundaries: list[CompiledPolicy]
    scope: ListScope
    key_field: str
    arn_of: Callable[[str], str]

    def keeps(self, item: Any) -> bool:
        if not isinstance(item, Mapping):
            return False
        key = item.get(self.key_field)
        if not isinstance(key, str | int) or isinstance(key, bool) or str(key) == "":
            return False
        resource = self.arn_of(str(key))
        context = dict(self.scope.context)
        labels = item.get("labels")
        if self.scope.item_label and isinstance(labels, Mapping):
            context[self.scope.item_label] = labels
        return is_allowed(self.policies, self.boundaries, self.scope.action, resource, context)
