"""The IAM action of every endpoint: one row of the enforcement table, the helpers that
write rows, and `Actions`, the rows a `Collection` declares for its endpoints (the IAM
table is built from the declarations, `reference_impl.iam.endpoints`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # `{name}` is a path parameter
    action: str | None
    args: tuple[str, ...] = ()  # request values filling the ARN's %s slots, in order
    resource: str | None = None  # only for actions the catalog does not list
    # a list answer filtered per item: the field of each listed object whose value fills
    # the ARN's last slot (its `*` argument); None: the list is checked once, as a whole
    lists: str | None = None
    # the row applies only to requests carrying this query argument (the same path without
    # it is another operation: `/api/import/services?gateway_group_id=`)
    query: str | None = None


def row(
    method: str,
    path: str,
    action: str | None,
    *args: str,
    resource: str | None = None,
    lists: str | None = None,
    query: str | None = None,
) -> Endpoint:
    if lists is not None and (not args or args[-1] != "*"):
        raise ValueError(f"{method} {path}: a filtered list needs `*` as its last argument")
    return Endpoint(method, path, action, args, resource, lists, query)


def crud(
    base: str,
    item: str,
    noun: str,
    scope: tuple[str, ...],
    *,
    item_arg: str | None = None,
    patch: bool = True,
    prefix: str = "gateway",
    get: str | None = None,
    resource: str | None = None,
    item_field: str = "id",
) -> list[Endpoint]:
    """List, create, get, update (PUT and PATCH), delete of one resource kind. With an
    `item_arg` naming the item, the list answer is filtered per item by `item_field`."""
    ident = (*scope, item_arg) if item_arg else scope
    listing = (*scope, "*") if item_arg else scope
    lists = item_field if item_arg and item_arg != "*" else None
    get_action = f"{prefix}:{get or 'Get' + noun}"
    rows = [
        row("GET", base, get_action, *listing, resource=resource, lists=lists),
        row("POST", base, f"{prefix}:Create{noun}", *scope, resource=resource),
        row("GET", f"{base}/{item}", get_action, *ident, resource=resource),
        row("PUT", f"{base}/{item}", f"{prefix}:Update{noun}", *ident, resource=resource),
        row("DELETE", f"{base}/{item}", f"{prefix}:Delete{noun}", *ident, resource=resource),
    ]
    if patch:
        rows.append(
            row("PATCH", f"{base}/{item}", f"{prefix}:Update{noun}", *ident, resource=resource)
        )
    return rows


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Actions:
    """The rows of a collection's endpoints, given its list path and the path segments
    of an item below it (`{id}`)."""

    rows: Callable[[str, str], list[Endpoint]]

    def methods(self) -> set[str]:
        """The methods (lower case) that have a row."""
        return {e.method.lower() for e in self.rows("/b", "{id}")}


def crud_actions(
    noun: str, scope: tuple[str, ...], *, create: bool = True, **options: Any
) -> Actions:
    """`crud()`'s rows: list, create (unless not `create`), get, update (PUT and PATCH),
    delete of one kind."""
    return Actions(
        lambda base, item: [
            r for r in crud(base, item, noun, scope, **options) if create or r.method != "POST"
        ]
    )


def same_actions(
    get: str | None, update: str | None, *args: str, methods: tuple[str, ...] = METHODS
) -> Actions:
    """Every read checked as `get`, every write as `update`, on the same ARN (None: any
    authenticated caller)."""

    def rows(base: str, item: str) -> list[Endpoint]:
        out = [row("GET", base, get, *args)] if "GET" in methods else []
        out += [row("POST", base, update, *args)] if "POST" in methods else []
        return out + [
            row(m, f"{base}/{item}", get if m == "GET" else update, *args)
            for m in methods
            if m != "POST"
        ]

    return Actions(rows)
