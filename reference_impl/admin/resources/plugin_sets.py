"""The resources that are a set of plugins: global rules, plugin configs, consumer groups."""

from __future__ import annotations

from ...api.actions import crud_actions
from ...api.collection import Collection
from ...api.context import CollectionRequest, Context
from ..references import check_secret_refs, refuse_if_used, same_id
from ..validation import check_schema
from .actions import GROUP, PUBLISHED_SERVICE


class PluginSet(Collection):
    unsupported = frozenset({"post"})

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        conf = check_schema(self.schema_kind, conf)
        check_secret_refs(ctx, conf)
        return conf


class GlobalRules(PluginSet):
    name, kind, schema_kind = "global_rules", "global rule", "global_rules"
    actions = crud_actions("GlobalPluginRule", GROUP)


class PluginConfigs(PluginSet):
    name, kind, schema_kind = "plugin_configs", "plugin config", "plugin_configs"
    actions = PUBLISHED_SERVICE

    def delete_checker(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        refuse_if_used(
            ctx,
            "routes",
            lambda v: same_id(v.get("plugin_config_id"), id),
            "can not delete this plugin config, route [{}] is still using it now",
        )


class ConsumerGroups(PluginSet):
    name, kind, schema_kind = "consumer_groups", "consumer group", "consumer_groups"
    actions = crud_actions("Consumer", GROUP, item_arg="*")

    def delete_checker(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        refuse_if_used(
            ctx,
            "consumers",
            lambda v: same_id(v.get("group_id"), id),
            "can not delete this consumer group, consumer [{}] is still using it now",
        )
