"""Where each endpoint is served, with its IAM action: mounting a collection under an
API's prefix puts its endpoints into the enforcement table
(`reference_impl.iam.endpoints`), and so does declaring an endpoint that is not a
collection's (an action such as publish or login) with `Operations(prefix)`. An app
serves its route table through `declared(prefix, table)`, which refuses a route without
a declared action: no endpoint can exist without one."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from .actions import Actions, Endpoint, row
from .collection import Collection


@dataclass(frozen=True)
class Mount:
    """A collection served at `base` (default: its own under `prefix`), its items at
    `{base}/{item}`, checked with `actions` (default: its own)."""

    prefix: str  # `/apisix/admin`, `/api`
    collection: Collection
    actions: Actions | None = None
    base: str | None = None
    item: str | None = None

    @property
    def list_path(self) -> str:
        return self.base or self.collection.base(self.prefix)

    @property
    def item_path(self) -> str:
        return f"{self.list_path}/{self.item or self.collection.item_pattern}"

    def endpoints(self) -> list[Endpoint]:
        actions = self.actions or self.collection.actions
        assert actions is not None  # checked when the collection's class was declared
        return actions.rows(self.list_path, self.item or self.collection.item_pattern)


MOUNTS: list[Mount] = []
# the endpoints declared one by one (`Operations`), with their full paths
OPERATIONS: list[Endpoint] = []

H = TypeVar("H")
Route = tuple[str, str, H]


def mount(
    prefix: str,
    collection: Collection,
    actions: Actions | None = None,
    *,
    base: str | None = None,
    item: str | None = None,
) -> Collection:
    MOUNTS.append(Mount(prefix, collection, actions, base, item))
    return collection


class Operations:
    """Declares endpoints served under one prefix, each with its IAM action; calling it
    gives the route row `(method, path, handler)` an app serves (the path relative to
    the prefix) and records the endpoint's row for the enforcement table."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __call__(
        self,
        method: str,
        path: str,
        handler: H,
        action: str | None,
        *args: str,
        resource: str | None = None,
        lists: str | None = None,
    ) -> Route[H]:
        """`action` None: any authenticated caller may call it (said explicitly)."""
        self.declare(method, path, action, *args, resource=resource, lists=lists)
        return method, path, handler

    def declare(
        self,
        method: str,
        path: str,
        action: str | None,
        *args: str,
        resource: str | None = None,
        lists: str | None = None,
        query: str | None = None,
    ) -> None:
        """The row of an endpoint no route table serves: one an app dispatches itself, or
        one the API documents that the reference refuses (a caller holding its action
        gets the 404 or 405, not a 403)."""
        OPERATIONS.append(
            row(
                method,
                self.prefix + path,
                action,
                *args,
                resource=resource,
                lists=lists,
                query=query,
            )
        )

    def same(
        self, routes: Iterable[Route[H]], get: str | None, update: str | None, *args: str
    ) -> list[Route[H]]:
        """Routes whose reads are checked as `get` and writes as `update`, on one ARN."""
        return [self(m, p, h, get if m == "GET" else update, *args) for m, p, h in routes]


def declared_endpoints() -> list[Endpoint]:
    """The rows of every collection mounted and every operation declared so far."""
    return [*(e for m in MOUNTS for e in m.endpoints()), *OPERATIONS]


def declared(prefix: str, *tables: list[Route[H]]) -> tuple[list[Route[H]], ...]:
    """The route tables of an app serving under `prefix`, once every route has a declared
    IAM action (a mounted collection's or an operation's); `TypeError` names the others."""
    known = {(e.method, _shape(e.path)) for e in declared_endpoints()}
    missing = [
        f"{m} {prefix}{p}"
        for table in tables
        for m, p, _ in table
        if (m, _shape(prefix + p)) not in known
    ]
    if missing:
        raise TypeError(f"endpoints without a declared IAM action: {', '.join(missing)}")
    return tables


def _shape(path: str) -> str:
    """A path with its parameters unnamed (`/a/{id}` and `/a/{a_id}` are one endpoint)."""
    return re.sub(r"\{[^}]*\}", "{}", path)
