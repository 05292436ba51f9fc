"""The one record store of every API on the admin port: JSON-object records of each kind
under a root key of the config store (`{root}/{kind}/{parts...}`), and the ids POST gives.

Every record write goes through `Records.write`, every delete through `Records.remove`. A
kind may give its records unique names (a username; a consumer's name in its cluster): each
is an index key `{root}/unique/{name}`, created only while absent in the same store
transaction as the record (`Store.commit`) and deleted with it, so a name stays unique
however many control planes share the store.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..store import Delete, KeyValue, Put, RevisionConflict, Store

Record = dict[str, Any]
# the unique names of a record, each with the error that answers a request for it while
# another record holds it
UniqueNames = Callable[[Record], Mapping[str, Exception]]
UNIQUE_ATTEMPTS = 16  # an unconditional write re-read this often when others keep winning


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

    def __init__(
        self,
        store: Store,
        root: str,
        ids: IdRule = UUID_IDS,
        unique: Mapping[str, UniqueNames] | None = None,
    ) -> None:
        self.store = store
        self.root = root.rstrip("/")
        self.ids = ids
        self.unique = dict(unique or {})  # by kind

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
        names_of = self._unique_names(key)
        if names_of is None:
            self.store.put(key, obj, expect_mod_revision=expect_mod_revision, ttl=ttl)
            return
        if ttl is not None:
            raise ValueError(f"{key}: a record with unique names can't expire")
        self._indexed(key, obj, names_of, expect_mod_revision)

    def remove(self, key: str) -> bool:
        """Delete the record at `key` (and the unique names it held); False if absent."""
        names_of = self._unique_names(key)
        if names_of is None:
            return self.store.delete(key) is not None
        return self._indexed(key, None, names_of, None)

    def _indexed(
        self, key: str, obj: Record | None, names_of: UniqueNames, expected: int | None
    ) -> bool:
        """Write `obj` at `key` (None: delete it), taking the names it holds and giving up
        those the replaced value held, in one commit; False if there was nothing to delete."""
        for _ in range(UNIQUE_ATTEMPTS):
            old = self.store.get(key)
            actual = old.mod_revision if old else 0
            if expected is not None and actual != expected:
                raise RevisionConflict(key, expected, actual)
            if obj is None and old is None:
                return False
            held = names_of(old.value) if old and isinstance(old.value, dict) else {}
            wanted = names_of(obj) if obj is not None else {}
            taken = {self._name_key(n): e for n, e in wanted.items() if n not in held}
            op = Delete(key, actual) if obj is None else Put(key, obj, actual)
            try:
                self.store.commit(
                    [
                        op,
                        *(Put(name_key, key, expect_mod_revision=0) for name_key in taken),
                        *(Delete(self._name_key(n)) for n in held if n not in wanted),
                    ]
                )
            except RevisionConflict as exc:
                if exc.key in taken:
                    raise taken[exc.key] from None
                if expected is not None:
                    raise
                continue
            return True
        raise RevisionConflict(key, actual, actual)

    def _unique_names(self, key: str) -> UniqueNames | None:
        kind = key[len(self.root) + 1 :].split("/", 1)[0] if key.startswith(self.root) else ""
        return self.unique.get(kind)

    def _name_key(self, name: str) -> str:
        return f"{self.root}/unique/{name}"

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
        return self.remove(self.key(kind, *parts))
