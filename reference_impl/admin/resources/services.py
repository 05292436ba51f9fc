"""/apisix/admin/services"""

from __future__ import annotations

from ..context import AdminContext, AdminRequest
from ..references import check_with_upstream, refuse_if_used, same_id
from ..resource import Resource


class Services(Resource):
    name, kind, schema_kind = "services", "service", "services"

    def check_conf(self, ctx: AdminContext, id: str | None, conf: dict, req: AdminRequest) -> dict:
        return check_with_upstream(ctx, self.schema_kind, conf)

    def delete_checker(self, ctx: AdminContext, id: str) -> None:
        for directory, label in (("routes", "route"), ("stream_routes", "stream_route")):
            refuse_if_used(
                ctx,
                directory,
                lambda v: same_id(v.get("service_id"), id),
                lambda v, label=label: (
                    f"can not delete this service directly, {label} [{v.get('id')}] "
                    "is still using it now"
                ),
            )
