"""/apisix/admin/services"""

from __future__ import annotations

from ...api.actions import Actions, row
from ...api.collection import Collection
from ...api.context import CollectionRequest, Context
from ..references import check_with_upstream, refuse_if_used, same_id
from .actions import GROUP


class Services(Collection):
    name, kind, schema_kind = "services", "service", "services"
    actions = Actions(
        lambda base, item: [
            row("GET", base, "gateway:GetPublishedService", *GROUP, "*", lists="id"),
            row("POST", base, "gateway:CreatePublishedService", *GROUP),
            row("GET", f"{base}/{item}", "gateway:GetPublishedService", *GROUP, "id"),
            row("PUT", f"{base}/{item}", "gateway:UpdatePublishedService", *GROUP, "id"),
            row("PATCH", f"{base}/{item}", "gateway:UpdatePublishedService", *GROUP, "id"),
            row("DELETE", f"{base}/{item}", "gateway:DeletePublishedService", *GROUP, "id"),
        ]
    )

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        return check_with_upstream(ctx, self.schema_kind, conf)

    def delete_checker(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        for directory, label in (("routes", "route"), ("stream_routes", "stream_route")):
            refuse_if_used(
                ctx,
                directory,
                lambda v: same_id(v.get("service_id"), id),
                f"can not delete this service directly, {label} [{{}}] is still using it now",
            )
