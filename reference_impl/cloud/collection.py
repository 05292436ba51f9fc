"""The Cloud API's kinds on the generic `Collection`: the Cloud dialect (payloads in the
envelope, `CloudError` refusals, ISO timestamps, `{"list", "count"}` pages, PATCH as a
merge of the changes) and the endpoints of a kind owned by a cluster or an application
(`/clusters/{cluster_id}/{name}[/{id}]`, `/apps/{app_id}/{name}[/{id}]`).

Such a kind is stored flat (`/gwconform/cloud/{name}/{id}`) and names its owner in a field
(`cluster_id`, `app_id`): an object of another owner is not found."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from ..api.actions import Actions, row
from ..api.collection import Answer, Collection
from ..api.context import MISSING, CollectionRequest, Context, Resource
from ..store import KeyValue
from .context import CloudContext, CloudRequest
from .envelope import NO_PAYLOAD, CloudError, invalid, not_found
from .listing import page
from .records import stamp
from .validation import check_body, check_path_id, require

Record = dict[str, Any]
Handler = Callable[[CloudContext, CloudRequest], Any]
# the Cloud API answers whoever holds its bearer token (cloud/auth.py): no IAM action
TOKEN_ONLY = Actions(
    lambda base, item: [
        *(row(m, base, None) for m in ("GET", "POST")),
        *(row(m, f"{base}/{item}", None) for m in ("GET", "PUT", "PATCH", "DELETE")),
    ]
)


@dataclass
class CloudCollectionContext(Context):
    cloud: CloudContext | None = None


def cloud_of(ctx: Context) -> CloudContext:
    assert isinstance(ctx, CloudCollectionContext) and ctx.cloud is not None
    return ctx.cloud


class CloudCollection(Collection):
    """A kind of the Cloud API: token-only endpoints, and a malformed path id is a 400."""

    actions = TOKEN_ONLY

    def check_id(self, id: str) -> str:
        return check_path_id(id, self.kind)  # a CloudError (400): not made a 404

    def owns(self, value: Any, req: CollectionRequest) -> bool:
        return isinstance(value, dict)


class OwnedCollection(CloudCollection):
    """A kind whose objects belong to an owner (a cluster by default); declarations give
    `schema`, `patch_schema` and `fields` (the object's fields, the owner's id included).
    With `items_unscoped`, an item is also read without its owner (`/clusters/{id}`, the
    list being `/orgs/{id}/clusters`): a request without a parent is not checked for one."""

    owner_kind, owner_label, owner_field = "clusters", "cluster", "cluster_id"
    items_unscoped = False
    order_fields: tuple[str, ...] = ("created_at", "updated_at", "name")
    schema: dict[str, Any] = {}
    patch_schema: dict[str, Any] = {}

    @abstractmethod
    def fields(self, ctx: Context, id: str | None, conf: Record, req: CollectionRequest) -> Record:
        """The object's fields from a checked body (or a PATCH's merge), `cluster_id` too."""

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        if req.method != "patch":  # a PATCH checked its merge already
            conf = check_body(self.schema, conf)
        return self.fields(ctx, id, conf, req)

    def owns(self, value: Any, req: CollectionRequest) -> bool:
        if req.parent is None and self.items_unscoped:
            return isinstance(value, dict)
        return isinstance(value, dict) and value.get(self.owner_field) == req.parent

    def listed(self, ctx: Context, req: CollectionRequest) -> list[KeyValue]:
        return [kv for kv in super().listed(ctx, req) if self.owns(kv.value, req)]

    patch_drops_nulls = False  # whether a PATCH's null removes a field

    def merged(self, old: Record, changes: Record) -> Record:
        """The object a PATCH asks for: `changes` over `old`."""
        merged = {**old, **changes}
        if self.patch_drops_nulls:
            return {k: v for k, v in merged.items() if v is not None}
        return merged

    def keep(self, req: CollectionRequest) -> Callable[[Record], bool] | None:
        """The list query filter of this kind beyond the shared ones."""
        return None

    def listed_row(self, value: Record) -> Record:
        """What the list query's filters and order see of a stored object."""
        return value

    def page_view(self, row: Record) -> Any:
        """What a list page shows of a `listed_row`."""
        return row

    def handle(self, method: str, ctx: Context, req: CollectionRequest) -> Answer:
        if req.parent is None and self.items_unscoped:
            return super().handle(method, ctx, req)
        owner_id = check_path_id(str(req.parent), self.owner_label)
        require(ctx.records.get(self.owner_kind, owner_id), self.owner_label)
        return super().handle(method, ctx, req)


