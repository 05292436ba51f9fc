"""/apisix/admin/routes"""

from __future__ import annotations

from ...api.collection import Collection
from ...api.context import CollectionRequest, Context
from ..references import check_with_upstream
from .actions import PUBLISHED_SERVICE


class Routes(Collection):
    name, kind, schema_kind = "routes", "route", "routes"
    actions = PUBLISHED_SERVICE

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        return check_with_upstream(ctx, self.schema_kind, conf)
