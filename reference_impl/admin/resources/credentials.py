"""/apisix/admin/consumers/{username}/credentials/{id} (APISIX 3.7+)."""

from __future__ import annotations

from ..context import AdminContext, AdminRequest
from ..errors import AdminError
from ..references import check_secret_refs
from ..resource import Resource
from ..validation import check_schema


class Credentials(Resource):
    name, kind, schema_kind = "credentials", "credential", "credentials"
    unsupported = frozenset({"post", "patch"})

    def dir_path(self, req: AdminRequest) -> str:
        return f"/consumers/{req.parent}/credentials"

    def item_path(self, id: str, req: AdminRequest) -> str:
        return f"/consumers/{req.parent}/credentials/{id}"

    def check_conf(self, ctx: AdminContext, id: str | None, conf: dict, req: AdminRequest) -> dict:
        conf = check_schema(self.schema_kind, conf)
        check_secret_refs(ctx, conf)
        return conf

    def before_put(self, ctx: AdminContext, req: AdminRequest) -> None:
        if ctx.get(f"/consumers/{req.parent}") is None:
            raise AdminError(404, "consumer not found")
