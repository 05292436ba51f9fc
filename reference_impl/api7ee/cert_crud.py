"""The CRUD that certificates, CA certificates and SNIs share under `/apisix/admin`
(`?gateway_group_id=`, filled in by the dispatcher): POST creates with a generated id, GET
lists (filters, search, order, paging) or reads one, PUT replaces, PATCH applies a JSON
Patch (`add`/`replace`) to the writable fields, DELETE removes. A `Kind` says what differs:
its schema, how a body becomes a record, what a write renders and who may block a delete."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .cert_store import records, require
from .context import Api, Call
from .cpstore import new_id
from .schemas import check
from .web import ApiError, apply_patch, value

GROUP = "gateway_group_id"
Record = dict[str, Any]


@dataclass(frozen=True)
class Kind:
    collection: str  # the store kind and the path segment
    id_param: str
    schema: dict[str, Any]
    build: Callable[[Api, str, Record], Record]  # checked body -> record fields
    commit: Callable[[Api, str, Record, int], None]  # store a full record and render it
    editable: Callable[[Api, Record], Record]  # the document a JSON Patch applies to
    view: Callable[[Record], Record]
    remove: Callable[[Api, str, Record], None]  # refuse if in use, then delete
    narrow: Callable[[Api, str, Any, list[Record]], list[Record]]  # list query filters
    order_fields: tuple[str, ...]
    default_order: str
    search_fields: tuple[str, ...]


def _save(
    api: Api, kind: Kind, group_id: str, obj_id: str, body: Any, old: Record | None
) -> Record:
    fields = kind.build(api, group_id, check(kind.schema, body, read_only_ok=True))
    now = api.cp.clock()
    created = old["created_at"] if old and isinstance(old.get("created_at"), int) else now
    full = {**fields, "id": obj_id, "created_at": created, "updated_at": now}
    kind.commit(api, group_id, full, now)
    return full


def handlers(kind: Kind) -> list[tuple[str, str, Any]]:
    base = f"/{kind.collection}"
    item = f"{base}/{{{kind.id_param}}}"

    def list_all(api: Api, call: Call) -> tuple[int, Any]:
        group_id = call.params[GROUP]
        rows = [kind.view(r) for r in records(api.cp, kind.collection, group_id)]
        rows = kind.narrow(api, group_id, call.args, rows)
        answer = call.listing(
            rows,
            order_fields=kind.order_fields,
            default_order=kind.default_order,
            search_fields=kind.search_fields,
        )
        return 200, answer

    def create(api: Api, call: Call) -> tuple[int, Any]:
        saved = _save(api, kind, call.params[GROUP], new_id(), call.obj(), None)
        return 200, value(kind.view(saved))

    def get_one(api: Api, call: Call) -> tuple[int, Any]:
        found = require(api.cp, kind.collection, call.params[GROUP], call.params[kind.id_param])
        return 200, value(kind.view(found))

    def put_one(api: Api, call: Call) -> tuple[int, Any]:
        group_id, obj_id = call.params[GROUP], call.params[kind.id_param]
        old = require(api.cp, kind.collection, group_id, obj_id)
        return 200, value(kind.view(_save(api, kind, group_id, obj_id, call.obj(), old)))

    def patch_one(api: Api, call: Call) -> tuple[int, Any]:
        group_id, obj_id = call.params[GROUP], call.params[kind.id_param]
        old = require(api.cp, kind.collection, group_id, obj_id)
        patched = apply_patch(kind.editable(api, old), call.patch())
        return 200, value(kind.view(_save(api, kind, group_id, obj_id, patched, old)))

    def delete_one(api: Api, call: Call) -> tuple[int, Any]:
        group_id = call.params[GROUP]
        old = require(api.cp, kind.collection, group_id, call.params[kind.id_param])
        kind.remove(api, group_id, old)
        return 200, None

    return [
        ("GET", base, list_all),
        ("POST", base, create),
        ("GET", item, get_one),
        ("PUT", item, put_one),
        ("PATCH", item, patch_one),
        ("DELETE", item, delete_one),
    ]


def int_arg(args: Any, name: str) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, f"invalid query parameter {name}: must be an integer") from None
