"""The generic resource: get/put/post/patch/delete, ids, compare-and-swap, timestamps
and answers, like APISIX's `apisix/admin/resource.lua`, for every API on the admin port.

A collection module only declares its names, which methods it refuses, `check_conf`
(schema and references; returns the conf to store), `view` (what GET shows) and
`delete_checker` (who still uses an object); a few hooks cover keys that are not
`/{name}/{id}`. What differs per API (answer bodies, refusals, ids in bodies, PATCH
documents, timestamps) is the context's `Dialect`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from ..store import KeyValue, RevisionConflict
from .actions import Actions
from .context import Answer, CollectionRequest, Context
from .errors import ApiError, bad_request, key_not_found
from .ids import check_id

CAS_ATTEMPTS = 16  # compare-and-swap races a write may lose before it gives up with 409


class Collection(ABC):
    name: str = ""  # path segment and store directory: "routes"
    path: str = ""  # the path segment(s) when not the name: "routes/template"
    kind: str = ""  # for messages: "route"
    schema_kind: str = ""  # reference_impl.schema kind
    unsupported: frozenset[str] = frozenset()
    # methods APISIX refuses that API7 serves on `/apisix/admin?gateway_group_id=`
    api7_methods: frozenset[str] = frozenset()
    has_id: bool = True  # False: the key comes from the body (consumers) or the path only
    timestamps: bool = True
    # list queries of the API7 dialect: the fields `order_by` and `search` may name
    order_fields: tuple[str, ...] = ("created_at", "updated_at")
    default_order: str = "updated_at"
    search_fields: tuple[str, ...] = ("name",)
    put_creates: bool | None = None  # whether PUT may create; None: as the dialect says
    # the IAM action of each endpoint; every method a concrete collection serves needs one
    actions: Actions | None = None
    item_pattern: str = "{id}"  # the item below the list path, as the IAM table names it
    item_get: bool = True  # False: GET serves the list only, no single item

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.name:  # a shared base, not a collection
            return
        served = {"get", "put", "post", "patch", "delete"} - (cls.unsupported - cls.api7_methods)
        missing = served - (cls.actions.methods() if cls.actions else set())
        if missing:
            raise TypeError(f"collection {cls.name}: no IAM action for {sorted(missing)}")

    def base(self, prefix: str) -> str:
        """The list path under an API's prefix (`/apisix/admin` -> `/apisix/admin/routes`)."""
        return f"{prefix}/{self.path or self.name}"

    # --- what a collection module overrides -----------------------------------------------

    @abstractmethod
    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        """The conf to store (validated, defaults filled); raise ApiError to refuse it."""

    def delete_checker(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        """Raise ApiError when another object still references this one."""
        return None

    def locate(self, req: CollectionRequest) -> tuple[str | None, str]:
        """(id, sub-path) of the request path."""
        segs = req.segments
        return (segs[0] if segs else None), "/".join(segs[1:])

    def dir_path(self, req: CollectionRequest) -> str:
        return f"/{self.name}"

    def item_path(self, id: str, req: CollectionRequest) -> str:
        return f"{self.dir_path(req)}/{id}"

    def store_key(self, ctx: Context, id: str, req: CollectionRequest) -> str:
        """The store key of an item (by default under the records' root)."""
        return ctx.key(self.item_path(id, req))

    def listed(self, ctx: Context, req: CollectionRequest) -> list[KeyValue]:
        return ctx.children(self.dir_path(req))

    def narrow(
        self, ctx: Context, req: CollectionRequest, rows: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The list query filters of this collection beyond the dialect's own."""
        return rows

    def owns(self, value: Any, req: CollectionRequest) -> bool:
        """Whether a stored object belongs to the request's scope (a Cloud cluster)."""
        return True

    def view(self, value: Any) -> Any:
        """What GET shows of a stored value."""
        return value

    def view_in(self, ctx: Context, value: Any) -> Any:
        """What an answer shows of a stored value, with fields derived from outside the
        record (a gateway group's instances); by default its `view`."""
        return self.view(value)

    def stamp(self, ctx: Context, id: str, conf: dict, prev: Any) -> dict:
        """The value PUT or POST stores (ids and timestamps), `prev` the replaced one."""
        return ctx.dialect.record(self, ctx, id, conf, prev)

    def encode(self, ctx: Context, value: dict) -> dict:
        """The form a written value is stored and answered in (fields encrypted); its
        `editable` document decodes them for a PATCH."""
        return value

    def new_id(self, ctx: Context, req: CollectionRequest) -> str:
        """The id of an object POST creates (a client may choose it: check it in
        `check_conf`)."""
        return ctx.records.new_id()

    def created(self, ctx: Context, id: str, conf: dict) -> dict:
        """The conf of an object POST creates, once its new id is known (fields derived
        from the id)."""
        return {"id": id, **conf}

    def changed(self, ctx: Context, req: CollectionRequest, id: str) -> None:
        """Called once a write or delete of `id` has been stored (data-plane sync)."""
        return None

    def editable(self, ctx: Context, value: dict[str, Any]) -> dict[str, Any]:
        """The document a JSON Patch applies to (API7 dialect)."""
        return value

    def check_mutable(self, ctx: Context, value: Any) -> None:
        """Raise ApiError when an existing object may not be changed or deleted (built-ins)."""
        return None

    def before_put(self, ctx: Context, req: CollectionRequest) -> None:
        """Checks that need the store before a PUT or POST writes (a credential's consumer)."""
        return None

    def commit(
        self, ctx: Context, req: CollectionRequest, key: str, value: dict, rev: int | None
    ) -> None:
        """Store `value` if `key` is still at mod revision `rev` (0: absent; None: whatever
        it holds)."""
        ctx.records.write(key, value, expect_mod_revision=rev, ttl=ctx.dialect.ttl(req))

    def after_delete(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        """Clean-up once the object is gone (a consumer's credentials)."""
        return None

    def check_id(self, id: str) -> str:
        return check_id(id)

    def missing(self, id: str, req: CollectionRequest) -> str:
        """The message of API7's 404 for an object that does not exist."""
        return f"{self.kind} {id} not found on gateway group {req.parent}"

    # --- the generic methods ----------------------------------------------------------------

    def handle(self, method: str, ctx: Context, req: CollectionRequest) -> Answer:
        """Run one of get/put/post/patch/delete (the app has checked the name)."""
        return getattr(self, method)(ctx, req)

    def refuse(self, method: str, ctx: Context) -> None:
        api7 = ctx.dialect.api7_admin and method in self.api7_methods
        if method in self.unsupported and not api7:
            raise ApiError(405, f"not supported `{method.upper()}` method for {self.kind}")

    def get(self, ctx: Context, req: CollectionRequest) -> Answer:
        self.refuse("get", ctx)
        id, _ = self.locate(req)
        if id is None:
            return 200, ctx.dialect.listing(self, ctx, req, self.listed(ctx, req))
        return 200, ctx.dialect.one(self, ctx, self._existing(ctx, id, req))

    def put(self, ctx: Context, req: CollectionRequest) -> Answer:
        self.refuse("put", ctx)
        id, _ = self.locate(req)
        if not self.creates(ctx) and id is not None:
            self._changeable(ctx, id, req)
        conf = ctx.dialect.body_object(req.body)
        id = ctx.dialect.resolve_id(self, id, conf)
        conf = self.check_conf(ctx, id, conf, req)
        id = self.stored_id(id, conf)
        self.before_put(ctx, req)
        key = self.store_key(ctx, id, req)
        conflicts = 0
        while True:
            prev = ctx.store.get(key)
            if prev is None and not self.creates(ctx):
                raise ctx.dialect.not_found(self, id, req)
            value = self.encode(ctx, self.stamp(ctx, id, conf, prev.value if prev else None))
            rev: int | None = prev.mod_revision if prev else 0
            if conflicts == CAS_ATTEMPTS:
                if not self.creates(ctx):
                    raise _lost_race()
                # APISIX's PUT is a read, then a plain set: it never conflicts
                rev = None
            try:
                self.commit(ctx, req, key, value, rev)
            except RevisionConflict:
                conflicts += 1
                continue
            self.changed(ctx, req, id)
            return ctx.dialect.written(self, ctx, key, value, "set", 200 if prev else 201)

    def post(self, ctx: Context, req: CollectionRequest) -> Answer:
        self.refuse("post", ctx)
        conf = ctx.dialect.body_object(req.body)
        id, _ = self.locate(req)
        ctx.dialect.check_new(self, id, conf)
        conf = self.check_conf(ctx, None, conf, req)
        self.before_put(ctx, req)
        new_id = self.new_id(ctx, req)
        value = self.encode(ctx, self.stamp(ctx, new_id, self.created(ctx, new_id, conf), None))
        key = self.store_key(ctx, new_id, req)
        self.commit(ctx, req, key, value, 0)
        self.changed(ctx, req, new_id)
        return ctx.dialect.written(self, ctx, key, value, "create", 201)

    def patch(self, ctx: Context, req: CollectionRequest) -> Answer:
        self.refuse("patch", ctx)
        id, _ = self.locate(req)
        if id is None:
            raise bad_request(f"missing {self.kind} id")
        if not ctx.dialect.put_creates:
            self._changeable(ctx, id, req)
        id = self.check_lookup_id(id)
        ctx.dialect.check_patch(self, req)
        key = self.store_key(ctx, id, req)
        for _ in range(CAS_ATTEMPTS):
            kv = ctx.store.get(key)
            if kv is None:
                raise ctx.dialect.not_found(self, id, req)
            value = self.encode(ctx, ctx.dialect.patched(self, ctx, id, kv.value, req))
            try:
                self.commit(ctx, req, key, value, kv.mod_revision)
            except RevisionConflict:
                continue
            self.changed(ctx, req, id)
            return ctx.dialect.written(self, ctx, key, value, "compareAndSwap", 200)
        raise _lost_race()

    def delete(self, ctx: Context, req: CollectionRequest) -> Answer:
        self.refuse("delete", ctx)
        id, _ = self.locate(req)
        if id is None:
            raise bad_request(f"missing {self.kind} id")
        if not ctx.dialect.put_creates:  # API7: the object must exist before its users count
            self._changeable(ctx, id, req)
        id = self.check_lookup_id(id)
        if not (ctx.dialect.force_delete and req.args.get("force") == "true"):
            self.delete_checker(ctx, id, req)
        key = self.store_key(ctx, id, req)
        if not ctx.records.remove(key):
            raise ctx.dialect.not_found(self, id, req)
        self.after_delete(ctx, id, req)
        self.changed(ctx, req, id)
        return 200, ctx.dialect.deleted(key)

    # --- helpers ------------------------------------------------------------------------------

    def check_lookup_id(self, id: str) -> str:
        """An id from the path of GET/PATCH/DELETE; a malformed one can name nothing."""
        try:
            return self.check_id(id)
        except ApiError:
            raise key_not_found() from None

    def stored_id(self, id: str | None, conf: dict) -> str:
        """The id the object is stored under once its conf is known."""
        return str(id)

    def creates(self, ctx: Context) -> bool:
        """Whether PUT creates; if not, it needs the object first (404)."""
        return ctx.dialect.put_creates if self.put_creates is None else self.put_creates

    def _existing(self, ctx: Context, id: str, req: CollectionRequest) -> KeyValue:
        kv = ctx.store.get(self.store_key(ctx, self.check_lookup_id(id), req))
        if kv is None or not self.owns(kv.value, req):
            raise ctx.dialect.not_found(self, id, req)
        return kv

    def _changeable(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        self.check_mutable(ctx, self._existing(ctx, id, req).value)


class RecordCollection(Collection):
    """A collection of API7 or IAM records: any path id names an object (no APISIX id
    syntax), and a stored value that is not a JSON object is none (as `Records.get`)."""

    def check_id(self, id: str) -> str:
        return id

    def owns(self, value: Any, req: CollectionRequest) -> bool:
        return isinstance(value, dict)


def _lost_race() -> ApiError:
    return ApiError(409, "value changed before overwritten")
