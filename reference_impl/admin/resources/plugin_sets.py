"""The resources that are a set of plugins: global rules, plugin configs, consumer groups."""

from __future__ import annotations

from dataclasses import replace

from ...api.actions import crud_actions
from ...api.collection import Answer, Collection
from ...api.context import CollectionRequest, Context
from ...api.errors import bad_request
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
    api7_methods = frozenset({"post"})
    actions = crud_actions("GlobalPluginRule", GROUP)

    def post(self, ctx: Context, req: CollectionRequest) -> Answer:
        """API7: a PUT under a generated id (the schema wants the id in the conf)."""
        self.refuse("post", ctx)
        if self.locate(req)[0] is not None:
            raise bad_request(f"wrong {self.kind} id, do not need it")
        return self.put(ctx, replace(req, segments=[ctx.records.new_id()]))


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
