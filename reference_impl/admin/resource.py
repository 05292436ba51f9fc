"""The generic Admin API resource: get/put/post/patch/delete, id rules, timestamps and
response bodies, like APISIX's `apisix/admin/resource.lua`.

A resource module only declares its names, which methods it refuses, `check_conf`
(schema and references; returns the conf to store) and `delete_checker` (who still uses
an object); a few hooks cover keys that are not `/{name}/{id}`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from ..store import KeyValue, RevisionConflict
from .context import MISSING, AdminContext, AdminRequest
from .errors import AdminError, bad_request, not_found
from .ids import check_id, generate_id
from .patching import merge_patch, patch_sub_path

Answer = tuple[int, Any]
CAS_ATTEMPTS = 16  # a PATCH that keeps losing the compare-and-swap race gives up with 409


class Resource(ABC):
    name: str = ""  # path segment and store directory: "routes"
    kind: str = ""  # for messages: "route"
    schema_kind: str = ""  # reference_impl.schema kind
    unsupported: frozenset[str] = frozenset()
    has_id: bool = True  # False: the key comes from the body (consumers) or the path only
    timestamps: bool = True

    # --- what a resource module overrides -------------------------------------------------

    @abstractmethod
    def check_conf(self, ctx: AdminContext, id: str | None, conf: dict, req: AdminRequest) -> dict:
        """The conf to store (validated, defaults filled); raise AdminError to refuse it."""

    def delete_checker(self, ctx: AdminContext, id: str) -> None:
        """Raise AdminError when another object still references this one."""
        return None

    def locate(self, req: AdminRequest) -> tuple[str | None, str]:
        """(id, sub-path) of the request path."""
        segs = req.segments
        return (segs[0] if segs else None), "/".join(segs[1:])

    def dir_path(self, req: AdminRequest) -> str:
        return f"/{self.name}"

    def item_path(self, id: str, req: AdminRequest) -> str:
        return f"/{self.name}/{id}"

    def listed(self, ctx: AdminContext, req: AdminRequest) -> list[KeyValue]:
        return ctx.children(self.dir_path(req))

    def view(self, value: Any) -> Any:
        """What GET shows of a stored value."""
        return value

    def before_put(self, ctx: AdminContext, req: AdminRequest) -> None:
        """Checks that need the store before a PUT (a credential's consumer)."""
        return None

    def after_delete(self, ctx: AdminContext, id: str, req: AdminRequest) -> None:
        """Clean-up once the object is gone (a consumer's credentials)."""
        return None

    def check_id(self, id: str) -> str:
        return check_id(id)

    # --- the generic methods ----------------------------------------------------------------

    def handle(self, method: str, ctx: AdminContext, req: AdminRequest) -> Answer:
        """Run one of get/put/post/patch/delete (the app has checked the name)."""
        return getattr(self, method)(ctx, req)

    def refuse(self, method: str) -> None:
        if method in self.unsupported:
            raise AdminError(405, f"not supported `{method.upper()}` method for {self.kind}")

    def get(self, ctx: AdminContext, req: AdminRequest) -> Answer:
        self.refuse("get")
        id, _ = self.locate(req)
        if id is None:
            kvs = self.listed(ctx, req)
            return 200, ctx.bodies.listing(ctx.key(self.dir_path(req)), kvs, self.view, req.args)
        kv = ctx.get(self.item_path(self.check_lookup_id(id), req))
        if kv is None:
            raise not_found()
        return 200, ctx.bodies.one(kv, self.view)

    def put(self, ctx: AdminContext, req: AdminRequest) -> Answer:
        self.refuse("put")
        id, _ = self.locate(req)
        conf = self._body_object(req.body)
        id = self._resolve_id(id, conf)
        conf = self.check_conf(ctx, id, conf, req)
        id = self.stored_id(id, conf)
        self.before_put(ctx, req)
        key = ctx.key(self.item_path(id, req))
        # The replaced object's create_time is kept by a compare-and-swap; a PUT that keeps
        # losing that race writes anyway, as APISIX's PUT (a read, then a plain set) does.
        conflicts = 0
        while True:
            prev = ctx.store.get(key)
            value = dict(conf)
            if self.timestamps:
                self._stamp(ctx, value, prev.value if prev else None)
            expected = (prev.mod_revision if prev else 0) if conflicts < CAS_ATTEMPTS else None
            try:
                ctx.store.put(key, value, expect_mod_revision=expected, ttl=req.ttl)
            except RevisionConflict:
                conflicts += 1
                continue
            return (200 if prev else 201), ctx.bodies.written(key, value, "set")

    def post(self, ctx: AdminContext, req: AdminRequest) -> Answer:
        self.refuse("post")
        conf = self._body_object(req.body)
        id, _ = self.locate(req)
        if id is not None or conf.get("id") is not None:
            raise bad_request(f"wrong {self.kind} id, do not need it")
        conf = self.check_conf(ctx, None, conf, req)
        new_id = generate_id(ctx.store, ctx.prefix)
        value = {"id": new_id, **conf}
        if self.timestamps:
            self._stamp(ctx, value, None)
        key = ctx.key(self.item_path(new_id, req))
        ctx.store.put(key, value, expect_mod_revision=0, ttl=req.ttl)
        return 201, ctx.bodies.written(key, value, "create")

    def patch(self, ctx: AdminContext, req: AdminRequest) -> Answer:
        self.refuse("patch")
        id, sub_path = self.locate(req)
        if id is None:
            raise bad_request(f"missing {self.kind} id")
        id = self.check_lookup_id(id)
        if req.body is MISSING:
            raise bad_request("missing new configuration")
        if not sub_path and not isinstance(req.body, dict):
            raise bad_request("invalid configuration")
        key = ctx.key(self.item_path(id, req))
        for _ in range(CAS_ATTEMPTS):
            kv = ctx.store.get(key)
            if kv is None:
                raise not_found()
            if sub_path:
                value = patch_sub_path(kv.value, sub_path, req.body)
            else:
                value = merge_patch(kv.value, req.body)
            given_update_time = not sub_path and "update_time" in req.body
            if self.timestamps and not given_update_time:
                value["update_time"] = ctx.clock()
            if self.has_id and str(value.get("id", id)) != id:
                raise bad_request(f"wrong {self.kind} id")
            value = self.check_conf(ctx, id, value, req)
            try:
                ctx.store.put(key, value, expect_mod_revision=kv.mod_revision, ttl=req.ttl)
            except RevisionConflict:
                continue
            return 200, ctx.bodies.written(key, value, "compareAndSwap")
        raise _lost_race()

    def delete(self, ctx: AdminContext, req: AdminRequest) -> Answer:
        self.refuse("delete")
        id, _ = self.locate(req)
        if id is None:
            raise bad_request(f"missing {self.kind} id")
        id = self.check_lookup_id(id)
        if req.args.get("force") != "true":
            self.delete_checker(ctx, id)
        key = ctx.key(self.item_path(id, req))
        if ctx.store.delete(key) is None:
            raise not_found()
        self.after_delete(ctx, id, req)
        return 200, ctx.bodies.deleted(key)

    # --- helpers ------------------------------------------------------------------------------

    def check_lookup_id(self, id: str) -> str:
        """An id from the path of GET/PATCH/DELETE; a malformed one can name nothing."""
        try:
            return self.check_id(id)
        except AdminError:
            raise not_found() from None

    def stored_id(self, id: str | None, conf: dict) -> str:
        """The id the object is stored under once its conf is known."""
        return str(id)

    def _resolve_id(self, id: str | None, conf: dict) -> str | None:
        if not self.has_id:
            return id
        id = id if id is not None else conf.get("id")
        if id is None:
            raise bad_request(f"missing {self.kind} id")
        if conf.get("id") is not None and str(conf["id"]) != str(id):
            raise bad_request(f"wrong {self.kind} id")
        id = self.check_id(id)
        conf["id"] = id
        return id

    @staticmethod
    def _body_object(body: Any) -> dict:
        if body is MISSING or body is None:
            raise bad_request("missing configurations")
        if not isinstance(body, dict):
            raise bad_request(
                f"invalid configuration: wrong type: expected object, got {_json_type(body)}"
            )
        return body

    @staticmethod
    def _stamp(ctx: AdminContext, value: dict, prev: Any) -> None:
        """create_time kept from the replaced object, else now; update_time now unless given."""
        if "create_time" not in value:
            old = prev.get("create_time") if isinstance(prev, dict) else None
            value["create_time"] = old if old is not None else ctx.clock()
        if "update_time" not in value:
            value["update_time"] = ctx.clock()


def _lost_race() -> AdminError:
    return AdminError(409, "value changed before overwritten")


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else "null"
