"""/apisix/admin/upstreams"""

from __future__ import annotations

from typing import Any

from ...api.collection import Collection
from ...api.context import CollectionRequest, Context
from ..references import check_with_upstream, refuse_if_used, same_id
from .actions import PUBLISHED_SERVICE

# (directory, label in the message, whether its own upstream_id counts or only plugins')
_USERS = (
    ("routes", "route", True),
    ("services", "service", True),
    ("plugin_configs", "plugin_config", False),
    ("consumers", "consumer", False),
    ("consumer_groups", "consumer_group", False),
    ("global_rules", "global_rules", False),
)


def _used_by_traffic_split(plugins: Any, id: str) -> bool:
    """traffic-split's weighted_upstreams may name an upstream by id."""
    split = plugins.get("traffic-split") if isinstance(plugins, dict) else None
    rules = split.get("rules") if isinstance(split, dict) else None
    for rule in rules if isinstance(rules, list) else []:
        targets = rule.get("weighted_upstreams") if isinstance(rule, dict) else None
        for target in targets if isinstance(targets, list) else []:
            if isinstance(target, dict) and same_id(target.get("upstream_id"), id):
                return True
    return False


class Upstreams(Collection):
    name, kind, schema_kind = "upstreams", "upstream", "upstreams"
    actions = PUBLISHED_SERVICE

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        return check_with_upstream(ctx, self.schema_kind, conf, embedded=False)

    def delete_checker(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        for directory, label, direct in _USERS:
            refuse_if_used(
                ctx,
                directory,
                lambda v: _used_by_traffic_split(v.get("plugins"), id),
                f"can not delete this upstream, plugin in {label} [{{}}] is still using it now",
            )
            if direct:
                refuse_if_used(
                    ctx,
                    directory,
                    lambda v: same_id(v.get("upstream_id"), id),
                    f"can not delete this upstream, {label} [{{}}] is still using it now",
                )
