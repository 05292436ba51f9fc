"""/apisix/admin/secrets/{manager}/{id}: the id of the stored object is `manager/id`."""

from __future__ import annotations

from ...api.actions import Actions, row
from ...api.collection import Answer, Collection
from ...api.context import CollectionRequest, Context
from ...api.errors import bad_request
from ...api.ids import check_id
from ...store import KeyValue
from ..validation import check_schema
from .actions import GROUP


class Secrets(Collection):
    name, kind = "secrets", "secret"
    unsupported = frozenset({"post"})
    item_pattern = "{manager}/{id}"
    actions = Actions(
        lambda base, item: [
            row("GET", base, "gateway:GetSecretProvider", *GROUP, "*"),
            row("GET", f"{base}/{item}", "gateway:GetSecretProvider", *GROUP, "id"),
            row("PUT", f"{base}/{item}", "gateway:PutSecretProvider", *GROUP, "id"),
            row("PATCH", f"{base}/{item}", "gateway:PutSecretProvider", *GROUP, "id"),
            row("DELETE", f"{base}/{item}", "gateway:DeleteSecretProvider", *GROUP, "id"),
        ]
    )

    def locate(self, req: CollectionRequest) -> tuple[str | None, str]:
        segs = req.segments
        if len(segs) < 2:
            return None, ""
        return f"{segs[0]}/{segs[1]}", "/".join(segs[2:])

    def check_id(self, id: str) -> str:
        manager, _, name = id.partition("/")
        return f"{check_id(manager)}/{check_id(name)}"

    def item_path(self, id: str, req: CollectionRequest) -> str:
        return f"/secrets/{id}"

    def dir_path(self, req: CollectionRequest) -> str:
        return f"/secrets/{req.segments[0]}" if req.segments else "/secrets"

    def listed(self, ctx: Context, req: CollectionRequest) -> list[KeyValue]:
        return ctx.descendants(self.dir_path(req))

    def put(self, ctx: Context, req: CollectionRequest) -> Answer:
        if len(req.segments) < 2:
            raise bad_request("missing secret id")
        return super().put(ctx, req)

    def patch(self, ctx: Context, req: CollectionRequest) -> Answer:
        # apisix/admin/resource.lua checks the id of a secret before anything else
        if len(req.segments) < 2:
            raise bad_request("no secret id")
        return super().patch(ctx, req)

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        manager = (id or "").partition("/")[0]
        return check_schema(f"secrets/{manager}", conf)
