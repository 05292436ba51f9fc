"""The labels a statement's conditions look at (`gateway_group_label`, `service_label`,
`consumer_label`, `role_label`, `user_label`, `permission_policy_label`): read from the
objects the request names, only when some policy of the caller has conditions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..api7ee.cpstore import GATEWAY_GROUPS, TEMPLATES, ControlStore
from ..store import Store
from .records import iam_records


class LabelContext:
    def __init__(self, store: Store, apisix_prefix: str) -> None:
        self.cp = ControlStore(store, apisix_prefix)
        self.records = iam_records(store)

    def context(self, values: Mapping[str, Any]) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}

        def add(name: str, obj: Mapping[str, Any] | None) -> None:
            if obj is not None and isinstance(obj.get("labels"), dict):
                found[name] = obj["labels"]

        group = _text(values, "gateway_group_id")
        if group:
            add("gateway_group_label", self.cp.get(GATEWAY_GROUPS, group))
        service = _text(values, "service_template_id") or _text(values, "service_id")
        if service:
            add("service_label", self.cp.get(TEMPLATES, service))
        consumer = _text(values, "username") or _text(values, "consumer_id")
        if group and consumer:
            add("consumer_label", self.cp.apisix_get(group, f"/consumers/{consumer}"))
        for name, kind, arg in (
            ("role_label", "roles", "role_id"),
            ("user_label", "users", "user_id"),
            ("permission_policy_label", "permission_policies", "permission_policy_id"),
        ):
            record_id = _text(values, arg)
            if record_id:
                add(name, self.records.get(kind, record_id))
        return found


def _text(values: Mapping[str, Any], name: str) -> str:
    raw = values.get(name)
    return raw if isinstance(raw, str) else ""
