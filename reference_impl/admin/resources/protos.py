"""/apisix/admin/protos: protobuf definitions for grpc-transcode."""

from __future__ import annotations

from ...api.actions import crud_actions
from ...api.collection import Collection
from ...api.context import CollectionRequest, Context
from ..proto_syntax import check_proto_content
from ..references import refuse_if_used
from ..validation import check_schema
from .actions import GROUP


def _uses_proto(value: dict, id: str) -> bool:
    plugins = value.get("plugins")
    conf = plugins.get("grpc-transcode") if isinstance(plugins, dict) else None
    return isinstance(conf, dict) and str(conf.get("proto_id")) == id


class Protos(Collection):
    name, kind, schema_kind = "protos", "proto", "protos"
    actions = crud_actions("Proto", GROUP)
    unsupported = frozenset({"patch"})

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        conf = check_schema(self.schema_kind, conf)
        check_proto_content(conf["content"])
        return conf

    def delete_checker(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        for directory, label in (("routes", "route"), ("services", "service")):
            refuse_if_used(
                ctx,
                directory,
                lambda v: _uses_proto(v, id),
                f"can not delete this proto, {label} [{{}}] is still using it now",
            )
