"""/apisix/admin/consumers/{username}/credentials/{id} (APISIX 3.7+)."""

from __future__ import annotations

from ...api.actions import crud_actions
from ...api.collection import Collection
from ...api.context import CollectionRequest, Context
from ...api.errors import ApiError, key_not_found
from ...store import KeyValue
from ..references import check_secret_refs
from ..validation import check_schema
from .actions import GROUP

SCOPE = (*GROUP, "username")


class Credentials(Collection):
    name, kind, schema_kind = "credentials", "credential", "credentials"
    unsupported = frozenset({"post", "patch"})
    api7_methods = frozenset({"post"})
    actions = crud_actions("ConsumerCredential", SCOPE, patch=False)

    def base(self, prefix: str) -> str:
        return f"{prefix}/consumers/{{username}}/credentials"

    def dir_path(self, req: CollectionRequest) -> str:
        return f"/consumers/{req.parent}/credentials"

    def item_path(self, id: str, req: CollectionRequest) -> str:
        return f"/consumers/{req.parent}/credentials/{id}"

    def listed(self, ctx: Context, req: CollectionRequest) -> list[KeyValue]:
        # the credentials of a consumer that does not exist: APISIX's etcd range finds no
        # key and answers 404 {"message": "Key not found"} (t/admin/credentials.t)
        if ctx.get(f"/consumers/{req.parent}") is None:
            raise key_not_found()
        return super().listed(ctx, req)

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        conf = check_schema(self.schema_kind, conf)
        check_secret_refs(ctx, conf)
        return conf

    def before_put(self, ctx: Context, req: CollectionRequest) -> None:
        if ctx.get(f"/consumers/{req.parent}") is None:
            raise ApiError(404, "consumer not found")
