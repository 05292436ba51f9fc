"""/apisix/admin/routes"""

from __future__ import annotations

from ..context import AdminContext, AdminRequest
from ..references import check_with_upstream
from ..resource import Resource


class Routes(Resource):
    name, kind, schema_kind = "routes", "route", "routes"

    def check_conf(self, ctx: AdminContext, id: str | None, conf: dict, req: AdminRequest) -> dict:
        return check_with_upstream(ctx, self.schema_kind, conf)