class CloudDialect:
    put_creates = False
    force_delete = False
    api7_admin = False

    def ttl(self, req: CollectionRequest) -> int | None:
        return None

    def body_object(self, body: Any) -> Record:
        if body is MISSING:
            raise invalid("missing request body")
        return cast(Record, body)  # checked against the kind's schema by check_conf

    def resolve_id(self, coll: Resource, id: str | None, conf: Record) -> str | None:
        return id

    def check_new(self, coll: Resource, id: str | None, conf: Record) -> None:
        return None

    def record(self, coll: Resource, ctx: Context, id: str, conf: Record, prev: Any) -> Record:
        return stamp({**conf, "id": id}, prev if isinstance(prev, dict) else None)

    def check_patch(self, coll: Resource, req: CollectionRequest) -> None:
        if req.body is MISSING:
            raise invalid("missing request body")

    def patched(
        self, coll: Resource, ctx: Context, id: str, old: Any, req: CollectionRequest
    ) -> Record:
        assert isinstance(coll, OwnedCollection)
        merged = coll.merged(old, dict(check_body(coll.patch_schema, req.body)))
        properties = coll.schema["properties"]
        check_body(coll.schema, {k: v for k, v in merged.items() if k in properties})
        return self.record(coll, ctx, id, coll.check_conf(ctx, id, merged, req), old)

    def listing(
        self, coll: Resource, ctx: Context, req: CollectionRequest, kvs: list[KeyValue]
    ) -> Any:
        assert isinstance(coll, OwnedCollection)
        rows = [coll.listed_row(kv.value) for kv in kvs]
        return page(
            rows,
            req.args,
            coll.order_fields,
            search_fields=coll.search_fields,
            keep=coll.keep(req),
            view=coll.page_view,
        )

    def one(self, coll: Resource, ctx: Context, kv: KeyValue) -> Any:
        return coll.view_in(ctx, kv.value)

    def written(
        self, coll: Resource, ctx: Context, key: str, value: Record, action: str, status: int
    ) -> Answer:
        return 200, coll.view_in(ctx, value)

    def deleted(self, key: str) -> Any:
        return NO_PAYLOAD

    def not_found(self, coll: Resource, id: str, req: CollectionRequest) -> CloudError:
        return not_found(coll.kind)


CLOUD = CloudDialect()


def cloud_handler(
    coll: Collection, method: str, id_param: str | None = None, owner_param: str | None = None
) -> Handler:
    """The Cloud app's handler of one of `coll`'s methods: the item named by the path
    parameter `id_param`, the owner (a request's parent) by `owner_param`."""

    def handle(cloud: CloudContext, req: CloudRequest) -> Any:
        segments = [req.params[id_param]] if id_param and id_param in req.params else []
        parent = req.params[owner_param] if owner_param else None
        request = CollectionRequest(method, segments, req.body, req.query, parent)
        ctx = CloudCollectionContext(cloud.config, cloud.records, cloud.keyring, CLOUD, cloud=cloud)
        return coll.handle(method, ctx, request)[1]

    return handle


def owned_endpoints(
    coll: OwnedCollection, id_param: str, on_list: dict[str, Handler] | None = None
) -> list[tuple[str, dict[str, Handler]]]:
    """The Cloud app's endpoint rows of an owned kind (`on_list`: more handlers of its list
    path)."""
    base = f"/{coll.owner_kind}/{{{coll.owner_field}}}/{coll.path or coll.name}"

    def handler(method: str) -> Handler:
        return cloud_handler(coll, method, id_param, coll.owner_field)

    served = {"get", "post", "put", "patch", "delete"} - coll.unsupported
    on_base = {**{m.upper(): handler(m) for m in ("get", "post") if m in served}, **(on_list or {})}
    item_methods = (
        ("get", "put", "patch", "delete") if coll.item_get else ("put", "patch", "delete")
    )
    on_item = {m.upper(): handler(m) for m in item_methods if m in served}
    return [(base, on_base), (f"{base}/{{{id_param}}}", on_item)]
