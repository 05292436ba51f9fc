"""The one record store of every API on the admin port: JSON-object records of each kind
under a root key of the config store (`{root}/{kind}/{parts...}`), and the ids POST gives.

Every record write goes through `Records.write`. Name uniqueness is checked today by the
resources that need it, under their API's write lock; a unique index belongs in `write`:
for a record created (`expect_mod_revision=0`), a `{root}/{kind}_names/{name}` key written
in the same store transaction, with create_revision == 0 as its condition on etcd.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..store import KeyValue, RevisionConflict, Store

Record = dict[str, Any]


@dataclass(frozen=True)
class IdRule:
    """How a new record is named: a random UUID, or (with a `counter` key, relative to the
    root) the store revision of a write to that key, rendered as text. The revision is
    what APISIX's `etcd.push` uses: unique for the store's lifetime, in creation order."""

    counter: str | None = None
    render: Callable[[int], str] = str


UUID_IDS = IdRule()


class Records:
    """Get, list, write and delete the records of one API, keyed by kind and id."""

    def __init__(self, store: Store, root: str, ids: IdRule = UUID_IDS) -> None:
        self.store = store
        self.root = root.rstrip("/")
        self.ids = ids

    def key(self, kind: str, *parts: str) -> str:
        return "/".join((self.root, kind, *parts))

    def new_id(self) -> str:
        if self.ids.counter is None:
            return str(uuid.uuid4())
        kv = self.store.put(f"{self.root}/{self.ids.counter}", 1)
        return self.ids.render(kv.mod_revision)

    def entry(self, kind: str, *parts: str) -> KeyValue | None:
        """The stored key-value (with its revisions), whatever its value."""
        return self.store.get(self.key(kind, *parts))

    def get(self, kind: str, *parts: str) -> Record | None:
        """The record, or None (also for a stored value that is not a JSON object)."""
        kv = self.entry(kind, *parts)
        return kv.value if kv is not None and isinstance(kv.value, dict) else None

    def entries(self, kind: str, *parts: str, direct: bool = False) -> list[KeyValue]:
        """Every key-value under a directory; `direct`: only those directly in it."""
        base = self.key(kind, *parts) + "/"
        kvs, _ = self.store.range(base)
        return [kv for kv in kvs if not direct or "/" not in kv.key[len(base) :]]

    def all(self, kind: str, *parts: str, direct: bool = False) -> list[Record]:
        """Every record under a directory (values that are not JSON objects are none)."""
        kvs = self.entries(kind, *parts, direct=direct)
        return [kv.value for kv in kvs if isinstance(kv.value, dict)]

    def where(self, kind: str, field: str, value: str) -> list[Record]:
        return [obj for obj in self.all(kind) if obj.get(field) == value]

    def write(
        self,
        key: str,
        obj: Record,
        *,
        expect_mod_revision: int | None = None,
        ttl: int | None = None,
    ) -> None:
        """The one write of a record (`key` under the root): unconditional, or only while
        the key is at `expect_mod_revision` (0: absent; else RevisionConflict)."""
        self.store.put(key, obj, expect_mod_revision=expect_mod_revision, ttl=ttl)

    def put(self, kind: str, obj: Record, *parts: str, ttl: int | None = None) -> Record:
        """Write `obj` under `parts` (default: its own id)."""
        self.write(self.key(kind, *(parts or (obj["id"],))), obj, ttl=ttl)
        return obj

    def create(self, kind: str, obj: Record, *parts: str, ttl: int | None = None) -> bool:
        """Write `obj` unless its key exists; True if written."""
        try:
            key = self.key(kind, *(parts or (obj["id"],)))
            self.write(key, obj, expect_mod_revision=0, ttl=ttl)
        except RevisionConflict:
            return False
        return True

    def delete(self, kind: str, *parts: str) -> bool:
        return self.store.delete(self.key(kind, *parts)) is not None
