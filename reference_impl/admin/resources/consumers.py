"""/apisix/admin/consumers: keyed by username, created with PUT only (API7's gateway groups
also create with POST and change with a JSON Patch)."""

from __future__ import annotations

from ...api.actions import Actions, row
from ...api.collection import Answer, Collection
from ...api.context import CollectionRequest, Context
from ...api.errors import bad_request
from ..references import check_secret_refs, require
from ..validation import check_schema
from .actions import GROUP


class Consumers(Collection):
    name, kind, schema_kind = "consumers", "consumer", "consumers"
    unsupported = frozenset({"post", "patch"})
    api7_methods = frozenset({"post", "patch"})
    has_id = False
    item_pattern = "{username}"
    actions = Actions(
        lambda base, item: [
            row("GET", base, "gateway:GetConsumer", *GROUP, "*", lists="username"),
            row("PUT", base, "gateway:CreateConsumer", *GROUP),
            row("POST", base, "gateway:CreateConsumer", *GROUP),
            row("GET", f"{base}/{item}", "gateway:GetConsumer", *GROUP, "username"),
            row("PUT", f"{base}/{item}", "gateway:UpdateConsumer", *GROUP, "username"),
            row("PATCH", f"{base}/{item}", "gateway:UpdateConsumer", *GROUP, "username"),
            row("DELETE", f"{base}/{item}", "gateway:DeleteConsumer", *GROUP, "username"),
        ]
    )

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        conf = check_schema(self.schema_kind, conf)
        if id is not None and id != conf["username"]:
            raise bad_request("wrong username")
        if conf.get("group_id") is not None:
            require(ctx, "consumer group", "consumer_groups", conf["group_id"])
        check_secret_refs(ctx, conf)
        return conf

    def post(self, ctx: Context, req: CollectionRequest) -> Answer:
        """API7: the key is the body's username, as with PUT on the list."""
        self.refuse("post", ctx)
        return self.put(ctx, req)

    def stored_id(self, id: str | None, conf: dict) -> str:
        return conf["username"]

    def check_lookup_id(self, id: str) -> str:
        return id

    def after_delete(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        kvs, _ = ctx.store.range(ctx.key(f"/consumers/{id}/credentials/"))
        for kv in kvs:
            ctx.store.delete(kv.key)
