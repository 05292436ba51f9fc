"""API7 kinds kept per gateway group under `/apisix/admin` (`?gateway_group_id=`, filled
in by the dispatcher) as `Collection` declarations in the API7 dialect: `routes()` gives
a collection's list, create, get, replace, patch and delete endpoints."""

from __future__ import annotations

from typing import Any

from ..admin.ssl_crypto import Keyring
from ..api.collection import Collection, RecordCollection
from ..api.context import CollectionRequest, Context
from ..api.dialects import Api7Dialect
from ..api.routes import collection_routes
from .context import Api
from .cpstore import ControlStore

GROUP = "gateway_group_id"
API7 = Api7Dialect()


class GroupCollection(RecordCollection):
    """A kind of a gateway group: `/{name}/{group id}/{id}` in the control store."""

    def dir_path(self, req: CollectionRequest) -> str:
        return f"/{self.name}/{req.parent}"


def control_store(ctx: Context) -> ControlStore:
    assert isinstance(ctx.records, ControlStore)
    return ctx.records


def group_context(api: Api) -> Context:
    return Context(api.config, api.cp, Keyring.from_config(api.config.raw), API7, api.cp.clock)


def routes(coll: Collection, id_param: str) -> list[tuple[str, str, Any]]:
    return collection_routes(coll, id_param, group_context, "/apisix/admin", GROUP)
