"""What differs between the APIs a `Collection` serves: the answer bodies, how a body is
refused, ids in bodies, what PATCH means, timestamps, and the 404.

`ApisixDialect`: APISIX's Admin API (`resource.lua`): PUT creates or replaces, PATCH
merges (or replaces a sub-path), `create_time`/`update_time`, v3 or v2 bodies.
`Api7Dialect`: API7's `/apisix/admin` kinds of a gateway group: POST creates, PUT and
PATCH (a JSON Patch of `add`/`replace`) change an existing object, `created_at`/
`updated_at`, `{"value": ...}` and `{"list", "total"}` answers.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from ..store import KeyValue
from .apisix_bodies import APISIX_PAGE_SIZES, Bodies
from .context import MISSING, Answer, CollectionRequest, Context, Dialect, Record, Resource
from .errors import ApiError, bad_request, key_not_found
from .listing import list_answer
from .patching import apply_patch, merge_patch, patch_sub_path

__all__ = ["Api7Dialect", "ApisixDialect", "Dialect", "IamDialect", "check_json_patch"]


class ApisixDialect(Bodies):
    put_creates = True
    force_delete = True

    def __init__(
        self, version: str, page_sizes: range = APISIX_PAGE_SIZES, *, api7_admin: bool = False
    ) -> None:
        super().__init__(version, page_sizes)
        self.api7_admin = api7_admin

    def ttl(self, req: CollectionRequest) -> int | None:
        return req.ttl

    def body_object(self, body: Any) -> Record:
        if body is MISSING or body is None:
            raise bad_request("missing configurations")
        if not isinstance(body, dict):
            raise bad_request(
                f"invalid configuration: wrong type: expected object, got {_json_type(body)}"
            )
        return body

    def resolve_id(self, coll: Resource, id: str | None, conf: Record) -> str | None:
        if not coll.has_id:
            return id
        id = id if id is not None else conf.get("id")
        if id is None:
            raise bad_request(f"missing {coll.kind} id")
        if conf.get("id") is not None and str(conf["id"]) != str(id):
            raise bad_request(f"wrong {coll.kind} id")
        id = coll.check_id(id)
        conf["id"] = id
        return id

    def check_new(self, coll: Resource, id: str | None, conf: Record) -> None:
        if id is not None or conf.get("id") is not None:
            raise bad_request(f"wrong {coll.kind} id, do not need it")

    def record(self, coll: Resource, ctx: Context, id: str, conf: Record, prev: Any) -> Record:
        """create_time kept from the replaced object, else now; update_time now unless given."""
        value = dict(conf)
        if coll.timestamps:
            if "create_time" not in value:
                old = prev.get("create_time") if isinstance(prev, dict) else None
                value["create_time"] = old if old is not None else ctx.clock()
            if "update_time" not in value:
                value["update_time"] = ctx.clock()
        return value

    def check_patch(self, coll: Resource, req: CollectionRequest) -> None:
        if self._json_patch(req):
            check_json_patch(req.body)
            return
        sub_path = coll.locate(req)[1]
        if req.body is MISSING:
            raise bad_request("missing new configuration")
        if not sub_path and not isinstance(req.body, dict):
            raise bad_request("invalid configuration")

    def patched(
        self, coll: Resource, ctx: Context, id: str, old: Any, req: CollectionRequest
    ) -> Record:
        sub_path = coll.locate(req)[1]
        if self._json_patch(req):
            value = apply_patch(old, req.body)
        elif sub_path:
            value = patch_sub_path(old, sub_path, req.body)
        else:
            value = merge_patch(old, req.body)
        given_update_time = (
            isinstance(req.body, dict) and not sub_path and "update_time" in req.body
        )
        if coll.timestamps and not given_update_time:
            value["update_time"] = ctx.clock()
        if coll.has_id and str(value.get("id", id)) != id:
            raise bad_request(f"wrong {coll.kind} id")
        return coll.check_conf(ctx, id, value, req)

    def _json_patch(self, req: CollectionRequest) -> bool:
        return self.api7_admin and isinstance(req.body, list)

    def listing(
        self, coll: Resource, ctx: Context, req: CollectionRequest, kvs: list[KeyValue]
    ) -> Any:
        view = partial(coll.view_in, ctx)
        return self.list_body(ctx.key(coll.dir_path(req)), kvs, view, req.args)

    def one(self, coll: Resource, ctx: Context, kv: KeyValue) -> Any:
        return self.one_body(kv, partial(coll.view_in, ctx))

    def written(
        self, coll: Resource, ctx: Context, key: str, value: Record, action: str, status: int
    ) -> Answer:
        return status, self.written_body(key, value, action)

    def deleted(self, key: str) -> Any:
        return self.deleted_body(key)

    def not_found(self, coll: Resource, id: str, req: CollectionRequest) -> ApiError:
        return key_not_found()


class Api7Dialect:
    put_creates = False
    force_delete = False
    api7_admin = False

    def ttl(self, req: CollectionRequest) -> int | None:
        return None

    def body_object(self, body: Any) -> Record:
        if body is MISSING or body is None:
            raise ApiError(400, "request body is required")
        if not isinstance(body, dict):
            raise ApiError(400, "invalid request body: expected a JSON object")
        return body

    def resolve_id(self, coll: Resource, id: str | None, conf: Record) -> str | None:
        return id  # ids in bodies are read-only fields, dropped by the schema check

    def check_new(self, coll: Resource, id: str | None, conf: Record) -> None:
        return None

    def record(self, coll: Resource, ctx: Context, id: str, conf: Record, prev: Any) -> Record:
        now = ctx.clock()
        old = prev.get("created_at") if isinstance(prev, dict) else None
        created = old if isinstance(old, int) else now
        return {**conf, "id": id, "created_at": created, "updated_at": now}

    def check_patch(self, coll: Resource, req: CollectionRequest) -> None:
        check_json_patch(req.body)

    def patched(
        self, coll: Resource, ctx: Context, id: str, old: Any, req: CollectionRequest
    ) -> Record:
        document = apply_patch(coll.editable(ctx, old), req.body)
        return self.record(coll, ctx, id, coll.check_conf(ctx, id, document, req), old)

    def listing(
        self, coll: Resource, ctx: Context, req: CollectionRequest, kvs: list[KeyValue]
    ) -> Any:
        rows = [coll.view_in(ctx, kv.value) for kv in kvs if isinstance(kv.value, dict)]
        return list_answer(
            coll.narrow(ctx, req, rows),
            req.args,
            order_fields=coll.order_fields,
            default_order=coll.default_order,
            search_fields=coll.search_fields,
        )

    def one(self, coll: Resource, ctx: Context, kv: KeyValue) -> Any:
        return {"value": coll.view_in(ctx, kv.value)}

    def written(
        self, coll: Resource, ctx: Context, key: str, value: Record, action: str, status: int
    ) -> Answer:
        return 200, {"value": coll.view_in(ctx, value)}

    def deleted(self, key: str) -> Any:
        return None

    def not_found(self, coll: Resource, id: str, req: CollectionRequest) -> ApiError:
        return ApiError(404, coll.missing(id, req))


class IamDialect(Api7Dialect):
    """IAM's users, roles, policies: as API7's kinds, but not scoped to a gateway group,
    and a delete answers `{"value": {}}`."""

    def body_object(self, body: Any) -> Record:
        if not isinstance(body, dict):
            raise ApiError(400, "invalid request body: expected a JSON object")
        return body

    def deleted(self, key: str) -> Any:
        return {"value": {}}

    def not_found(self, coll: Resource, id: str, req: CollectionRequest) -> ApiError:
        return ApiError(404, f"{coll.kind} {id} not found")


def check_json_patch(body: Any, ops: tuple[str, ...] = ("add", "replace")) -> list:
    """A non-empty JSON Patch of the allowed operations, each with a `value`."""
    if not isinstance(body, list) or not body:
        raise ApiError(400, "invalid request body: expected a non-empty JSON Patch array")
    for op in body:
        if not isinstance(op, dict) or not isinstance(op.get("path"), str):
            raise ApiError(400, "invalid JSON Patch operation: each needs `op` and `path`")
        if op.get("op") not in ops:
            raise ApiError(
                400, f"invalid JSON Patch operation {op.get('op')!r}: use one of {list(ops)}"
            )
        if "value" not in op:
            raise ApiError(400, f"invalid JSON Patch operation at {op['path']}: missing `value`")
    return body


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else "null"
