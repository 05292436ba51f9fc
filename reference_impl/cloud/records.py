"""Cloud objects in the config store, under `/gwconform/cloud/{kind}/{id}`.

Ids look like the Cloud's own (decimal, no leading zero, `^[1-9][0-9]*$`): a large base
plus the store revision of a write to `/gwconform/cloud/gen_id`, so they are unique for the
store's lifetime and survive restarts with every persistent backend.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..store import Store

ROOT = "/gwconform/cloud"
ID_BASE = 370_000_000_000_000_000  # ids of the same magnitude as API7 Cloud's snowflake ids
ID_PATTERN = r"^[1-9][0-9]*$"


def iso_now() -> str:
    """RFC 3339 UTC time with microseconds: fixed width, so the text sorts like the time."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class CloudRecords:
    """Get, list, write and delete Cloud objects of one kind, keyed by id."""

    def __init__(self, store: Store, clock: Callable[[], str] = iso_now) -> None:
        self.store = store
        self.clock = clock

    @staticmethod
    def key(kind: str, *parts: str) -> str:
        return "/".join((ROOT, kind, *parts))

    def new_id(self) -> str:
        kv = self.store.put(f"{ROOT}/gen_id", int(time.time()))
        return str(ID_BASE + kv.mod_revision)

    def get(self, kind: str, *parts: str) -> dict[str, Any] | None:
        kv = self.store.get(self.key(kind, *parts))
        return kv.value if kv is not None and isinstance(kv.value, dict) else None

    def all(self, kind: str, *parts: str) -> list[dict[str, Any]]:
        kvs, _ = self.store.range(self.key(kind, *parts) + "/")
        return [kv.value for kv in kvs if isinstance(kv.value, dict)]

    def where(self, kind: str, field: str, value: str) -> list[dict[str, Any]]:
        return [obj for obj in self.all(kind) if obj.get(field) == value]

    def put(self, kind: str, obj: dict[str, Any], *parts: str) -> dict[str, Any]:
        self.store.put(self.key(kind, *(parts or (obj["id"],))), obj)
        return obj

    def delete(self, kind: str, *parts: str) -> bool:
        return self.store.delete(self.key(kind, *parts)) is not None

    def stamp(self, obj: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
        """Set `created_at` (kept from `previous`) and `updated_at` (now)."""
        now = self.clock()
        obj["created_at"] = previous["created_at"] if previous else now
        obj["updated_at"] = now
        return obj
