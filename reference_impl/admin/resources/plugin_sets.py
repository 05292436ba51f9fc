"""The resources that are a set of plugins: global rules, plugin configs, consumer groups."""

from __future__ import annotations

from ..context import AdminContext, AdminRequest
from ..references import check_secret_refs, refuse_if_used, same_id
from ..resource import Resource
from ..validation import check_schema


class PluginSet(Resource):
    unsupported = frozenset({"post"})

    def check_conf(self, ctx: AdminContext, id: str | None, conf: dict, req: AdminRequest) -> dict:
        conf = check_schema(self.schema_kind, conf)
        check_secret_refs(ctx, conf)
        return conf


class GlobalRules(PluginSet):
    name, kind, schema_kind = "global_rules", "global rule", "global_rules"


class PluginConfigs(PluginSet):
    name, kind, schema_kind = "plugin_configs", "plugin config", "plugin_configs"

    def delete_checker(self, ctx: AdminContext, id: str) -> None:
        refuse_if_used(
            ctx,
            "routes",
            lambda v: same_id(v.get("plugin_config_id"), id),
            lambda v: (
                f"can not delete this plugin config, route [{v.get('id')}] is still using it now"
            ),
        )


class ConsumerGroups(PluginSet):
    name, kind, schema_kind = "consumer_groups", "consumer group", "consumer_groups"

    def delete_checker(self, ctx: AdminContext, id: str) -> None:
        refuse_if_used(
            ctx,
            "consumers",
            lambda v: same_id(v.get("group_id"), id),
            lambda v: (
                f"can not delete this consumer group, consumer [{v.get('username')}] "
                "is still using it now"
            ),
        )
