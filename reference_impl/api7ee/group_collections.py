"""API7 kinds kept per gateway group under `/apisix/admin` (`?gateway_group_id=`, filled
in by the dispatcher) as `Collection` declarations in the API7 dialect: `routes()` gives
a collection's list, create, get, replace, patch and delete endpoints."""

from __future__ import annotations

from typing import Any

from ..admin.ssl_crypto import Keyring
from ..api.collection import Answer, Collection
from ..api.context import MISSING, CollectionRequest, Context
from ..api.dialects import Api7Dialect
from .context import Api, Call
from .cpstore import ControlStore

GROUP = "gateway_group_id"
API7 = Api7Dialect()


class GroupCollection(Collection):
    """A kind of a gateway group (`/{name}/{group id}/{id}` in the control store): any
    path id names an object (no APISIX id syntax)."""

    def dir_path(self, req: CollectionRequest) -> str:
        return f"/{self.name}/{req.parent}"

    def check_id(self, id: str) -> str:
        return id


def control_store(ctx: Context) -> ControlStore:
    assert isinstance(ctx.records, ControlStore)
    return ctx.records


def group_context(api: Api) -> Context:
    return Context(api.config, api.cp, Keyring.from_config(api.config.raw), API7, api.cp.clock)


def routes(coll: Collection, id_param: str) -> list[tuple[str, str, Any]]:
    base = f"/{coll.name}"
    item = f"{base}/{{{id_param}}}"

    def handler(api: Api, call: Call) -> Answer:
        segments = [call.params[id_param]] if id_param in call.params else []
        body = MISSING if call.body is None else call.body
        req = CollectionRequest(call.method.lower(), segments, body, call.args, call.params[GROUP])
        return coll.handle(req.method, group_context(api), req)

    return [
        ("GET", base, handler),
        ("POST", base, handler),
        ("GET", item, handler),
        ("PUT", item, handler),
        ("PATCH", item, handler),
        ("DELETE", item, handler),
    ]
