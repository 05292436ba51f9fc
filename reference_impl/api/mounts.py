"""Where each collection is served: mounting a collection under an API's prefix is what
puts its endpoints, with their IAM actions, into the enforcement table
(`reference_impl.iam.endpoints`)."""

from __future__ import annotations

from dataclasses import dataclass

from .actions import Actions, Endpoint
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
