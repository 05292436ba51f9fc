"""A collection's endpoints as (method, path, handler) route rows for an app whose
handlers take (owner, call): list and create on `/{name}`, get, replace, patch and
delete on `/{name}/{id_param}`, for the methods the collection serves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from .collection import Answer, Collection
from .context import MISSING, CollectionRequest, Context
from .mounts import mount


class Call(Protocol):
    method: str
    params: dict[str, str]
    args: Any
    body: Any


Handler = Callable[[Any, Call], Answer]


def collection_routes(
    coll: Collection,
    id_param: str | tuple[str, ...],
    context: Callable[[Any], Context],
    prefix: str,
    scope_param: str | None = None,
    under: str = "",
    scope_of: Callable[[Any], str | None] | None = None,
) -> list[tuple[str, str, Handler]]:
    """`context(owner)` gives the context of the owner an app passes its handlers; the
    app serves the paths under `prefix` (the collection is mounted there for IAM), the
    collection's own below `under` (an item named by one path parameter, or by several
    in turn: `("secret_provider", "secret_provider_id")`); `scope_param` names the request value that scopes
    the collection (a gateway group), or `scope_of(call)` gives it (the calling user)."""
    mount(prefix + under, coll)
    base = f"{under}/{coll.path or coll.name}"
    id_params = (id_param,) if isinstance(id_param, str) else id_param
    item = base + "".join(f"/{{{p}}}" for p in id_params)

    def handler(owner: Any, call: Call) -> Answer:
        segments = [call.params[p] for p in id_params if p in call.params]
        body = MISSING if call.body is None else call.body
        if scope_of is not None:
            scope = scope_of(call)
        else:
            scope = call.params[scope_param] if scope_param else None
        req = CollectionRequest(call.method.lower(), segments, body, call.args, scope, call)
        return coll.handle(req.method, context(owner), req)

    served = [
        ("GET", base, "get"),
        ("POST", base, "post"),
        ("GET", item, "get"),
        ("PUT", item, "put"),
        ("PATCH", item, "patch"),
        ("DELETE", item, "delete"),
    ]
    return [
        (m, path, handler)
        for m, path, name in served
        if name not in coll.unsupported and (coll.item_get or (m, path) != ("GET", item))
    ]
