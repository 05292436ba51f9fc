"""/apisix/admin/stream_routes (refused while the stream proxy is off, like APISIX)."""

from __future__ import annotations

from ...api.collection import Answer, Collection
from ...api.context import CollectionRequest, Context
from ...api.errors import bad_request
from ..references import check_with_upstream
from .actions import PUBLISHED_SERVICE


class StreamRoutes(Collection):
    name, kind, schema_kind = "stream_routes", "stream route", "stream_routes"
    actions = PUBLISHED_SERVICE
    unsupported = frozenset({"patch"})

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        return check_with_upstream(ctx, self.schema_kind, conf)

    def handle(self, method: str, ctx: Context, req: CollectionRequest) -> Answer:
        if not ctx.config.stream_enabled:
            raise bad_request("stream mode is disabled, can not add stream routes")
        return super().handle(method, ctx, req)
