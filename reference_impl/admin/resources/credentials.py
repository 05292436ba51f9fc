"""/apisix/admin/consumers/{username}/credentials/{id} (APISIX 3.7+)."""

from __future__ import annotations

from ...store import KeyValue
from ..context import AdminContext, AdminRequest
from ..errors import AdminError, not_found
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

    def listed(self, ctx: AdminContext, req: AdminRequest) -> list[KeyValue]:
        # the credentials of a consumer that does not exist: APISIX's etcd range finds no
        # key and answers 404 {"message": "Key not found"} (t/admin/credentials.t)
        if ctx.get(f"/consumers/{req.parent}") is None:
            raise not_found()
        return super().listed(ctx, req)

    def check_conf(self, ctx: AdminContext, id: str | None, conf: dict, req: AdminRequest) -> dict:
        conf = check_schema(self.schema_kind, conf)
        check_secret_refs(ctx, conf)
        return conf

    def before_put(self, ctx: AdminContext, req: AdminRequest) -> None:
        if ctx.get(f"/consumers/{req.parent}") is None:
            raise AdminError(404, "consumer not found")
