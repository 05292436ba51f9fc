"""/apisix/admin/plugin_metadata/{plugin_name}: GET, PUT and DELETE only, no timestamps.
API7's gateway groups also answer `GET .../{plugin_name}/default` (the plugin's defaults)
and `GET .../{plugin_name}?return_default=true` (the defaults when nothing is stored)."""

from __future__ import annotations

from ... import schema
from ...api.actions import crud_actions
from ...api.collection import Answer, Collection
from ...api.context import CollectionRequest, Context
from ...api.errors import bad_request, key_not_found
from ..validation import check_schema
from .actions import GROUP


class PluginMetadata(Collection):
    name, kind = "plugin_metadata", "plugin_metadata"
    unsupported = frozenset({"post", "patch"})
    has_id = False
    timestamps = False
    item_pattern = "{name}"
    actions = crud_actions("PluginMetadata", GROUP, create=False, patch=False)

    def get(self, ctx: Context, req: CollectionRequest) -> Answer:
        name, sub_path = self.locate(req)
        if not ctx.dialect.api7_admin or name is None:
            return super().get(ctx, req)
        if sub_path not in ("", "default"):
            raise key_not_found()
        unset = (
            req.args.get("return_default") == "true" and ctx.get(self.item_path(name, req)) is None
        )
        if sub_path != "default" and not unset:
            return super().get(ctx, req)
        try:
            defaults = schema.plugin_metadata_defaults(name)
        except schema.SchemaError as exc:
            raise bad_request(str(exc)) from None
        return 200, {"key": ctx.key(self.item_path(name, req)), "value": defaults}

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        if id is None:
            raise bad_request("missing plugin name")
        conf = check_schema(f"plugin_metadata/{id}", {k: v for k, v in conf.items() if k != "id"})
        return {**conf, "id": id}
