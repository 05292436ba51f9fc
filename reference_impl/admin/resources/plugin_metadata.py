"""/apisix/admin/plugin_metadata/{plugin_name}: GET, PUT and DELETE only, no timestamps."""

from __future__ import annotations

from ..context import AdminContext, AdminRequest
from ..errors import bad_request
from ..resource import Resource
from ..validation import check_schema


class PluginMetadata(Resource):
    name, kind = "plugin_metadata", "plugin_metadata"
    unsupported = frozenset({"post", "patch"})
    has_id = False
    timestamps = False

    def check_conf(self, ctx: AdminContext, id: str | None, conf: dict, req: AdminRequest) -> dict:
        if id is None:
            raise bad_request("missing plugin name")
        conf = check_schema(f"plugin_metadata/{id}", {k: v for k, v in conf.items() if k != "id"})
        return {**conf, "id": id}
