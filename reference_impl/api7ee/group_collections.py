"""API7 kinds kept per gateway group under `/apisix/admin` (`?gateway_group_id=`, filled
in by the dispatcher) as `Collection` declarations in the API7 dialect: `routes()` gives
a collection's list, create, get, replace, patch and delete endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..admin.ssl_crypto import Keyring
from ..api.collection import Collection, RecordCollection
from ..api.context import CollectionRequest, Context
from ..api.dialects import Api7Dialect
from ..api.routes import collection_routes
from .context import Api
from .cpstore import ControlStore

GROUP = "gateway_group_id"
GROUP_PATH = "/gateway_groups/{gateway_group_id}"
API7 = Api7Dialect()


class GroupCollection(RecordCollection):
    """A kind of a gateway group: `/{name}/{group id}/{id}` in the control store."""

    def dir_path(self, req: CollectionRequest) -> str:
        return f"/{self.name}/{req.parent}"


@dataclass
class GroupContext(Context):
    api: Api | None = None  # the control plane the collection belongs to


def control_plane(ctx: Context) -> Api:
    assert isinstance(ctx, GroupContext) and ctx.api is not None
    return ctx.api


def control_store(ctx: Context) -> ControlStore:
    return control_plane(ctx).cp


def group_context(api: Api) -> Context:
    keyring = Keyring.from_config(api.config.raw)
    return GroupContext(api.config, api.cp, keyring, API7, api.cp.clock, api)


def routes(coll: Collection, id_param: str | tuple[str, ...]) -> list[tuple[str, str, Any]]:
    """The endpoints of a kind under `/apisix/admin` (`?gateway_group_id=`)."""
    return collection_routes(coll, id_param, group_context, "/apisix/admin", GROUP)


def api_routes(coll: Collection, id_param: str) -> list[tuple[str, str, Any]]:
    """The endpoints of a control-plane kind under `/api`."""
    return collection_routes(coll, id_param, group_context, "/api")


def group_routes(coll: Collection, id_param: str) -> list[tuple[str, str, Any]]:
    """The endpoints of a kind under `/api/gateway_groups/{gateway_group_id}`."""
    return collection_routes(coll, id_param, group_context, "/api", GROUP, GROUP_PATH)
