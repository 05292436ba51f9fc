"""/apisix/admin/plugin_metadata/{plugin_name}: GET, PUT and DELETE only, no timestamps."""

from __future__ import annotations

from ...api.actions import crud_actions
from ...api.collection import Collection
from ...api.context import CollectionRequest, Context
from ...api.errors import bad_request
from ..validation import check_schema
from .actions import GROUP


class PluginMetadata(Collection):
    name, kind = "plugin_metadata", "plugin_metadata"
    unsupported = frozenset({"post", "patch"})
    has_id = False
    timestamps = False
    item_pattern = "{name}"
    actions = crud_actions("PluginMetadata", GROUP, create=False, patch=False)

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        if id is None:
            raise bad_request("missing plugin name")
        conf = check_schema(f"plugin_metadata/{id}", {k: v for k, v in conf.items() if k != "id"})
        return {**conf, "id": id}
